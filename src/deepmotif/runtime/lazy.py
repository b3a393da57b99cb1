"""Lazy exports of a package: names imported from their submodule on first use.

So that reading results (dashboards, summaries) through ``deepmotif.interpret.motifs`` does not import
torch, and ``deepmotif.plan.config`` (read by ``deepmotif --help``) does not import pandas.
"""

from __future__ import annotations

import importlib
import importlib.util
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
