"""Score new sequences with trained models: ``deepmotif predict``.

Sequences come from a FASTA file, a TSV (``id seq``) or a BED/narrowPeak file cut out of a genome
FASTA. Each is scored by one or more checkpoints (``results/{tf}/{arch}/model.ckpt``); the output
has a logit and a probability per model and their mean over the architectures of a TF.

Conventions (``docs/variants.md``):

* **Strands.** The logit of a window is the mean of the forward and reverse-complement logits; its
  probability is the mean of the two strands' probabilities (``--no-rc``: the forward strand only).
* **Length.** The model length ``L`` is read from the checkpoint (``input_length``; older checkpoints:
  ``--length``, default 101). A longer sequence is scored on its central ``L`` bp (the extra base of
  an odd difference goes to the right), or, with ``--scan``, on every window at ``stride`` and the
  maximum is reported with its 0-based start. A shorter sequence is an error naming the record:
  padding with ``N`` would feed the network inputs it never saw in training.
* **Letters.** ``N`` is an all-zero column, as in training; any other character of a FASTA or TSV
  sequence (IUPAC codes, digits, spaces, ``-``) is an error naming the line, as in the training
  readers. Genome windows (BED input) may hold IUPAC codes (all-zero columns, as ``N``).
* **Strands of intervals.** A BED/narrowPeak interval on the ``-`` strand (column 6) is scored as the
  reverse complement of the genome; its ``--scan`` position counts from its 5' end (``end``).
* **Streaming.** Records are read, scored and written in chunks; the output is written to a
  temporary file beside the target and renamed at the end, so a failure leaves no partial table.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from typing import TYPE_CHECKING

from deepmotif.data.encoding import one_hot
from deepmotif.data.io import iter_lines
from deepmotif.data.readers import check_bases
from deepmotif.errors import InputError, excerpt, where

if TYPE_CHECKING:  # torch is imported by the functions that run models: reading tables needs no torch
    import torch
    from torch import nn

log = logging.getLogger(__name__)

DEFAULT_LENGTH = 101
ASCII_INT = re.compile(r"[0-9]+")  # str.isdigit() and int() accept other scripts' digits ('²', '٣')
GENOME_BAD = re.compile(r"[^ACGTNRYKMSWBDHV]")  # genome windows: IUPAC codes are N columns, others wrong
ARCH_ORDER = ("cnn", "rnn", "cnn_rnn")


# --- models ------------------------------------------------------------------------------------------

@dataclass
class LoadedModel:
    """A trained network with what the outputs need to name it.

    Attributes
    ----------
    path: pathlib.Path
        The checkpoint.
    tf: str
        TF name (the folder two levels up in ``results/{tf}/{arch}/model.ckpt``; '' otherwise).
    arch: str
        Architecture recorded in the checkpoint.
    length: int
        Input length ``L`` the network was trained on.
    net: torch.nn.Module
        The network in eval mode.
    """

    path: Path
    tf: str
    arch: str
    length: int
    net: nn.Module = field(repr=False)


def find_checkpoints(results: str | os.PathLike, tf: str) -> list[Path]:
    """Every ``{results}/{tf}/{arch}/model.ckpt``, in the order cnn, rnn, cnn_rnn, then by name.

    Raises
    ------
    InputError
        When there is none.
    """
    folder = Path(results) / tf
    found = sorted(folder.glob("*/model.ckpt"),
                   key=lambda p: (ARCH_ORDER.index(p.parent.name) if p.parent.name in ARCH_ORDER
                                  else len(ARCH_ORDER), p.parent.name))
    if not found:
        raise InputError(f"{folder}: no trained model (*/model.ckpt) of TF {tf!r}; "
                         "train it first or name checkpoints explicitly")
    return found


def load_models(paths: Sequence[str | os.PathLike], length: int | None = None) -> list[LoadedModel]:
    """Load checkpoints and check that they agree with their path and with each other.

    Parameters
    ----------
    paths: sequence of path
        ``model.ckpt`` files written by ``deepmotif train``.
    length: int or None, optional
        Input length for checkpoints that do not record one (default :data:`DEFAULT_LENGTH`); a
        checkpoint that records another length is an error.

    Returns
    -------
    list of LoadedModel

    Raises
    ------
    InputError
        A checkpoint that is missing or not deepmotif's, whose architecture is not the one its folder
        names (``results/{tf}/cnn/model.ckpt`` holding an rnn), or whose length differs from
        ``length`` or from the other checkpoints'.
    """
    from deepmotif.models.checkpoint import load_checkpoint
    from deepmotif.models.nets import NETS
    from deepmotif.models.inference import network_from_checkpoint

    if not paths:
        raise InputError("no model given: name checkpoints or use --tf NAME --results DIR")
    models = []
    for path in map(Path, paths):
        ckpt = load_checkpoint(path)  # weights_only: a checkpoint is data, never code
        hparams = ckpt.get("hyper_parameters") or {}
        arch = hparams.get("arch")
        folder = path.parent.name
        if arch and folder in NETS and folder != arch:
            raise InputError(f"{path}: checkpoint of architecture {arch!r} in the folder of {folder!r}; "
                             f"it belongs in {path.parent.parent / arch}")
        recorded = hparams.get("input_length")
        if recorded is not None and length is not None and int(recorded) != length:
            raise InputError(f"{path}: model trained on {recorded}-bp sequences, but --length is {length}")
        net = network_from_checkpoint(ckpt, path)  # the file read once
        tf = path.parent.parent.name if folder == arch else ""
        models.append(LoadedModel(path, tf, arch, int(recorded or length or DEFAULT_LENGTH), net))
    first = models[0]
    for m in models[1:]:
        if m.length != first.length:
            raise InputError(f"{m.path}: model length {m.length} bp differs from {first.length} bp of "
                             f"{first.path}; score models of one input length together")
    return models


def model_labels(models: Sequence[LoadedModel]) -> list[str]:
    """Column prefixes: the architecture when all models are of one TF, else ``tf.arch``; unique."""
    one_tf = len({m.tf for m in models}) == 1
    labels: list[str] = []
    for m in models:
        label = m.arch if one_tf or not m.tf else f"{m.tf}.{m.arch}"
        base, k = label, 2
        while label in labels:
            label, k = f"{base}_{k}", k + 1
        labels.append(label)
    return labels


def strand_scores(
    net: nn.Module,
    X: torch.Tensor,
    rc: bool = True,
    batch_size: int = 1024,
    device: str | torch.device | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Logit and probability of each window, both strands averaged.

    Parameters
    ----------
    net: torch.nn.Module
    X: torch.Tensor, shape=(n, 4, length)
    rc: bool, optional
        Average the forward and reverse-complement strands. Default True.
    batch_size: int, optional
    device: str, torch.device or None, optional
        Default None: the GPU when there is one.

    Returns
    -------
    logit: numpy.ndarray, shape=(n,)
        Mean of the strands' logits.
    prob: numpy.ndarray, shape=(n,)
        Mean of the strands' probabilities.
    """
    import torch

    from deepmotif.models.inference import predict_logits

    device = resolve_device(device)
    net.to(device)
    with torch.no_grad():
        forward = np.asarray(predict_logits(net, X, batch_size, device), dtype=np.float64)
        if not rc:
            return forward, _sigmoid(forward)
        reverse = np.asarray(predict_logits(net, X.flip(1, 2), batch_size, device), dtype=np.float64)
    return (forward + reverse) / 2, (_sigmoid(forward) + _sigmoid(reverse)) / 2


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device``, or the GPU when there is one and the CPU otherwise."""
    import torch

    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# --- sequence sources --------------------------------------------------------------------------------

@dataclass
class Record:
    """One sequence to score: ``id``, ``seq``, the line it starts on and extra output columns."""

    id: str
    seq: str
    line: int
    extra: dict = field(default_factory=dict)


def sniff_format(path: str | os.PathLike) -> str:
    """``fasta``, ``bed`` or ``table`` from the file name, else from the first line."""
    name = str(path).lower().removesuffix(".gz")
    for fmt, suffixes in (("fasta", (".fa", ".fasta", ".fna")), ("bed", (".bed", ".narrowpeak")),
                          ("table", (".tsv", ".txt"))):
        if name.endswith(suffixes):
            return fmt
    first = next((text for _, text in iter_lines(path) if text.strip()), "")
    return "fasta" if first.startswith(">") else "table"


def iter_fasta(path: str | os.PathLike) -> Iterator[Record]:
    """Stream the records of a FASTA file (gzip or plain, UTF-8), one at a time.

    Raises
    ------
    InputError
        A character other than A, C, G, T, N (any case) in a sequence line, naming the line and
        position, as the training readers do (IUPAC codes: replace them by N).
    """
    name, line_no, parts = None, 0, []
    for n, line in iter_lines(path):
        line = line.strip()
        if line.startswith(">"):
            if name is not None:
                yield Record(name, "".join(parts), line_no)
            name, line_no, parts = line[1:].split()[0] if line[1:].strip() else "", n, []
            if not name:
                raise InputError(f"{where(path, n)}: FASTA header without a name")
        elif line:
            if name is None:
                raise InputError(f"{where(path, n)}: sequence before the first '>' header; not FASTA")
            parts.append(check_bases(line, path, n))
    if name is None:
        raise InputError(f"{path}: no FASTA record ('>name' lines)")
    yield Record(name, "".join(parts), line_no)


def iter_table(path: str | os.PathLike) -> Iterator[Record]:
    """Stream a TSV (UTF-8) with a header naming ``id`` and ``seq`` (other columns are ignored)."""
    lines = iter_lines(path)
    _, first = next(lines, (1, ""))
    header = first.split("\t")
    if "id" not in header or "seq" not in header:
        raise InputError(f"{where(path, 1)}: the header must name columns 'id' and 'seq' (tab-separated), "
                         f"found {header[:5]}")
    i_id, i_seq = header.index("id"), header.index("seq")
    for n, line in lines:
        fields = line.split("\t")
        if not line.strip():
            continue
        if len(fields) <= max(i_id, i_seq):
            raise InputError(f"{where(path, n)}: {len(fields)} columns, the header has {len(header)}")
        yield Record(fields[i_id], check_bases(fields[i_seq].strip(), path, n), n)


def chrom_hint(chrom: str, names: Iterable[str]) -> str:
    """A hint when ``chrom`` is in the genome under the other naming (``chr1`` vs ``1``)."""
    names = set(names)
    other = chrom.removeprefix("chr") if chrom.startswith("chr") else f"chr{chrom}"
    if chrom == "chrM" and "MT" in names:
        other = "MT"
    elif chrom == "MT" and "chrM" in names:
        other = "chrM"
    if other in names:
        return (f"; the genome calls it {other!r}: the file and the genome use different chromosome names "
                "(UCSC 'chr1' vs Ensembl '1'), rename one of them (e.g. bcftools annotate --rename-chrs)")
    return ""


def open_genome(path: str | os.PathLike):
    """The genome as a ``pyfaidx.Fasta`` of upper-case strings (``.fai`` built if missing or stale)."""
    from deepmotif.data.genome import open_indexed

    return open_indexed(path)


def iter_intervals(path: str | os.PathLike, genome_path: str | os.PathLike, length: int,
                   scan: bool) -> Iterator[Record]:
    """Sequences of a BED or narrowPeak file cut out of the genome, on the interval's strand.

    Without ``scan`` each record is the ``length``-bp window centred on the summit (narrowPeak
    column 10) or the midpoint (BED); with ``scan`` it is the interval itself, widened around its
    centre to ``length`` bp when shorter. Records carry ``chrom start end strand`` of what was cut; an
    interval on the ``-`` strand (column 6) is the reverse complement of the genome there, so
    ``--no-rc`` scores that strand and ``--scan`` positions count from its 5' end (``end``).
    """
    from deepmotif.simulation.genome import reverse_complement

    genome = open_genome(genome_path)
    for n, line in iter_lines(path):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        fields = line.split("\t")
        if len(fields) < 3 or not ASCII_INT.fullmatch(fields[1]) or not ASCII_INT.fullmatch(fields[2]):
            raise InputError(f"{where(path, n)}: expected tab-separated chrom start end (non-negative integers "
                             f"written with digits 0-9), got {excerpt(line)}")
        chrom, start, end = fields[0], int(fields[1]), int(fields[2])
        if end <= start:
            raise InputError(f"{where(path, n)}: end {end} <= start {start}")
        if chrom not in genome:
            raise InputError(f"{where(path, n)}: chromosome {chrom!r} is not in {genome_path}"
                             + chrom_hint(chrom, genome.keys()))
        strand = fields[5].strip() if len(fields) > 5 and fields[5].strip() else "."
        if strand not in ("+", "-", "."):
            raise InputError(f"{where(path, n)}: strand (column 6) {excerpt(strand)} must be +, - or .")
        centre = start + _summit(fields, start, end, path, n) if len(fields) >= 10 else (start + end) // 2
        if not scan or end - start < length:
            start, end = centre - length // 2, centre - length // 2 + length
        size = len(genome[chrom])
        if start < 0 or end > size:
            raise InputError(f"{where(path, n)}: the {end - start}-bp window {chrom}:{start}-{end} runs off "
                             f"the chromosome ({size} bp); drop or trim the interval")
        name = fields[3] if len(fields) > 3 and fields[3] not in ("", ".") else f"{chrom}:{start}-{end}"
        seq = genome[chrom][start:end]
        bad = GENOME_BAD.search(seq)
        if bad:
            raise InputError(f"{genome_path}: {chrom}:{start}-{end} (for {where(path, n)}) holds {bad.group()!r}, "
                             "not a base or IUPAC code; is the genome FASTA (and its .fai) intact?")
        yield Record(name, reverse_complement(seq) if strand == "-" else seq, n,
                     {"chrom": chrom, "start": start, "end": end, "strand": strand})


def _summit(fields: list[str], start: int, end: int, path: str | os.PathLike, line: int) -> int:
    """The summit offset of a narrowPeak line (column 10) as :func:`~deepmotif.data.readers.read_narrowpeak`
    reads it: -1 (none) is the midpoint, one past the end the last base, anything else outside an error."""
    width = end - start
    if not re.fullmatch(r"-?[0-9]+", fields[9].strip()):
        raise InputError(f"{where(path, line)}: column 10 (summit offset) must be an integer, got "
                         f"{excerpt(fields[9])}")
    peak = int(fields[9])
    if peak == -1:
        return width // 2
    if peak == width:
        return width - 1
    if not 0 <= peak < width:
        raise InputError(f"{where(path, line)}: summit offset {peak} (column 10) is outside the peak [0, {width}) "
                         f"of {fields[0]}:{start}-{end}; it counts from start (-1 = no summit)")
    return peak


def iter_records(path: str | os.PathLike, fmt: str = "auto", genome: str | None = None,
                 length: int = DEFAULT_LENGTH, scan: bool = False) -> Iterator[Record]:
    """Records of ``path`` in format ``fmt`` (``auto``, ``fasta``, ``table``, ``bed``)."""
    if not Path(path).exists():
        raise InputError(f"{path}: file not found")
    fmt = sniff_format(path) if fmt == "auto" else fmt
    if fmt == "bed":
        if not genome:
            raise InputError(f"{path}: intervals need the genome they refer to (--genome FASTA)")
        return iter_intervals(path, genome, length, scan)
    return iter_fasta(path) if fmt == "fasta" else iter_table(path)


# --- scoring -----------------------------------------------------------------------------------------

def window_starts(size: int, length: int, stride: int) -> np.ndarray:
    """0-based starts of the ``length``-bp windows of a ``size``-bp sequence at ``stride``, last one flush right."""
    starts = np.arange(0, size - length + 1, stride)
    if starts[-1] != size - length:
        starts = np.append(starts, size - length)
    return starts


def _check_length(record: Record, length: int, path: str | os.PathLike) -> None:
    if len(record.seq) < length:
        raise InputError(f"{where(path, record.line)}: sequence {record.id!r} has {len(record.seq)} bp, shorter "
                         f"than the model's {length} bp; extend it (e.g. cut a wider interval) or drop it")


def iter_chunks(records: Iterable[Record], length: int, scan: bool = False, stride: int = 1,
                chunk_size: int = 4096, path: str | os.PathLike = "") -> Iterator["Chunk"]:
    """Group records into chunks of about ``chunk_size`` windows (at least one record each).

    Window strings are not made here: :func:`score_chunk` cuts them block by block, so one long
    sequence scanned at stride 1 costs memory for its scores, not for its windows.

    Raises
    ------
    InputError
        A sequence shorter than ``length``, naming its record and line.
    """
    chunk, n_windows = Chunk([], []), 0
    for record in records:
        _check_length(record, length, path)
        size = len(record.seq)
        starts = window_starts(size, length, stride) if scan else np.array([(size - length) // 2])
        chunk.records.append(record)
        chunk.starts.append(starts)
        n_windows += len(starts)
        if n_windows >= chunk_size:
            yield chunk
            chunk, n_windows = Chunk([], []), 0
    if chunk.records:
        yield chunk


@dataclass
class Chunk:
    """Records and the 0-based starts of their windows (``starts[i]`` for ``records[i]``)."""

    records: list[Record]
    starts: list[np.ndarray]


def _best_per_record(values: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Index (into ``values``) of the first maximum of each record's windows (owners sorted)."""
    order = np.lexsort((-values, owner))  # by record, then value descending (stable: first maximum)
    first = np.ones(len(order), dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    return order[first]


def score_chunk(chunk: Chunk, models: Sequence[LoadedModel], labels: Sequence[str], scan: bool = False,
                rc: bool = True, batch_size: int = 1024, device: str | None = None) -> pd.DataFrame:
    """Output rows of one chunk: ``id`` (+ ``chrom start end``), ``length``, then per model and mean
    over the architectures of a TF ``{label}_logit {label}_prob`` (``--scan``: also ``{label}_pos``)."""
    import torch

    records, length = chunk.records, models[0].length
    owner = np.repeat(np.arange(len(records)), [len(s) for s in chunk.starts])
    starts = np.concatenate(chunk.starts)
    table = pd.DataFrame({"id": [r.id for r in records]})
    for key in records[0].extra:
        table[key] = [r.extra[key] for r in records]
    table["length"] = [len(r.seq) for r in records]
    scores = {label: (np.empty(len(starts)), np.empty(len(starts))) for label in labels}
    block = max(batch_size, 4096)
    for lo in range(0, len(starts), block):  # windows cut and encoded one block at a time
        hi = min(lo + block, len(starts))
        X = torch.from_numpy(one_hot([records[o].seq[s:s + length] for o, s in zip(owner[lo:hi], starts[lo:hi])],
                                     length))
        for model, label in zip(models, labels):
            scores[label][0][lo:hi], scores[label][1][lo:hi] = strand_scores(model.net, X, rc, batch_size, device)
    groups: dict[str, list[str]] = {}
    for model, label in zip(models, labels):
        groups.setdefault(model.tf, []).append(label)
    for tf, members in groups.items():
        if len(members) > 1:
            name = "mean" if len(groups) == 1 or not tf else f"{tf}.mean"
            scores[name] = (np.mean([scores[m][0] for m in members], axis=0),
                            np.mean([scores[m][1] for m in members], axis=0))
    for label, (logit, prob) in scores.items():
        best = _best_per_record(logit, owner) if scan else np.arange(len(records))
        table[f"{label}_logit"], table[f"{label}_prob"] = logit[best], prob[best]
        if scan:
            table[f"{label}_pos"] = starts[best]
    return table


def predict_file(
    path: str | os.PathLike,
    models: Sequence[LoadedModel],
    output: str | os.PathLike,
    fmt: str = "auto",
    genome: str | None = None,
    scan: bool = False,
    stride: int = 1,
    rc: bool = True,
    chunk_size: int = 4096,
    batch_size: int = 1024,
    device: str | None = None,
) -> int:
    """Score every sequence of ``path`` and write the TSV ``output`` (streamed, renamed at the end).

    Returns
    -------
    int
        Number of sequences scored.
    """
    from deepmotif.data.io import atomic_path

    if stride < 1:
        raise InputError(f"--stride must be >= 1, got {stride}")
    labels = model_labels(models)
    length = models[0].length
    records = iter_records(path, fmt, genome, length, scan)
    n, seen, repeated = 0, set(), []
    with atomic_path(output) as tmp, open(tmp, "w") as out:
        for i, chunk in enumerate(iter_chunks(records, length, scan, stride, chunk_size, path)):
            for record in chunk.records:
                if record.id in seen:
                    repeated.append(record)
                seen.add(record.id)
            table = score_chunk(chunk, models, labels, scan, rc, batch_size, device)
            table.to_csv(out, sep="\t", index=False, header=i == 0, float_format="%.6g")
            n += len(table)
            log.debug("%d sequences scored", n)
        if n == 0:
            raise InputError(f"{path}: no sequence to score")
    if repeated:  # scored all the same (rows keep the input order), but joins on id will be ambiguous
        log.warning("%s: %d duplicate id(s), e.g. %r (line %d); each is scored, rows follow the input order",
                    path, len(repeated), repeated[0].id, repeated[0].line)
    return n
