"""Score genetic variants with trained models: ``deepmotif score-variants``.

For every ALT allele of a VCF (multi-allelic records are split) the reference window of the model's
length ``L`` is cut from the genome so that the first changed base sits at index ``L // 2`` (50 for
101 bp), after trimming the bases REF and ALT share (the VCF anchor base of an indel). The
alternative window keeps the same left flank; after the allele it continues with the genome to the
right, so a deletion pulls in bases from the right and an insertion pushes them out. Windows are
built and scored with tangermeme's ``variant_effect`` functions: ``substitution_effect`` (SNVs and
MNVs), ``deletion_effect`` and ``insertion_effect`` (with ``left=False``, which is exactly this
convention); complex alleles (both a deletion and an insertion) and alleles containing ``N`` are
cut directly as strings.

Per variant × model: ``logit_ref logit_alt`` (mean of the two strands' logits), ``delta_logit``,
``prob_ref prob_alt`` (mean of the two strands' probabilities), ``delta_prob`` and
``log_odds_ratio`` = logit(prob_alt) − logit(prob_ref) (natural log).

Never silently scored (``skipped`` table + counts and first examples in the log): symbolic alleles
(``<DEL>``), breakends, ``*`` and missing ALT, a REF that differs from the genome, a chromosome the
genome lacks (with the ``chr1`` vs ``1`` hint), windows running off a chromosome end, alleles longer
than ``max_allele``. Errors (nothing written): a file that is not VCF, gzip that is not bgzip, no
header, no records, records out of order or repeated, invalid alleles.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
from collections import Counter
from contextlib import ExitStack
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from deepmotif.data.encoding import one_hot
from deepmotif.errors import InputError, where
from deepmotif.apply.predict import LoadedModel, chrom_hint, open_genome, strand_scores

if TYPE_CHECKING:  # torch is imported where models run: the dashboard reads variant tables without it
    import torch

log = logging.getLogger(__name__)

BASES = re.compile(r"[ACGTNacgtn]+")
ACGT = {b: i for i, b in enumerate("ACGT")}
SCORE_COLUMNS = ("logit_ref", "logit_alt", "delta_logit", "prob_ref", "prob_alt", "delta_prob", "log_odds_ratio")
VARIANT_COLUMNS = ("chrom", "pos", "id", "ref", "alt")
SKIPPED_COLUMNS = (*VARIANT_COLUMNS, "reason", "detail", "line")


@dataclass(frozen=True)
class Allele:
    """One ALT allele of a VCF record (``pos`` 1-based as in the VCF; ``line`` of the file)."""

    chrom: str
    pos: int
    id: str
    ref: str
    alt: str
    line: int
    info: tuple = ()


@dataclass(frozen=True)
class Skip:
    """An allele that is not scored, with the reason (one word) and a detail for people."""

    allele: Allele
    reason: str
    detail: str


@dataclass(frozen=True)
class Window:
    """A scorable allele: the normalized change at ``offset`` (0-based genome coordinate).

    ``ref_seq`` starts ``L // 2`` bases before ``offset`` and is ``L + extra`` long (``extra``:
    bases a deletion pulls in from the right); ``change_ref``/``change_alt`` are REF/ALT without
    their shared prefix and suffix.
    """

    allele: Allele
    offset: int
    change_ref: str
    change_alt: str
    ref_seq: str

    @property
    def kind(self) -> str:
        """``substitution``, ``deletion``, ``insertion`` or ``complex``."""
        if "N" in self.change_alt:
            return "complex"
        if len(self.change_ref) == len(self.change_alt):
            return "substitution"
        if not self.change_alt:
            return "deletion"
        if not self.change_ref:
            return "insertion"
        return "complex"


# --- reading the VCF ---------------------------------------------------------------------------------

def _is_bgzf(path: Path) -> bool | None:
    """True for BGZF, False for other gzip, None for an uncompressed file."""
    with open(path, "rb") as handle:
        head = handle.read(18)
    if head[:2] != b"\x1f\x8b":
        return None
    return len(head) >= 14 and head[3] & 4 != 0 and head[12:14] == b"BC"


def count_header_lines(path: str | os.PathLike) -> int:
    """Check that ``path`` is a VCF with a header and return the number of ``#`` lines.

    Raises
    ------
    InputError
        Missing or empty file, gzip that is not bgzip, no ``##fileformat=VCF`` / ``#CHROM`` header.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: VCF not found")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: empty file; expected a VCF (##fileformat=VCF header, #CHROM line, records)")
    bgzf = _is_bgzf(path)
    if bgzf is False:
        raise InputError(f"{path}: gzip-compressed but not BGZF; recompress with "
                         f"'gunzip -c {path.name} | bgzip > {path.name}' (htslib) or give it uncompressed")
    opener = gzip.open if bgzf else open
    n, chrom_line = 0, False
    with opener(path, "rt", errors="replace") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            if n == 0 and not line.startswith("##fileformat=VCF"):
                break
            n += 1
            chrom_line = chrom_line or line.startswith("#CHROM")
    if n == 0:
        raise InputError(f"{where(path, 1)}: no VCF header; a VCF starts with '##fileformat=VCFv4.x' and has a "
                         "'#CHROM POS ID REF ALT QUAL FILTER INFO' line before the records")
    if not chrom_line:
        raise InputError(f"{where(path, n + 1)}: the header has no '#CHROM POS ID REF ALT ...' line")
    return n


def _check_alt(alt: str, path, line: int) -> str | None:
    """The skip reason of a non-sequence ALT, None for bases; InputError for an invalid allele."""
    if BASES.fullmatch(alt):
        return None
    if alt == "*":
        return "spanning_deletion"
    if alt.startswith("<") and alt.endswith(">"):
        return "symbolic_allele"
    if "[" in alt or "]" in alt or (len(alt) > 1 and (alt.startswith(".") or alt.endswith("."))):
        return "breakend"
    raise InputError(f"{where(path, line)}: ALT allele {alt!r} is not valid (bases A C G T N, <SYMBOLIC>, "
                     "a breakend or *); fix or remove the record")


def iter_alleles(path: str | os.PathLike, info_fields: Sequence[str] = ()) -> Iterator[Allele | Skip]:
    """Stream the ALT alleles of a VCF (plain or bgzipped) in file order, multi-allelic records split.

    Parameters
    ----------
    path: path
    info_fields: sequence of str, optional
        INFO keys copied into each allele's ``info`` (missing: '').

    Yields
    ------
    Allele or Skip
        Skips for alleles that are not sequences (symbolic, breakend, ``*``, missing).

    Raises
    ------
    InputError
        See :func:`count_header_lines`; records out of order (by chromosome blocks and position),
        repeated records (same chromosome, position, REF and ALT), invalid REF or ALT, no records.
    """
    import pysam

    n_header = count_header_lines(path)
    verbosity = pysam.set_verbosity(0)  # no "could not retrieve index file": streaming needs no index
    try:
        vcf = pysam.VariantFile(str(path))
    except (ValueError, OSError) as err:
        raise InputError(f"{path}: not readable as VCF ({err})") from None
    finally:
        pysam.set_verbosity(verbosity)
    done_chroms: set[str] = set()
    chrom, last_pos, here = None, -1, {}
    n_records = 0
    with vcf:
        records = iter(vcf)
        while True:
            line = n_header + n_records + 1
            try:
                rec = next(records)
            except StopIteration:
                break
            except (ValueError, OSError) as err:
                raise InputError(f"{where(path, line)}: malformed VCF record, htslib could not parse it ({err}; "
                                 "its message above names the field); fix the record or check that the file is "
                                 "tab-separated VCF") from None
            n_records += 1
            if rec.chrom != chrom:
                if rec.chrom in done_chroms:
                    raise InputError(f"{where(path, line)}: records of {rec.chrom} resume after other chromosomes; "
                                     "the VCF must be sorted (bcftools sort)")
                if chrom is not None:
                    done_chroms.add(chrom)
                chrom, last_pos, here = rec.chrom, -1, {}
            if rec.pos < last_pos:
                raise InputError(f"{where(path, line)}: position {rec.chrom}:{rec.pos} comes after {rec.chrom}:"
                                 f"{last_pos}; the VCF must be sorted (bcftools sort)")
            if rec.pos != last_pos:
                last_pos, here = rec.pos, {}
            ref = rec.ref or ""
            if not BASES.fullmatch(ref):
                raise InputError(f"{where(path, line)}: REF {ref!r} is not valid (bases A C G T N); "
                                 "fix or remove the record")
            info = tuple(_info_text(rec, key) for key in info_fields)
            for alt in rec.alts or (".",):
                allele = Allele(rec.chrom, rec.pos, rec.id or ".", ref, alt, line, info)
                key = (ref.upper(), alt.upper())
                if key in here:
                    raise InputError(f"{where(path, line)}: duplicate of the record on line {here[key]} "
                                     f"({rec.chrom}:{rec.pos} {ref}>{alt}); remove duplicates (bcftools norm -d exact)")
                here[key] = line
                reason = "no_alt" if alt == "." else _check_alt(alt, path, line)
                yield Skip(allele, reason, f"ALT {alt}") if reason else allele
    if n_records == 0:
        raise InputError(f"{path}: the VCF has a header but no records; nothing to score")


def _info_text(rec, key: str) -> str:
    try:
        value = rec.info.get(key)
    except (KeyError, ValueError):
        return ""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return "1" if value is True else str(value)


# --- windows -----------------------------------------------------------------------------------------

def _trim(ref: str, alt: str, pos0: int) -> tuple[str, str, int]:
    """REF/ALT without their common prefix, then common suffix; ``pos0`` moved past the prefix."""
    i = 0
    while i < min(len(ref), len(alt)) and ref[i] == alt[i]:
        i += 1
    ref, alt, pos0 = ref[i:], alt[i:], pos0 + i
    j = 0
    while j < min(len(ref), len(alt)) and ref[-1 - j] == alt[-1 - j]:
        j += 1
    return ref[:len(ref) - j], alt[:len(alt) - j], pos0


def make_window(allele: Allele, genome, sizes: dict[str, int], length: int,
                max_allele: int = 50) -> Window | Skip:
    """The window of ``allele`` in ``genome`` (pyfaidx, upper case), or why it cannot be scored."""
    if allele.chrom not in sizes:
        return Skip(allele, "chromosome_missing",
                    f"{allele.chrom} not in the genome" + chrom_hint(allele.chrom, sizes))
    size = sizes[allele.chrom]
    ref, alt = allele.ref.upper(), allele.alt.upper()
    pos0 = allele.pos - 1
    if pos0 + len(ref) > size:
        return Skip(allele, "off_chromosome_end", f"REF ends past {allele.chrom}'s {size} bp")
    genome_ref = genome[allele.chrom][pos0:pos0 + len(ref)]
    if any(g != r and "N" not in (g, r) for g, r in zip(genome_ref, ref)):
        return Skip(allele, "ref_mismatch", f"REF {ref} but the genome has {genome_ref}")
    change_ref, change_alt, offset = _trim(ref, alt, pos0)
    if not change_ref and not change_alt:
        return Skip(allele, "no_change", "ALT equals REF")
    if max(len(change_ref), len(change_alt)) > max_allele:
        return Skip(allele, "too_long", f"{len(change_ref)} bp replaced by {len(change_alt)} bp; "
                                        f"at most {max_allele} bp are scored")
    start = offset - length // 2
    extra = max(0, len(change_ref) - len(change_alt))
    if start < 0 or start + length + extra > size:
        return Skip(allele, "off_chromosome_end", f"the {length}-bp window {allele.chrom}:{start}-"
                                                  f"{start + length + extra} runs off the chromosome ({size} bp)")
    return Window(allele, offset, change_ref, change_alt, genome[allele.chrom][start:start + length + extra])


def alt_sequence(window: Window, length: int) -> str:
    """The ``length``-bp alternative window as a string (the convention the tangermeme calls follow)."""
    centre = length // 2
    seq = window.ref_seq[:centre] + window.change_alt + window.ref_seq[centre + len(window.change_ref):]
    return seq[:length]


# --- scoring -----------------------------------------------------------------------------------------

def _strand_func(model, X, args=None, rc: bool = True, batch_size: int = 1024, device=None) -> torch.Tensor:
    """tangermeme ``func``: ``(n, 2)`` strand-averaged [logit, probability] of one-hot ``X``."""
    import torch

    logit, prob = strand_scores(model, X.float(), rc, batch_size, device)
    return torch.from_numpy(np.stack([logit, prob], axis=1))


def score_windows(windows: Sequence[Window], net: torch.nn.Module, length: int, rc: bool = True,
                  batch_size: int = 1024, device: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Strand-averaged [logit, probability] of the REF and ALT windows.

    Returns
    -------
    before, after: numpy.ndarray, shape=(n, 2)
    """
    import torch

    from tangermeme.variant_effect import deletion_effect, insertion_effect, substitution_effect

    n = len(windows)
    before, after = np.zeros((n, 2)), np.zeros((n, 2))
    kinds = np.array([w.kind for w in windows])
    kw = dict(func=_strand_func, rc=rc, batch_size=batch_size, device=device)
    centre = length // 2
    for kind in ("substitution", "deletion", "insertion", "complex"):
        idx = np.flatnonzero(kinds == kind)
        if not len(idx):
            continue
        group = [windows[i] for i in idx]
        if kind == "substitution":
            X = torch.from_numpy(one_hot([w.ref_seq[:length] for w in group], length))
            rows = [(k, centre + j, ACGT[b]) for k, w in enumerate(group) for j, b in enumerate(w.change_alt)]
            result = substitution_effect(net, X, torch.tensor(rows), **kw)
        elif kind == "deletion":
            width = length + max(len(w.change_ref) for w in group)
            X = torch.from_numpy(one_hot([w.ref_seq.ljust(width, "N") for w in group], width))
            rows = [(k, centre + j) for k, w in enumerate(group) for j in range(len(w.change_ref))]
            result = deletion_effect(net, X, torch.tensor(rows), left=False, **kw)
        elif kind == "insertion":
            X = torch.from_numpy(one_hot([w.ref_seq for w in group], length))
            # tangermeme puts the last row given first at a shared position: give the bases reversed
            rows = [(k, centre, ACGT[b]) for k, w in enumerate(group) for b in reversed(w.change_alt)]
            result = insertion_effect(net, X, torch.tensor(rows), left=False, **kw)
        else:
            X_ref = torch.from_numpy(one_hot([w.ref_seq[:length] for w in group], length))
            X_alt = torch.from_numpy(one_hot([alt_sequence(w, length) for w in group], length))
            result = (_strand_func(net, X_ref, rc=rc, batch_size=batch_size, device=device),
                      _strand_func(net, X_alt, rc=rc, batch_size=batch_size, device=device))
        before[idx], after[idx] = np.asarray(result[0]), np.asarray(result[1])
    return before, after


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p) - np.log1p(-p)


def score_chunk(windows: Sequence[Window], models: Sequence[LoadedModel], info_fields: Sequence[str] = (),
                rc: bool = True, batch_size: int = 1024, device: str | None = None) -> pd.DataFrame:
    """Rows ``chrom pos id ref alt [INFO fields] tf arch`` + :data:`SCORE_COLUMNS`, variant-major."""
    parts = []
    variants = pd.DataFrame([(w.allele.chrom, w.allele.pos, w.allele.id, w.allele.ref, w.allele.alt)
                             for w in windows], columns=list(VARIANT_COLUMNS))
    for k, key in enumerate(info_fields):
        variants[key] = [w.allele.info[k] for w in windows]
    for rank, model in enumerate(models):
        before, after = score_windows(windows, model.net, model.length, rc, batch_size, device)
        part = variants.copy()
        part["tf"], part["arch"] = model.tf, model.arch
        part["logit_ref"], part["logit_alt"] = before[:, 0], after[:, 0]
        part["delta_logit"] = after[:, 0] - before[:, 0]
        part["prob_ref"], part["prob_alt"] = before[:, 1], after[:, 1]
        part["delta_prob"] = after[:, 1] - before[:, 1]
        part["log_odds_ratio"] = _logit(after[:, 1]) - _logit(before[:, 1])
        part["_variant"], part["_model"] = np.arange(len(windows)), rank
        parts.append(part)
    table = pd.concat(parts, ignore_index=True).sort_values(["_variant", "_model"], kind="stable")
    return table.drop(columns=["_variant", "_model"])


def score_vcf(
    vcf: str | os.PathLike,
    genome_path: str | os.PathLike,
    models: Sequence[LoadedModel],
    output: str | os.PathLike,
    skipped: str | os.PathLike,
    info_fields: Sequence[str] = (),
    max_allele: int = 50,
    rc: bool = True,
    chunk_size: int = 4096,
    batch_size: int = 1024,
    device: str | None = None,
    explanations: Sequence[tuple[str | os.PathLike, str | os.PathLike]] = (),
    n_explained: int = 10,
) -> dict[str, int]:
    """Score every allele of ``vcf`` with every model; write ``output`` and ``skipped`` (TSVs).

    All files are streamed to temporary files and renamed only when the whole VCF was read (and the
    explanations computed), so an error leaves none. Memory does not grow with the number of variants.

    Parameters
    ----------
    explanations: sequence of (path, path), optional
        One ``(ref.npz, alt.npz)`` pair per model, in order: the saliency and ISM of the REF and ALT
        windows of the ``n_explained`` strongest alleles (largest |Δlogit| averaged over the models,
        kept while streaming), as :func:`explain_variants` computes and ``deepmotif
        explain-variants`` writes them. Default: none.

    Returns
    -------
    dict of str to int
        ``scored`` and one count per skip reason.
    """
    from deepmotif.data.io import atomic_path

    length = models[0].length
    taken = [key for key in info_fields if key in (*VARIANT_COLUMNS, "tf", "arch", *SCORE_COLUMNS)]
    if taken:
        raise InputError(f"--info {taken[0]}: INFO key {taken[0]!r} is also an output column; it would overwrite "
                         f"it; leave it out (output columns: {', '.join((*VARIANT_COLUMNS, 'tf', 'arch'))}, ...)")
    if n_explained < 0:
        raise InputError(f"--n-explained / n_explained must be >= 0, got {n_explained}")
    if not 0 < max_allele <= length // 2:
        raise InputError(f"--max-allele must be in 1..{length // 2} for {length}-bp models, got {max_allele}")
    if explanations and len(explanations) != len(models):
        raise InputError(f"{len(explanations)} REF/ALT explanation outputs for {len(models)} models; give one "
                         "pair per model, in the same order")
    genome = open_genome(genome_path)
    sizes = {name: len(genome[name]) for name in genome.keys()}
    counts: Counter = Counter()
    examples: dict[str, list[str]] = {}
    strongest: pd.DataFrame | None = None
    with ExitStack() as stack:
        out = stack.enter_context(open(stack.enter_context(atomic_path(output)), "w"))
        skip_out = stack.enter_context(open(stack.enter_context(atomic_path(skipped)), "w"))
        explained = [tuple(stack.enter_context(atomic_path(p)) for p in pair) for pair in explanations]
        header = True
        chunk: list[Window] = []
        skips: list[tuple] = []

        def write_rows(rows: pd.DataFrame, handle, with_header: bool) -> None:
            # one writer for both tables: an id holding '"' (or a tab) is quoted alike in both
            rows.to_csv(handle, sep="\t", index=False, header=with_header, float_format="%.6g")

        write_rows(pd.DataFrame(columns=list(SKIPPED_COLUMNS)), skip_out, True)

        def flush_skips() -> None:
            write_rows(pd.DataFrame(skips, columns=list(SKIPPED_COLUMNS)), skip_out, False)
            skips.clear()

        def flush() -> None:
            nonlocal header, strongest
            table = score_chunk(chunk, models, info_fields, rc, batch_size, device)
            write_rows(table, out, header)
            if explained:  # the strongest so far, then this chunk: ties keep the file's order
                scores = table[[*VARIANT_COLUMNS, "delta_logit"]]
                strongest = strongest_variants(scores if strongest is None else pd.concat([strongest, scores]),
                                               n_explained)
            header = False
            counts["scored"] += len(chunk)
            chunk.clear()

        for item in iter_alleles(vcf, info_fields):
            if isinstance(item, Allele):
                item = make_window(item, genome, sizes, length, max_allele)
            if isinstance(item, Skip):
                a = item.allele
                skips.append((a.chrom, a.pos, a.id, a.ref, a.alt, item.reason, item.detail, a.line))
                if len(skips) >= chunk_size:
                    flush_skips()
                counts[item.reason] += 1
                if len(examples.setdefault(item.reason, [])) < 3:
                    examples[item.reason].append(f"line {a.line} {a.chrom}:{a.pos} {a.ref}>{a.alt} ({item.detail})")
                continue
            chunk.append(item)
            if len(chunk) >= chunk_size:
                flush()
        if chunk:
            flush()
        if skips:
            flush_skips()
        if header:  # nothing scored: still a table with its columns
            columns = [*VARIANT_COLUMNS, *info_fields, "tf", "arch", *SCORE_COLUMNS]
            out.write("\t".join(columns) + "\n")
        for model, (ref_path, alt_path) in zip(models, explained):
            ref, alt = (explain_variants(strongest, genome_path, model, max_allele, batch_size)
                        if strongest is not None and len(strongest) else (no_windows(), no_windows()))
            write_explanation(ref_path, ref)
            write_explanation(alt_path, alt)
        if explained:
            log.info("saliency and ISM of the %d strongest alleles → %s", 0 if strongest is None else len(strongest),
                     ", ".join(str(p) for pair in explanations for p in pair))
    for reason, n in sorted(counts.items()):
        if reason != "scored":
            log.warning("%s: %d alleles skipped (%s), e.g. %s", vcf, n, reason, "; ".join(examples[reason]))
    log.info("%s: %d alleles scored by %d models, %d skipped → %s, %s", vcf, counts["scored"], len(models),
             sum(counts.values()) - counts["scored"], output, skipped)
    return dict(counts)


# --- explaining the strongest variants ---------------------------------------------------------------

def strongest_variants(table: pd.DataFrame, n: int = 10, arch: str | None = None) -> pd.DataFrame:
    """The ``n`` alleles with the largest |Δlogit| (of ``arch``, else averaged over architectures)."""
    if arch is not None:
        table = table[table["arch"] == arch]
    mean = table.groupby(list(VARIANT_COLUMNS), sort=False)["delta_logit"].mean().reset_index()
    order = np.argsort(-mean["delta_logit"].abs().to_numpy(), kind="stable")
    return mean.iloc[order[:n]].reset_index(drop=True)


def explain_variants(variants: pd.DataFrame, genome_path: str | os.PathLike, model: LoadedModel,
                     max_allele: int = 50, batch_size: int = 1024) -> tuple[dict, dict]:
    """Saliency (gradient × input) and ISM of the REF and ALT windows of some variants.

    Parameters
    ----------
    variants: pandas.DataFrame
        Columns ``chrom pos id ref alt`` (e.g. :func:`strongest_variants`).
    genome_path: path
    model: LoadedModel
    max_allele: int, optional
        Longest change explained (:func:`make_window`). Default 50.
    batch_size: int, optional
        Windows per pass (the ISM's mutated windows, the saliency's and the probabilities'). Default 1024.

    Returns
    -------
    ref, alt: dict of str to numpy.ndarray
        Each in the format of ``deepmotif saliency`` and ``deepmotif ism`` together (``ids seqs X_attr
        prob method X_ism``), the same ids in the same order, so ``sequence_figures(kind, {"REF": ref,
        "ALT": alt})`` draws them side by side. ``ids`` are ``chrom:pos:ref>alt``; ``centre`` is the index
        of the first changed base.
    """
    import torch

    from deepmotif.interpret import ism, saliency_map

    genome = open_genome(genome_path)
    sizes = {name: len(genome[name]) for name in genome.keys()}
    length = model.length
    windows = []
    for row in variants.itertuples(index=False):
        allele = Allele(str(row.chrom), int(row.pos), str(row.id), str(row.ref), str(row.alt), 0)
        window = make_window(allele, genome, sizes, length, max_allele)
        if isinstance(window, Skip):
            raise InputError(f"{row.chrom}:{row.pos} {row.ref}>{row.alt}: cannot be explained ({window.detail})")
        windows.append(window)
    ids = [f"{w.allele.chrom}:{w.allele.pos}:{w.allele.ref}>{w.allele.alt}" for w in windows]
    out = []
    for seqs in ([w.ref_seq[:length] for w in windows], [alt_sequence(w, length) for w in windows]):
        X = torch.from_numpy(one_hot(seqs, length))
        _, prob = strand_scores(model.net, X, rc=False, batch_size=batch_size)
        out.append({"ids": np.array(ids), "seqs": np.array(seqs), "prob": prob,
                    "X_attr": saliency_map(model.net, X, batch_size=batch_size).numpy(),
                    "X_ism": ism(model.net, X, batch_size).numpy(),
                    "method": "grad_x_input", "centre": np.full(len(ids), length // 2)})
    return out[0], out[1]


def no_windows() -> dict[str, np.ndarray]:
    """The arrays of :func:`explain_variants` for no variant (a VCF with none scored)."""
    return {"ids": np.array([], dtype=str), "seqs": np.array([], dtype=str), "prob": np.zeros(0),
            "X_attr": np.zeros((0, 4, 0)), "X_ism": np.zeros((0, 4, 0)), "method": np.array("grad_x_input"),
            "centre": np.zeros(0, dtype=int)}


def write_explanation(path: str | os.PathLike, arrays: dict) -> None:
    """Save the arrays of :func:`explain_variants` as ``.npz`` (plain arrays: ``np.load`` without pickle)."""
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **{k: np.asarray(v) for k, v in arrays.items()})


# --- tables across TFs and the simulated ground truth ------------------------------------------------

def summarize_variants(tables: Sequence[pd.DataFrame], top: int | None = None) -> pd.DataFrame:
    """Variant × TF, scores averaged over architectures, ranked by |mean Δlogit| (largest first).

    Parameters
    ----------
    tables: sequence of pandas.DataFrame
        Variant tables (:func:`score_vcf`) of any TFs and architectures.
    top: int or None, optional
        Keep the first ``top`` rows. Default None (all).

    Returns
    -------
    pandas.DataFrame
        ``rank chrom pos id ref alt tf n_archs`` + mean ``logit_ref logit_alt delta_logit prob_ref
        prob_alt delta_prob log_odds_ratio``, ``min_delta_logit max_delta_logit`` (over architectures)
        and ``archs_agree`` (all architectures give Δlogit the same sign), then the INFO columns.
    """
    table = pd.concat(tables, ignore_index=True)
    keys = [*VARIANT_COLUMNS, "tf"]
    grouped = table.groupby(keys, sort=False)
    summary = grouped[list(SCORE_COLUMNS)].mean()
    summary["n_archs"] = grouped["arch"].nunique()
    summary["min_delta_logit"] = grouped["delta_logit"].min()
    summary["max_delta_logit"] = grouped["delta_logit"].max()
    summary["archs_agree"] = (np.sign(summary["min_delta_logit"]) == np.sign(summary["max_delta_logit"]))
    extra = [c for c in table.columns if c not in (*keys, "arch", *SCORE_COLUMNS)]  # INFO fields (--info)
    for column in extra:
        summary[column] = grouped[column].first()
    summary = summary.reset_index()
    order = np.argsort(-summary["delta_logit"].abs().to_numpy(), kind="stable")
    summary = summary.iloc[order].reset_index(drop=True)
    summary.insert(0, "rank", np.arange(1, len(summary) + 1))
    return summary.head(top) if top else summary


def variant_ground_truth(table: pd.DataFrame, class_column: str = "CLASS",
                         motif_column: str = "MOTIF") -> pd.DataFrame:
    """How well the models' Δlogit recovers the simulated variant classes, per TF × architecture.

    Classes (``deepmotif.simulation.variants``): ``break`` (destroys a planted motif),
    ``create`` (completes a new motif instance), ``neutral_far`` and ``neutral_flat``.

    Parameters
    ----------
    table: pandas.DataFrame
        Variant table (:func:`score_vcf`) with the INFO column ``class_column`` (and ``motif_column``,
        the matrix a variant breaks, creates or touches, ``.`` for none: when present, a TF with two or
        more matrices also gets one row per matrix).

    Returns
    -------
    pandas.DataFrame
        ``tf arch motif`` (``all``, or a matrix of a composite: its ``break`` and ``create`` variants
        against all neutral ones) ``n_break n_create n_neutral``; ``auroc_break`` (|Δlogit| of break
        vs neutral), ``auroc_create`` (Δlogit of create vs neutral); ``sign_break`` (fraction of break
        with Δlogit < 0), ``sign_create`` (fraction of create with Δlogit > 0), ``sign_accuracy``
        (both together); ``median_delta_*`` per class.
    """
    if class_column not in table.columns:
        raise InputError(f"the variant table has no {class_column!r} column; score the VCF with "
                         f"--info {class_column}")
    rows = []
    for (tf, arch), part in table.groupby(["tf", "arch"], sort=False):
        cls = part[class_column].astype(str).to_numpy()
        delta = part["delta_logit"].to_numpy()
        rows.append({"tf": tf, "arch": arch, "motif": "all", **_truth_row(cls, delta)})
        if motif_column not in part.columns:
            continue
        motif = part[motif_column].astype(str).to_numpy()
        matrices = sorted(set(motif[np.isin(cls, ("break", "create"))]) - {"."})
        for matrix in matrices if len(matrices) > 1 else ():
            mine = (motif == matrix) | np.char.startswith(cls.astype(str), "neutral")
            rows.append({"tf": tf, "arch": arch, "motif": matrix,
                         **_truth_row(np.where(mine, cls, "other"), delta)})
    return pd.DataFrame(rows)


def _truth_row(cls: np.ndarray, delta: np.ndarray) -> dict:
    """The measures of :func:`variant_ground_truth` for one set of classified Δlogit."""
    from deepmotif.models.metrics import auroc

    brk, create = cls == "break", cls == "create"
    neutral = np.char.startswith(cls.astype(str), "neutral")
    signed = np.r_[delta[brk] < 0, delta[create] > 0]
    row = {"n_break": int(brk.sum()), "n_create": int(create.sum()), "n_neutral": int(neutral.sum()),
           "auroc_break": _auroc_between(np.abs(delta), brk, neutral, auroc),
           "auroc_create": _auroc_between(delta, create, neutral, auroc),
           "sign_break": float(np.mean(delta[brk] < 0)) if brk.any() else float("nan"),
           "sign_create": float(np.mean(delta[create] > 0)) if create.any() else float("nan"),
           "sign_accuracy": float(signed.mean()) if len(signed) else float("nan")}
    for name in ("break", "create", "neutral_far", "neutral_flat"):
        mask = cls == name
        row[f"median_delta_{name}"] = float(np.median(delta[mask])) if mask.any() else float("nan")
    return row


def _auroc_between(score: np.ndarray, positive: np.ndarray, negative: np.ndarray, auroc) -> float:
    keep = positive | negative
    return auroc(positive[keep].astype(int), score[keep])
