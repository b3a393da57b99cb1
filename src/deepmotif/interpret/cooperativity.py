"""Motif cooperativity of a trained model: in-silico spacing and orientation experiments.

For two motifs A and B, each *arrangement* (order, strands, gap in bp) is inserted with tangermeme's
``ersatz.multisubstitute`` into the same background sequences (dinucleotide shuffles of the TF's own
test negatives), together with A alone and B alone at the positions they have in the pair. With
``y_hat`` the logit of each sequence, per background

    interaction = y_hat(A+B) - y_hat(A) - y_hat(B) + y_hat(background)

is zero for a model that adds up the two motifs' effects (in logit space) and large where the model
reads them together. The four arrangements are every way two motifs can lie up to the reverse
complement: ``A+ B+`` (A then B, one strand), ``B+ A+``, ``A+ B-`` and ``A- B+`` (opposite strands);
each at gaps ``0..max_spacing``, the arrangement centred in the sequence.

The null replaces B by ``n_null`` shuffles of B (same bases, another order: tangermeme's
``ersatz.shuffle``), each inserted into every background like B, and measures the same interaction:
what any k-mer of B's composition does with A at that distance. Per arrangement, B's mean interaction
is compared with the shuffles' means (:func:`shuffle_test`): a Student t prediction interval gives
``p_value``, and the permutation rank of B among its shuffles ``p_rank`` is given beside it (that one
cannot go below ``1 / (n_null + 1)``, so it could never pass a correction for 84 arrangements at an
affordable ``n_null``). p-values are corrected for the number of arrangements by Benjamini–Hochberg
(``q_value``, :func:`deepmotif.interpret.motifs.benjamini_hochberg`). An arrangement is ``significant``
when ``q_value < max_q`` and ``|interaction| >= min_interaction``: shuffles of B have no effect of their
own, so a model that saturates (B adds less on top of A than alone; max pooling does this) gives B a small
negative interaction that its shuffles cannot have; the floor keeps those fractions of a logit out.

All inputs (backgrounds × arrangements × gaps × {A, B, A+B, shuffled B, A + shuffled B}) go through
:func:`deepmotif.models.inference.predict_unique_logits` in one call: a motif alone lies at the same
place in several arrangements and at neighbouring gaps (the pair is centred), and each distinct input
runs once (a third fewer forward passes at the defaults).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from deepmotif.errors import InputError

if TYPE_CHECKING:
    import torch
    from torch import nn

log = logging.getLogger(__name__)

# (order, strand of A, strand of B): every arrangement of two motifs up to the reverse complement
ARRANGEMENTS: tuple[tuple[str, str, str], ...] = (("AB", "+", "+"), ("BA", "+", "+"), ("AB", "+", "-"),
                                                  ("AB", "-", "+"))
COLUMNS = ["motif_a", "motif_b", "seq_a", "seq_b", "source_a", "source_b", "arrangement", "order", "strand_a",
           "strand_b", "spacing", "n_backgrounds", "background", "effect_a", "effect_a_sd", "effect_b", "effect_b_sd",
           "effect_ab", "effect_ab_sd", "interaction", "interaction_sd", "vs_median", "null_mean", "null_sd",
           "null_low", "null_high", "p_rank", "p_value", "q_value", "significant"]
JASPAR_ID = re.compile(r"M[A-Z]\d{4}\.\d+")
SEQUENCE = re.compile(r"[ACGT]+")


@dataclass(frozen=True)
class CooperativitySettings:
    """Config section ``interpret.cooperativity`` (defaults in the schema only)."""

    motifs: tuple[str, ...]
    n_backgrounds: int
    n_null: int
    max_spacing: int
    max_q: float
    min_interaction: float
    seed: int


@dataclass(frozen=True)
class PairMotif:
    """A motif to insert: its ``name`` (``TAL1::TCF3 (MA0091.1)``), the ``seq`` inserted (consensus) and
    where it came from (``modisco``, ``jaspar_matches``, ``sheet`` or ``given``)."""

    name: str
    seq: str
    source: str = "given"


def consensus(pwm: np.ndarray) -> str:
    """The most probable base of each column of a ``(4, k)`` matrix (rows A, C, G, T)."""
    return "".join("ACGT"[i] for i in np.asarray(pwm).argmax(axis=0))


def resolve_motif(spec: str, source: str = "given") -> PairMotif:
    """A motif given as a JASPAR id with version (``MA0035.4``: its consensus) or as a sequence (``GATAAG``).

    Raises
    ------
    InputError
        When ``spec`` is neither.
    """
    spec = spec.strip()
    if JASPAR_ID.fullmatch(spec):
        from deepmotif.simulation.genome import fetch_jaspar_motif

        motif = fetch_jaspar_motif(spec)
        return PairMotif(f"{motif.name} ({spec})", consensus(motif.pwm), source)
    if SEQUENCE.fullmatch(spec.upper()):
        return PairMotif(spec.upper(), spec.upper(), source)
    raise InputError(f"motif {spec!r}: give a JASPAR id with version (MA0035.4) or a sequence of A, C, G, T")


def _modisco_ids(patterns: pd.DataFrame) -> list[str]:
    """JASPAR ids of the significant matches of positive patterns, most seqlets first; a merged
    composite's halves (``sub_matches``, ``start-end:NAME(ID)``) right after its own match."""
    ids = []
    rows = patterns[patterns["sign"] > 0].sort_values("n_seqlets", ascending=False, kind="stable")
    for row in rows.itertuples(index=False):
        if isinstance(row.match_id, str) and row.match_id:
            ids.append(row.match_id)
        sub = getattr(row, "sub_matches", "")
        ids += re.findall(r"\((M[A-Z]\d{4}\.\d+)\)", sub if isinstance(sub, str) else "")
    return ids


def _match_ids(matches: pd.DataFrame, max_q: float) -> list[str]:
    """JASPAR ids of the learned motifs' significant best hits (filters, class optimization), best q first."""
    top = matches[(matches["rank"] == 1) & (matches["q_value"] < max_q)]
    return list(top.sort_values("q_value", kind="stable")["target_id"])


def default_motifs(
    modisco_patterns: pd.DataFrame | None = None,
    jaspar_matches: pd.DataFrame | None = None,
    sheet_motifs: Sequence[str] = (),
    max_q: float = 0.01,
) -> tuple[PairMotif, PairMotif]:
    """The two motifs a model is asked about: the first two distinct JASPAR ids of, in turn, its
    MoDISco patterns (significant matches, most seqlets first), its learned motifs' significant JASPAR
    hits (smallest q first) and the sheet's ``motifs``; each inserted as the JASPAR consensus. Versions
    of one matrix (``MA0091.1``, ``MA0091.2``) and matrices of one TF name (``CTCF``: MA0139, MA1929) count as one
    motif; with only one motif found, B is a
    second copy of A (a homotypic pair).

    Raises
    ------
    InputError
        When no motif is found.
    """
    sources = [("modisco", _modisco_ids(modisco_patterns) if modisco_patterns is not None else []),
               ("jaspar_matches", _match_ids(jaspar_matches, max_q) if jaspar_matches is not None else []),
               ("sheet", [m for m in sheet_motifs if m])]
    motifs: list[PairMotif] = []
    seen: set[str] = set()
    for source, ids in sources:
        for motif_id in ids:
            if len(motifs) == 2 or motif_id.split(".")[0] in seen:  # MA0091.1 and MA0091.2 are one motif
                continue
            motif = resolve_motif(motif_id, source)
            tf_name = motif.name.rsplit(" (", 1)[0].upper()  # CTCF (MA0139.2) and CTCF (MA1929.2): one TF
            if tf_name not in seen:
                motifs.append(motif)
            seen |= {motif_id.split(".")[0], tf_name}
    if not motifs:
        raise InputError("found no motif in the MoDISco patterns, JASPAR matches or the sheet; give two with "
                         "--motifs A,B (JASPAR ids or sequences)")
    if len(motifs) == 1:  # a TF of one motif: two copies of it (homotypic spacing)
        log.info("one motif found (%s): measuring it against a second copy of itself", motifs[0].name)
        motifs.append(motifs[0])
    return motifs[0], motifs[1]


def background_sequences(sequences: pd.DataFrame, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` dinucleotide shuffles (tangermeme) of the dataset's test negatives (else its negatives,
    else any of its sequences), drawn at random with ``seed``.

    Returns
    -------
    X: torch.Tensor, shape=(n, 4, length), dtype=int8
    """
    import torch
    from tangermeme.ersatz import dinucleotide_shuffle

    from deepmotif.data.encoding import one_hot

    for pool in (sequences[(sequences["split"] == "test") & (sequences["label"] == 0)],
                 sequences[sequences["label"] == 0], sequences):
        if len(pool):
            break
    if pool.empty:
        raise InputError("no sequences to shuffle into backgrounds")
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(pool), size=n, replace=n > len(pool))
    X = torch.from_numpy(one_hot(list(pool["seq"].iloc[rows]))).to(torch.int8)
    if (X.sum(dim=1) == 0).any():
        raise InputError("background sequences contain N; cooperativity needs sequences of A, C, G, T only")
    return dinucleotide_shuffle(X, n=1, random_state=seed)[:, 0].to(torch.int8)


def shuffled_motifs(seq: str, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` shuffles of ``seq`` (tangermeme's ``ersatz.shuffle``: the same bases in another order).

    Returns
    -------
    torch.Tensor, shape=(n, 4, len(seq)), dtype=int8
    """
    import torch
    from tangermeme.ersatz import shuffle

    from deepmotif.data.encoding import one_hot

    X = torch.from_numpy(one_hot([seq])).to(torch.int8)
    return shuffle(X, n=n, random_state=seed)[0].to(torch.int8)


def _reverse_complement(X: torch.Tensor) -> torch.Tensor:
    """Reverse complement of one-hot motifs ``(n, 4, k)``, rows A, C, G, T: both axes reversed."""
    return X.flip((1, 2))


def _onehot(seq: str) -> torch.Tensor:
    import torch

    from deepmotif.data.encoding import one_hot

    return torch.from_numpy(one_hot([seq])).to(torch.int8)


def arrangement_inputs(
    X_bg: torch.Tensor,
    motif_a: torch.Tensor,
    motif_b: torch.Tensor,
    order: str,
    strand_a: str,
    strand_b: str,
    spacing: int,
    which: str,
) -> torch.Tensor:
    """The backgrounds with A, B or both inserted in one arrangement (tangermeme's ``multisubstitute``).

    A alone and B alone lie where they lie in the pair: the other motif's slot keeps the background.

    Parameters
    ----------
    X_bg: torch.Tensor, shape=(n, 4, length)
        One-hot backgrounds.
    motif_a, motif_b: torch.Tensor, shape=(1 or n, 4, k)
        One-hot motifs on their ``+`` strand (one per background, or one for all).
    order: str
        ``AB`` (A on the left) or ``BA``.
    strand_a, strand_b: str
        ``+`` or ``-``.
    spacing: int
        Gap in bp between the two motifs.
    which: str
        ``a``, ``b`` or ``ab``: the motifs inserted.

    Returns
    -------
    torch.Tensor, shape=(n, 4, length), dtype=int8
    """
    from tangermeme.ersatz import multisubstitute

    a = _reverse_complement(motif_a) if strand_a == "-" else motif_a
    b = _reverse_complement(motif_b) if strand_b == "-" else motif_b
    a = a if "a" in which else a[:1] * 0  # an all-zero column keeps the background's base
    b = b if "b" in which else b[:1] * 0
    pair = [a, b] if order == "AB" else [b, a]
    return multisubstitute(X_bg, pair, [int(spacing)]).to(X_bg.dtype)


def arrangement_batch(
    X_bg: torch.Tensor,
    motif_a: torch.Tensor,
    motif_b: torch.Tensor,
    B_null: torch.Tensor,
    arrangement: tuple[str, str, str],
    spacings: Sequence[int],
) -> torch.Tensor:
    """The inputs of one arrangement at every gap: A, B, A+B and, for each shuffle of B, shuffled B and
    A + shuffled B, in every background (the order :func:`split_logits` reads).

    Parameters
    ----------
    X_bg: torch.Tensor, shape=(n, 4, length)
        One-hot backgrounds.
    motif_a, motif_b: torch.Tensor, shape=(1, 4, k)
        One-hot motifs on their ``+`` strand.
    B_null: torch.Tensor, shape=(n_null, 4, len(B))
        Shuffles of B, each inserted into every background.
    arrangement: tuple of str
        ``(order, strand_a, strand_b)``, one of :data:`ARRANGEMENTS`.
    spacings: sequence of int
        The gaps.

    Returns
    -------
    torch.Tensor, shape=(n_spacings * (3 + 2 * n_null) * n, 4, length), dtype of ``X_bg``
        Per gap: ``n`` rows each of A, B, A+B, then per shuffle ``k`` its B and its A+B.
    """
    import torch

    order, strand_a, strand_b = arrangement
    n, n_null = len(X_bg), len(B_null)
    X_rep = X_bg.repeat(n_null, 1, 1)  # row k * n + j: background j with shuffle k (one insertion call for all)
    B_rep = B_null.repeat_interleave(n, dim=0)
    blocks = []
    for gap in spacings:
        blocks += [arrangement_inputs(X_bg, motif_a, motif_b, order, strand_a, strand_b, gap, w)
                   for w in ("a", "b", "ab")]
        null = [arrangement_inputs(X_rep, motif_a, B_rep, order, strand_a, strand_b, gap, w).reshape(n_null, n,
                *X_bg.shape[1:]) for w in ("b", "ab")]
        blocks.append(torch.stack(null, dim=1).reshape(-1, *X_bg.shape[1:]))  # shuffle k: its b, then its ab
    return torch.cat(blocks)


def split_logits(y_hat: np.ndarray, n_spacings: int, n: int) -> dict[str, np.ndarray]:
    """The logits of one :func:`arrangement_batch` by input: ``a b ab`` of shape ``(n_spacings, n)``,
    ``b_null ab_null`` of shape ``(n_spacings, n_null, n)``."""
    y_hat = y_hat.reshape(n_spacings, -1, n)
    return {"a": y_hat[:, 0], "b": y_hat[:, 1], "ab": y_hat[:, 2], "b_null": y_hat[:, 3::2], "ab_null": y_hat[:, 4::2]}


def shuffle_test(observed: np.ndarray, null: np.ndarray, min_sd: float = 1e-3) -> dict[str, np.ndarray]:
    """Is the mean of ``observed`` over backgrounds unlike the means of the null k-mers?

    Each null k-mer (a shuffle of B) is inserted into every background, like B. Under the null
    hypothesis B is one more draw from the k-mers' distribution, so its mean lies in their
    prediction interval: ``t = (mean(observed) - mean(k-mer means)) / (sd(k-mer means) * sqrt(1 + 1/k))``,
    Student's t with ``k - 1`` degrees of freedom, two-sided. The rank p-value of the permutation test
    (B among its ``k`` shuffles) is returned beside it; it cannot go below ``1 / (k + 1)``.

    Parameters
    ----------
    observed: numpy.ndarray, shape=(m, n)
        m tests (arrangements), n backgrounds.
    null: numpy.ndarray, shape=(m, k, n)
        The same for k null k-mers.
    min_sd: float, optional
        Floor of the k-mers' spread (float noise of a model whose k-mers all agree). Default 1e-3.

    Returns
    -------
    dict of str to numpy.ndarray, shape=(m,)
        ``p_value``, ``p_rank``, ``null_mean``, ``null_sd`` (of the k-mer means) and ``null_low``,
        ``null_high`` (95 % prediction interval of a k-mer's mean).
    """
    from scipy.special import stdtr, stdtrit  # Student's t, as scipy.stats.t computes it, without importing scipy.stats

    k = null.shape[1]
    if k < 2:
        raise InputError(f"the null needs at least 2 shuffles of B, got {k}")
    obs, means = observed.mean(axis=1), null.mean(axis=2)
    centre, sd = means.mean(axis=1), np.maximum(means.std(axis=1, ddof=1), min_sd)
    scale = sd * np.sqrt(1 + 1 / k)
    t = (obs - centre) / scale
    half = stdtrit(k - 1, 0.975) * scale
    rank = (1 + (np.abs(means - centre[:, None]) >= np.abs(obs - centre)[:, None]).sum(axis=1)) / (k + 1)
    return {"p_value": 2 * stdtr(k - 1, -np.abs(t)), "p_rank": rank, "null_mean": centre, "null_sd": sd,
            "null_low": centre - half, "null_high": centre + half}


def cooperativity(
    model: nn.Module,
    X_bg: torch.Tensor,
    motif_a: PairMotif,
    motif_b: PairMotif,
    max_spacing: int = 20,
    n_null: int = 8,
    max_q: float = 0.05,
    min_interaction: float = 1.0,
    seed: int = 0,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """Effects of A, B, A+B and their interaction in every arrangement, with a shuffled-B null.

    Parameters
    ----------
    model: torch.nn.Module
        Maps ``X`` of shape ``(n, 4, length)`` to logits ``(n,)``.
    X_bg: torch.Tensor, shape=(n, 4, length)
        One-hot backgrounds (:func:`background_sequences`).
    motif_a, motif_b: PairMotif
        The motifs (:func:`resolve_motif`, :func:`default_motifs`).
    max_spacing: int, optional
        Gaps ``0..max_spacing`` bp. Default 20.
    n_null: int, optional
        Shuffles of B, each inserted into every background (:func:`shuffle_test`). Default 8.
    max_q, min_interaction: float, optional
        An arrangement is ``significant`` when ``q_value < max_q`` and ``|interaction| >= min_interaction``
        (logit). Defaults 0.05 and 1.0.
    seed: int, optional
        Seed of the shuffles. Default 0.
    batch_size: int or None, optional
        Sequences per forward pass; None: :data:`deepmotif.models.inference.BATCH_SIZE`. Default None.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, one row per arrangement and gap; effects are logit differences to the
        background, mean and standard deviation (``_sd``) over backgrounds; ``vs_median`` is the interaction
        minus its median over all arrangements: near 0 where the interaction is the same at every gap and
        orientation (two copies of one strong motif saturate the model), large at an arrangement the model
        reads specially.
    """
    import torch

    from deepmotif.interpret.motifs import benjamini_hochberg
    from deepmotif.models.inference import BATCH_SIZE, predict_unique_logits

    X_bg = torch.as_tensor(X_bg, dtype=torch.int8)
    n, length = len(X_bg), X_bg.shape[-1]
    width = len(motif_a.seq) + len(motif_b.seq) + max_spacing
    if width > length:
        raise InputError(f"motifs of {len(motif_a.seq)} and {len(motif_b.seq)} bp at gaps up to {max_spacing} bp "
                         f"do not fit in {length}-bp sequences; lower max_spacing")
    if n < 2 or n_null < 2:
        raise InputError(f"need at least 2 backgrounds and 2 null shuffles, got {n} and {n_null}")
    a, b = _onehot(motif_a.seq), _onehot(motif_b.seq)
    B_null = shuffled_motifs(motif_b.seq, n_null, seed)
    spacings = list(range(max_spacing + 1))
    inputs = [X_bg] + [arrangement_batch(X_bg, a, b, B_null, arrangement, spacings) for arrangement in ARRANGEMENTS]
    y_hat = predict_unique_logits(model, torch.cat(inputs), batch_size or BATCH_SIZE).numpy()
    bg, y_hat = y_hat[:n], y_hat[n:].reshape(len(ARRANGEMENTS), -1)
    rows, observed, null = [], [], []
    for arrangement, y_arrangement in zip(ARRANGEMENTS, y_hat):
        y = split_logits(y_arrangement, len(spacings), n)
        inter = y["ab"] - y["a"] - y["b"] + bg
        inter_null = y["ab_null"] - y["a"][:, None] - y["b_null"] + bg
        observed.append(inter)
        null.append(inter_null)
        order, strand_a, strand_b = arrangement
        label = f"A{strand_a} B{strand_b}" if order == "AB" else f"B{strand_b} A{strand_a}"
        for s, gap in enumerate(spacings):
            effects = [y[w][s] - bg for w in ("a", "b", "ab")]
            rows.append([motif_a.name, motif_b.name, motif_a.seq, motif_b.seq, motif_a.source, motif_b.source, label,
                         order, strand_a, strand_b, gap,
                         n, float(bg.mean()), *(v for e in effects for v in (e.mean(), e.std(ddof=1))),
                         inter[s].mean(), inter[s].std(ddof=1)])
    table = pd.DataFrame(rows, columns=COLUMNS[:COLUMNS.index("vs_median")])
    table["vs_median"] = table["interaction"] - table["interaction"].median()
    test = shuffle_test(np.concatenate(observed), np.concatenate(null))
    for key in ("null_mean", "null_sd", "null_low", "null_high", "p_rank", "p_value"):
        table[key] = test[key]
    table["q_value"] = benjamini_hochberg(table["p_value"].to_numpy())
    table["significant"] = (table["q_value"] < max_q) & (table["interaction"].abs() >= min_interaction)
    return table


def strongest_interaction(table: pd.DataFrame) -> dict:
    """The ``significant`` arrangement with the largest |interaction| (if none is, the largest overall).

    Returns
    -------
    dict
        ``motif_a motif_b arrangement order strand_a strand_b spacing interaction vs_median q_value
        significant`` (empty for an empty table).
    """
    if table.empty:
        return {}
    significant = table[table["significant"].astype(bool)]
    pool = significant if len(significant) else table
    row = pool.loc[pool["interaction"].abs().idxmax()]
    keys = ("motif_a", "motif_b", "arrangement", "order", "strand_a", "strand_b", "spacing", "interaction",
            "vs_median", "q_value")
    return {**{k: row[k].item() if hasattr(row[k], "item") else row[k] for k in keys},
            "significant": bool(len(significant))}


def describe_interaction(strongest: dict) -> str:
    """One line for the index: ``B+ A+, gap 5 bp: -7.65 (q 0.0068; -7.9 vs median)``; ``none (..., n.s.)``
    when nothing is significant."""
    if not strongest:
        return ""
    text = (f"{strongest['arrangement']}, gap {strongest['spacing']} bp: {strongest['interaction']:+.2f} "
            f"(q {strongest['q_value']:.2g}; {strongest['vs_median']:+.1f} vs median)")
    return text if strongest["significant"] else f"none ({text}, n.s.)"


def measure_model(
    model: nn.Module,
    sequences: pd.DataFrame,
    settings: CooperativitySettings,
    modisco_patterns: pd.DataFrame | None = None,
    jaspar_matches: pd.DataFrame | None = None,
    sheet_motifs: Sequence[str] = (),
    match_max_q: float = 0.01,
) -> pd.DataFrame:
    """:func:`cooperativity` of one model with its motif pair (``settings.motifs``, else
    :func:`default_motifs`) in backgrounds from its own data (:func:`background_sequences`).

    Parameters
    ----------
    model: torch.nn.Module
    sequences: pandas.DataFrame
        The TF's ``sequences.tsv`` (``id seq label split``).
    settings: CooperativitySettings
    modisco_patterns, jaspar_matches: pandas.DataFrame or None, optional
        The model's ``modisco_patterns.tsv`` and ``jaspar_matches.tsv``.
    sheet_motifs: sequence of str, optional
        The sheet's ``motifs`` of the TF.
    match_max_q: float, optional
        q-value below which a learned motif's JASPAR hit counts. Default 0.01.
    """
    if settings.motifs:
        if len(settings.motifs) != 2:
            raise InputError(f"motifs: give two (JASPAR ids or sequences), got {list(settings.motifs)}")
        motif_a, motif_b = (resolve_motif(m) for m in settings.motifs)
    else:
        motif_a, motif_b = default_motifs(modisco_patterns, jaspar_matches, sheet_motifs, match_max_q)
    X_bg = background_sequences(sequences, settings.n_backgrounds, settings.seed)
    log.info("cooperativity of %s and %s: %d backgrounds, gaps 0..%d, %d shuffles of B", motif_a.name, motif_b.name,
             len(X_bg), settings.max_spacing, settings.n_null)
    return cooperativity(model, X_bg, motif_a, motif_b, settings.max_spacing, settings.n_null, settings.max_q,
                         settings.min_interaction, settings.seed)


SUMMARY_COLUMNS = ["tf", "arch", "motif_a", "motif_b", "n_significant", "arrangement", "spacing", "interaction",
                   "vs_median", "q_value", "significant", "strongest"]


def summarize(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One row per model (``tf arch`` of each table): its strongest interaction
    (:func:`strongest_interaction`), how many arrangements are significant, and the index's text.

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`.
    """
    rows = []
    for table in tables:
        if table.empty:
            continue
        top = strongest_interaction(table)
        rows.append([table["tf"].iloc[0], table["arch"].iloc[0], top["motif_a"], top["motif_b"],
                     int(table["significant"].astype(bool).sum()), top["arrangement"], top["spacing"],
                     top["interaction"], top["vs_median"], top["q_value"], top["significant"],
                     describe_interaction(top)])
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def read_table(path: str) -> pd.DataFrame:
    """A ``cooperativity.tsv`` of ``deepmotif cooperativity``.

    Raises
    ------
    InputError
        When a column of :data:`COLUMNS` (or ``tf``, ``arch``) is missing.
    """
    table = pd.read_csv(path, sep="\t", dtype={"tf": str, "arch": str, "motif_a": str, "motif_b": str},
                        keep_default_na=False, na_values={c: [""] for c in COLUMNS if c.startswith(("p_", "q_"))})
    missing = [c for c in ("tf", "arch", *COLUMNS) if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing columns {missing}; expected the table of deepmotif cooperativity")
    table["significant"] = table["significant"].astype(str).str.lower() == "true"
    return table
