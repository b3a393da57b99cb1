"""Lazy exports of a package: names imported from their submodule on first use.

So that reading results (dashboards, summaries) through ``deepmotif.interpret.motifs`` does not import
torch, and ``deepmotif.plan.config`` (read by ``deepmotif --help``) does not import pandas.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
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
