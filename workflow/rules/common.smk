# Configuration, the TF sheet and input functions. Rules stay declarative; science lives in src/deepmotif.
import json
import os
import re
import sys
import zlib
from pathlib import Path

import yaml
from snakemake.utils import min_version, validate

min_version("9.0")

# Rules run `python -m deepmotif ...` from this checkout's src/ in any environment (local, conda, Slurm):
# the shell commands spell it out (snakemake --lint flags variables from outside a rule).
SRC = str(Path(workflow.basedir, "src").resolve())
sys.path.insert(0, SRC)
_environment = os.environ  # jobs inherit it; cluster jobs re-read this file and set it again
_environment["PYTHONPATH"] = os.pathsep.join(filter(None, [SRC, _environment.get("PYTHONPATH")]))

from deepmotif.config import check_config  # noqa: E402
from deepmotif.sheet import read_sheet  # noqa: E402

with open(workflow.source_path("../schemas/config.schema.yaml")) as _handle:
    check_config(config, yaml.safe_load(_handle))  # one-line message naming the key
validate(config, workflow.source_path("../schemas/config.schema.yaml"), set_default=True)
with open(workflow.source_path("../schemas/tfs.schema.yaml")) as _handle:
    TF_SCHEMA = yaml.safe_load(_handle)
TFS = read_sheet(config["tfs"], TF_SCHEMA)
ARCHS = list(config["architectures"])


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
    tf="|".join(re.escape(tf) for tf in TFS.index),
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
    """narrowPeak and genome FASTA of a TF, by source."""
    row = tf_row(wildcards)
    if row["source"] == "simulated":
        return {
            "peaks": f"resources/simulated/{wildcards.tf}/peaks.narrowPeak.gz",
            "fasta": f"resources/simulated/{wildcards.tf}/genome.fa",
        }
    raise ValueError(f"TF {wildcards.tf!r}: source {row['source']!r} has no peaks")


def training_params(arch):
    """Training parameters of an architecture: `training.default` updated by `training.<arch>`."""
    training = section("training")
    return {**training.get("default", {}), **training.get(arch, {})}


def train_resources(key, default):
    return section("resources").get("train", {}).get(key, default)


def metrics_files():
    return expand("results/{tf}/{arch}/metrics.json", tf=TFS.index, arch=ARCHS)


def final_outputs():
    return ["results/summary/auc_table.tsv", *metrics_files()]
