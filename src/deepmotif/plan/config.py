"""The configuration: validation against its JSON schema (one-line messages naming the key) and defaults.

Every default lives in ``src/deepmotif/plan/schemas/config.schema.yaml`` (``default:``); :func:`apply_defaults`
fills them in, and :func:`training_defaults` gives the library the training defaults from there.
"""

from __future__ import annotations

import copy
import difflib
import functools
import math
from pathlib import Path
from typing import Any

import yaml

from deepmotif.errors import InputError

# package data (pyproject.toml), so an installed package validates too; the workflow reads these same files
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def _key_path(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


@functools.cache
def _load(name: str) -> dict[str, Any]:
    path = SCHEMA_DIR / name
    if not path.is_file():
        raise InputError(f"{path} not found; reinstall deepmotif (its schemas are package data of deepmotif.plan)")
    # libyaml's loader when PyYAML has it: the same data, a sixth of the CPU (every command's parser reads
    # defaults from the schema)
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_schema(name: str = "config") -> dict[str, Any]:
    """A schema of ``deepmotif/plan/schemas``: ``config`` (config.yaml) or ``tfs`` (one TF sheet row); a copy."""
    return copy.deepcopy(_load(f"{name}.schema.yaml"))


def check_config(config: dict[str, Any], schema: dict[str, Any], source: str = "config") -> None:
    """Raise :class:`InputError` for the first schema violation of ``config``.

    Unknown keys get a "did you mean" suggestion from the schema's known keys.

    Parameters
    ----------
    config: dict
        The merged configuration.
    schema: dict
        ``src/deepmotif/plan/schemas/config.schema.yaml``.
    source: str, optional
        Name of the configuration in messages (e.g. the config file's path).
    """
    from jsonschema import Draft202012Validator

    check_finite(config, source)
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.path), list(map(str, e.path))))
    if not errors:
        return
    err = errors[0]
    while err.context:  # allOf / anyOf: the deepest cause names the key
        err = sorted(err.context, key=lambda e: -len(e.absolute_path))[0]
    where = _key_path(err.absolute_path)
    if err.validator == "additionalProperties":
        known = list(err.schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(known)) if isinstance(err.instance, dict) else []
        if extra:
            key = extra[0]
            full = f"{where}.{key}" if err.absolute_path else key
            hint = difflib.get_close_matches(key, known, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise InputError(f"{source}: unknown key {full!r}{suggestion} Known keys here: "
                             f"{', '.join(known) or '(none)'}")
    raise InputError(f"{source}: key {where!r}: {err.message}")


def check_finite(config: Any, source: str = "config") -> None:
    """Raise :class:`InputError` naming the first key whose value is NaN or infinite.

    JSON schema cannot say "finite": NaN passes every ``minimum`` (comparisons with NaN are false),
    and YAML writes it ``.nan`` (infinity ``.inf``). No setting of deepmotif means anything with them.
    """
    stack: list[tuple[tuple, Any]] = [((), config)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"{source}: key {_key_path(path)!r}: {value} is not a finite number; give a number "
                             "(YAML .nan and .inf are not allowed here)")
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        stack.extend(((*path, key), sub) for key, sub in reversed(list(items)))


def check_training_params(params: dict[str, Any], source: str) -> None:
    """Check training parameters (``training.<arch>`` of the config, or ``deepmotif train --params``).

    Raises
    ------
    InputError
        Naming the key: unknown keys, wrong types, values out of range, NaN or infinity.
    """
    root = load_schema("config")
    check_config(params, {**root["$defs"]["training"], "$defs": root["$defs"]}, source)


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/"):
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        return {**_resolve(target, root), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def apply_defaults(config: dict[str, Any], schema: dict[str, Any], _root: dict[str, Any] | None = None) -> None:
    """Fill in the schema's ``default`` values, recursively, in place (as Snakemake's ``set_default``).

    A missing key whose schema has a ``default`` gets a copy of it; objects present (or just filled in)
    get their own properties' defaults. Entries of ``additionalProperties`` mappings (``genomes``,
    per-architecture ``training`` sections) get the defaults of their schema too.

    Parameters
    ----------
    config: dict
        A configuration valid against ``schema``; modified.
    schema: dict
        Its JSON schema (local ``$ref`` resolved).
    """
    root = schema if _root is None else _root
    schema = _resolve(schema, root)
    properties = schema.get("properties", {})
    for key, sub in properties.items():
        sub = _resolve(sub, root)
        if key not in config and "default" in sub:
            config[key] = copy.deepcopy(sub["default"])
        if isinstance(config.get(key), dict):
            apply_defaults(config[key], sub, root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key, value in config.items():
            if key not in properties and isinstance(value, dict):
                apply_defaults(value, extra, root)


def config_section(name: str, values: dict[str, Any], source: str = "settings") -> dict[str, Any]:
    """A section of the config as a command receives it: checked against the schema, defaults filled in.

    A rule hands a command its config section once (``--settings`` JSON); keys left out take the schema's
    defaults, so the command also runs alone with ``--settings '{}'``.

    Parameters
    ----------
    name: str
        A top-level key of the config (``interpret``, ...).
    values: dict
        The section's values; not modified.
    source: str, optional
        Where the values come from, for messages.

    Returns
    -------
    dict
        A copy of ``values`` with every schema default filled in.

    Raises
    ------
    InputError
        For the first schema violation, naming the key (unknown keys get a "did you mean").
    """
    root = load_schema("config")
    schema = {**_resolve(root["properties"][name], root), "$defs": root.get("$defs", {})}
    section = copy.deepcopy(values)
    check_config(section, schema, f"{source} (config section {name!r})")
    apply_defaults(section, schema, root)
    return section


def training_defaults() -> dict[str, Any]:
    """The training parameters every architecture starts from: ``training.default`` of the schema."""
    schema = load_schema("config")
    config: dict[str, Any] = {}
    apply_defaults(config, schema["properties"]["training"]["properties"]["default"], schema)
    return config


def schema_default(key: str) -> Any:
    """The schema's default of a dotted config key, for command-line defaults that must agree with it.

    >>> schema_default("interpret.class_optimization.steps")
    500

    Raises
    ------
    KeyError
        If the key is not in the schema or has no default.
    """
    root = _load("config.schema.yaml")  # read only: the default is copied below
    schema = root
    for part in key.split("."):
        schema = _resolve(_resolve(schema, root)["properties"][part], root)
    if "default" not in schema:
        raise KeyError(f"config key {key!r} has no default in the schema")
    return copy.deepcopy(schema["default"])
