"""Everything the dashboard shows about one trained model, computed with the model loaded once.

:func:`interpret_model` composes the methods of this package (saliency, ISM, temporal scores, class
optimization, first-layer filters, Tomtom against JASPAR, and on simulated data the ground-truth
checks) into one :class:`Interpretation`; :func:`write_interpretation` writes its files under
``results/{tf}/{arch}/``. Each method stays a separate function, testable alone.

The sequences explained are the first test positives of ``sequences.tsv`` in file order. For
ChIP-seq data that is the strongest peaks first (``deepmotif extract`` sorts by signalValue and the
dataset keeps the order), so every architecture of a TF explains the same sequences.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from deepmotif.errors import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InterpretSettings:
    """The settings of :func:`interpret_model` (config section ``interpret``; no defaults here).

    ``n_shown`` test positives get ISM (the ones drawn); ``n_evaluate`` get saliency and temporal
    scores (0: all test positives; at least ``n_shown``). ``modisco``: TF-MoDISco
    (:func:`deepmotif.interpret.modisco.discover`) on the first ``modisco_n_sequences`` test positives
    (0: all) and the first ``modisco_n_train_sequences`` training positives, with modisco-lite's
    ``sliding_window_size`` (``modisco_window``), ``flank_size`` (``modisco_flank``),
    ``max_seqlets_per_metacluster`` (``modisco_max_seqlets``) and ``min_passing_windows_frac``
    (``modisco_min_seqlet_fraction``). ``min_information`` and ``known_max_q``: bits
    a learned motif needs, and the q-value its top JASPAR hit must stay below, to count in the known-motif check.
    """

    n_shown: int
    n_evaluate: int
    saliency: str
    temporal: bool
    restarts: int
    steps: int
    lr: float
    l2: float
    seed: int
    init: str
    window: int
    filter_threshold: float
    min_sites: int
    release: str
    collection: str
    tax_group: str
    top_k: int
    max_q: float
    min_information: float
    known_max_q: float
    top: int
    modisco: bool
    modisco_method: str
    modisco_n_shuffles: int
    modisco_n_sequences: int
    modisco_n_leiden_runs: int
    modisco_max_q: float
    modisco_n_train_sequences: int
    modisco_window: int
    modisco_flank: int
    modisco_max_seqlets: int
    modisco_min_seqlet_fraction: float

    @classmethod
    def from_config(cls, interpret: Mapping, temporal: bool) -> InterpretSettings:
        """The settings from the config section ``interpret`` (with the schema's defaults applied)."""
        opt, filters, jaspar, modisco = (interpret[k] for k in ("class_optimization", "filters", "jaspar", "modisco"))
        return cls(
            n_shown=interpret["n_sequences"], n_evaluate=interpret["n_evaluate"], saliency=interpret["saliency"],
            temporal=temporal, restarts=opt["restarts"], steps=opt["steps"], lr=opt["lr"], l2=opt["l2"],
            seed=opt["seed"], init=opt["init"], window=opt["window"], filter_threshold=filters["threshold"],
            min_sites=filters["min_sites"], release=jaspar["release"], collection=jaspar["collection"],
            tax_group=jaspar["tax_group"], top_k=jaspar["top_k"], max_q=jaspar["max_q"],
            min_information=jaspar["min_information"], known_max_q=jaspar["known_max_q"],
            top=interpret["ground_truth"]["top"],
            modisco=modisco["enabled"], modisco_method=modisco["method"], modisco_n_shuffles=modisco["n_shuffles"],
            modisco_n_sequences=modisco["n_sequences"], modisco_n_leiden_runs=modisco["n_leiden_runs"],
            modisco_max_q=modisco["max_q"], modisco_n_train_sequences=modisco["n_train_sequences"],
            modisco_window=modisco["window"], modisco_flank=modisco["flank"],
            modisco_max_seqlets=modisco["max_seqlets"], modisco_min_seqlet_fraction=modisco["min_seqlet_fraction"])

    @property
    def n_scored(self) -> int:
        """Test positives scored by saliency and temporal scores: ``n_evaluate``, at least ``n_shown`` (0: all)."""
        return max(self.n_evaluate, self.n_shown) if self.n_evaluate else 0


@dataclass
class Interpretation:
    """What :func:`interpret_model` computed; each field is one output file (see :func:`write_interpretation`)."""

    saliency: dict[str, np.ndarray]
    ism: dict[str, np.ndarray]
    temporal: dict[str, np.ndarray]
    class_optimization: dict[str, np.ndarray]
    class_motifs: tuple[list[np.ndarray], list[str]]
    filters: pd.DataFrame
    filter_motifs: tuple[list[np.ndarray], list[str]]
    matches: pd.DataFrame
    ground_truth: dict = field(default_factory=dict)
    modisco: dict | None = None


def split_positives(sequences: pd.DataFrame, n: int = 0, split: str = "test", source: str = "sequences.tsv"
                   ) -> pd.DataFrame:
    """The first ``n`` positives of a split of a dataset (all when ``n`` is 0), in file order.

    Parameters
    ----------
    sequences: pandas.DataFrame
        ``sequences.tsv`` (``id seq label split``).
    n: int, optional
        How many; 0 for all. Default 0.
    split: str, optional
        ``train``, ``valid`` or ``test``. Default "test".
    source: str, optional
        The file the table came from, for the error message.

    Returns
    -------
    pandas.DataFrame
        Columns ``id seq`` with a fresh index.
    """
    df = sequences[(sequences["split"] == split) & (sequences["label"] == 1)][["id", "seq"]].reset_index(drop=True)
    if df.empty:
        raise InputError(f"{source}: no positives in the {split!r} split")
    return df.head(n) if n else df


def jaspar_targets(settings: InterpretSettings):
    """The JASPAR matrices learned motifs are matched against (``interpret.jaspar``), one line if unknown."""
    from deepmotif.interpret.motifs import jaspar_motifs

    try:
        return jaspar_motifs(settings.release, settings.collection,
                             None if settings.tax_group == "all" else settings.tax_group)
    except (ValueError, KeyError) as err:
        raise InputError(f"JASPAR release {settings.release!r} collection {settings.collection!r} tax group "
                         f"{settings.tax_group!r}: {err}; set interpret.jaspar in the config to a release "
                         "pyjaspar ships") from None


def discover_positives(
    net: nn.Module,
    sequences: pd.DataFrame,
    settings: InterpretSettings,
    targets: Any,
    decoys: Any = None,
    source: str = "sequences.tsv",
    tf: str = "",
    arch: str = "",
) -> dict[str, Any]:
    """TF-MoDISco of one model as the pipeline runs it (``deepmotif interpret`` and ``deepmotif modisco``).

    The first ``modisco_n_sequences`` test positives (0: all) and the first ``modisco_n_train_sequences``
    training positives, :func:`deepmotif.interpret.modisco.discover` with the ``modisco_*`` settings.

    Parameters
    ----------
    net: torch.nn.Module
    sequences: pandas.DataFrame
        ``sequences.tsv`` of the TF.
    settings: InterpretSettings
    targets, decoys:
        JASPAR matrices (:func:`jaspar_targets`) and their decoys (or None) for the matches.
    source, tf, arch: str, optional
        For messages.

    Returns
    -------
    dict
        :func:`~deepmotif.interpret.modisco.discover`'s result plus ``ids seqs`` of the sequences.
    """
    from deepmotif.data.encoding import one_hot
    from deepmotif.interpret.modisco import discover

    shown = split_positives(sequences, settings.modisco_n_sequences, source=source)
    n_test = len(shown)
    if settings.modisco_n_train_sequences:
        shown = pd.concat([shown, split_positives(sequences, settings.modisco_n_train_sequences, "train", source)],
                          ignore_index=True)
    tfmodisco = {"sliding_window_size": settings.modisco_window, "flank_size": settings.modisco_flank,
                 "max_seqlets_per_metacluster": settings.modisco_max_seqlets,
                 "min_passing_windows_frac": settings.modisco_min_seqlet_fraction}
    modisco = discover(net, torch.from_numpy(one_hot(list(shown["seq"]))), targets, settings.modisco_method,
                       settings.modisco_n_shuffles, settings.modisco_n_leiden_runs, settings.top_k,
                       settings.modisco_max_q, settings.seed, decoys=decoys, tfmodisco=tfmodisco)
    modisco["ids"], modisco["seqs"] = shown["id"].to_numpy(), shown["seq"].to_numpy()
    log.info("%s %s: TF-MoDISco on %s of %d test + %d training positives: %d patterns (%d seqlets), %d matched "
             "(q < %g); attributions %.1f s, MoDISco %.1f s", tf, arch, settings.modisco_method, n_test,
             len(shown) - n_test, len(modisco["table"]), int(modisco["table"]["n_seqlets"].sum()),
             int((modisco["table"]["match_id"] != "").sum()), settings.modisco_max_q,
             modisco["seconds"]["attribution"], modisco["seconds"]["modisco"])
    return modisco


def interpret_model(
    net: nn.Module,
    sequences: pd.DataFrame,
    settings: InterpretSettings,
    tf: str = "",
    arch: str = "",
    positives: pd.DataFrame | None = None,
    planted: pd.DataFrame | None = None,
    source: str = "sequences.tsv",
    motifs: tuple[str, ...] = (),
) -> Interpretation:
    """Interpret one trained network: every method of the dashboard, the JASPAR matches, the ground truth.

    Parameters
    ----------
    net: torch.nn.Module
        Maps ``(n, 4, length)`` to logits ``(n,)`` (from :func:`deepmotif.models.inference.load_network`).
    sequences: pandas.DataFrame
        The TF's ``sequences.tsv``: test positives are explained, training positives activate filters.
    settings: InterpretSettings
    tf, arch: str, optional
        Recorded in the ground-truth row.
    positives, planted: pandas.DataFrame, optional
        Simulated TFs: the windows (``positives.tsv``) and the planted motifs (``planted.tsv``); with
        them the ground truth is checked, without them ``ground_truth`` says there is none.
    source: str, optional
        The file ``sequences`` came from, for error messages.
    motifs: tuple of str, optional
        The TF's JASPAR ids (the sheet's ``motifs``) for the known-motif check
        (:func:`deepmotif.interpret.known_motifs.known_motif_check`); simulated TFs use the planted
        matrices; empty: the matrices named like the TF. Default ().

    Returns
    -------
    Interpretation
        ``ground_truth`` holds the ``known_motifs`` check for every TF, and the planted-motif checks
        for simulated ones.
    """
    from deepmotif.data.encoding import one_hot
    from deepmotif.simulation import groundtruth
    from deepmotif.interpret.filters import filter_pwms, filter_table
    from deepmotif.interpret.known_motifs import decoy_motifs, jaspar_annotations, known_motif_check
    from deepmotif.interpret.mutagenesis import ism
    from deepmotif.interpret.motifs import match_jaspar
    from deepmotif.interpret.optimize import importance_windows, optimize_class_input, window_motifs
    from deepmotif.interpret.saliency import saliency_map
    from deepmotif.interpret.temporal import temporal_scores
    from deepmotif.models.inference import predict_proba

    scored = split_positives(sequences, settings.n_scored, source=source)
    X = torch.from_numpy(one_hot(list(scored["seq"])))
    ids, seqs = scored["id"].to_numpy(), scored["seq"].to_numpy()
    prob = predict_proba(net, X)
    saliency = {"ids": ids, "seqs": seqs, "X_attr": saliency_map(net, X, settings.saliency).numpy(), "prob": prob,
                "method": np.array(settings.saliency)}
    n_shown = min(settings.n_shown, len(scored))
    X_ism = ism(net, X[:n_shown]).numpy()
    result = {"ids": ids[:n_shown], "seqs": seqs[:n_shown], "X_ism": X_ism}
    if settings.temporal:
        forward, backward = (t.numpy() for t in temporal_scores(net, X))
    else:
        forward = backward = np.zeros((0, X.shape[-1]), dtype=np.float32)
    temporal = {"ids": ids[:len(forward)], "seqs": seqs[:len(forward)], "forward": forward, "backward": backward}
    log.info("%s %s: saliency and %s of %d test positives, ISM of %d", tf, arch,
             "temporal scores" if settings.temporal else "no temporal scores", len(scored), n_shown)

    with flush_denormals():
        pwms, scores = optimize_class_input(net, X.shape[-1], n_restarts=settings.restarts, steps=settings.steps,
                                            lr=settings.lr, l2=settings.l2, seed=settings.seed, init=settings.init)
    windows = importance_windows(net, pwms, settings.window)
    class_motifs = window_motifs(pwms, windows)
    class_optimization = {"pwms": pwms.numpy(), "scores": scores.numpy(), "names": np.array(class_motifs[1]),
                          **{c: windows[c].to_numpy() for c in windows.columns}}
    log.info("%s %s: %d restarts × %d steps from %s, P(binding) %s; %d windows", tf, arch, settings.restarts,
             settings.steps, settings.init, " ".join(f"{s:.3f}" for s in scores.tolist()), len(windows))

    first_conv = getattr(net, "first_conv", None)
    if first_conv is not None:
        train = split_positives(sequences, 0, "train", source)
        f_pwms, n_sites = filter_pwms(first_conv, torch.from_numpy(one_hot(list(train["seq"]))),
                                      settings.filter_threshold)
        filters = filter_table(f_pwms, n_sites, settings.min_sites)
        filter_motifs = ([p.numpy() for p, keep in zip(f_pwms, filters["motif"]) if keep],
                         list(filters.loc[filters["motif"], "name"]))
        log.info("%s %s: %d filters, %d with >= %d sites on %d training positives", tf, arch, len(filters),
                 len(filter_motifs[1]), settings.min_sites, len(train))
    else:
        filters = filter_table(torch.zeros(0, 4, 1), torch.zeros(0, dtype=torch.int64), settings.min_sites)
        filter_motifs = ([], [])
        log.info("%s %s: the %s network has no first convolution: no filter motifs", tf, arch, type(net).__name__)

    queries = (class_motifs[0] + filter_motifs[0], class_motifs[1] + filter_motifs[1])
    targets = jaspar_targets(settings)
    decoys = decoy_motifs(targets, settings.seed)
    matches = match_jaspar(*queries, targets, top_k=settings.top_k, decoys=decoys)
    matches["source"] = ["filter" if q.startswith("filter") else "class_optimization" for q in matches["query"]]
    log.info("%s %s: %d JASPAR hits of %d learned motifs", tf, arch, len(matches), matches["query"].nunique())

    modisco = None
    if settings.modisco:
        modisco = discover_positives(net, sequences, settings, targets, decoys, source, tf, arch)

    if positives is not None and planted is not None:
        truth = groundtruth.check_interpretation(saliency, temporal if settings.temporal else None, matches,
                                                 positives, planted, settings.top, settings.max_q, arch, modisco)
        ground_truth = {"tf": tf, "arch": arch, **truth}
        motifs = tuple(dict.fromkeys(planted["motif_id"]))
    else:
        ground_truth = {"tf": tf, "arch": arch, "note": "no planted motifs: not a simulated TF"}
    learned = pd.concat([matches] + ([modisco["matches"].assign(source="modisco")] if modisco is not None else []),
                        ignore_index=True)
    annotations = jaspar_annotations(settings.release, settings.collection,
                                     None if settings.tax_group == "all" else settings.tax_group)
    pwms = dict(zip(queries[1], queries[0]))
    if modisco is not None:
        pwms.update(zip(modisco["queries"]["query"], modisco["query_pwms"]))
    ground_truth["known_motifs"] = known_motif_check(learned, tf, motifs, annotations, settings.known_max_q,
                                                     settings.min_information, pwms=pwms, targets=targets)
    log.info("%s %s: known motif (%s): %s; decoy false-match rate %.3f of %d learned motifs", tf, arch,
             ground_truth["known_motifs"]["origin"],
             ", ".join(f"{v['source']} {v['verdict']}" for v in ground_truth["known_motifs"]["verdicts"]),
             ground_truth["known_motifs"]["false_match_rate"], ground_truth["known_motifs"]["n_queries"])
    return Interpretation(saliency, result, temporal, class_optimization, class_motifs, filters, filter_motifs,
                          matches, ground_truth, modisco)


@contextlib.contextmanager
def flush_denormals() -> Iterator[None]:
    """Flush denormal floats to zero inside the block (CPU): the L2 penalty of class optimization drives
    inputs to denormals, which makes LSTMs ~30x slower."""
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def write_interpretation(result: Interpretation, paths: Mapping[str, str | os.PathLike]) -> None:
    """Write each part of an :class:`Interpretation` to its file (atomically).

    Parameters
    ----------
    result: Interpretation
    paths: mapping of str to path
        Keys ``saliency ism temporal class_optimization class_meme filters filter_meme matches
        ground_truth``; with MoDISco also ``modisco modisco_patterns modisco_meme modisco_distances``
        (:func:`write_modisco`).
    """
    from deepmotif.interpret.arrays import save_arrays
    from deepmotif.interpret.motifs import write_meme
    from deepmotif.data.io import atomic_path
    from deepmotif.data.tables import write_table

    save_arrays(paths["saliency"], **result.saliency)
    save_arrays(paths["ism"], **result.ism)
    save_arrays(paths["temporal"], **result.temporal)
    save_arrays(paths["class_optimization"], **result.class_optimization)
    write_meme(paths["class_meme"], *result.class_motifs)
    write_meme(paths["filter_meme"], *result.filter_motifs)
    write_table(result.filters, paths["filters"], float_format="%.4f")
    write_table(result.matches, paths["matches"], float_format="%.4g")
    if result.modisco is not None:
        write_modisco(result.modisco, paths)
    elif paths.get("modisco"):  # MoDISco switched off: the files exist, empty
        from deepmotif.interpret.modisco import pattern_table, seqlet_distances

        write_modisco({"pos": [], "neg": [], "pwms": [], "names": [], "distances": seqlet_distances([], []),
                       "table": pattern_table([], []).assign(sub_matches=[])}, paths)
    with atomic_path(paths["ground_truth"]) as tmp:
        tmp.write_text(json.dumps(_json_ready(result.ground_truth), indent=2, default=float))


def _json_ready(value: object) -> object:
    """``value`` with NaN as None (JSON null), also inside dicts and lists."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value


def write_modisco(modisco: Mapping, paths: Mapping[str, str | os.PathLike]) -> None:
    """The files of :func:`deepmotif.interpret.modisco.discover`'s result (atomically).

    ``modisco``: modisco-lite's HDF5 (readable by ``modisco report``); ``modisco_patterns``: one row
    per pattern with its significant JASPAR match and those of its sub-windows; ``modisco_meme``: the
    trimmed patterns; ``modisco_distances``: ``pattern_a pattern_b distance count``.
    """
    from deepmotif.interpret.modisco import DEFAULTS, save_modisco
    from deepmotif.interpret.motifs import write_meme
    from deepmotif.data.tables import write_table

    save_modisco(paths["modisco"], modisco["pos"], modisco["neg"],
                 modisco.get("window", DEFAULTS["sliding_window_size"]))
    write_meme(paths["modisco_meme"], modisco["pwms"], modisco["names"])
    write_table(modisco["table"], paths["modisco_patterns"], float_format="%.4g")
    write_table(modisco["distances"], paths["modisco_distances"])
