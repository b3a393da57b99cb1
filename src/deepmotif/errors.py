"""Errors that are the user's to fix.

Every problem with an input file or configuration is raised as :class:`InputError` whose message
names the file, the line (when there is one) and what to do. The command-line interface prints the
message alone, without a traceback, and exits with status 2.
"""

from __future__ import annotations

import os


class InputError(ValueError):
    """A problem with user input (file, sheet or config) that the user can fix."""


def where(path: str | os.PathLike, line: int | None = None) -> str:
    """Format a location as ``path line N`` for error messages."""
    return f"{path} line {line}" if line is not None else f"{path}"


def excerpt(text: str, limit: int = 40) -> str:
    """``repr`` of ``text`` cut to ``limit`` characters, for quoting user data in one-line messages.

    Examples
    --------
    >>> excerpt("ACGT" * 30, 10)
    "'ACGTACGTAC' ... (120 characters)"
    """
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r} ... ({len(text)} characters)"
