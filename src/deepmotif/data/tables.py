"""One home for the tables the stages hand each other: one atomic writer and the readers of the shared
tables, with the column types that keep ids, chromosomes and alleles as text (``"1"``, ``"NA"``, ``"T"``
stay strings).
"""

from __future__ import annotations

import os

import pandas as pd

from deepmotif.data.io import atomic_path, open_text
from deepmotif.errors import InputError


def write_table(table: pd.DataFrame, path: str | os.PathLike, float_format: str | None = None,
                sep: str = "\t") -> None:
    """Write ``table`` without its index, atomically: ``path`` appears only once the table is complete.

    Parameters
    ----------
    table: pandas.DataFrame
    path: path
        Destination; its folder must exist.
    float_format: str or None, optional
        ``"%.4g"`` and the like; None writes floats in full. Default None.
    sep: str, optional
        Column separator. Default tab.
    """
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep=sep, index=False, float_format=float_format)


def read_positives(path: str | os.PathLike) -> pd.DataFrame:
    """Read ``positives.tsv`` of ``deepmotif extract``: ``id seq`` (+ ``chrom start end``)."""
    try:
        df = pd.read_csv(open_text(path), sep="\t", dtype={"id": str, "chrom": str, "seq": str})
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as e:
        raise InputError(f"{path}: not a positives table ({e}); expected a TSV with id and seq (and chrom "
                         "start end), as written by deepmotif extract") from None
    missing = {"id", "seq"} - set(df.columns)
    if missing:
        raise InputError(f"{path}: missing columns {sorted(missing)}; expected a TSV with id and seq "
                         "(and chrom start end), as written by deepmotif extract")
    return df


PLANTED_COLUMNS = ("peak", "chrom", "motif_id", "start", "end", "strand")


def read_planted(path: str | os.PathLike) -> pd.DataFrame:
    """Read ``planted.tsv`` of ``deepmotif simulate``: one row per planted motif site.

    Raises
    ------
    InputError
        A column of :data:`PLANTED_COLUMNS` is missing.
    """
    df = pd.read_csv(path, sep="\t", dtype={"peak": str, "chrom": str, "motif_id": str})
    missing = [c for c in PLANTED_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing columns {missing}; expected planted.tsv as written by deepmotif simulate")
    return df


def read_variant_table(path: str | os.PathLike) -> pd.DataFrame:
    """A variant table of ``deepmotif score-variants`` or ``summarize-variants`` (ids and alleles kept as text)."""
    return pd.read_csv(path, sep="\t", dtype={"chrom": str, "id": str, "ref": str, "alt": str, "tf": str,
                                               "arch": str}, keep_default_na=False)
