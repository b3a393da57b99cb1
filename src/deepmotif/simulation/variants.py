"""Ground-truth variants for a simulated TF: a VCF of motif-breaking, motif-creating and neutral SNVs.

Given the simulated genome, its ``planted.tsv`` and the JASPAR matrices of the planted motifs, draw
single-nucleotide variants of four classes (INFO ``CLASS``). A *match* of a matrix is a k-mer (either
strand) whose log-odds score (log2 over a uniform background; :func:`log_odds`) reaches the matrix's
``threshold``: the ``quantile`` (default 0.1) of the scores of sites drawn from the matrix, i.e. what a
planted site scores. The simulation labels a sequence by the matches planted in it, so the classes are
defined by what a change does to matches:

``break``
    In a planted site that is a match, a change that lowers the site's score by at least
    ``break_bits`` (default 3 bits: 8 times less likely under the matrix than before, relative to
    the background) and leaves no match of that matrix through the variant; no other matrix gains or
    loses a match through it. One per site where there is one, drawn at random among the qualifying
    position × ALT pairs (not always the most informative position).
``create``
    Far from every planted site (``far`` bp), one base change that turns a near-match into a match:
    the best k-mer through the variant (either strand) is below ``threshold`` before and at least
    ``threshold`` after (a gain of binding is expected).
``neutral_far``
    Far from every planted site, in windows with no k-mer scoring ``threshold`` before or after the
    change; ALT uniform among the other bases.
``neutral_flat``
    In a planted site at a position whose information content is below ``flat_bits`` (default 0.5
    bit), a change of the site's score by at most ``flat_delta`` bits (default 0.5) either way that
    neither makes nor unmakes a match of any matrix through the variant; drawn at random like breaks.

``break``, ``create`` and ``neutral_flat`` variants are shared equally among the planted matrices (a
composite's halves get half each when both have enough candidates), so each half can be scored on its
own (``deepmotif variants-ground-truth`` reports a row per matrix).

INFO also carries ``MOTIF`` (JASPAR id), ``PEAK`` (the planted peak, ``.`` far from peaks) and
``DSCORE`` (the change of the site's score, or for ``create`` of the best score through the variant, in
bits).
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

from deepmotif.simulation.genome import Motif, log_odds
from deepmotif.errors import InputError

log = logging.getLogger(__name__)

CLASSES = ("break", "create", "neutral_far", "neutral_flat")
CODE = np.full(256, 4, dtype=np.int64)
for _i, _b in enumerate("ACGT"):
    CODE[ord(_b)] = _i
    CODE[ord(_b.lower())] = _i
COMPLEMENT = np.array([3, 2, 1, 0])


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
    """Log-odds score of every k-mer of coded sequences (N scores -inf), both strands.

    Parameters
    ----------
    codes: numpy.ndarray, shape=(..., n)
        Base codes 0-3 (ACGT), 4 for N; the last axis is the sequence.
    lo: numpy.ndarray, shape=(4, k)
        Log-odds matrix (:func:`log_odds`).

    Returns
    -------
    numpy.ndarray, shape=(2, ..., n - k + 1)
        Forward strand, then reverse (the k-mer read as its reverse complement).
    """
    k = lo.shape[1]
    padded = np.vstack([lo, np.full((1, k), -np.inf)])  # code 4 = N
    rc = padded[np.r_[COMPLEMENT, 4]][:, ::-1]
    windows = np.lib.stride_tricks.sliding_window_view(codes, k, axis=-1)
    return np.stack([_columns(padded, windows).sum(axis=-1), _columns(rc, windows).sum(axis=-1)])


def _columns(table: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """``table[windows, arange(k)]``: per k-mer (the last axis of ``windows``, base codes) the entry of each
    of its bases in its column of ``table`` (shape ``(codes, k)``), by one flat ``take`` (half the time)."""
    n_codes, k = table.shape
    return np.ascontiguousarray(table.T).ravel().take(windows + n_codes * np.arange(k))


def _unique_starts(starts: np.ndarray, size: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``numpy.unique(starts, return_inverse=True)`` of k-mer starts in ``[-k, size)``, without sorting.

    Returns
    -------
    unique: numpy.ndarray, shape=(u,)
        The distinct starts, ascending.
    which: numpy.ndarray, shape=starts.shape
        Where each start is in ``unique``.
    """
    seen = np.zeros(size + k, dtype=bool)  # index: start + k
    seen[starts.ravel() + k] = True
    unique = np.flatnonzero(seen) - k
    rank = np.cumsum(seen) - 1
    return unique, rank[starts + k]


def best_through(codes: np.ndarray, positions: np.ndarray, alts: np.ndarray,
                 lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best score (both strands) of the k-mers through each position, before and after the change.

    Parameters
    ----------
    codes: numpy.ndarray, shape=(n,)
        Coded sequence (:data:`CODE`); k-mers running off its ends do not count.
    positions, alts: numpy.ndarray, shape=(m,)
        0-based positions in ``codes`` (not N) and the base codes (0-3) they change to.
    lo: numpy.ndarray, shape=(4, k)

    Returns
    -------
    before, after: numpy.ndarray, shape=(m,)
    """
    k = lo.shape[1]
    offset = np.arange(k)[None, :]  # the variant is column `offset` of the k-mer starting offset bp before it
    starts, which = _unique_starts(positions[:, None] - offset, len(codes), k)
    kmers = codes[np.clip(starts[:, None] + np.arange(k), 0, len(codes) - 1)]
    kmers[(starts < 0) | (starts + k > len(codes))] = 4  # off an end: N, -inf
    before = kmer_scores(kmers, lo)[..., 0][:, which]  # (2, m, k)
    ref = codes[positions][:, None]
    rc = lo[COMPLEMENT][:, ::-1]
    change = np.stack([lo[alts[:, None], offset] - lo[ref, offset], rc[alts[:, None], offset] - rc[ref, offset]])
    return before.max(axis=(0, 2)), (before + change).max(axis=(0, 2))


def _far_mask(size: int, sites: pd.DataFrame, far: int, margin: int) -> np.ndarray:
    """True at positions ``far`` bp or more from every site and ``margin`` bp from the ends."""
    mask = np.zeros(size, dtype=bool)
    mask[margin:size - margin] = True
    for start, end in sites[["start", "end"]].to_numpy():
        mask[max(0, start - far):min(size, end + far)] = False
    return mask


def site_changes(genome: Mapping[str, str], planted: pd.DataFrame, motifs: Mapping[str, Motif],
                 thresholds: Mapping[str, float]) -> pd.DataFrame:
    """Every SNV of every planted site, with what it does to the site and to every matrix's matches.

    Returns
    -------
    pandas.DataFrame
        One row per site × position × ALT (``3 k`` rows per site): ``site`` (row of ``planted``), ``j``
        (position in the matrix's orientation), ``chrom pos`` (0-based), ``ref alt`` (codes, genome
        strand), ``site_score`` (log-odds of the planted site), ``delta_score`` (its change),
        ``info`` (bits at ``j``), ``own_after`` (best score of the site's matrix through the variant
        after the change, both strands) and ``crosses_other`` (another matrix's best k-mer through the
        variant crosses that matrix's threshold, either way).
    """
    names = list(genome)
    offsets = dict(zip(names, np.cumsum([0] + [len(genome[c]) + 1 for c in names[:-1]])))
    codes = CODE[np.frombuffer("N".join(genome[c] for c in names).encode(), dtype=np.uint8)]  # N between chroms
    parts = []
    for motif_id, sites in planted.groupby("motif_id", sort=False):
        pwm = motifs[motif_id].pwm
        lo, k = log_odds(pwm), pwm.shape[1]
        start = sites["start"].to_numpy() + sites["chrom"].map(offsets).to_numpy()
        minus = (sites["strand"] == "-").to_numpy()[:, None]
        j = np.arange(k)[None, :]
        where = np.where(minus, start[:, None] + k - 1 - j, start[:, None] + j)  # (n, k): matrix column j
        motif_codes = np.where(minus, COMPLEMENT[codes[where] % 4], codes[where])  # planted sites have no N
        alt = (motif_codes[:, :, None] + np.arange(1, 4)) % 4  # (n, k, 3): the three other bases
        where, ref = np.broadcast_to(where[:, :, None], alt.shape).ravel(), np.broadcast_to(
            motif_codes[:, :, None], alt.shape)
        cols = np.broadcast_to(j[:, :, None], alt.shape).ravel()
        genome_alt = np.where(np.broadcast_to(minus[:, :, None], alt.shape), COMPLEMENT[alt], alt).ravel()
        table = pd.DataFrame({
            "site": np.repeat(sites.index.to_numpy(), 3 * k), "j": cols, "pos": where,
            "ref": codes[where], "alt": genome_alt,
            "site_score": np.repeat(lo[motif_codes, j].sum(axis=1), 3 * k),
            "delta_score": lo[alt.ravel(), cols] - lo[ref.ravel(), cols],
            "info": information_bits(pwm)[cols], "crosses_other": False})
        for other, motif in motifs.items():
            before, after = best_through(codes, where, genome_alt, log_odds(motif.pwm))
            if other == motif_id:
                table["own_after"] = after
            else:
                table["crosses_other"] |= (before >= thresholds[other]) != (after >= thresholds[other])
        parts.append(table)
    table = pd.concat(parts, ignore_index=True)
    table["chrom"] = planted.loc[table["site"], "chrom"].to_numpy()
    table["pos"] -= table["chrom"].map(offsets).to_numpy()
    return table


def _break_and_flat(genome: Mapping[str, str], planted: pd.DataFrame, motifs: Mapping[str, Motif],
                    thresholds: Mapping[str, float], break_bits: float, flat_bits: float, flat_delta: float,
                    rng: np.random.Generator) -> list[tuple]:
    """One ``break`` and one ``neutral_flat`` SNV per planted site where there is one (module docstring)."""
    planted = planted.reset_index(drop=True)
    changes = site_changes(genome, planted, motifs, thresholds)
    thr = planted["motif_id"].map(thresholds).to_numpy()[changes["site"]]
    was_site, stays_site = changes["site_score"] >= thr, changes["own_after"] >= thr
    kinds = {
        "break": was_site & ~stays_site & (changes["delta_score"] <= -break_bits) & ~changes["crosses_other"],
        "neutral_flat": (changes["info"] < flat_bits) & (changes["delta_score"].abs() <= flat_delta)
        & (was_site == stays_site) & ~changes["crosses_other"],
    }
    rows = []
    for cls, eligible in kinds.items():
        chosen = changes[eligible].groupby("site", sort=True).sample(n=1, random_state=rng)
        sites = planted.loc[chosen["site"]]
        rows += zip(chosen["chrom"], chosen["pos"].astype(int), np.array(list("ACGT"))[chosen["ref"]],
                    np.array(list("ACGT"))[chosen["alt"]], [cls] * len(chosen), sites["motif_id"], sites["peak"],
                    chosen["delta_score"].astype(float))
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


def _one_change_matches(codes: np.ndarray, lo: np.ndarray, threshold: float, mask: np.ndarray,
                        chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Per k-mer below ``threshold`` (each strand), the best single change if it reaches ``threshold``.

    Parameters
    ----------
    codes: numpy.ndarray, shape=(n,)
        Coded sequence (:data:`CODE`); k-mers with an N are no match and are not changed.
    lo: numpy.ndarray, shape=(4, k)
        Log-odds matrix (:func:`log_odds`).
    threshold: float
    mask: numpy.ndarray of bool, shape=(n,)
        Positions that may change.

    Returns
    -------
    positions, alts: numpy.ndarray
        The changed position and its new base (0-3), the forward strand's k-mers first, each strand in
        k-mer order. The k-mers are taken ``chunk`` at a time (their arrays stay in the CPU's cache);
        the scores are :func:`kmer_scores`' (the same sums of the same columns).
    """
    k = lo.shape[1]
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ns = np.concatenate(([0], np.cumsum(codes == 4)))
    has_n = ns[k:] - ns[:-k] > 0
    cur = np.where(codes < 4, codes, 0)
    positions, alts = [], []
    for table in (lo, lo[COMPLEMENT][:, ::-1]):  # forward, then the reverse complement read forward
        best = table.max(axis=0)[None, :]
        most = (best - table).max()  # no single change gains more (the same float operations: no k-mer's exceeds it)
        for first in range(0, n, chunk):
            last = min(n, first + chunk)
            columns = _columns(table, np.lib.stride_tricks.sliding_window_view(cur[first:last + k - 1], k))
            scores = np.where(has_n[first:last], -np.inf, columns.sum(axis=-1))
            near = np.flatnonzero((scores < threshold) & (scores + most >= threshold))  # the others cannot reach it
            gain = best - columns[near]  # per column, the change to its best base
            j = gain.argmax(axis=1)
            improved = scores[near] + gain[np.arange(len(j)), j]
            pos = first + near + j
            starts = np.flatnonzero((improved >= threshold) & mask[pos] & (codes[pos] < 4))
            positions.append(pos[starts])
            alts.append(table[:, j[starts]].argmax(axis=0))
    return np.concatenate(positions), np.concatenate(alts)


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
        for motif_id, motif in motifs.items():
            lo, thr = log_odds(motif.pwm), thresholds[motif_id]
            pos, alt = _one_change_matches(codes, lo, thr, mask)
            before, after = best_through(codes, pos, alt, lo)
            created = (before < thr) & (after >= thr)  # no match through it on either strand before, one after
            for p, b, gain in zip(pos[created], alt[created], (after - before)[created]):
                rows.append((chrom, int(p), seq[p], "ACGT"[b], "create", motif_id, ".", float(gain)))
        free = np.flatnonzero(mask & (codes < 4))
        picks = rng.choice(free, size=min(3 * n, len(free)), replace=False) if len(free) else []
        kept = 0
        for p in (int(x) for x in picks):
            alt = int(rng.choice([b for b in range(4) if b != codes[p]]))
            if kept < n and not _changes_a_match(codes, p, alt, motifs, thresholds):
                rows.append((chrom, p, seq[p], "ACGT"[alt], "neutral_far", ".", ".", float("nan")))
                kept += 1
    return rows


def _pick_per_motif(part: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """At most ``n`` rows drawn at random, shared equally among the matrices (``motif_id``).

    A matrix with fewer candidates than its share gives the rest to the others, so a composite's
    halves are equally represented whenever both have enough candidates.
    """
    groups = sorted(part.groupby("motif_id", sort=True).indices.items(), key=lambda item: len(item[1]))
    chosen, left = [], n
    for i, (_, rows) in enumerate(groups):
        share = min(len(rows), left // (len(groups) - i))
        chosen.append(rows if share == len(rows) else rng.choice(rows, size=share, replace=False))
        left -= share
    return part.iloc[np.sort(np.concatenate(chosen))] if chosen else part


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
    break_bits: float = 3.0,
    flat_delta: float = 0.5,
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
    n_per_class: int, optional
        Variants per class at most. Default 100.
    seed: int, optional
        Seed of every random draw. Default 0.
    far: int, optional
        ``create`` and ``neutral_far``: bp from every planted site. Default 1000.
    length: int, optional
        Model window: variants stay ``length // 2`` bp from the chromosome ends. Default 101.
    quantile: float, optional
        A match scores at least this quantile of sites drawn from the matrix. Default 0.1.
    flat_bits: float, optional
        ``neutral_flat``: information content of the position below this, bits. Default 0.5.
    break_bits: float, optional
        ``break``: the site's score drops by at least this, bits. Default 3.
    flat_delta: float, optional
        ``neutral_flat``: the site's score changes by at most this, bits. Default 0.5.

    Returns
    -------
    pandas.DataFrame
        ``chrom pos ref alt class motif_id peak delta_score`` sorted by chromosome (genome order) and
        position; ``pos`` is 1-based (VCF); ``delta_score`` NaN for ``neutral_far``.
    """
    missing = sorted(set(planted["motif_id"]) - set(motifs))
    if missing:
        raise InputError(f"planted motifs {missing} have no matrix; give their JASPAR ids")
    rng = np.random.default_rng(seed)
    thresholds = {m: site_threshold(motif.pwm, quantile, seed=seed) for m, motif in motifs.items()}
    rows = _break_and_flat(genome, planted, motifs, thresholds, break_bits, flat_bits, flat_delta, rng)
    per_chrom = -(-n_per_class * 4 // max(len(genome), 1))
    rows += _far_variants(genome, planted, motifs, thresholds, per_chrom, far, length, rng)
    table = pd.DataFrame(rows, columns=["chrom", "pos", "ref", "alt", "class", "motif_id", "peak", "delta_score"])
    table = table.drop_duplicates(["chrom", "pos"], keep="first")
    sizes = {c: len(s) for c, s in genome.items()}
    half = length // 2
    table = table[(table["pos"] >= half) & (table["pos"] < table["chrom"].map(sizes) - half - 1)]
    picked = []
    for cls in CLASSES:
        part = _pick_per_motif(table[table["class"] == cls], n_per_class, rng)
        picked.append(part)
        log.info("%s variants: %d (of %d candidates)%s", cls, len(part), int((table["class"] == cls).sum()),
                 "".join(f", {m} {n}" for m, n in part["motif_id"].value_counts().sort_index().items()
                         if m != "."))
    table = pd.concat(picked, ignore_index=True)
    table["pos"] += 1
    order = {c: i for i, c in enumerate(genome)}
    table = table.sort_values(["chrom", "pos"], key=lambda s: s.map(order) if s.name == "chrom" else s)
    return table.reset_index(drop=True)


def write_vcf(table: pd.DataFrame, sizes: Mapping[str, int], path: str | os.PathLike,
              source: str = "deepmotif simulate-variants") -> None:
    """Write ``table`` (:func:`simulate_variants`) as a VCF with pysam (bgzipped if ``path`` ends .gz)."""
    import pysam

    from deepmotif.data.io import atomic_path

    header = pysam.VariantHeader()
    header.add_line(f"##source={source}")
    for chrom, size in sizes.items():
        header.contigs.add(chrom, length=size)
    header.add_line('##INFO=<ID=CLASS,Number=1,Type=String,Description="Ground-truth class: break, create, '
                    'neutral_far or neutral_flat">')
    header.add_line('##INFO=<ID=MOTIF,Number=1,Type=String,Description="JASPAR matrix broken, created or '
                    'mutated at a flat position (. for neutral_far)">')
    header.add_line('##INFO=<ID=PEAK,Number=1,Type=String,Description="Simulated peak of the planted site">')
    header.add_line('##INFO=<ID=DSCORE,Number=1,Type=Float,Description="Change of the log-odds score (bits): of the '
                    'planted site (break, neutral_flat), of the best k-mer through the variant (create)">')
    with atomic_path(path) as tmp:
        with pysam.VariantFile(str(tmp), "wz" if str(path).endswith(".gz") else "w", header=header) as out:
            for i, row in enumerate(table.itertuples(index=False)):
                rec = out.new_record(contig=row.chrom, start=int(row.pos) - 1, alleles=(row.ref, row.alt),
                                     id=f"sim{i + 1:06d}")
                rec.info["CLASS"] = row[4]
                rec.info["MOTIF"] = row.motif_id
                rec.info["PEAK"] = row.peak
                if np.isfinite(row.delta_score):
                    rec.info["DSCORE"] = round(float(row.delta_score), 3)
                out.write(rec)
