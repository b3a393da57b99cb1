"""Lazy exports of a package: names imported from their submodule on first use.

So that reading results (dashboards, summaries) through ``deepmotif.interpret.motifs`` does not import
torch, and ``deepmotif.plan.config`` (read by ``deepmotif --help``) does not import pandas.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any


def lazy_getattr(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``name`` comes from ``package.<exports[name]>``.

    Parameters
    ----------
    package: str
        The package's ``__name__``.
    exports: mapping of str to str
        Name → submodule that defines it.

    Examples
    --------
    >>> __getattr__ = lazy_getattr(__name__, {"Plan": "plan"})  # doctest: +SKIP
    """

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


def import_skipping_package_init(name: str) -> ModuleType:
    """Import the submodule ``name`` (``finemo.hitcaller``) without running its package's ``__init__``.

    For a package whose ``__init__`` imports every submodule, plotting ones too: ``finemo``'s pulls in
    matplotlib, jinja2 and its report code (~1.5 s of CPU per process) where the pipeline calls only
    ``finemo.hitcaller`` and ``finemo.data_io``. The package is registered as an empty module (its
    ``__init__`` skipped) unless it is imported already; its submodules import as usual, each on demand.

    Parameters
    ----------
    name: str
        ``package.submodule``.

    Returns
    -------
    types.ModuleType
        The submodule.
    """
    package = name.split(".")[0]
    if package not in sys.modules:
        spec = importlib.util.find_spec(package)
        if spec is None:
            raise ModuleNotFoundError(f"No module named {package!r}", name=package)
        sys.modules[package] = importlib.util.module_from_spec(spec)  # not executed: __init__ skipped
    return importlib.import_module(name)


def import_submodule_alone(name: str) -> ModuleType:
    """The submodule ``name`` (``memelite.io``) loaded from its file on its own: its package not imported.

    For a submodule that imports nothing of its package while the package's ``__init__`` is costly:
    ``memelite``'s imports its numba code (numba ~0.4 s of CPU per process) where reading a MEME file
    needs only ``memelite.io`` (``re`` and numpy). Unlike :func:`import_skipping_package_init` the
    package is not registered, so a later ``from memelite import tomtom`` in the same process gets the
    package as usual. The module is kept in ``sys.modules`` under ``deepmotif.runtime.lazy.<name>``.

    Parameters
    ----------
    name: str
        ``package.submodule``; the submodule may not import from its package (relative imports fail).

    Returns
    -------
    types.ModuleType
    """
    key = f"{__name__}.{name}"
    if key in sys.modules:
        return sys.modules[key]
    package, _, sub = name.partition(".")
    spec = importlib.util.find_spec(package)  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations or not sub or "." in sub:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    paths = [os.path.join(folder, f"{sub}.py") for folder in spec.submodule_search_locations]
    path = next((p for p in paths if os.path.isfile(p)), None)
    if path is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    module_spec = importlib.util.spec_from_file_location(key, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[key] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[key]
        raise
    return module
