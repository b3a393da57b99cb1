# Configuration, the TF sheet and input functions. Rules stay declarative; science lives in src/deepmotif.
import json
import os
import re
import shlex
import sys
import zlib
from pathlib import Path

import pandas as pd
import yaml
from snakemake.utils import min_version, validate

min_version("9.0")

# Rules run `python -m deepmotif ...` from this checkout's src/ in any environment (local, conda, Slurm):
# the shell commands spell it out (snakemake --lint flags variables from outside a rule).
SRC = str(Path(workflow.basedir, "src").resolve())
sys.path.insert(0, SRC)
_environment = os.environ  # jobs inherit it; cluster jobs re-read this file and set it again
_environment["PYTHONPATH"] = os.pathsep.join(filter(None, [SRC, _environment.get("PYTHONPATH")]))
# `python` in the shell commands is the one running Snakemake (e.g. .venv/bin/snakemake, not activated)
_environment["PATH"] = os.pathsep.join(filter(None, [str(Path(sys.executable).parent), _environment.get("PATH")]))

from deepmotif.config import check_config  # noqa: E402
from deepmotif.sheet import read_sheet  # noqa: E402

with open(workflow.source_path("../schemas/config.schema.yaml")) as _handle:
    check_config(config, yaml.safe_load(_handle))  # one-line message naming the key
validate(config, workflow.source_path("../schemas/config.schema.yaml"), set_default=True)
with open(workflow.source_path("../schemas/tfs.schema.yaml")) as _handle:
    TF_SCHEMA = yaml.safe_load(_handle)


def _sheet_path(path):
    """The TF sheet: relative to the working directory, else to this checkout (--directory elsewhere)."""
    if not os.path.isabs(path) and not os.path.exists(path) and Path(workflow.basedir, path).exists():
        return str(Path(workflow.basedir, path))
    return path


def _no_sheet():
    if not config.get("archive"):
        raise ValueError("config: neither a TF sheet (`tfs:`) nor a dataset archive (`archive:`); set one")
    columns = list(TF_SCHEMA["properties"])
    return pd.DataFrame(columns=columns, dtype=object).set_index("tf", drop=False)


TFS = read_sheet(_sheet_path(config["tfs"]), TF_SCHEMA) if config.get("tfs") else _no_sheet()
ARCHS = list(config["architectures"])
# a TF name (the sheet's pattern): wildcards of TFs known only after the archive checkpoint
TF_NAME = TF_SCHEMA["properties"]["tf"]["pattern"].removeprefix("^").removesuffix("$")


def _check_architectures():
    from deepmotif.models.nets import NETS

    unknown = [a for a in ARCHS if a not in NETS]
    if unknown:
        raise ValueError(
            f"config key 'architectures': unknown architecture {unknown[0]!r}; "
            f"registered: {', '.join(sorted(NETS))} (see src/deepmotif/models/nets.py)"
        )


_check_architectures()


wildcard_constraints:
    tf=TF_NAME if config.get("archive") else "|".join(map(re.escape, TFS.index)),
    arch="|".join(re.escape(a) for a in ARCHS),


def section(name):
    """A config section with schema defaults filled in."""
    return config.get(name, {})


def tf_row(wildcards):
    return TFS.loc[wildcards.tf]


def tf_seed(tf):
    """A seed per TF that does not change when rows are added or reordered."""
    return section("simulation").get("seed", 0) + zlib.crc32(tf.encode()) % 100_000


def peak_inputs(wildcards):
    """narrowPeak (or BED) and genome FASTA of a TF, by source."""
    row = tf_row(wildcards)
    tf = wildcards.tf
    if row["source"] == "simulated":
        return {
            "peaks": f"resources/simulated/{tf}/peaks.narrowPeak.gz",
            "fasta": f"resources/simulated/{tf}/genome.fa",
        }
    if row["source"] == "encode":
        genome = genome_key(tf)
        if section("encode")["blacklist"]:
            peaks = f"results/{tf}/data/peaks.filtered.narrowPeak.gz"
        else:
            peaks = f"resources/encode/{row['accession']}.bed.gz"
        return {"peaks": peaks, "fasta": f"resources/genomes/{genome}.fa"}
    if row["source"] == "local" and row["peaks"]:
        return {"peaks": local_file(tf, "peaks"), "fasta": f"resources/local/{tf}/genome.fa"}
    raise ValueError(f"TF {tf!r}: source {row['source']!r} has no peaks")


def training_params(arch):
    """Training parameters of an architecture: `training.default` updated by `training.<arch>`."""
    training = section("training")
    return {**training.get("default", {}), **training.get(arch, {})}


def train_resources(key, default):
    return section("resources").get("train", {}).get(key, default)


def metrics_files(wildcards=None):
    return expand("results/{tf}/{arch}/metrics.json", tf=all_tfs(), arch=ARCHS)


def final_outputs(wildcards=None):
    return [
        "results/summary/auc_table.tsv",
        "results/summary/auc_scatter.png",
        "results/summary/auc_box.png",
        *metrics_files(),
        *dashboard_files(),
        "results/index.html",
        *(["results/summary/ground_truth.tsv"] if SIMULATED_TFS else []),
    ]


# --- data sources ------------------------------------------------------------------------------------
# encode: resources/encode/{accession}.bed.gz + resources/genomes/{genome}.fa; local: own peaks + FASTA or
# own train/test files; deepbind/demo: train/test files; archive: one TF per dataset folder (checkpoint).

SHEET = TFS.attrs.get("path", "TF sheet")
PEAK_SOURCES = ("simulated", "encode")
URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def _where(tf, column):
    line = TFS.attrs.get("lines", {}).get(tf)
    return f"{SHEET} line {line}, column {column!r}" if line else f"TF {tf!r}, column {column!r}"


def uses_peaks(tf):
    """True if the TF's sequences come from peaks + genome (extract_positives → build_dataset)."""
    row = TFS.loc[tf]
    return row["source"] in PEAK_SOURCES or (row["source"] == "local" and bool(row["peaks"]))


def _alternatives(names):
    return "|".join(map(re.escape, names)) or "(?!)"  # (?!) matches nothing


PEAK_TFS = [tf for tf in TFS.index if uses_peaks(tf)]
IMPORT_TFS = [tf for tf in TFS.index if not uses_peaks(tf)]
# build_dataset serves peak-based TFs, import_sequences the others: sheet rows and archive datasets, that is
# any name but a peak-based TF's (a lookahead: in results/{tf}/data/sequences.tsv the name ends at '/')
PEAK_TF_WILDCARD = _alternatives(PEAK_TFS)
if config.get("archive"):
    IMPORT_TF_WILDCARD = f"(?!(?:{PEAK_TF_WILDCARD})/){TF_NAME}" if PEAK_TFS else TF_NAME
else:
    IMPORT_TF_WILDCARD = _alternatives(IMPORT_TFS)


def genome_key(tf):
    """The config `genomes` entry of an encode row: its name, or an entry of the same assembly."""
    from deepmotif.data.download import same_assembly

    name, genomes = TFS.loc[tf, "genome"], section("genomes")
    if name in genomes:
        return name
    for key, entry in genomes.items():
        if same_assembly(entry.get("assembly", key), name):
            return key
    raise ValueError(f"{_where(tf, 'genome')}: {name!r} is not in the config's `genomes` (known: "
                     f"{', '.join(genomes) or 'none'}); add genomes: {{{name}: {{url: <FASTA URL>}}}}")


def genome_assembly(key):
    return section("genomes")[key].get("assembly", key)


def accession_assembly(wildcards):
    """The assembly an ENCODE peak file must be on: that of the genome of its sheet row."""
    if wildcards.accession not in ACCESSION_GENOME:
        raise ValueError(f"ENCODE accession {wildcards.accession} is in no `source: encode` row of {SHEET}")
    return genome_assembly(ACCESSION_GENOME[wildcards.accession])


def _check_encode_rows():
    seen = {}
    for tf in TFS.index[TFS["source"] == "encode"]:
        key, accession = genome_key(tf), TFS.loc[tf, "accession"]
        if section("encode")["blacklist"] and not section("genomes")[key].get("blacklist"):
            raise ValueError(f"config: encode.blacklist is true but genomes.{key} has no `blacklist` URL; "
                             "add one or set encode.blacklist: false")
        if seen.setdefault(accession, key) != key:
            raise ValueError(f"{_where(tf, 'genome')}: accession {accession} is used with genomes "
                             f"{seen[accession]} and {key}; one peak file has one assembly")


_check_encode_rows()
ACCESSION_GENOME = {TFS.loc[tf, "accession"]: genome_key(tf) for tf in TFS.index[TFS["source"] == "encode"]}


def local_file(tf, column):
    """A path of the sheet, or where its URL is downloaded to (resources/downloads/{tf}/{column}/...)."""
    value = TFS.loc[tf, column]
    if not URL.match(value):
        return value
    from urllib.parse import unquote, urlsplit

    name = re.sub(r"[^A-Za-z0-9_.()+-]", "_", Path(unquote(urlsplit(value).path)).name) or "download"
    return f"resources/downloads/{tf}/{column}/{name}"


def archive_datasets():
    """Datasets of the archive (after the list_datasets checkpoint): name → (train, test)."""
    table = pd.read_csv(checkpoints.list_datasets.get().output[0], sep="\t", dtype=str)
    pattern = re.compile(TF_NAME)
    for name in table["name"]:
        if not pattern.fullmatch(name):
            raise ValueError(f"archive dataset {name!r}: a TF name may only contain letters, digits and "
                             "_ . ( ) + -; rename the folder")
        if name in TFS.index:
            raise ValueError(f"archive dataset {name!r} is also a row of {SHEET}; rename one of them")
    return {row.name: (row.train, row.test) for row in table.itertuples(index=False)}


def all_tfs():
    """Sheet TFs, then the archive's (evaluates the checkpoint: call only inside input functions)."""
    return [*TFS.index, *(archive_datasets() if config.get("archive") else [])]


def import_inputs(wildcards):
    """train/test files of an imported TF (sheet row or archive dataset)."""
    tf = wildcards.tf
    if tf in TFS.index:
        return {"train": local_file(tf, "train"), "test": local_file(tf, "test")}
    train, test = archive_datasets()[tf]
    return {"train": train, "test": test, "datasets": "resources/archive/datasets.tsv"}


def import_format(wildcards):
    source = TFS.loc[wildcards.tf, "source"] if wildcards.tf in TFS.index else "archive"
    return {"deepbind": "deepbind", "demo": "demo"}.get(source, "auto")


def negative_inputs(wildcards):
    """gc_matched negatives read the genome, every peak and the blacklist."""
    if section("sequence")["negatives"] != "gc_matched":
        return {}
    inputs = peak_inputs(wildcards)
    row = tf_row(wildcards)
    if row["source"] == "encode":
        inputs["peaks"] = f"resources/encode/{row['accession']}.bed.gz"  # all peaks, blacklisted too
        if section("encode")["blacklist"]:
            inputs["blacklist"] = f"resources/genomes/{genome_key(wildcards.tf)}.blacklist.bed.gz"
    return inputs


def negative_args(wildcards, input):
    """Arguments of build-dataset for the configured negatives."""
    args = ["--negatives", section("sequence")["negatives"]]
    if "fasta" in input.keys():
        args += ["--fasta", input.fasta, "--peaks", input.peaks, "--gc-bins", str(section("sequence")["gc_bins"])]
    if "blacklist" in input.keys():
        args += ["--exclude", input.blacklist]
    return " ".join(map(shlex.quote, args))


def download_args():
    d = section("download")
    return f"--retries {d['retries']} --backoff {d['backoff']} --timeout {d['timeout']}"


def local_genome_source(wildcards):
    """The FASTA of a local row, as a file input when it is a path (so its changes rerun the copy)."""
    value = TFS.loc[wildcards.tf, "fasta"]
    return [] if URL.match(value) else [value]


# --- interpretation and dashboards ---------------------------------------------------------------------
# Per (TF, architecture): saliency, ISM, temporal scores, class optimization, filter motifs, JASPAR matches;
# simulated TFs also get ground-truth checks against their planted motifs.

INTERPRET = section("interpret")
SIMULATED_TFS = [tf for tf in TFS.index if TFS.loc[tf, "source"] == "simulated"]
TEMPORAL_ARCHS = [a for a in ARCHS if a in INTERPRET["temporal_archs"]]


def _filter_archs():
    """Architectures whose network exposes a first convolution (``first_conv``): they get filter motifs."""
    from deepmotif.models.nets import NETS

    return [a for a in ARCHS if isinstance(getattr(NETS[a], "first_conv", None), property)]


FILTER_ARCHS = _filter_archs()
SIMULATED_TF_WILDCARD = _alternatives(SIMULATED_TFS)
FILTER_ARCH_WILDCARD = _alternatives(FILTER_ARCHS)
TEMPORAL_ARCH_WILDCARD = _alternatives(TEMPORAL_ARCHS)


def n_evaluate():
    """Test positives scored per model: the ground-truth sample, at least the sequences shown (0: all)."""
    n = INTERPRET["n_evaluate"]
    return max(n, INTERPRET["n_sequences"]) if n else 0


def pairs(names, paths):
    """``name=path`` arguments (an architecture or TF and its file), in the order of ``names``."""
    return [f"{name}={path}" for name, path in zip(names, paths)]


def motif_memes(wildcards):
    """Learned motifs of a model: class optimization, plus first-layer filters when it has them."""
    base = f"results/{wildcards.tf}/{wildcards.arch}"
    return [f"{base}/class_optimization.meme", *([f"{base}/filters.meme"] if wildcards.arch in FILTER_ARCHS else [])]


def planted_inputs(wildcards):
    """Windows and planted motifs of a simulated TF (marks and checks); nothing for other TFs."""
    if wildcards.tf not in SIMULATED_TFS:
        return {}
    return {"positives": f"results/{wildcards.tf}/data/positives.tsv",
            "planted": f"resources/simulated/{wildcards.tf}/planted.tsv"}


def planted_args(wildcards, input):
    if "planted" not in input.keys():
        return ""
    return f"--positives {shlex.quote(input.positives)} --planted {shlex.quote(input.planted)}"


def ground_truth_files(tfs=None):
    """Ground-truth checks of the simulated TFs among ``tfs`` (default: all simulated TFs)."""
    tfs = SIMULATED_TFS if tfs is None else [tf for tf in tfs if tf in SIMULATED_TFS]
    return expand("results/{tf}/{arch}/ground_truth.json", tf=tfs, arch=ARCHS)


def dashboard_inputs(wildcards):
    tf = wildcards.tf
    inputs = {
        "metrics": expand("results/{tf}/{arch}/metrics.json", tf=tf, arch=ARCHS),
        "matches": expand("results/{tf}/{arch}/jaspar_matches.tsv", tf=tf, arch=ARCHS),
        "motifs": expand("results/{tf}/figures/motifs/{arch}", tf=tf, arch=ARCHS),
        "performance": f"results/{tf}/figures/roc_pr.png",
        "training": f"results/{tf}/figures/training.png",
        "saliency": f"results/{tf}/figures/saliency",
        "ism": f"results/{tf}/figures/ism",
        "ground_truth": ground_truth_files([tf]),
    }
    if TEMPORAL_ARCHS:
        inputs["temporal"] = f"results/{tf}/figures/temporal"
    return inputs


def dashboard_args(wildcards, input):
    """Arguments of `deepmotif dashboard` naming each file by its architecture."""
    args = ["--metrics", *pairs(ARCHS, input.metrics), "--matches", *pairs(ARCHS, input.matches),
            "--motifs", *pairs(ARCHS, input.motifs), "--ground-truth", *input.ground_truth]
    if "temporal" in input.keys():
        args += ["--temporal", input.temporal]
    return " ".join(map(shlex.quote, args))


def tf_description(tf):
    value = TFS.loc[tf, "description"] if tf in TFS.index and "description" in TFS.columns else ""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def interpret_settings():
    """Interpretation settings printed in the dashboards' footers (JSON)."""
    keys = ("saliency", "n_sequences", "n_evaluate")
    return json.dumps({**{k: INTERPRET[k] for k in keys}, "class_optimization": INTERPRET["class_optimization"],
                       "jaspar": INTERPRET["jaspar"]}, separators=(",", ":"))


def dashboard_files(wildcards=None):
    return expand("results/{tf}/dashboard.html", tf=all_tfs())

