"""The :class:`Plan`: the validated configuration and TF sheet, and every decision derived from them."""

from __future__ import annotations

import copy
import functools
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from deepmotif.errors import InputError
from deepmotif.plan.architectures import ARCHITECTURES, has_first_conv, net_schema, with_architectures
from deepmotif.plan.decisions import (
    IMPORT_FORMATS,
    PEAK_SOURCES,
    alternatives,
    check_dataset_names,
    download_name,
    pairs,
    tf_seed,
)
from deepmotif.plan.config import apply_defaults, check_config, load_schema
from deepmotif.plan.results import MODEL_FILES, MODISCO_FILES
from deepmotif.plan.sheet import RESERVED_NAMES, URL, read_sheet

DOWNLOADS = "resources/downloads"  # a sheet URL: <DOWNLOADS>/<tf>/<column>/<file>, one download job per TF
# unfinished downloads of a TF's job, outside its folder (a directory output, removed when the job fails) so
# that a rerun resumes them
PARTIAL_DOWNLOADS = "resources/partial_downloads"


def validate_config(config: dict[str, Any], schema: dict[str, Any], source: str = "config") -> None:
    """Check ``config`` against the schema and the registered architectures; fill in the defaults.

    Parameters
    ----------
    config: dict
        The merged configuration; modified (schema defaults filled in).
    schema: dict
        ``src/deepmotif/plan/schemas/config.schema.yaml``.
    source: str, optional
        Name of the configuration in messages.

    Raises
    ------
    InputError
        Naming the key: unknown keys (with a "did you mean"), wrong types, unknown architectures,
        ``net`` keywords a network does not accept.
    """
    schema = with_architectures(schema)
    check_config(config, schema, source)
    unknown = [a for a in config["architectures"] if a not in ARCHITECTURES]
    if unknown:
        raise InputError(f"{source} key 'architectures': unknown architecture {unknown[0]!r}; registered: "
                         f"{', '.join(sorted(ARCHITECTURES))} (see src/deepmotif/models/nets.py)")
    apply_defaults(config, schema)
    training = config["training"]
    for arch in config["architectures"]:  # default's net applies to architectures without their own
        if "net" not in training.get(arch, {}):
            check_config({"net": training["default"]["net"]},
                         {"type": "object", "properties": {"net": net_schema(arch)}},
                         f"{source} key 'training.default' (used by {arch})")


@dataclass
class Plan:
    """The validated configuration and TF sheet, and every decision derived from them.

    Build it with :meth:`Plan.load`. ``tfs`` is the sheet (one row per TF, indexed by ``tf``; empty
    when an archive supplies every TF); TFs of an archive are known only after its ``list_datasets``
    checkpoint and are passed in where needed. ``sheet_path`` and ``lines`` (tf → line number) name
    sheet lines in messages.

    Lookups are constant-time per TF, so planning is linear in the sheet: Snakemake calls them once or
    more per job (benchmarks/dag_scale.py plans 5,000 TFs). The cells are read once into plain dicts,
    never through ``DataFrame.loc`` (which copies ``DataFrame.attrs`` deeply on every call).
    """

    config: dict[str, Any]
    tfs: pd.DataFrame
    tf_schema: dict[str, Any] = field(repr=False)
    sheet_path: str = "TF sheet"
    lines: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._rows: dict[str, dict[str, Any]] = {
            tf: {column: _cell(value) for column, value in row.items()}
            for tf, row in zip(self.tfs.index, self.tfs.to_dict("records"))}

    @classmethod
    def load(cls, config: dict[str, Any], base_dir: str | Path = ".", source: str = "config") -> Plan:
        """Validate ``config`` (filling in its defaults, in place) and read its TF sheet.

        Parameters
        ----------
        config: dict
            The merged configuration (Snakemake's ``config``).
        base_dir: path, optional
            The checkout: a relative ``tfs`` path not found in the working directory is looked up
            there (``snakemake --directory`` elsewhere). Default the working directory.
        source: str, optional
            Name of the configuration in messages.
        """
        validate_config(config, load_schema("config"), source)
        tf_schema = load_schema("tfs")
        if config.get("tfs"):
            path = Path(config["tfs"])
            if not path.is_absolute() and not path.exists() and (Path(base_dir) / path).exists():
                path = Path(base_dir) / path
            tfs = read_sheet(path, tf_schema)
            # pandas copies attrs deeply on every indexing: the plan keeps them in plain fields instead
            sheet_path, lines = tfs.attrs.pop("path"), tfs.attrs.pop("lines")
        elif config.get("archive"):
            tfs = pd.DataFrame(columns=list(tf_schema["properties"]), dtype=object).set_index("tf", drop=False)
            sheet_path, lines = "TF sheet", {}
        else:
            raise InputError(f"{source}: neither a TF sheet (`tfs:`) nor a dataset archive (`archive:`); set one")
        plan = cls(config, tfs, tf_schema, sheet_path, lines)
        plan.check_encode_rows()
        return plan

    @classmethod
    def from_files(cls, *configfiles: str | Path, base_dir: str | Path = ".") -> Plan:
        """The plan of ``snakemake --configfile a.yaml b.yaml``: the files merged in order, then validated.

        Later files update earlier ones key by key (nested sections merged), as Snakemake does. Used by
        the benchmarks, which train outside the workflow with the pipeline's parameters.
        """
        import yaml

        config: dict[str, Any] = {}
        for path in configfiles:
            _update_nested(config, yaml.safe_load(Path(path).read_text()) or {})
        return cls.load(config, base_dir=base_dir, source=" + ".join(str(p) for p in configfiles))

    # --- the configuration -------------------------------------------------------------------------
    @property
    def archs(self) -> list[str]:
        """Architectures trained for every TF, in config order."""
        return list(self.config["architectures"])

    @property
    def has_archive(self) -> bool:
        return bool(self.config.get("archive"))

    def section(self, name: str) -> dict[str, Any]:
        """A config section, schema defaults filled in."""
        return self.config.get(name) or {}

    @property
    def sheet(self) -> str:
        return self.sheet_path

    @property
    def tf_pattern(self) -> str:
        """A TF name (the sheet's pattern, without anchors)."""
        return self.tf_schema["properties"]["tf"]["pattern"].removeprefix("^").removesuffix("$")

    def tf_constraint(self) -> str:
        """Wildcard constraint of ``{tf}``: any TF name the sheet admits (the folders beside the TFs'
        folders, such as ``results/summary/``, are not TF names).

        A pattern of a few characters, not the sheet's names: Snakemake writes the constraint into every
        output path of every rule and scans it for every job, so a list of the sheet's TFs (even as a
        prefix trie: 43,000 characters for 5,000 TFs) made planning quadratic in the sheet. Which TFs
        are planned is decided by ``rule all`` (:meth:`final_outputs`); a target of a TF that is neither
        a sheet row nor an archive dataset is refused (:meth:`unknown_tf`).
        """
        return f"(?!(?:{'|'.join(map(re.escape, RESERVED_NAMES))})/){self.tf_pattern}"

    def unknown_tf(self, tf: str) -> InputError:
        """The error for a target of a TF that is neither a sheet row nor an archive dataset."""
        archive = " nor a dataset of the archive" if self.has_archive else ""
        return InputError(f"TF {tf!r} is not a row of {self.sheet}{archive}; targets name the TFs to plan "
                          "(add the TF to the sheet, or correct its name)")

    def not_planned(self, tf: str, what: str, why: str) -> InputError:
        """The error for a target of a TF whose route has no ``what`` (a sheet TF), else :meth:`unknown_tf`.

        Rules that apply to some TFs only (simulation, tracks, variants) constrain ``{tf}`` by the TF-name
        pattern, not by a list of those TFs (see :meth:`tf_constraint`); their input functions refuse
        the other TFs by name with this error.
        """
        if tf not in self._rows and not self.has_archive:
            return self.unknown_tf(tf)
        return InputError(f"TF {tf!r} has no {what}: {why}")

    def where(self, tf: str, column: str) -> str:
        line = self.lines.get(tf)
        return f"{self.sheet} line {line}, column {column!r}" if line else f"TF {tf!r}, column {column!r}"

    # --- TFs and their routes ------------------------------------------------------------------------
    def value(self, tf: str, column: str) -> Any:
        """A cell of the sheet (None when empty or when ``tf`` is an archive dataset)."""
        return self._rows.get(tf, {}).get(column)

    def source(self, tf: str) -> str:
        """The TF's ``source`` column; ``archive`` for a dataset of the archive."""
        return self.value(tf, "source") or "archive"

    def uses_peaks(self, tf: str) -> bool:
        """True if the TF's sequences come from peaks + genome (``extract_positives`` → ``build_dataset``)."""
        source = self.source(tf)
        return source in PEAK_SOURCES or (source == "local" and bool(self.value(tf, "peaks")))

    def sequences_file(self, tf: str) -> str:
        """The labelled, split sequences of a TF that training and interpretation read."""
        return f"results/{tf}/data/{'sequences' if self.uses_peaks(tf) else 'imported'}.tsv"

    @cached_property
    def peak_tfs(self) -> list[str]:
        """Sheet TFs whose sequences come from peaks, in sheet order (computed once)."""
        return [tf for tf in self.tfs.index if self.uses_peaks(tf)]

    @cached_property
    def _tracked(self) -> frozenset[str]:
        return frozenset(self.track_tfs)

    @cached_property
    def simulated_tfs(self) -> list[str]:
        """Sheet TFs of source ``simulated``, in sheet order (computed once)."""
        return [tf for tf in self.tfs.index if self.source(tf) == "simulated"]

    @cached_property
    def _simulated(self) -> frozenset[str]:
        return frozenset(self.simulated_tfs)

    def is_simulated(self, tf: str) -> bool:
        return tf in self._simulated

    def tf_seed(self, tf: str) -> int:
        """Seed of a TF's simulation (see :func:`tf_seed`)."""
        return tf_seed(tf, self.section("simulation")["seed"])

    def simulated_files(self, tf: str) -> dict[str, str]:
        """Genome (+ index) and planted sites ``simulate_data`` makes for a simulated TF (refuses others)."""
        if not self.is_simulated(tf):
            raise self.not_planned(tf, "simulated data", f"its source is {self.source(tf)!r}, not simulated")
        folder = f"resources/simulated/{tf}"
        return {"genome": f"{folder}/genome.fa", "fai": f"{folder}/genome.fa.fai", "planted": f"{folder}/planted.tsv"}

    def simulate_params(self, tf: str) -> dict[str, Any]:
        """Parameters of ``deepmotif simulate`` for a simulated TF (refuses others)."""
        self.simulated_files(tf)
        simulation = self.section("simulation")
        return {"motifs": self.value(tf, "motifs"), "spacing": self.value(tf, "spacing") or 0,
                "n_peaks": self.value(tf, "n_peaks") or simulation["n_peaks"],
                "n_chroms": simulation["n_chroms"], "chrom_size": simulation["chrom_size"],
                "seed": self.tf_seed(tf)}

    # --- peaks and genomes --------------------------------------------------------------------------
    def peak_inputs(self, tf: str) -> dict[str, str]:
        """Inputs of a rule reading :meth:`peak_files` (a downloaded file: its download folder)."""
        return self.as_inputs(self.peak_files(tf))

    def peak_files(self, tf: str) -> dict[str, str]:
        """narrowPeak (or BED) and genome FASTA of a peak-based TF, by source."""
        source = self.source(tf)
        if source == "simulated":
            return {"peaks": f"resources/simulated/{tf}/peaks.narrowPeak.gz",
                    "fasta": f"resources/simulated/{tf}/genome.fa"}
        if source == "encode":
            if self.section("encode")["blacklist"]:
                peaks = f"results/{tf}/data/peaks.filtered.narrowPeak.gz"
            else:
                peaks = self.encode_peaks(tf)
            return {"peaks": peaks, "fasta": f"resources/genomes/{self.genome_key(tf)}.fa"}
        if source == "local" and self.value(tf, "peaks"):
            return {"peaks": self.local_file(tf, "peaks"), "fasta": self.local_genome(tf)}
        if tf not in self._rows:
            raise self.unknown_tf(tf)
        raise InputError(f"TF {tf!r}: source {source!r} has no peaks")

    def encode_peaks(self, tf: str) -> str:
        """All peaks of an ENCODE row (before any blacklist filter)."""
        return f"resources/encode/{self.value(tf, 'accession')}.bed.gz"

    def blacklist_file(self, tf: str) -> str:
        return f"resources/genomes/{self.genome_key(tf)}.blacklist.bed.gz"

    def genome_key(self, tf: str) -> str:
        """The config ``genomes`` entry of an encode row: its name, or an entry of the same assembly."""
        from deepmotif.data.encode import same_assembly

        name, genomes = self.value(tf, "genome"), self.section("genomes")
        if name in genomes:
            return name
        for key, entry in genomes.items():
            if same_assembly(entry.get("assembly", key), name):
                return key
        raise InputError(f"{self.where(tf, 'genome')}: {name!r} is not in the config's `genomes` (known: "
                         f"{', '.join(genomes) or 'none'}); add genomes: {{{name}: {{url: <FASTA URL>}}}}")

    def genome_assembly(self, key: str) -> str:
        return self.section("genomes")[key].get("assembly", key)

    @cached_property
    def accession_genomes(self) -> dict[str, str]:
        """ENCODE accession → its genome key, over the sheet's encode rows (computed once)."""
        return {self.value(tf, "accession"): self.genome_key(tf)
                for tf in self.tfs.index if self.source(tf) == "encode"}

    def accession_assembly(self, accession: str) -> str:
        """The assembly an ENCODE peak file must be on: that of the genome of its sheet row."""
        genomes = self.accession_genomes
        if accession not in genomes:
            raise InputError(f"ENCODE accession {accession} is in no `source: encode` row of {self.sheet}")
        return self.genome_assembly(genomes[accession])

    def check_encode_rows(self) -> None:
        """Every encode row has a genome (and its blacklist if asked); an accession has one genome."""
        seen: dict[str, str] = {}
        for tf in self.tfs.index:
            if self.source(tf) != "encode":
                continue
            key, accession = self.genome_key(tf), self.value(tf, "accession")
            if self.section("encode")["blacklist"] and not self.section("genomes")[key].get("blacklist"):
                raise InputError(f"config: encode.blacklist is true but genomes.{key} has no `blacklist` URL; "
                                 "add one or set encode.blacklist: false")
            if seen.setdefault(accession, key) != key:
                raise InputError(f"{self.where(tf, 'genome')}: accession {accession} is used with genomes "
                                 f"{seen[accession]} and {key}; one peak file has one assembly")

    def genome_args(self, key: str) -> list[str]:
        """``--md5=...`` of a configured genome, if given."""
        md5 = self.section("genomes")[key].get("md5")
        return [f"--md5={md5}"] if md5 else []

    def download_args(self) -> list[str]:
        """Retry settings of every download."""
        d = self.section("download")
        return [f"--retries={d['retries']}", f"--backoff={d['backoff']}", f"--timeout={d['timeout']}"]

    # --- own files, URLs and imports ------------------------------------------------------------------
    def local_file(self, tf: str, column: str) -> str:
        """A path of the sheet, or where its URL is downloaded to (``resources/downloads/{tf}/{column}/``).

        A URL several rows give in the column is downloaded once, under the first of them whose route
        reads it (:meth:`downloads`). Rules name a download by its folder (:meth:`as_inputs`) and give the
        command the file.
        """
        value = self.value(tf, column)
        if not URL.match(value):
            return value
        return self._download_path(self._url_owners[column, value], column, value)

    @staticmethod
    def _download_path(owner: str, column: str, url: str) -> str:
        return f"{DOWNLOADS}/{owner}/{column}/{download_name(url)}"

    def _url_columns(self, tf: str) -> tuple[str, ...]:
        """The columns of paths or URLs the TF's route reads: peaks + FASTA of a local peak row, else
        train + test of an import (deepbind, demo, local); none for the other sources."""
        source = self.source(tf)
        if source == "local" and self.value(tf, "peaks"):
            return ("peaks", "fasta")
        return ("train", "test") if source in (*IMPORT_FORMATS, "local") else ()

    @cached_property
    def _url_owners(self) -> dict[tuple[str, str], str]:
        """(column, URL) → the first TF (sheet order) whose route reads it, which downloads it (computed once)."""
        owners: dict[tuple[str, str], str] = {}
        for tf in self.tfs.index:
            for column in self._url_columns(tf):
                value = self.value(tf, column)
                if value and URL.match(value):
                    owners.setdefault((column, value), tf)
        return owners

    def downloads(self, tf: str) -> dict[str, list[str]]:
        """The URLs the TF's ``download_urls`` job fetches into ``resources/downloads/{tf}/`` and their files.

        Those of its columns (:meth:`_url_columns`) that no earlier row gives in the same column; a TF
        owning none has no download job (refused by name).

        Returns
        -------
        dict
            ``urls`` and ``outputs``, in the same order.
        """
        owned = [(column, self.value(tf, column)) for column in self._url_columns(tf)]
        owned = [(column, url) for column, url in owned if url and self._url_owners.get((column, url)) == tf]
        if not owned:
            raise self.not_planned(tf, f"downloads ({DOWNLOADS}/{tf})",
                                   "its route reads no URL, or an earlier row gives each of its URLs")
        return {"urls": [url for _, url in owned],
                "outputs": [self._download_path(tf, column, url) for column, url in owned]}

    def fetch_args(self, tf: str) -> list[str]:
        """``deepmotif fetch URL... --output=PATH... --part-dir=...`` of the TF's :meth:`downloads`."""
        files = self.downloads(tf)
        return [*files["urls"], *(f"--output={path}" for path in files["outputs"]),
                f"--part-dir={PARTIAL_DOWNLOADS}/{tf}"]

    @staticmethod
    def as_inputs(files: Mapping[str, str]) -> dict[str, str]:
        """Inputs of a rule whose command reads ``files`` (which it gets by params): a downloaded URL's file
        becomes the folder its TF's ``download_urls`` job makes, named once (Snakemake matches no file
        inside a directory output to its job, and works per input file)."""
        prefix, inputs = f"{DOWNLOADS}/", {}
        for name, path in files.items():
            if path.startswith(prefix):
                path = prefix + path[len(prefix):].split("/", 1)[0]
                if path in inputs.values():
                    continue
            inputs[name] = path
        return inputs

    def local_genome_key(self, tf: str) -> str:
        """Name of a ``local`` row's genome: its file name and a hash of its path or URL (one per FASTA)."""
        value = self.value(tf, "fasta")
        stem = re.sub(r"(\.(fa|fasta|fna))?(\.gz)?$", "", download_name(value), flags=re.IGNORECASE)
        return f"{stem or 'genome'}-{zlib.crc32(value.encode()):08x}"

    @staticmethod
    def local_genome_constraint() -> str:
        """Wildcard constraint of ``{genome}`` of ``prepare_genome``: any :meth:`local_genome_key` (a pattern
        of constant length, like :meth:`tf_constraint`; other names are refused by :meth:`local_genome_source`)."""
        return r"[A-Za-z0-9_.()+-]+-[0-9a-f]{8}"

    def local_genome(self, tf: str) -> str:
        """The decompressed, indexed FASTA of a ``local`` row: one per FASTA, however many rows use it."""
        return f"resources/local/genomes/{self.local_genome_key(tf)}.fa"

    @cached_property
    def _local_genome_sources(self) -> dict[str, str]:
        sources: dict[str, str] = {}
        for tf in self.tfs.index:
            if self.source(tf) == "local" and self.value(tf, "peaks") and self.value(tf, "fasta"):
                sources.setdefault(self.local_genome_key(tf), self.local_file(tf, "fasta"))
        return sources

    def local_genome_sources(self) -> dict[str, str]:
        """Genome name (:meth:`local_genome_key`) → the file ``prepare_genome`` decompresses and indexes
        (computed once)."""
        return dict(self._local_genome_sources)

    def local_genome_source(self, genome: str) -> str:
        """The file ``prepare_genome`` makes ``resources/local/genomes/<genome>.fa`` of (refuses other names)."""
        sources = self._local_genome_sources
        if genome not in sources:
            raise InputError(f"resources/local/genomes/{genome}.fa: no `source: local` row of {self.sheet} with "
                             f"peaks has this FASTA (known: {', '.join(sources) or 'none'})")
        return sources[genome]

    def local_genome_input(self, genome: str) -> str:
        """Input of ``prepare_genome``: :meth:`local_genome_source`, a download as its folder (:meth:`as_inputs`)."""
        return self.as_inputs({"fasta": self.local_genome_source(genome)})["fasta"]

    def import_inputs(self, tf: str, datasets: Mapping[str, tuple[str, str]]) -> dict[str, str]:
        """Inputs of ``import_sequences``: the train/test files of a sheet row (:meth:`as_inputs`), or of an
        archive dataset of ``datasets`` (and the dataset list)."""
        if tf in self._rows:
            return self.as_inputs(self.import_files(tf, {}))
        if tf not in datasets:
            raise self.unknown_tf(tf)
        train, test = datasets[tf]
        return {"train": train, "test": test, "datasets": "resources/archive/datasets.tsv"}

    def import_files(self, tf: str, inputs: Mapping[str, Any]) -> dict[str, str]:
        """train/test files ``import-sequences`` reads: a sheet row's (a URL: its download), else those of
        the job's ``inputs`` (an archive dataset, :meth:`import_inputs`)."""
        if tf in self._rows:
            return {"train": self.local_file(tf, "train"), "test": self.local_file(tf, "test")}
        return {"train": inputs["train"], "test": inputs["test"]}

    def import_format(self, tf: str) -> str:
        """``--format`` of ``import-sequences``: the source's format, else detected."""
        return IMPORT_FORMATS.get(self.source(tf), "auto")

    def negative_inputs(self, tf: str) -> dict[str, str]:
        """Inputs of a rule reading :meth:`negative_files` (a downloaded file: its download folder)."""
        return self.as_inputs(self.negative_files(tf))

    def negative_files(self, tf: str) -> dict[str, str]:
        """Files gc_matched negatives read: the genome, every peak and the blacklist (shuffles: none)."""
        if self.section("sequence")["negatives"] != "gc_matched":
            return {}
        files = self.peak_files(tf)
        if self.source(tf) == "encode":
            files["peaks"] = self.encode_peaks(tf)  # all peaks, blacklisted too
            if self.section("encode")["blacklist"]:
                files["blacklist"] = self.blacklist_file(tf)
        return files

    def negative_args(self, files: Mapping[str, Any]) -> list[str]:
        """Arguments of ``build-dataset`` for the configured negatives, given :meth:`negative_files`."""
        sequence = self.section("sequence")
        args = [f"--negatives={sequence['negatives']}"]
        if "fasta" in files:
            args += [f"--fasta={files['fasta']}", f"--peaks={files['peaks']}", f"--gc-bins={sequence['gc_bins']}"]
        if "blacklist" in files:
            args.append(f"--exclude={files['blacklist']}")
        return args

    def archive_args(self) -> dict[str, str]:
        """URL, ``--sha256=`` and dataset filters of the configured archive."""
        archive = self.config.get("archive") or {}
        return {"url": archive.get("url", ""),
                "sha256": [f"--sha256={archive['sha256']}"] if archive.get("sha256") else [],
                "exclude": ",".join(archive.get("exclude", [])), "include": ",".join(archive.get("include", []))}

    def check_datasets(self, names: Iterable[str]) -> None:
        """Archive dataset names must be TF names and differ from the sheet's."""
        check_dataset_names(names, self.tfs.index, self.tf_pattern, self.sheet)

    # --- training -------------------------------------------------------------------------------------
    def training_params(self, arch: str) -> dict[str, Any]:
        """Training parameters of an architecture: ``training.default`` updated by ``training.<arch>``."""
        training = self.section("training")
        return {**training.get("default", {}), **training.get(arch, {})}

    def train_resource(self, key: str) -> int:
        """``resources.train.<key>`` (threads, gpu, mem_mb, runtime)."""
        return self.section("resources")["train"][key]

    # --- interpretation and dashboards ---------------------------------------------------------------
    @property
    def interpret(self) -> dict[str, Any]:
        return self.section("interpret")

    @property
    def filter_archs(self) -> list[str]:
        """Architectures whose network has a first convolution: they get filter motifs."""
        return [a for a in self.archs if has_first_conv(a)]

    @property
    def temporal_archs(self) -> list[str]:
        return [a for a in self.archs if a in self.interpret["temporal_archs"]]

    def planted_inputs(self, tf: str) -> dict[str, str]:
        """Windows and planted motifs of a simulated TF (marks and checks); nothing for other TFs."""
        if not self.is_simulated(tf):
            return {}
        return {"positives": f"results/{tf}/data/positives.tsv", "planted": f"resources/simulated/{tf}/planted.tsv"}

    def planted_args(self, inputs: Mapping[str, Any]) -> list[str]:
        """``--positives=`` and ``--planted=`` of the figure commands, given :meth:`planted_inputs`."""
        return [f"--{key}={inputs[key]}" for key in ("positives", "planted") if key in inputs]

    def ground_truth_files(self, tfs: Iterable[str] | None = None) -> list[str]:
        """Ground-truth checks of the simulated TFs among ``tfs`` (default: all simulated TFs)."""
        tfs = self.simulated_tfs if tfs is None else [tf for tf in tfs if self.is_simulated(tf)]
        return [f"results/{tf}/{arch}/ground_truth.json" for tf in tfs for arch in self.archs]

    @property
    def cooperativity(self) -> dict[str, Any]:
        """Config section ``interpret.cooperativity``."""
        return self.interpret["cooperativity"]

    def cooperativity_files(self, tfs: Iterable[str]) -> list[str]:
        """Every model's ``cooperativity.tsv`` (none when ``interpret.cooperativity.enabled`` is false)."""
        if not self.cooperativity["enabled"]:
            return []
        return [f"results/{tf}/{arch}/cooperativity.tsv" for tf in tfs for arch in self.archs]

    def cooperativity_outputs(self) -> dict[str, str]:
        """The outputs the interpretation job of a model (rule ``interpret_model``, ``{tf}`` and ``{arch}``
        wildcards) adds for its motif dependencies: ``cooperativity`` (the table) and ``cooperativity_figure``;
        none when ``interpret.cooperativity.enabled`` is false."""
        if not self.cooperativity["enabled"]:
            return {}
        return {"cooperativity": "results/{tf}/{arch}/cooperativity.tsv",
                "cooperativity_figure": "results/{tf}/figures/cooperativity/{arch}.png"}

    def cooperativity_args(self, tf: str, outputs: Mapping[str, str]) -> list[str]:
        """``deepmotif interpret``'s options for the motif dependencies of a model of ``tf`` (the job's
        ``outputs``, :meth:`cooperativity_outputs`): the table, the figure and the sheet's motifs (the pair's last
        fallback); none when switched off."""
        if "cooperativity" not in outputs:
            return []
        return [f"--cooperativity-out={outputs['cooperativity']}",
                f"--cooperativity-figure={outputs['cooperativity_figure']}", f"--sheet-motifs={self.sheet_motifs(tf)}"]

    def cooperativity_dashboard_inputs(self, tf: str) -> dict[str, list[str]]:
        """Every model's ``cooperativity.tsv`` and figure for a TF's dashboard (none when switched off)."""
        if not self.cooperativity["enabled"]:
            return {}
        return {"cooperativity": self.cooperativity_files([tf]),
                "cooperativity_figures": [f"results/{tf}/figures/cooperativity/{arch}.png" for arch in self.archs]}

    def cooperativity_dashboard_args(self, inputs: Mapping[str, Any]) -> list[str]:
        """``--cooperativity`` and ``--cooperativity-figures`` of ``deepmotif dashboard`` (ARCH=PATH each)."""
        args = []
        for name in ("cooperativity", "cooperativity_figures"):
            if len(inputs.get(name, ())):
                args += [f"--{name.replace('_', '-')}", *pairs(self.archs, inputs[name])]
        return args

    def cooperativity_summary(self) -> list[str]:
        """``results/summary/cooperativity.tsv`` for the index (none when switched off)."""
        return ["results/summary/cooperativity.tsv"] if self.cooperativity["enabled"] else []

    def sheet_motifs(self, tf: str) -> str:
        """The sheet's ``motifs`` of a TF (comma-separated JASPAR ids), or ""."""
        value = self.value(tf, "motifs")
        return "" if value is None else str(value)

    def known_motif_args(self, tf: str) -> list[str]:
        """``--motifs=`` of ``deepmotif interpret``: the sheet's JASPAR ids of a TF that is not simulated (a
        simulated TF's expected matrices are its planted ones; none: the command looks the TF's name up)."""
        motifs = self.value(tf, "motifs")
        return [f"--motifs={motifs}"] if motifs and not self.is_simulated(tf) else []

    def known_motif_files(self, tfs: Iterable[str]) -> list[str]:
        """``ground_truth.json`` of every model of ``tfs``: the known-motif check is made for every TF."""
        return [f"results/{tf}/{arch}/ground_truth.json" for tf in tfs for arch in self.archs]

    def dashboard_inputs(self, tf: str) -> dict[str, Any]:
        """Files of a TF's dashboard, named by the option of ``deepmotif dashboard`` that takes them.

        Every model's files (:data:`~deepmotif.plan.results.MODEL_FILES`, TF-MoDISco's), one per
        architecture in config order; the models' sequences (the negative-set check); every model's
        ``ground_truth.json`` (the known-motif check, and a simulated TF's planted-motif checks) and the
        planted motifs of a simulated TF; the variant
        table and the REF/ALT explanations of a TF with a variant set.
        """
        inputs: dict[str, Any] = {name: [f"results/{tf}/{arch}/{file}" for arch in self.archs]
                                  for name, file in {**MODEL_FILES, **MODISCO_FILES}.items()}
        inputs["ground_truth"] = self.known_motif_files([tf])  # every TF: the known-motif check; simulated: planted
        inputs["sequences"] = self.sequences_file(tf)  # the negative-set check (composition of the classes)
        inputs.update(self.planted_inputs(tf))
        if tf in self.variant_sets:
            explained = self.variant_explanations(tf)
            inputs.update(variants=f"results/{tf}/variants.tsv", variant_ref=explained["ref"],
                          variant_alt=explained["alt"])
        inputs.update(self.genome_view_inputs(tf))
        inputs.update(self.cooperativity_dashboard_inputs(tf))
        return inputs

    def dashboard_args(self, inputs: Mapping[str, Any]) -> list[str]:
        """Arguments of ``deepmotif dashboard`` for :meth:`dashboard_inputs` (``--metrics cnn=... rnn=...``)."""
        args = []
        for name in (*MODEL_FILES, *MODISCO_FILES, "ground_truth"):
            if len(inputs.get(name, ())):
                args += [f"--{name.replace('_', '-')}", *pairs(self.archs, inputs[name])]
        args += self.planted_args(inputs)
        if "sequences" in inputs:
            args.append(f"--sequences={inputs['sequences']}")
        if "variants" in inputs:
            args += [f"--variants={inputs['variants']}", f"--n-variants={self.section('variants')['n_shown']}",
                     "--variant-ref", *pairs(self.archs, inputs["variant_ref"]),
                     "--variant-alt", *pairs(self.archs, inputs["variant_alt"])]
        args += self.genome_view_args(inputs)
        return args + self.cooperativity_dashboard_args(inputs)

    # --- tracks, instances, genome views ------------------------------------------------------------
    @property
    def track_tfs(self) -> list[str]:
        """TFs with tracks (peaks and a genome), when ``tracks.enabled``."""
        return self.peak_tfs if self.section("tracks")["enabled"] else []

    def track_inputs(self, tf: str) -> dict[str, str]:
        """Peaks and genome of a TF with tracks (:meth:`peak_inputs`); refuses TFs without tracks by name."""
        if tf not in self._tracked:
            why = ("tracks.enabled is false" if not self.section("tracks")["enabled"]
                   else f"its sequences do not come from peaks and a genome (source {self.source(tf)!r})")
            raise self.not_planned(tf, "tracks", why)
        return self.peak_inputs(tf)

    def track_outputs(self) -> list[str]:
        """Instances of every tracked TF × architecture, the genome views and the instances' ground truth."""
        tfs = self.track_tfs
        out = [f"results/{tf}/{arch}/tracks/instances.bed" for tf in tfs for arch in self.archs]
        if self.section("tracks")["view"]["n_peaks"] > 0:
            out += [f"results/{tf}/genome_view.html" for tf in tfs]
        if any(self.is_simulated(tf) for tf in tfs):
            out.append("results/summary/instances_ground_truth.tsv")
        return out

    def genome_view_inputs(self, tf: str) -> dict[str, str]:
        """The genome view page and IGV session a TF's dashboard shows (none when untracked or ``n_peaks`` 0)."""
        if tf not in self._tracked or self.section("tracks")["view"]["n_peaks"] == 0:
            return {}
        return {"genome_view": f"results/{tf}/genome_view.html", "igv_session": f"results/{tf}/igv_session.xml"}

    def genome_view_args(self, inputs: Mapping[str, Any]) -> list[str]:
        """``--genome-view=`` and ``--igv-session=`` of ``deepmotif dashboard``, given :meth:`genome_view_inputs`."""
        return [f"--{key.replace('_', '-')}={inputs[key]}" for key in ("genome_view", "igv_session") if key in inputs]

    def instance_truth_inputs(self) -> dict[str, list[str]]:
        """Files of the instances' ground truth, one per tracked simulated TF × architecture in each list."""
        models = [(tf, arch) for tf in self.track_tfs if self.is_simulated(tf) for arch in self.archs]
        return {"instances": [f"results/{tf}/{arch}/tracks/instances.bed" for tf, arch in models],
                "regions": [f"results/{tf}/{arch}/tracks/regions.bed" for tf, arch in models],
                "planted": [self.planted_inputs(tf)["planted"] for tf, _ in models],
                "positives": [self.planted_inputs(tf)["positives"] for tf, _ in models]}

    def instance_truth_args(self) -> list[str]:
        """``--model TF ARCH INSTANCES REGIONS PLANTED POSITIVES`` of ``deepmotif instances-ground-truth``."""
        inputs = self.instance_truth_inputs()
        models = [(tf, arch) for tf in self.track_tfs if self.is_simulated(tf) for arch in self.archs]
        return [arg for i, (tf, arch) in enumerate(models) for arg in
                ("--model", tf, arch, *(inputs[key][i] for key in ("instances", "regions", "planted", "positives")))]

    def tf_description(self, tf: str) -> str:
        value = self.value(tf, "description")
        return "" if value is None else str(value)

    def interpret_job_settings(self, arch: str) -> dict[str, Any]:
        """The config section ``interpret`` as the interpretation job of one model gets it (``--settings``).

        Only what changes its outputs, so that Snakemake reruns no model when a dashboard count changes:
        without the dashboard's ``n_shown`` and ``pass_rate``, ``temporal_archs`` cut down to ``arch``, and
        ``cooperativity`` only when it is measured (the command fills in the schema's defaults).
        """
        settings = copy.deepcopy(self.interpret)
        for section, key in (("class_optimization", "n_shown"), ("filters", "n_shown"), ("ground_truth", "pass_rate")):
            settings[section].pop(key, None)
        settings["temporal_archs"] = [arch] if arch in self.temporal_archs else []
        if not self.cooperativity["enabled"]:  # measured in the same job when on: its settings rerun it
            settings.pop("cooperativity", None)
        return settings

    def summary_axes(self) -> tuple[str, str]:
        """Architectures compared in the summary scatter: CNN vs CNN-RNN (the paper's), else first and last."""
        archs = self.archs
        return ("cnn" if "cnn" in archs else archs[0], "cnn_rnn" if "cnn_rnn" in archs else archs[-1])

    def final_outputs(self, tfs: Iterable[str]) -> list[str]:
        """Everything ``rule all`` asks for, given every TF (the sheet's and the archive's)."""
        tfs = list(tfs)
        return [
            "results/summary/auc_table.tsv", "results/summary/auc_scatter.png", "results/summary/auc_box.png",
            *[f"results/{tf}/{arch}/metrics.json" for tf in tfs for arch in self.archs],
            *[f"results/{tf}/dashboard.html" for tf in tfs],
            "results/index.html", "results/summary/known_motifs.tsv",
            *(["results/summary/ground_truth.tsv"] if self.simulated_tfs else []),
            *[f"results/{tf}/variants.tsv" for tf in self.variant_sets],
            *self.variant_summaries().values(),
            *self.track_outputs(),
            *self.cooperativity_summary(),
        ]

    # --- variants ----------------------------------------------------------------------------------------
    def variant_genome(self, entry: Mapping[str, Any], tf: str) -> str:
        """FASTA of a ``variants.vcfs`` entry for a TF: ``simulated`` (the TF's), a ``genomes`` key, or a path."""
        genome = entry["genome"]
        if genome == "simulated":
            return f"resources/simulated/{tf}/genome.fa"
        if genome in self.section("genomes"):
            return f"resources/genomes/{genome}.fa"
        return genome

    @functools.cached_property
    def variant_sets(self) -> dict[str, dict[str, Any]]:
        """TF → the VCF it is scored against: ``{name, vcf, genome, info, truth}``.

        ``info``: INFO keys copied into the table; ``truth``: the simulated ground-truth VCF (summarized by
        ``variants-ground-truth``). An entry without ``tfs`` applies to every sheet TF that is not simulated
        (genome ``simulated``: to every simulated TF); with ``simulation.variants``, every simulated TF no
        entry names gets its ground-truth VCF.

        Raises
        ------
        InputError
            A TF in two entries, a TF that is neither a sheet row nor (with an archive) a dataset, or genome
            ``simulated`` for a TF that is not simulated.
        """
        sets: dict[str, dict[str, Any]] = {}
        simulated_tfs = self.simulated_tfs
        for entry in self.section("variants")["vcfs"]:
            name, simulated = entry["name"], entry["genome"] == "simulated"
            tfs = entry.get("tfs") or [tf for tf in self.tfs.index if self.is_simulated(tf) == simulated]
            where = f"config variants.vcfs entry {name!r}"
            for tf in tfs:
                if tf in sets:
                    raise InputError(f"{where}: TF {tf!r} is also scored against entry {sets[tf]['name']!r}; one "
                                     "VCF per TF (merge them with bcftools concat, or give the entries `tfs:` lists)")
                if tf not in self.tfs.index and not self.has_archive:
                    raise InputError(f"{where}: TF {tf!r} is not in {self.sheet}; known: {', '.join(self.tfs.index)}")
                if simulated and not self.is_simulated(tf):
                    raise InputError(f"{where}: genome `simulated` but TF {tf!r} is not a simulated TF; name the "
                                     "FASTA the VCF refers to")
                sets[tf] = {"name": name, "vcf": entry["vcf"], "genome": self.variant_genome(entry, tf), "info": "",
                            "truth": False}
        if self.section("simulation")["variants"]:
            for tf in simulated_tfs:  # a `variants.vcfs` entry naming a simulated TF replaces its ground truth
                sets.setdefault(tf, {"name": "simulated", "vcf": f"resources/simulated/{tf}/variants.vcf.gz",
                                     "genome": f"resources/simulated/{tf}/genome.fa", "info": "CLASS,MOTIF",
                                     "truth": True})
        return sets

    def variant_set(self, tf: str) -> dict[str, Any]:
        """The entry of :attr:`variant_sets` a TF is scored against; refuses TFs scored against none by name."""
        if tf not in self.variant_sets:
            raise self.not_planned(tf, "variants to score", "no config variants.vcfs entry applies to it (and it "
                                   "is not a simulated TF with simulation.variants)")
        return self.variant_sets[tf]

    def variant_inputs(self, tf: str) -> dict[str, str]:
        """VCF and genome FASTA ``score_variants`` reads for a TF (:meth:`variant_set`)."""
        entry = self.variant_set(tf)
        return {"vcf": entry["vcf"], "genome": entry["genome"]}

    @property
    def variant_truth_tfs(self) -> list[str]:
        """TFs scored against their simulated ground-truth VCF."""
        return [tf for tf, entry in self.variant_sets.items() if entry["truth"]]

    def variant_explanations(self, tf: str) -> dict[str, list[str]]:
        """REF and ALT arrays of a TF's strongest variants, one per architecture (``score-variants``)."""
        return {side: [f"results/{tf}/variants/{arch}.{side}.npz" for arch in self.archs] for side in ("ref", "alt")}

    def variant_summaries(self) -> dict[str, str]:
        """Tables across TFs: ``variants`` (any variant set), ``variants_truth`` (simulated ground truth)."""
        summaries = {}
        if self.variant_sets:
            summaries["variants"] = "results/summary/variants.tsv"
        if self.variant_truth_tfs:
            summaries["variants_truth"] = "results/summary/variants_ground_truth.tsv"
        return summaries

    def index_variant_args(self, inputs: Mapping[str, Any]) -> list[str]:
        """Arguments of ``deepmotif index`` for its variant tables, given :meth:`variant_summaries` as inputs."""
        args = [f"--n-variants={self.section('variants')['n_index']}"]
        if "variants" in inputs:
            args.append(f"--variants={inputs['variants']}")
        if "variants_truth" in inputs:
            args.append(f"--variants-ground-truth={inputs['variants_truth']}")
        return args


def _cell(value: Any) -> Any:
    """A sheet cell as the plan reads it: None when empty (None or NaN)."""
    return None if value is None or (isinstance(value, float) and value != value) else value


def _update_nested(config: dict[str, Any], overlay: Mapping[str, Any]) -> None:
    """Update ``config`` with ``overlay`` in place, merging nested dicts (as ``snakemake.utils.update_config``)."""
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(config.get(key), dict):
            _update_nested(config[key], value)
        else:
            config[key] = dict(value) if isinstance(value, Mapping) else value
