"""Negative sequences: dinucleotide shuffles of the positives (as the paper) or GC-matched background.

``sequence.negatives: shuffle`` (default) pairs each positive with a dinucleotide shuffle of itself;
``gc_matched`` draws genomic windows outside all peaks, on the positive's chromosome, with the same GC
content (binned), so that a model cannot separate the classes by base composition alone.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence

import numpy as np
import pandas as pd

from deepmotif.data.encoding import decode, one_hot
from deepmotif.errors import InputError

log = logging.getLogger(__name__)


def dinucleotide_shuffles(seqs: Sequence[str], seed: int = 0) -> list[str]:
    """One dinucleotide-preserving shuffle of each sequence (tangermeme's Eulerian-path shuffle).

    Each shuffle keeps the sequence's first and last base and its exact dinucleotide counts.

    Parameters
    ----------
    seqs: sequence of str
        Equal-length sequences over ``ACGT`` only (remove sequences with ``N`` first).
    seed: int, optional
        Random seed. Default 0.

    Returns
    -------
    list of str
    """
    import torch
    from tangermeme.ersatz import dinucleotide_shuffle

    if len(seqs) == 0:
        return []
    bad = next((i for i, s in enumerate(seqs) if set(s) - set("ACGT")), None)
    if bad is not None:
        raise ValueError(f"sequence {bad} contains bases other than ACGT; drop such sequences first")
    X = torch.from_numpy(one_hot(seqs))
    shuffled = dinucleotide_shuffle(X, n=1, random_state=seed)[:, 0]
    return decode(shuffled.numpy())


def gc_content(seqs: Sequence[str]) -> np.ndarray:
    """Fraction of G or C per sequence."""
    return np.array([(s.count("G") + s.count("C")) / max(len(s), 1) for s in seqs])


def gc_bins(gc: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin index of each GC fraction in ``n_bins`` equal-width bins over [0, 1]."""
    return np.minimum((np.asarray(gc) * n_bins).astype(np.int64), n_bins - 1)


def background_windows(
    positives: pd.DataFrame, fasta: str | os.PathLike, exclude: pd.DataFrame, n_candidates: int = 4,
    seed: int = 0,
) -> pd.DataFrame:
    """Random windows of the positives' lengths on their chromosomes, outside ``exclude`` (bedtools shuffle).

    Parameters
    ----------
    positives: pandas.DataFrame
        ``chrom start end``; each window is placed ``n_candidates`` times on its own chromosome.
    fasta: path
        Indexed genome FASTA (chromosome sizes from its ``.fai``).
    exclude: pandas.DataFrame
        ``chrom start end`` regions no window may overlap (all peaks, blacklist).

    Returns
    -------
    pandas.DataFrame
        ``chrom start end seq`` of the candidate windows without ``N``.
    """
    import pybedtools

    from deepmotif.data.genome import chrom_sizes, extract_sequences
    from deepmotif.data.intervals import bedtools_tempdir

    sizes = chrom_sizes(fasta)
    windows = positives.loc[positives["chrom"].isin(list(sizes)), ["chrom", "start", "end"]]
    windows = pd.concat([windows] * n_candidates, ignore_index=True)
    with tempfile.TemporaryDirectory(prefix="deepmotif-gc.") as tmp:
        genome = os.path.join(tmp, "genome.txt")
        with open(genome, "w") as handle:
            handle.writelines(f"{name}\t{size}\n" for name, size in sizes.items())
        excl = os.path.join(tmp, "exclude.bed")
        regions = exclude[["chrom", "start", "end"]]
        regions = regions[regions["chrom"].isin(list(sizes))].sort_values(["chrom", "start"])
        regions.to_csv(excl, sep="\t", header=False, index=False)
        try:
            with bedtools_tempdir():
                shuffled = pybedtools.BedTool.from_dataframe(windows).shuffle(
                    g=genome, excl=excl, chrom=True, seed=seed, noOverlapping=True)
                placed = shuffled.to_dataframe(disable_auto_names=True, header=None,
                                               names=["chrom", "start", "end"],
                                               dtype={"chrom": str, "start": np.int64, "end": np.int64})
        except pybedtools.helpers.BEDToolsError as e:
            raise InputError(f"bedtools shuffle could not place {len(windows)} background windows in {fasta} "
                             f"outside {len(regions)} excluded regions ({str(e).strip()[-300:]}); the genome "
                             "is too small or too densely covered by peaks for gc_matched negatives, use "
                             "sequence.negatives: shuffle") from e
    placed["seq"] = extract_sequences(placed, fasta)
    clean = ~placed["seq"].str.contains("[^ACGT]", regex=True)
    return placed[clean].reset_index(drop=True)


def match_gc(
    positives: pd.DataFrame, candidates: pd.DataFrame, n_bins: int = 20, seed: int = 0,
) -> pd.DataFrame:
    """Pick one candidate per positive from the same chromosome and GC bin (the nearest bin if empty).

    Returns
    -------
    pandas.DataFrame
        ``id chrom start end seq pair``: ``pair`` is the positional index of the matched positive;
        positives left without a candidate on their chromosome are absent.
    """
    rng = np.random.default_rng(seed)
    pos_bin = gc_bins(gc_content(positives["seq"]), n_bins)
    cand_bin = gc_bins(gc_content(candidates["seq"]), n_bins)
    picked, pairs, moved = [], [], 0
    for chrom, index in positives.groupby("chrom", sort=False).indices.items():
        pool: dict[int, list[int]] = {}
        for i in rng.permutation(np.flatnonzero((candidates["chrom"] == chrom).to_numpy())):
            pool.setdefault(int(cand_bin[i]), []).append(int(i))
        for p in rng.permutation(index):
            want = int(pos_bin[p])
            order = sorted((b for b in pool if pool[b]), key=lambda b: (abs(b - want), b))
            if not order:
                continue
            moved += order[0] != want
            picked.append(pool[order[0]].pop())
            pairs.append(int(p))
    out = candidates.iloc[picked][["chrom", "start", "end", "seq"]].reset_index(drop=True)
    out.insert(0, "id", [f"{positives['id'].iloc[p]}_bg" for p in pairs])
    out["pair"] = pairs
    log.info("GC-matched negatives: %d of %d positives matched (%d from a neighbouring GC bin); mean GC "
             "%.3f (positives) vs %.3f (negatives)", len(out), len(positives), moved,
             float(gc_content(positives["seq"]).mean()), float(gc_content(out["seq"]).mean()) if len(out) else 0)
    return out.sort_values("pair", kind="stable").reset_index(drop=True)


def gc_matched_negatives(
    positives: pd.DataFrame, fasta: str | os.PathLike, exclude: pd.DataFrame, n_bins: int = 20,
    n_candidates: int = 4, seed: int = 0,
) -> pd.DataFrame:
    """Genomic background outside all peaks, GC-matched to each positive on its chromosome.

    Parameters
    ----------
    positives: pandas.DataFrame
        ``id chrom start end seq`` (``positives.tsv`` of ``deepmotif extract``).
    fasta: path
        The genome the positives come from (indexed FASTA).
    exclude: pandas.DataFrame
        ``chrom start end`` of every peak of the TF (not only the kept ones) and of blacklisted regions.
    n_bins: int, optional
        Equal-width GC bins over [0, 1]. Default 20 (5 % GC each).
    n_candidates: int, optional
        Random windows drawn per positive to choose from. Default 4.
    seed: int, optional
        Seed of bedtools shuffle and of the matching. Default 0.

    Returns
    -------
    pandas.DataFrame
        ``id chrom start end seq pair`` (see :func:`match_gc`).

    Examples
    --------
    >>> negatives = gc_matched_negatives(positives, "hg38.fa", peaks)   # doctest: +SKIP
    >>> positives.iloc[negatives["pair"]]["chrom"].tolist() == negatives["chrom"].tolist()  # doctest: +SKIP
    True
    """
    missing = {"chrom", "start", "end", "seq"} - set(positives.columns)
    if missing:
        raise InputError(f"gc_matched negatives need genomic positives with columns chrom start end seq "
                         f"(missing {sorted(missing)}); use sequence.negatives: shuffle for imported datasets")
    exclude = pd.concat([exclude[["chrom", "start", "end"]], positives[["chrom", "start", "end"]]])
    candidates = background_windows(positives, fasta, exclude, n_candidates, seed)
    negatives = match_gc(positives, candidates, n_bins, seed)
    if len(negatives) == 0:
        raise InputError(f"no background windows without N found in {fasta} outside the peaks; use "
                         "sequence.negatives: shuffle")
    return negatives
