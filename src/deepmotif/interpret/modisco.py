"""TF-MoDISco (modisco-lite) on signed attributions: the motifs a model uses across all positives.

Steps, one function each:

1. :func:`hypothetical_contributions`: what every base *would* contribute at every position, signed:
   from the gradient (``grad_x_input``: the gradient minus its mean over the four bases, so that
   times the one-hot input it is gradient × input up to a per-position constant) or from DeepLIFT/SHAP
   (``deep_lift_shap``: tangermeme's, against dinucleotide-shuffled references, ``hypothetical=True``).
2. :func:`run_modisco`: modisco-lite's ``TFMoDISco`` on them: seqlets, clustered into patterns.
3. :func:`pattern_table`, :func:`pattern_ppms`: one row and one probability matrix per pattern;
   JASPAR matches by Tomtom (:func:`deepmotif.interpret.motifs.match_jaspar`, memelite), of which only
   those with ``q < max_q`` are reported as matches.
4. :func:`seqlet_distances`: for each pair of patterns, the distances between their seqlets in the
   same sequence (the learned arrangement of motifs: a composite's spacing is the mode).
5. :func:`pattern_queries`, :func:`query_centres`: a pattern that merges the two motifs of a composite
   is matched as a whole and by its informative sub-windows (one per motif), and each matched
   window is placed in every sequence through the pattern's seqlets, so that the distance between
   two motifs can be read whether they came back as one pattern or as two.
:func:`discover` runs 1-5 on one model; :func:`compile_modisco` fills numba's disk cache once per run.

DeepLIFT's rescale rule is applied to the network's modules that tangermeme knows (ReLU, ...); the
sigmoid and tanh gates inside ``nn.LSTM`` are not modules, so for the RNNs ``deep_lift_shap`` falls
back to gradient × (input − reference) averaged over the references.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd


if TYPE_CHECKING:  # torch is imported where attributions are computed: reading patterns needs no torch
    import torch
    from torch import nn

log = logging.getLogger(__name__)

METHODS = ("deep_lift_shap", "grad_x_input")
# modisco-lite's TFMoDISco keywords sized for ~101-bp windows, hundreds of them. Patterns are trimmed to 30 bp
# plus 10 + 5 bp of flanks so that a composite element (TAL1 E-box, 7 bp, GATA: 30 bp) fits in one pattern
# whose halves pattern_queries matches separately (with 20 + 5 the GATA half was cut off at the edge).
DEFAULTS: dict[str, Any] = {
    "sliding_window_size": 15,
    "flank_size": 5,
    "min_metacluster_size": 20,
    "target_seqlet_fdr": 0.2,
    "max_seqlets_per_metacluster": 2000,
    "trim_to_window_size": 30,
    "initial_flank_to_add": 10,
    "final_flank_to_add": 5,
    "final_min_cluster_size": 10,
    "n_leiden_runs": 8,
}
QUERY_COLUMNS = ["query", "pattern", "start", "end"]


def _column(net: nn.Module) -> nn.Module:
    """``net(X)`` of shape ``(n,)`` as ``(n, 1)``: tangermeme wants one column per target."""
    from torch import nn

    class Column(nn.Module):
        def __init__(self, net: nn.Module) -> None:
            super().__init__()
            self.net = net

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return self.net(X).unsqueeze(-1)

    return Column(net)


def hypothetical_contributions(
    model: nn.Module,
    X: torch.Tensor,
    method: str = "deep_lift_shap",
    n_shuffles: int = 20,
    batch_size: int = 128,
    seed: int = 0,
) -> torch.Tensor:
    """Signed hypothetical contributions of every base at every position to the positive-class logit.

    Parameters
    ----------
    model: torch.nn.Module
        Maps ``X`` to logits ``(n,)``.
    X: torch.Tensor, shape=(n, 4, length)
        One-hot sequences.
    method: str, optional
        ``deep_lift_shap`` (tangermeme, dinucleotide-shuffled references) or ``grad_x_input``.
        Default "deep_lift_shap".
    n_shuffles: int, optional
        References per sequence (``deep_lift_shap``). Default 20.
    batch_size: int, optional
        Sequences (``grad_x_input``) or sequence-reference pairs (``deep_lift_shap``) per pass. Default 128.
    seed: int, optional
        Seed of the shuffles. Default 0.

    Returns
    -------
    X_hyp: torch.Tensor, shape=(n, 4, length), float32, on the CPU
        ``X_hyp * X`` is the contribution of the bases present.
    """
    import torch

    from deepmotif.interpret.saliency import check_onehot, input_gradients_enabled
    from deepmotif.models.inference import model_device

    X = check_onehot(X)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "deep_lift_shap":
        import warnings

        from tangermeme.deep_lift_shap import deep_lift_shap

        # The max-pooling rule un-pools (max_unpool1d), which has no deterministic kernel: a process that
        # asked for deterministic algorithms (Lightning's Trainer(deterministic=True)) only warns here.
        deterministic = torch.are_deterministic_algorithms_enabled()
        warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
        try:
            torch.use_deterministic_algorithms(deterministic, warn_only=True)
            with input_gradients_enabled(model), warnings.catch_warnings():
                warnings.filterwarnings("ignore", ".*[Cc]onvergence.*")
                warnings.filterwarnings("ignore", ".*does not have a deterministic implementation.*")
                X_hyp = deep_lift_shap(_column(model), X, target=0, n_shuffles=n_shuffles, hypothetical=True,
                                       batch_size=batch_size, random_state=seed, only_warn=True,
                                       device=model_device(model))
        finally:
            torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
        return X_hyp.detach().float().cpu()
    device = model_device(model)
    out = []
    with input_gradients_enabled(model):
        for start in range(0, len(X), batch_size):
            X_batch = X[start:start + batch_size].to(device).requires_grad_()
            (grad,) = torch.autograd.grad(model(X_batch).float().sum(), X_batch)
            out.append((grad - grad.mean(dim=1, keepdim=True)).detach().cpu())
    return torch.cat(out) if out else torch.zeros_like(X)


def run_modisco(X: np.ndarray, X_hyp: np.ndarray, **kwargs: Any) -> tuple[list, list]:
    """modisco-lite's TF-MoDISco on one-hot ``X`` and hypothetical contributions ``X_hyp``.

    Parameters
    ----------
    X, X_hyp: numpy.ndarray, shape=(n, 4, length)
        One-hot sequences and :func:`hypothetical_contributions`.
    **kwargs
        ``TFMoDISco`` keywords over :data:`DEFAULTS`.

    Returns
    -------
    pos_patterns, neg_patterns: list of modiscolite.core.SeqletSet
        Patterns of positive and of negative contributions (empty lists when none).
    """
    from deepmotif.interpret.motifs import ensure_compiled

    ensure_compiled()  # this CPU type's kernels compiled once, under the cache's lock
    use_modisco_cache()
    from modiscolite.tfmodisco import TFMoDISco

    X, X_hyp = np.asarray(X, dtype=np.float32), np.asarray(X_hyp, dtype=np.float32)
    if X.shape != X_hyp.shape or X.ndim != 3 or X.shape[1] != 4:
        raise ValueError(f"X and X_hyp must both have shape (n, 4, length), got {X.shape} and {X_hyp.shape}")
    params = {**DEFAULTS, **kwargs}
    pos, neg = TFMoDISco(one_hot=np.ascontiguousarray(X.transpose(0, 2, 1)),
                         hypothetical_contribs=np.ascontiguousarray(X_hyp.transpose(0, 2, 1)), **params)
    return list(pos or []), list(neg or [])


def pattern_names(pos: list, neg: list) -> list[tuple[str, int, Any]]:
    """``(name, sign, pattern)`` with modisco-lite's names: ``pos_patterns.pattern_0``, ..."""
    return ([(f"pos_patterns.pattern_{i}", 1, p) for i, p in enumerate(pos)]
            + [(f"neg_patterns.pattern_{i}", -1, p) for i, p in enumerate(neg)])


def pattern_ppms(pos: list, neg: list, min_information: float = 0.5) -> tuple[list[np.ndarray], list[str]]:
    """Probability matrices ``(4, k)`` of the patterns, trimmed to their informative span, and names.

    A pattern's matrix is the base frequency of its aligned seqlets; flanks with fewer than
    ``min_information`` bits are cut (:func:`~deepmotif.interpret.motifs.trim_pwm`); a pattern
    without such a position is kept whole.
    """
    from deepmotif.interpret.motifs import trim_pwm

    pwms, names = [], []
    for name, _, pattern in pattern_names(pos, neg):
        ppm = np.asarray(pattern.sequence, dtype=np.float64).T
        ppm = ppm / np.maximum(ppm.sum(axis=0, keepdims=True), 1e-12)
        start, end = trim_pwm(ppm, min_information)
        pwms.append(ppm[:, start:end] if end > start else ppm)
        names.append(name)
    return pwms, names


def pattern_table(pos: list, neg: list, matches: pd.DataFrame | None = None, max_q: float = 0.05) -> pd.DataFrame:
    """One row per pattern: ``pattern sign n_seqlets width consensus match_id match_name match_q``.

    ``match_*`` is the best Tomtom hit (rank 1) of ``matches`` if its ``q_value < max_q``, else empty:
    a non-significant best hit is not a match.
    """
    pwms, names = pattern_ppms(pos, neg)
    best = {}
    if matches is not None and len(matches):
        top = matches[(matches["rank"] == 1) & (matches["q_value"] < max_q)]
        best = {r.query: r for r in top.itertuples(index=False)}
    rows = []
    for (name, sign, pattern), pwm in zip(pattern_names(pos, neg), pwms):
        hit = best.get(name)
        rows.append((name, sign, len(pattern.seqlets), pwm.shape[1], "".join("ACGT"[i] for i in pwm.argmax(axis=0)),
                     hit.target_id if hit else "", hit.target_name if hit else "",
                     float(hit.q_value) if hit else np.nan))
    return pd.DataFrame(rows, columns=["pattern", "sign", "n_seqlets", "width", "consensus", "match_id",
                                       "match_name", "match_q"])


def seqlet_distances(pos: list, neg: list) -> pd.DataFrame:
    """How far apart the seqlets of each pair of patterns are, in sequences that carry both.

    For patterns ``a <= b`` (in :func:`pattern_names` order) and each sequence, every pair of a
    seqlet of ``a`` and another seqlet of ``b`` gives ``distance`` = centre of b's seqlet − centre of
    a's (bp, signed: positive when b lies to the right).

    Returns
    -------
    pandas.DataFrame
        ``pattern_a pattern_b distance count``, one row per distance seen.
    """
    centres = {}
    for name, _, pattern in pattern_names(pos, neg):
        by_seq: dict[int, list[float]] = {}
        for s in pattern.seqlets:
            by_seq.setdefault(int(s.example_idx), []).append((s.start + s.end) / 2)
        centres[name] = by_seq
    names = list(centres)
    counts: dict[tuple[str, str, float], int] = {}
    for i, a in enumerate(names):
        for b in names[i:]:
            for example, ca in centres[a].items():
                for x in ca:
                    for y in centres[b].get(example, []):
                        if a == b and y <= x:
                            continue  # each unordered pair of one pattern's seqlets once
                        key = (a, b, y - x)
                        counts[key] = counts.get(key, 0) + 1
    rows = [(a, b, d, n) for (a, b, d), n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["pattern_a", "pattern_b", "distance", "count"])


def save_modisco(path: str, pos: list, neg: list, window_size: int) -> None:
    """modisco-lite's HDF5 results file (readable by ``modisco report``), written atomically."""
    from modiscolite.io import save_hdf5

    from deepmotif.data.io import atomic_path

    with atomic_path(path) as tmp:
        save_hdf5(str(tmp), pos or None, neg or None, window_size)


def informative_segments(ppm: np.ndarray, min_information: float = 0.5, max_gap: int = 2, min_width: int = 5
                         ) -> list[tuple[int, int]]:
    """Runs ``[start, end)`` of informative positions of a probability matrix: motifs inside a pattern.

    Positions with at least ``min_information`` bits form runs; runs separated by at most ``max_gap``
    uninformative positions are joined; runs narrower than ``min_width`` are dropped.

    Examples
    --------
    >>> ppm = np.full((4, 20), 0.25); ppm[:, 2:8] = ppm[:, 12:18] = np.eye(4)[[0, 1, 2, 3, 0, 1]].T
    >>> informative_segments(ppm)
    [(2, 8), (12, 18)]
    """
    from deepmotif.interpret.motifs import information_content

    keep = information_content(ppm) >= min_information
    segments: list[list[int]] = []
    for i in np.flatnonzero(keep):
        if segments and i - segments[-1][1] <= max_gap:
            segments[-1][1] = int(i) + 1
        else:
            segments.append([int(i), int(i) + 1])
    return [(a, b) for a, b in segments if b - a >= min_width]


def pattern_queries(pos: list, neg: list, min_information: float = 0.5) -> tuple[list[np.ndarray], pd.DataFrame]:
    """The windows of each pattern matched against JASPAR: the trimmed whole, and each informative
    sub-window when there are two or more (a merged composite).

    Returns
    -------
    pwms: list of numpy.ndarray, shape=(4, k)
    queries: pandas.DataFrame
        :data:`QUERY_COLUMNS`: query name (the pattern's name, or ``name[start:end]`` for a
        sub-window), the pattern, and ``[start, end)`` in the pattern's (untrimmed) columns.
    """
    from deepmotif.interpret.motifs import trim_pwm

    pwms, rows = [], []
    for name, _, pattern in pattern_names(pos, neg):
        ppm = np.asarray(pattern.sequence, dtype=np.float64).T
        ppm = ppm / np.maximum(ppm.sum(axis=0, keepdims=True), 1e-12)
        start, end = trim_pwm(ppm, min_information)
        if end <= start:
            start, end = 0, ppm.shape[1]
        pwms.append(ppm[:, start:end])
        rows.append((name, name, start, end))
        segments = informative_segments(ppm, min_information)
        if len(segments) >= 2:
            for a, b in segments:
                pwms.append(ppm[:, a:b])
                rows.append((f"{name}[{a}:{b}]", name, a, b))
    return pwms, pd.DataFrame(rows, columns=QUERY_COLUMNS)


def query_centres(pos: list, neg: list, queries: pd.DataFrame) -> pd.DataFrame:
    """Where each query window lies in each sequence that has a seqlet of its pattern.

    A seqlet ``[start, end)`` on the forward strand puts pattern column ``j`` at ``start + j``; a
    reverse-complemented one at ``end - 1 - j``. The centre of window ``[a, b)`` is the mean of its
    first and last column.

    Returns
    -------
    pandas.DataFrame
        ``query example centre``, one row per seqlet of the query's pattern.
    """
    patterns = {name: pattern for name, _, pattern in pattern_names(pos, neg)}
    rows = []
    for query, name, a, b in queries[QUERY_COLUMNS].itertuples(index=False):
        middle = (a + b - 1) / 2
        for s in patterns[name].seqlets:
            centre = s.end - 1 - middle if s.is_revcomp else s.start + middle
            rows.append((query, int(s.example_idx), float(centre)))
    return pd.DataFrame(rows, columns=["query", "example", "centre"])


def discover(
    model: nn.Module,
    X: torch.Tensor,
    targets: dict,
    method: str = "grad_x_input",
    n_shuffles: int = 20,
    n_leiden_runs: int = 2,
    top_k: int = 3,
    max_q: float = 0.01,
    seed: int = 0,
    decoys: Any = None,
    tfmodisco: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """TF-MoDISco of one model on sequences ``X``, its patterns matched against JASPAR ``targets``.

    Parameters
    ----------
    model: torch.nn.Module
    X: torch.Tensor, shape=(n, 4, length)
        One-hot sequences (the test positives).
    targets: dict
        JASPAR matrices (:func:`~deepmotif.interpret.motifs.jaspar_motifs`).
    method, n_shuffles, seed:
        Of :func:`hypothetical_contributions`.
    n_leiden_runs: int, optional
        modisco-lite's Leiden restarts per clustering. Default 2.
    top_k: int, optional
        Tomtom hits kept per query. Default 3.
    max_q: float, optional
        A top hit below this q-value is a match. Default 0.01.
    decoys: Motifs or None, optional
        Decoy matrices for the calibration columns of the matches
        (:func:`~deepmotif.interpret.motifs.match_jaspar`). Default None.
    tfmodisco: dict or None, optional
        modisco-lite ``TFMoDISco`` keywords over :data:`DEFAULTS` (:func:`run_modisco`). Default None.

    Returns
    -------
    dict
        ``pos neg`` (modisco-lite's patterns), ``table`` (:func:`pattern_table`, with ``sub_matches``),
        ``pwms names`` (trimmed pattern matrices), ``queries query_pwms matches centres`` (every window
        matched, its matrix, its Tomtom hits, where it lies), ``distances`` (:func:`seqlet_distances`), ``window``
        (modisco-lite's sliding window), ``seconds`` (wall time of ``attribution`` and ``modisco``, and the
        process's CPU time of each, ``attribution_cpu`` and ``modisco_cpu``) and ``X_hyp`` (the hypothetical
        contributions, ``(n, 4, length)``).
    """
    import time

    from deepmotif.interpret.motifs import MATCH_COLUMNS, match_jaspar

    start, start_cpu = time.perf_counter(), time.process_time()
    X_hyp = hypothetical_contributions(model, X, method, n_shuffles, seed=seed)
    attributed, attributed_cpu = time.perf_counter(), time.process_time()
    params = {**DEFAULTS, **(tfmodisco or {}), "n_leiden_runs": n_leiden_runs}
    pos, neg = run_modisco(X.numpy(), X_hyp.numpy(), **params)
    seconds = {"attribution": attributed - start, "modisco": time.perf_counter() - attributed,
               "attribution_cpu": attributed_cpu - start_cpu, "modisco_cpu": time.process_time() - attributed_cpu}
    pwms, names = pattern_ppms(pos, neg)
    q_pwms, queries = pattern_queries(pos, neg)
    matches = (match_jaspar(q_pwms, list(queries["query"]), targets, top_k=top_k, decoys=decoys) if q_pwms
               else pd.DataFrame(columns=MATCH_COLUMNS))
    table = pattern_table(pos, neg, matches[matches["query"].isin(names)], max_q)
    significant = matches[(matches["rank"] == 1) & (matches["q_value"] < max_q)]
    sub = queries[queries["query"] != queries["pattern"]].merge(significant, on="query")
    table["sub_matches"] = [";".join(f"{r.start}-{r.end}:{r.target_name}({r.target_id})"
                                     for r in sub[sub["pattern"] == p].itertuples()) for p in table["pattern"]]
    return {"pos": pos, "neg": neg, "table": table, "pwms": pwms, "names": names, "queries": queries,
            "query_pwms": q_pwms,
            "matches": matches, "centres": query_centres(pos, neg, queries),
            "distances": seqlet_distances(pos, neg), "window": params["sliding_window_size"], "seconds": seconds,
            "X_hyp": X_hyp}


def _listed_kernels() -> list[tuple[Any, Any]]:
    """modisco-lite's numba kernels of a run with their signatures (its ``precompile`` list), or []."""
    from deepmotif.runtime.numba_cache import share_numba_cache

    share_numba_cache()
    try:
        from modiscolite import precompile

        groups = precompile._kernels()
    except (ImportError, AttributeError):
        return []
    out = []
    for group in groups:
        for dispatcher, sig in group:
            sig = sig if sig is not None else precompile._signatures.get(dispatcher)
            if sig is not None and hasattr(dispatcher, "enable_caching"):
                out.append((dispatcher, sig))
    return out


def use_modisco_cache() -> None:
    """Load modisco-lite's kernels from numba's disk cache (:func:`compile_modisco`) in this process.

    modisco-lite turns caching on only when it can fork compiling children (2+ threads, no OpenMP
    layer running); a one-thread job would otherwise compile every kernel itself (~30 s).
    """
    for dispatcher, _ in _listed_kernels():
        try:
            dispatcher.enable_caching()
        except Exception as err:  # no writable cache location: numba compiles in this process
            log.warning("numba cannot cache modisco-lite's kernels (%s); compiling them in this job", err)
            return


def compile_modisco() -> int:
    """Compile modisco-lite's numba kernels into numba's disk cache (the shared per-user cache of
    :mod:`deepmotif.runtime.numba_cache`), so that parallel jobs load them instead of each compiling them.

    modisco-lite's ``precompile`` module lists the kernels a run calls and their signatures; this
    compiles that list, with caching on, in this process. Returns the number of kernels compiled
    (0 if this modisco-lite has no such list: then each job compiles its own).
    """
    kernels = _listed_kernels()
    if not kernels:
        log.warning("this modisco-lite lists no kernels to precompile; each job compiles its own")
    for dispatcher, sig in kernels:
        dispatcher.enable_caching()
        dispatcher.compile(sig)
    return len(kernels)
