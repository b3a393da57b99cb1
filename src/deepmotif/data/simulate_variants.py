"""Ground-truth variants for a simulated TF: a VCF of motif-breaking, motif-creating and neutral SNVs.

Given the simulated genome, its ``planted.tsv`` and the JASPAR matrices of the planted motifs, draw
single-nucleotide variants of four classes (INFO ``CLASS``):

``break``
    In a planted site, at the position of highest information content whose planted base is the
    matrix's most likely one; ALT is the least likely base there (a loss of binding is expected).
``create``
    Far from every planted site (``far`` bp), one base change that turns a near-match into a match:
    the motif's log-odds score (log2 over a uniform background) of the best k-mer through the
    variant is below ``threshold`` before and at least ``threshold`` after. ``threshold`` is the
    ``quantile`` (default 0.1) of the scores of sites drawn from the matrix, i.e. what a planted site
    scores (a gain of binding is expected).
``neutral_far``
    Far from every planted site, in windows with no k-mer scoring ``threshold`` before or after the
    change; ALT uniform among the other bases.
``neutral_flat``
    In a planted site at a position whose information content is below ``flat_bits`` (default 0.5
    bit), ALT a base the matrix finds about as likely as REF (probability at least 0.15).

INFO also carries ``MOTIF`` (JASPAR id) and ``PEAK`` (the planted peak, ``.`` far from peaks).
Everything is drawn from ``numpy.random.default_rng(seed)``: the same inputs and seed give the same
VCF. Positions are unique and at least ``length // 2`` bp from a chromosome end, so the scoring
window never runs off.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from deepmotif.data.simulate import Motif
from deepmotif.errors import InputError

log = logging.getLogger(__name__)

CLASSES = ("break", "create", "neutral_far", "neutral_flat")
CODE = np.full(256, 4, dtype=np.int64)
for _i, _b in enumerate("ACGT"):
    CODE[ord(_b)] = _i
    CODE[ord(_b.lower())] = _i
COMPLEMENT = np.array([3, 2, 1, 0])


def log_odds(pwm: np.ndarray) -> np.ndarray:
    """log2(p / 0.25) of a probability matrix ``(4, k)``."""
    return np.log2(np.clip(pwm, 1e-6, None) / 0.25)


def information_bits(pwm: np.ndarray) -> np.ndarray:
    """Information content per position of a probability matrix ``(4, k)``, in bits."""
    p = np.clip(pwm, 1e-9, None)
    return 2.0 + (p * np.log2(p)).sum(axis=0)


def site_threshold(pwm: np.ndarray, quantile: float = 0.1, n: int = 2000, seed: int = 0) -> float:
    """The ``quantile`` of log-odds scores of ``n`` sites drawn from ``pwm``: what a planted site scores."""
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(pwm, axis=0)
    idx = np.minimum((rng.random((n, pwm.shape[1]))[:, None, :] > cumulative[None]).sum(axis=1), 3)
    scores = log_odds(pwm)[idx, np.arange(pwm.shape[1])].sum(axis=1)
    return float(np.quantile(scores, quantile))


def kmer_scores(codes: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Log-odds score of every k-mer of a coded sequence (N scores -inf), both strands.

    Returns
    -------
    numpy.ndarray, shape=(2, len(codes) - k + 1)
        Forward strand, then reverse (the k-mer read as its reverse complement).
    """
    k = lo.shape[1]
    padded = np.vstack([lo, np.full((1, k), -np.inf)])  # code 4 = N
    rc = padded[np.r_[COMPLEMENT, 4]][:, ::-1]
    windows = np.lib.stride_tricks.sliding_window_view(codes, k)
    cols = np.arange(k)
    return np.stack([padded[windows, cols].sum(axis=1), rc[windows, cols].sum(axis=1)])


def _far_mask(size: int, sites: pd.DataFrame, far: int, margin: int) -> np.ndarray:
    """True at positions ``far`` bp or more from every site and ``margin`` bp from the ends."""
    mask = np.zeros(size, dtype=bool)
    mask[margin:size - margin] = True
    for start, end in sites[["start", "end"]].to_numpy():
        mask[max(0, start - far):min(size, end + far)] = False
    return mask


def _break_and_flat(genome: Mapping[str, str], planted: pd.DataFrame, motifs: Mapping[str, Motif],
                    flat_bits: float, rng: np.random.Generator) -> list[tuple]:
    rows = []
    for peak, chrom, start, end, strand, motif_id in planted[
            ["peak", "chrom", "start", "end", "strand", "motif_id"]].itertuples(index=False):
        pwm = motifs[motif_id].pwm
        ic = information_bits(pwm)
        site = CODE[np.frombuffer(genome[chrom][start:end].encode(), dtype=np.uint8)]
        motif_codes = site if strand == "+" else COMPLEMENT[site[::-1] % 4]  # planted sites have no N

        def genome_pos(j: int) -> int:
            return start + j if strand == "+" else end - 1 - j

        def genome_base(b: int) -> str:
            return "ACGT"[b if strand == "+" else COMPLEMENT[b]]

        best = np.argmax(pwm, axis=0)
        eligible = [j for j in np.argsort(-ic, kind="stable") if motif_codes[j] == best[j]]
        if eligible:
            j = int(eligible[0])
            alt = int(np.argmin(pwm[:, j]))
            rows.append((chrom, genome_pos(j), genome_base(motif_codes[j]), genome_base(alt), "break",
                         motif_id, peak))
        flat = [j for j in range(pwm.shape[1]) if ic[j] < flat_bits]
        if flat:
            j = int(rng.choice(flat))
            ref = motif_codes[j]
            others = [b for b in range(4) if b != ref and pwm[b, j] >= 0.15]
            if others:
                alt = int(min(others, key=lambda b: abs(pwm[b, j] - pwm[ref, j])))
                rows.append((chrom, genome_pos(j), genome_base(ref), genome_base(alt), "neutral_flat",
                             motif_id, peak))
    return rows


def _changes_a_match(codes: np.ndarray, p: int, alt: int, motifs: Mapping[str, Motif],
                     thresholds: Mapping[str, float]) -> bool:
    """Whether any k-mer through position ``p`` scores ``threshold`` or more before or after REF→ALT."""
    for motif_id, motif in motifs.items():
        lo = log_odds(motif.pwm)
        k = lo.shape[1]
        before = codes[max(0, p - k + 1):p + k]
        after = before.copy()
        after[p - max(0, p - k + 1)] = alt
        if max(kmer_scores(before, lo).max(), kmer_scores(after, lo).max()) >= thresholds[motif_id]:
            return True
    return False


def _far_variants(genome: Mapping[str, str], planted: pd.DataFrame, motifs: Mapping[str, Motif],
                  thresholds: Mapping[str, float], n: int, far: int, length: int,
                  rng: np.random.Generator) -> list[tuple]:
    """Every ``create`` candidate and up to ``n`` ``neutral_far`` variants per chromosome."""
    rows = []
    half = length // 2
    for chrom, seq in genome.items():
        codes = CODE[np.frombuffer(seq.encode(), dtype=np.uint8)]
        mask = _far_mask(len(seq), planted[planted["chrom"] == chrom], far, half + 1)
        if not mask.any():
            continue
        cur = np.where(codes < 4, codes, 0)
        for motif_id, motif in motifs.items():
            lo, thr = log_odds(motif.pwm), thresholds[motif_id]
            k = lo.shape[1]
            scores = kmer_scores(codes, lo)
            windows = np.lib.stride_tricks.sliding_window_view(cur, k)
            for strand, table in enumerate((lo, lo[COMPLEMENT][:, ::-1])):
                gain = table.max(axis=0)[None, :] - table[windows, np.arange(k)]  # best change per k-mer
                j = gain.argmax(axis=1)
                improved = scores[strand] + gain[np.arange(len(j)), j]
                pos = np.arange(len(j)) + j
                for start in np.flatnonzero((improved >= thr) & (scores[strand] < thr) & mask[pos]):
                    p = int(pos[start])
                    rows.append((chrom, p, seq[p], "ACGT"[int(table[:, j[start]].argmax())], "create",
                                 motif_id, "."))
        free = np.flatnonzero(mask & (codes < 4))
        picks = rng.choice(free, size=min(3 * n, len(free)), replace=False) if len(free) else []
        kept = 0
        for p in (int(x) for x in picks):
            alt = int(rng.choice([b for b in range(4) if b != codes[p]]))
            if kept < n and not _changes_a_match(codes, p, alt, motifs, thresholds):
                rows.append((chrom, p, seq[p], "ACGT"[alt], "neutral_far", ".", "."))
                kept += 1
    return rows


def simulate_variants(
    genome: Mapping[str, str],
    planted: pd.DataFrame,
    motifs: Mapping[str, Motif],
    n_per_class: int = 100,
    seed: int = 0,
    far: int = 1000,
    length: int = 101,
    quantile: float = 0.1,
    flat_bits: float = 0.5,
) -> pd.DataFrame:
    """Ground-truth SNVs of the four classes (module docstring), at most ``n_per_class`` each.

    Parameters
    ----------
    genome: mapping of str to str
        The simulated genome (with the motifs planted).
    planted: pandas.DataFrame
        ``planted.tsv``: ``peak chrom start end strand motif_id``.
    motifs: mapping of str to Motif
        The planted matrices by JASPAR id.

    Returns
    -------
    pandas.DataFrame
        ``chrom pos ref alt class motif_id peak`` sorted by chromosome (genome order) and position;
        ``pos`` is 1-based (VCF).
    """
    missing = sorted(set(planted["motif_id"]) - set(motifs))
    if missing:
        raise InputError(f"planted motifs {missing} have no matrix; give their JASPAR ids")
    rng = np.random.default_rng(seed)
    thresholds = {m: site_threshold(motif.pwm, quantile, seed=seed) for m, motif in motifs.items()}
    rows = _break_and_flat(genome, planted, motifs, flat_bits, rng)
    per_chrom = -(-n_per_class * 4 // max(len(genome), 1))
    rows += _far_variants(genome, planted, motifs, thresholds, per_chrom, far, length, rng)
    table = pd.DataFrame(rows, columns=["chrom", "pos", "ref", "alt", "class", "motif_id", "peak"])
    table = table.drop_duplicates(["chrom", "pos"], keep="first")
    sizes = {c: len(s) for c, s in genome.items()}
    half = length // 2
    table = table[(table["pos"] >= half) & (table["pos"] < table["chrom"].map(sizes) - half - 1)]
    picked = []
    for cls in CLASSES:
        part = table[table["class"] == cls]
        if len(part) > n_per_class:
            part = part.iloc[np.sort(rng.choice(len(part), size=n_per_class, replace=False))]
        picked.append(part)
        log.info("%s variants: %d (of %d candidates)", cls, len(part), int((table["class"] == cls).sum()))
    table = pd.concat(picked, ignore_index=True)
    table["pos"] += 1
    order = {c: i for i, c in enumerate(genome)}
    table = table.sort_values(["chrom", "pos"], key=lambda s: s.map(order) if s.name == "chrom" else s)
    return table.reset_index(drop=True)


def write_vcf(table: pd.DataFrame, sizes: Mapping[str, int], path: str | os.PathLike,
              source: str = "deepmotif simulate-variants") -> None:
    """Write ``table`` (:func:`simulate_variants`) as a VCF with pysam (bgzipped if ``path`` ends .gz)."""
    import pysam

    from deepmotif.io import atomic_path

    header = pysam.VariantHeader()
    header.add_line(f"##source={source}")
    for chrom, size in sizes.items():
        header.contigs.add(chrom, length=size)
    header.add_line('##INFO=<ID=CLASS,Number=1,Type=String,Description="Ground-truth class: break, create, '
                    'neutral_far or neutral_flat">')
    header.add_line('##INFO=<ID=MOTIF,Number=1,Type=String,Description="JASPAR matrix broken, created or '
                    'mutated at a flat position (. for neutral_far)">')
    header.add_line('##INFO=<ID=PEAK,Number=1,Type=String,Description="Simulated peak of the planted site">')
    with atomic_path(path) as tmp:
        with pysam.VariantFile(str(tmp), "wz" if str(path).endswith(".gz") else "w", header=header) as out:
            for i, row in enumerate(table.itertuples(index=False)):
                rec = out.new_record(contig=row.chrom, start=int(row.pos) - 1, alleles=(row.ref, row.alt),
                                     id=f"sim{i + 1:06d}")
                rec.info["CLASS"] = row[4]
                rec.info["MOTIF"] = row.motif_id
                rec.info["PEAK"] = row.peak
                out.write(rec)
