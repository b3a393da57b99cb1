"""Validation of ``config.yaml`` against its JSON schema, with one-line messages naming the key."""

from __future__ import annotations

import difflib
from typing import Any

from deepmotif.errors import InputError


def _key_path(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def check_config(config: dict[str, Any], schema: dict[str, Any], source: str = "config") -> None:
    """Raise :class:`InputError` for the first schema violation of ``config``.

    Unknown keys get a "did you mean" suggestion from the schema's known keys.

    Parameters
    ----------
    config: dict
        The merged configuration.
    schema: dict
        ``workflow/schemas/config.schema.yaml``.
    source: str, optional
        Name of the configuration in messages (e.g. the config file's path).
    """
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.path), list(map(str, e.path))))
    if not errors:
        return
    err = errors[0]
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
                             f"{', '.join(known)}")
    raise InputError(f"{source}: key {where!r}: {err.message}")
