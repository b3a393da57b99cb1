"""Reading and validating the TF sheet (``config/tfs.tsv``) with messages naming line and column."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from deepmotif.errors import InputError
from deepmotif.data.io import read_text

URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
SUMMARY_ROWS = ("mean", "median")  # rows of results/summary/auc_table.tsv beside the TFs
RESERVED_NAMES = ("summary", "igv", "benchmarks")  # folders of results/ beside the TFs' folders


def tf_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a TF (it becomes a folder and a command-line value), or None if it can.

    The sheet's pattern admits letters, digits and ``_ . ( ) + -``; of those names, ``.`` and ``..``
    are path steps, a leading ``-`` reads as an option, ``mean``/``median`` are summary rows and
    ``summary``, ``igv``, ``benchmarks`` folders of results/ beside the TFs' (:data:`RESERVED_NAMES`).
    """
    if name in (".", ".."):
        return f"{name!r} is a path step (results/{name}/ is not a folder of its own); rename the TF"
    if name.startswith("-"):
        return f"{name!r} starts with '-', which command-line tools read as an option; rename the TF"
    if name in SUMMARY_ROWS:
        return f"{name!r} is a summary row of results/summary/auc_table.tsv; rename the TF"
    if name in RESERVED_NAMES:
        return f"{name!r} is a folder of the pipeline's own (results/{name}/); rename the TF"
    return None


def _convert(value: str, spec: dict[str, Any]) -> Any:
    kind = spec.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value  # the schema reports the wrong type
    if kind == "boolean":
        return {"true": True, "false": False}.get(value.lower(), value)
    return value


def read_sheet(path: str | os.PathLike, schema: dict[str, Any]) -> pd.DataFrame:
    """Read a TF sheet, validate every row against ``schema`` and resolve relative paths.

    Columns whose schema has ``x-path: true`` hold paths or URLs; relative paths are resolved
    against the sheet's folder.

    Parameters
    ----------
    path: path
        Tab-separated sheet with a header line.
    schema: dict
        JSON schema of one row (``src/deepmotif/plan/schemas/tfs.schema.yaml``).

    Returns
    -------
    pandas.DataFrame
        One row per TF, indexed by ``tf``, in sheet order; empty cells are ``None``.
        ``attrs["path"]`` is the sheet and ``attrs["lines"]`` maps each tf to its line number.
    """
    from jsonschema import Draft202012Validator

    path = Path(path)
    if not path.is_file():
        raise InputError(f"TF sheet {path} does not exist; set `tfs:` in the config to a TSV file")
    # quotes are data in a TSV sheet: a '"' in a description must not swallow the rows after it
    reader = csv.reader(io.StringIO(read_text(path), newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    lines = [(n, row) for n, row in enumerate(reader, start=1)
             if row and not row[0].startswith("#") and any(cell.strip() for cell in row)]
    if not lines:
        raise InputError(f"{path} is empty; it needs a header line (tf, source, ...) and one row per TF")
    (_, header), rows = lines[0], lines[1:]
    header = [h.strip() for h in header]
    known = schema["properties"]
    unknown = [h for h in header if h not in known]
    if unknown:
        raise InputError(f"{path} line 1: unknown column {unknown[0]!r}; known columns are "
                         f"{', '.join(known)} (is the file tab-separated?)")
    if not rows:
        raise InputError(f"{path} has a header but no TF rows; add one row per TF")
    validator = Draft202012Validator(schema)
    records, seen = [], {}
    for n, cells in rows:
        if len(cells) > len(header):
            raise InputError(f"{path} line {n}: {len(cells)} fields but the header has {len(header)}; "
                             "check for stray tabs")
        record = {col: _convert(cell.strip(), known[col])
                  for col, cell in zip(header, cells) if cell.strip()}
        errors = sorted(validator.iter_errors(record), key=lambda e: list(e.path))
        if errors:
            err = errors[0]
            column = f", column {err.path[0]!r}" if err.path else ""
            raise InputError(f"{path} line {n}{column}: {err.message}")
        tf = record["tf"]
        problem = tf_name_problem(tf)
        if problem:
            raise InputError(f"{path} line {n}, column 'tf': {problem}")
        if tf in seen:
            raise InputError(f"{path} line {n}: TF id {tf!r} already used on line {seen[tf]}; "
                             "each row needs a unique tf")
        seen[tf] = n
        for col, value in record.items():
            if known[col].get("x-path") and not URL.match(value) and not os.path.isabs(value):
                record[col] = str((path.parent / value).resolve())
        records.append(record)
    df = pd.DataFrame([[r.get(c) for c in known] for r in records], columns=list(known), dtype=object)
    df = df.where(df.notna(), None)
    df = df.set_index("tf", drop=False)
    df.attrs["path"], df.attrs["lines"] = str(path), seen  # for messages: tf -> line number
    return df
