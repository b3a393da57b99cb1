"""The plan (deepmotif.plan): every decision the workflow makes, tested without Snakemake."""

from __future__ import annotations

import copy
import inspect
import re
import subprocess
import sys
import zlib

import pytest
import yaml

from deepmotif.plan.config import apply_defaults, load_schema, schema_default, training_defaults
from deepmotif.errors import InputError
from deepmotif.plan import Plan, alternatives, check_dataset_names, download_name, tf_seed
from deepmotif.plan.architectures import ARCHITECTURES, PRESET_NAMES, net_schema

GENOMES = {"hg38": {"url": "https://x/hg38.fa.gz", "blacklist": "https://x/hg38.bl.bed.gz"},
           "mm10": {"url": "/data/mm10.fa", "md5": "0" * 32}}


def make_plan(tmp_path, sheet: str, **config) -> Plan:
    (tmp_path / "tfs.tsv").write_text(sheet.replace("|", "\t"))
    return Plan.load({"tfs": str(tmp_path / "tfs.tsv"), "architectures": ["cnn", "rnn"], **config})


@pytest.fixture
def sources_plan(tmp_path) -> Plan:
    """One row per route: simulated, encode (GRCh38 alias of hg38), local peaks, local files, deepbind."""
    sheet = ("tf|source|motifs|n_peaks|accession|genome|peaks|fasta|train|test|description\n"
             "SIM|simulated|MA0139.1||||||||-starts with a dash\n"
             "ENC|encode|||ENCFF618VMC|GRCh38|||||\n"
             "LOC|local|||||p.bed|https://h/g%20x.fa.gz|||\n"
             "OWN|local|||||||https://h/dl/train.tsv?v=2|t.tsv|\n"
             "DB|deepbind|||||||a_AC.seq.gz|a_B.seq.gz|\n")
    return make_plan(tmp_path, sheet, genomes=copy.deepcopy(GENOMES))


# --- seeds, names, small decisions ---------------------------------------------------------------------

def test_tf_seed_is_the_crc32_of_the_name_plus_the_simulation_seed():
    assert tf_seed("CTCF") == zlib.crc32(b"CTCF") % 100_000
    assert tf_seed("CTCF", 7) == tf_seed("CTCF") + 7
    # the seeds of the default run, as planned before the planning layer existed (results unchanged)
    assert [tf_seed(tf) for tf in ("CTCF", "REST", "TAL1-GATA1")] == [1600, 81316, 5343]


def test_tf_seed_does_not_depend_on_row_order(tmp_path):
    rows = ["A|simulated|MA0139.1", "B|simulated|MA0138.2"]
    first = make_plan(tmp_path, "tf|source|motifs\n" + "\n".join(rows) + "\n", simulation={"seed": 3})
    second = make_plan(tmp_path, "tf|source|motifs\n" + "\n".join(rows[::-1]) + "\n", simulation={"seed": 3})
    assert first.tf_seed("A") == second.tf_seed("A") == tf_seed("A", 3) != first.tf_seed("B")


@pytest.mark.parametrize("url, name", [
    ("https://h/dl/train.tsv?v=2", "train.tsv"),
    ("https://h/a/b%20c.fa.gz", "b_c.fa.gz"),
    ("ftp://h/x/y(1)+z.bed", "y(1)+z.bed"),
    ("https://h/", "download"),
])
def test_download_name(url, name):
    assert download_name(url) == name


def test_alternatives_match_exactly_the_names():
    import re

    pattern = alternatives(["GATA1_(SC-265)+x.1", "A"])
    assert re.fullmatch(pattern, "GATA1_(SC-265)+x.1") and re.fullmatch(pattern, "A")
    assert not re.fullmatch(pattern, "GATA1_XSC-265Y+x.1") and not re.fullmatch(alternatives([]), "")


# --- routes -----------------------------------------------------------------------------------------

def test_each_source_has_one_route_and_one_sequences_file(sources_plan):
    plan = sources_plan
    assert plan.peak_tfs == ["SIM", "ENC", "LOC"]
    assert plan.sequences_file("SIM") == "results/SIM/data/sequences.tsv"
    assert plan.sequences_file("OWN") == "results/OWN/data/imported.tsv"
    assert plan.sequences_file("GATA1_archive") == "results/GATA1_archive/data/imported.tsv"  # archive dataset
    assert [plan.import_format(tf) for tf in ("DB", "OWN", "GATA1_archive")] == ["deepbind", "auto", "auto"]


def test_peak_inputs_by_source(sources_plan, tmp_path):
    plan = sources_plan
    assert plan.peak_inputs("SIM") == {"peaks": "resources/simulated/SIM/peaks.narrowPeak.gz",
                                       "fasta": "resources/simulated/SIM/genome.fa"}
    assert plan.peak_inputs("ENC") == {"peaks": "resources/encode/ENCFF618VMC.bed.gz",
                                       "fasta": "resources/genomes/hg38.fa"}  # GRCh38 is hg38
    genome = f"resources/local/genomes/g_x-{zlib.crc32(b'https://h/g%20x.fa.gz'):08x}.fa"
    assert plan.peak_inputs("LOC") == {"peaks": str(tmp_path / "p.bed"), "fasta": genome}
    with pytest.raises(InputError, match="source 'deepbind' has no peaks"):
        plan.peak_inputs("DB")


def test_blacklisted_encode_rows_read_filtered_peaks_and_gc_negatives_all_peaks(tmp_path):
    sheet = "tf|source|accession|genome\nENC|encode|ENCFF618VMC|hg38\n"
    plan = make_plan(tmp_path, sheet, genomes=copy.deepcopy(GENOMES), encode={"blacklist": True},
                     sequence={"negatives": "gc_matched", "gc_bins": 7})
    assert plan.peak_inputs("ENC")["peaks"] == "results/ENC/data/peaks.filtered.narrowPeak.gz"
    inputs = plan.negative_inputs("ENC")
    assert inputs == {"peaks": "resources/encode/ENCFF618VMC.bed.gz", "fasta": "resources/genomes/hg38.fa",
                      "blacklist": "resources/genomes/hg38.blacklist.bed.gz"}
    assert plan.negative_args(inputs) == [
        "--negatives=gc_matched", "--fasta=resources/genomes/hg38.fa",
        "--peaks=resources/encode/ENCFF618VMC.bed.gz", "--gc-bins=7",
        "--exclude=resources/genomes/hg38.blacklist.bed.gz"]
    assert plan.accession_assembly("ENCFF618VMC") == "hg38"


def test_shuffled_negatives_read_nothing(sources_plan):
    assert sources_plan.negative_inputs("SIM") == {}
    assert sources_plan.negative_args({}) == ["--negatives=shuffle"]


def test_encode_rows_are_checked(tmp_path):
    with pytest.raises(InputError, match=r"tfs.tsv line 2, column 'genome': 'hg18' is not in the config's "
                                         r"`genomes` \(known: hg38, mm10\)"):
        make_plan(tmp_path, "tf|source|accession|genome\nE|encode|ENCFF618VMC|hg18\n", genomes=GENOMES)
    with pytest.raises(InputError, match="accession ENCFF618VMC is used with genomes hg38 and mm10"):
        make_plan(tmp_path, "tf|source|accession|genome\nE|encode|ENCFF618VMC|hg38\nF|encode|ENCFF618VMC|mm10\n",
                  genomes=GENOMES)
    with pytest.raises(InputError, match="genomes.mm10 has no `blacklist` URL"):
        make_plan(tmp_path, "tf|source|accession|genome\nE|encode|ENCFF618VMC|mm10\n", genomes=GENOMES,
                  encode={"blacklist": True})


def test_urls_are_downloaded_to_resources_and_paths_are_kept(sources_plan, tmp_path):
    plan = sources_plan
    assert plan.local_file("OWN", "train") == "resources/downloads/OWN/train/train.tsv"
    assert plan.local_file("OWN", "test") == str(tmp_path / "t.tsv")
    assert plan.local_file("LOC", "fasta") == "resources/downloads/LOC/fasta/g_x.fa.gz"  # percent-decoded, safe
    # rules name a download by the folder of its TF's one download job; commands read the file in it
    inputs = plan.import_inputs("OWN", {})
    assert inputs == {"train": "resources/downloads/OWN", "test": str(tmp_path / "t.tsv")}
    assert plan.import_files("OWN", inputs) == {"train": "resources/downloads/OWN/train/train.tsv",
                                                "test": str(tmp_path / "t.tsv")}
    assert plan.fetch_args("OWN") == ["https://h/dl/train.tsv?v=2", "--output=resources/downloads/OWN/train/train.tsv",
                                      "--part-dir=resources/partial_downloads/OWN"]
    assert plan.import_inputs("X", {"X": ("a/train.fa", "a/test.fa")}) == {
        "train": "a/train.fa", "test": "a/test.fa", "datasets": "resources/archive/datasets.tsv"}
    assert plan.import_files("X", {"train": "a/train.fa", "test": "a/test.fa", "datasets": "d.tsv"}) == {
        "train": "a/train.fa", "test": "a/test.fa"}


def test_one_download_job_per_tf_fetches_the_urls_it_is_first_to_give(tmp_path):
    url, genome = "https://h/x/a.seq.gz", "https://h/hg38.fa.gz"
    plan = make_plan(tmp_path, "tf|source|peaks|fasta|train|test\n"
                               f"A|deepbind|||{url}|https://h/a_B.seq.gz\n"
                               f"B|deepbind|https://h/unread.bed||{url}|https://h/b_B.seq.gz\n"
                               f"C|local|https://h/c.bed|{genome}||\n"
                               f"D|local|d.bed|{genome}||\n"
                               "E|deepbind|||a.seq|b.seq\n")
    assert plan.downloads("A") == {"urls": [url, "https://h/a_B.seq.gz"],
                                   "outputs": ["resources/downloads/A/train/a.seq.gz",
                                               "resources/downloads/A/test/a_B.seq.gz"]}
    # B's train URL is A's download; its peaks URL is read by no route (a deepbind row): not fetched
    assert plan.downloads("B") == {"urls": ["https://h/b_B.seq.gz"],
                                   "outputs": ["resources/downloads/B/test/b_B.seq.gz"]}
    assert plan.import_inputs("B", {}) == {"train": "resources/downloads/A", "test": "resources/downloads/B"}
    assert plan.import_files("B", {})["train"] == "resources/downloads/A/train/a.seq.gz"
    assert plan.import_inputs("A", {}) == {"train": "resources/downloads/A"}  # a folder is named once
    assert plan.downloads("C")["outputs"] == ["resources/downloads/C/peaks/c.bed",
                                              "resources/downloads/C/fasta/hg38.fa.gz"]
    assert plan.peak_inputs("C") == {"peaks": "resources/downloads/C", "fasta": plan.local_genome("C")}
    assert plan.peak_files("C")["peaks"] == "resources/downloads/C/peaks/c.bed"
    assert plan.local_genome_input(plan.local_genome_key("D")) == "resources/downloads/C"
    assert plan.local_genome_source(plan.local_genome_key("D")) == "resources/downloads/C/fasta/hg38.fa.gz"
    for tf in ("D", "E"):
        with pytest.raises(InputError, match=f"TF '{tf}' has no downloads \\(resources/downloads/{tf}\\): its route "
                                             "reads no URL, or an earlier row gives each of its URLs"):
            plan.downloads(tf)
    with pytest.raises(InputError, match="TF 'Z' is not a row of "):
        plan.downloads("Z")


def test_a_fasta_is_prepared_and_downloaded_once_however_many_tfs_use_it(tmp_path):
    url = "https://h/hg38.fa.gz"
    plan = make_plan(tmp_path, "tf|source|peaks|fasta\nA|local|a.bed|" + url + "\nB|local|b.bed|" + url +
                     "\nC|local|c.bed|/data/mm10.fa\nD|local|d.bed|/data/mm10.fa.gz\n")
    assert plan.local_genome("A") == plan.local_genome("B") != plan.local_genome("C") != plan.local_genome("D")
    sources = plan.local_genome_sources()
    assert list(sources) == [plan.local_genome_key(tf) for tf in ("A", "C", "D")]
    assert plan.local_genome_key("C").startswith("mm10-") and plan.local_genome_key("A").startswith("hg38-")
    # the URL is downloaded once, under the first row that gives it
    assert sources[plan.local_genome_key("B")] == plan.local_file("B", "fasta") == \
        "resources/downloads/A/fasta/hg38.fa.gz"
    assert sources[plan.local_genome_key("C")] == "/data/mm10.fa"


def test_snakemake_plans_one_genome_preparation_for_two_tfs_on_one_fasta(snakemake, tmp_path):
    for name in ("a.bed", "b.bed", "genome.fa.gz"):
        (tmp_path / name).write_text("")
    (tmp_path / "tfs.tsv").write_text("tf\tsource\tpeaks\tfasta\nA\tlocal\ta.bed\tgenome.fa.gz\n"
                                      "B\tlocal\tb.bed\tgenome.fa.gz\n")
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({"tfs": "tfs.tsv", "architectures": ["cnn"]}))
    result = snakemake(tmp_path, "-n", "results/A/data/positives.tsv", "results/B/data/positives.tsv",
                       configfile="c.yaml", timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"^prepare_genome\s+1$", result.stdout, re.M), result.stdout[-3000:]
    assert re.search(r"^extract_positives\s+2$", result.stdout, re.M)


def test_snakemake_refuses_tracks_and_variants_of_a_tf_without_them(snakemake, tmp_path):
    (tmp_path / "tfs.tsv").write_text("tf\tsource\tmotifs\ttrain\ttest\nS\tsimulated\tMA0139.1\t\t\n"
                                      "D\tdeepbind\t\ta.seq\tb.seq\n")
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({"tfs": "tfs.tsv", "architectures": ["cnn"]}))
    for target, message in [("results/D/cnn/tracks/logit.bw", "TF 'D' has no tracks"),
                            ("results/D/variants.tsv", "TF 'D' has no variants to score"),
                            ("resources/simulated/D/variants.vcf.gz", "TF 'D' has no simulated data")]:
        result = snakemake(tmp_path, "-n", target, configfile="c.yaml", timeout=300)
        assert result.returncode != 0 and message in result.stdout, result.stdout[-3000:]
    result = snakemake(tmp_path, "-n", "results/S/cnn/tracks/logit.bw", "results/S/variants.tsv", configfile="c.yaml",
                       timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"^make_tracks\s+1$", result.stdout, re.M) and re.search(r"^score_variants\s+1$", result.stdout, re.M)



def test_make_tracks_hands_the_fi_nemo_settings_of_the_config_to_the_command(snakemake, tmp_path):
    (tmp_path / "tfs.tsv").write_text("tf\tsource\tmotifs\nS\tsimulated\tMA0139.1\n")
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({"tfs": "tfs.tsv", "architectures": ["cnn"],
                                                     "tracks": {"instances": {"max_steps": 77, "fit_batch": 3}}}))
    result = snakemake(tmp_path, "-n", "-p", "results/S/cnn/tracks/instances.bed", configfile="c.yaml", timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "--max-steps=77 --fit-batch=3" in result.stdout, result.stdout[-3000:]

def test_genome_and_download_arguments(sources_plan):
    assert sources_plan.genome_args("mm10") == ["--md5=" + "0" * 32] and sources_plan.genome_args("hg38") == []
    assert sources_plan.download_args() == ["--retries=4", "--backoff=1.0", "--timeout=60"]


def test_simulate_params_fall_back_to_the_config(tmp_path):
    plan = make_plan(tmp_path, "tf|source|motifs|spacing|n_peaks\nA|simulated|MA0091.1,MA0035.4|7|50\n"
                               "B|simulated|MA0139.1||\n", simulation={"n_peaks": 99, "chrom_size": 9000})
    assert plan.simulate_params("A") == {"motifs": "MA0091.1,MA0035.4", "spacing": 7, "n_peaks": 50,
                                         "n_chroms": 10, "chrom_size": 9000, "seed": tf_seed("A")}
    assert plan.simulate_params("B")["spacing"] == 0 and plan.simulate_params("B")["n_peaks"] == 99


@pytest.mark.parametrize("names, message", [
    (["ok", "bad/name"], "archive dataset 'bad/name': a TF name may only contain"),
    (["..", "ok"], r"archive dataset '\.\.' is a path step"),
    (["median"], "is a summary row"),
    (["benchmarks"], "archive dataset 'benchmarks' is a folder of the pipeline's own"),
    (["A"], "archive dataset 'A' is also a row of tfs.tsv"),
])
def test_archive_dataset_names_are_checked(names, message):
    with pytest.raises(InputError, match=message):
        check_dataset_names(names, ["A"], r"[A-Za-z0-9_.()+-]+", "tfs.tsv")


def test_archive_arguments_and_tf_wildcard(tmp_path):
    import re

    sheet = "tf|source|motifs\nA(1)|simulated|MA0139.1\n"
    plan = make_plan(tmp_path, sheet)
    assert plan.archive_args() == {"url": "", "sha256": [], "exclude": "", "include": ""}
    # the {tf} constraint: any TF name but the pipeline's own folders, a pattern of constant length (Snakemake
    # writes it into every output path and scans it for every job); TFs outside the sheet are refused
    assert re.fullmatch(plan.tf_constraint(), "A(1)") and re.fullmatch(plan.tf_constraint(), "B")
    assert not re.match(f"results/{plan.tf_constraint()}/", "results/summary/")
    assert re.match(f"results/{plan.tf_constraint()}/", "results/summary_x/")
    big = make_plan(tmp_path, "tf|source|motifs\n" + "".join(f"T{i}|simulated|MA0139.1\n" for i in range(5000)))
    assert big.tf_constraint() == plan.tf_constraint() and len(plan.tf_constraint()) < 100
    with pytest.raises(InputError, match=r"TF 'B' is not a row of .*; targets name the TFs to plan"):
        plan.import_inputs("B", {})
    with pytest.raises(InputError, match=r"TF 'B' is not a row of "):
        plan.peak_inputs("B")
    with pytest.raises(InputError, match="ENCODE accession ENCFF000AAA is in no `source: encode` row"):
        plan.accession_assembly("ENCFF000AAA")
    plan = make_plan(tmp_path, sheet, archive={"url": "https://h/d.tar.gz", "sha256": "a" * 64, "include": ["X", "Y"]})
    assert plan.archive_args() == {"url": "https://h/d.tar.gz", "sha256": ["--sha256=" + "a" * 64],
                                   "exclude": "ALL", "include": "X,Y"}
    assert re.fullmatch(plan.tf_constraint(), "GATA1_K562_GATA-1_USC")  # archive TFs: any TF name
    with pytest.raises(InputError, match="TF 'B' is not a row of .* nor a dataset of the archive"):
        plan.import_inputs("B", {"X": ("x.train", "x.test")})


def test_rules_for_some_tfs_refuse_the_others_by_name(tmp_path):
    # simulation, tracks and variants constrain {tf} by the TF-name pattern (a list of the TFs they apply to grew
    # with the sheet and made planning quadratic); their input functions refuse the other TFs by name
    url = "https://h/hg38.fa.gz"
    plan = make_plan(tmp_path, "tf|source|motifs|peaks|fasta|train|test\nS|simulated|MA0139.1||||\n"
                               f"L|local||p.bed|{url}||\nD|deepbind||||a.seq|b.seq\n", genomes=copy.deepcopy(GENOMES),
                     variants={"vcfs": [{"name": "gwas", "vcf": "gwas.vcf.gz", "genome": "hg38", "tfs": ["L"]}]})
    assert plan.simulated_files("S") == {"genome": "resources/simulated/S/genome.fa",
                                         "fai": "resources/simulated/S/genome.fa.fai",
                                         "planted": "resources/simulated/S/planted.tsv"}
    with pytest.raises(InputError, match="TF 'L' has no simulated data: its source is 'local', not simulated"):
        plan.simulate_params("L")
    assert plan.track_inputs("L") == plan.peak_inputs("L")
    with pytest.raises(InputError, match=r"TF 'D' has no tracks: its sequences do not come from peaks .*'deepbind'"):
        plan.track_inputs("D")
    with pytest.raises(InputError, match="TF 'S' has no tracks: tracks.enabled is false"):
        make_plan(tmp_path, "tf|source|motifs\nS|simulated|MA0139.1\n", tracks={"enabled": False}).track_inputs("S")
    assert plan.variant_inputs("L") == {"vcf": "gwas.vcf.gz", "genome": "resources/genomes/hg38.fa"}
    with pytest.raises(InputError, match="TF 'D' has no variants to score: no config variants.vcfs entry applies"):
        plan.variant_inputs("D")
    for method in (plan.simulated_files, plan.track_inputs, plan.variant_inputs):
        with pytest.raises(InputError, match="TF 'X' is not a row of "):
            method("X")
    genome = plan.local_genome_key("L")
    assert re.fullmatch(plan.local_genome_constraint(), genome) and plan.local_genome_source(genome) == \
        "resources/downloads/L/fasta/hg38.fa.gz"
    with pytest.raises(InputError, match=r"resources/local/genomes/mm10-00000000.fa: no `source: local` row .* \(known: hg38-"):
        plan.local_genome_source("mm10-00000000")


def test_a_config_without_sheet_or_archive_is_refused():
    with pytest.raises(InputError, match=r"neither a TF sheet \(`tfs:`\) nor a dataset archive"):
        Plan.load({"tfs": None, "architectures": ["cnn"]})


# --- training ----------------------------------------------------------------------------------------

def test_training_params_are_default_updated_by_the_architecture_section(tmp_path):
    plan = make_plan(tmp_path, "tf|source|motifs\nA|simulated|MA0139.1\n",
                     training={"default": {"lr": 0.01, "net": {"dropout": 0.1}}, "rnn": {"net": {"pool": "max"}}})
    cnn, rnn = plan.training_params("cnn"), plan.training_params("rnn")
    assert cnn == {**training_defaults(), "lr": 0.01, "net": {"dropout": 0.1}}
    assert rnn["lr"] == 0.01 and rnn["net"] == {"pool": "max"}  # a section's net replaces default's


def test_train_defaults_are_the_schemas():
    from deepmotif.models.train import DEFAULTS

    schema = load_schema("config")["properties"]["training"]["properties"]["default"]["properties"]
    assert DEFAULTS == {key: spec["default"] for key, spec in schema.items()}
    assert DEFAULTS["lr"] == 1e-3 and DEFAULTS["batch_size"] == 64


@pytest.mark.parametrize("training, message", [
    ({"cnnn": {"lr": 0.1}}, r"unknown key 'training.cnnn'; did you mean 'cnn'\?"),
    ({"rnn": {"net": {"pool": "avg"}}}, r"key 'training.rnn.net.pool': 'avg' is not one of \['mean', 'max'\]"),
    ({"cnn": {"net": {"kernel_sizes": 5}}}, r"key 'training.cnn.net.kernel_sizes': 5 is not of type 'array'"),
    ({"cnn": {"net": {"hidden_size": 5}}}, r"unknown key 'training.cnn.net.hidden_size'"),
    ({"default": {"net": {"pool": "max"}}}, r"training.default' \(used by cnn\): unknown key 'net.pool'"),
    ({"default": {"lr": -1}}, r"key 'training.default.lr': -1 is less than or equal to the minimum of 0"),
])
def test_training_sections_are_checked_against_the_networks(tmp_path, training, message):
    with pytest.raises(InputError, match=message):
        make_plan(tmp_path, "tf|source|motifs\nA|simulated|MA0139.1\n", training=training)


def test_unknown_architecture_is_named(tmp_path):
    with pytest.raises(InputError, match="unknown architecture 'transformer'; registered: cnn, cnn_rnn"):
        Plan.load({"tfs": "x.tsv", "architectures": ["cnn", "transformer"]})


def test_registry_description_agrees_with_the_networks():
    """ARCHITECTURES (torch-free) describes exactly the registered networks: keywords, types, presets,
    choices and first convolution."""
    from jsonschema import Draft202012Validator

    from deepmotif.models.nets import NETS, PRESETS, build_net

    assert set(ARCHITECTURES) == set(NETS)
    json_type = {"int": "integer", "float": "number", "str": "string", "bool": "boolean", "tuple[int, ...]": "array"}
    for arch, cls in NETS.items():
        params = {n: p for n, p in inspect.signature(cls.__init__).parameters.items() if n != "self"}
        described = ARCHITECTURES[arch]["net"]
        assert set(params) == set(described), arch
        validator = Draft202012Validator(net_schema(arch))
        for name, param in params.items():
            assert json_type[param.annotation] == described[name]["type"], (arch, name)
            default = list(param.default) if isinstance(param.default, tuple) else param.default
            assert validator.is_valid({name: default}), (arch, name)
            for choice in described[name].get("enum", []):
                build_net(arch, **{name: choice})
            if "enum" in described[name]:
                with pytest.raises(ValueError):
                    build_net(arch, **{name: "not-a-choice"})
        assert set(PRESETS[arch]) == set(PRESET_NAMES)
        for preset in PRESETS[arch].values():
            assert validator.is_valid(preset), (arch, preset)
        assert ARCHITECTURES[arch]["first_conv"] == isinstance(getattr(cls, "first_conv", None), property)


# --- defaults ---------------------------------------------------------------------------------------

def leaves(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from leaves(value, path + ".")
        else:
            yield path, value


def test_config_yaml_departs_from_the_schema_defaults_only_where_it_says(repo_root):
    """config/config.yaml documents every key; its values are the schema's defaults except these."""
    departures = {"tfs", "architectures", "sequence.max_peaks", "genomes", "training.cnn", "training.rnn"}
    config = yaml.safe_load((repo_root / "config/config.yaml").read_text())
    defaults = {"tfs": config["tfs"], "architectures": config["architectures"]}
    apply_defaults(defaults, load_schema("config"))
    differ = {path for path, value in leaves(config)
              if dict(leaves(defaults)).get(path, object()) != value}
    assert {path for path in differ if not any(path == d or path.startswith(d + ".") for d in departures)} == set()
    assert "sequence.max_peaks" in differ  # the listed departures are real


def test_config_readme_describes_every_section_and_sheet_column(repo_root):
    """The workflow catalog's config/README.md: every top-level key of the schema and every sheet column."""
    readme = (repo_root / "config/README.md").read_text()
    keys = [*load_schema("config")["properties"], *load_schema("tfs")["properties"]]
    assert [key for key in keys if f"| `{key}` |" not in readme] == []


def test_schema_default_of_a_dotted_key():
    assert schema_default("interpret.class_optimization.steps") == 500
    assert schema_default("interpret.class_optimization.init") == "onehot"
    assert schema_default("training.default.lr") == 1e-3
    with pytest.raises(KeyError):
        schema_default("architectures")


def test_standalone_modisco_command_takes_the_pipelines_settings():
    # `deepmotif modisco` had its own numbers and its own pipeline (no sub_matches); now it takes the section
    from deepmotif.cli import build_parser
    from deepmotif.plan.config import config_section

    args = build_parser().parse_args(["modisco", "m.ckpt", "s.tsv", "-o", "x.h5", "--patterns", "p.tsv",
                                      "--meme", "p.meme", "--distances", "d.tsv",
                                      "--settings", '{"modisco": {"method": "deep_lift_shap"}}'])
    expected = config_section("interpret", {})
    expected["modisco"]["method"] = "deep_lift_shap"
    assert args.settings == expected


def test_apply_defaults_fills_nested_sections_without_overwriting():
    config = {"interpret": {"class_optimization": {"steps": 10}}, "genomes": {"g": {"url": "u"}}}
    apply_defaults(config, load_schema("config"))
    assert config["interpret"]["class_optimization"] == {**config["interpret"]["class_optimization"], "steps": 10}
    assert config["interpret"]["class_optimization"]["init"] == "onehot"
    assert config["training"]["default"]["batch_size"] == 64 and config["resources"]["train"]["mem_mb"] == 4000
    assert config["genomes"] == {"g": {"url": "u"}}


# --- interpretation and dashboards ---------------------------------------------------------------------

def test_interpretation_plan(tmp_path):
    plan = make_plan(tmp_path, "tf|source|motifs|description\nA|simulated|MA0139.1|-x\n",
                     architectures=["rnn", "cnn"], interpret={"temporal_archs": ["cnn"], "n_evaluate": 5})
    assert plan.filter_archs == ["cnn"] and plan.temporal_archs == ["cnn"]
    assert plan.planted_args(plan.planted_inputs("A")) == ["--positives=results/A/data/positives.tsv",
                                                           "--planted=resources/simulated/A/planted.tsv"]
    assert plan.planted_inputs("X") == {}
    assert plan.tf_description("A") == "-x" and plan.tf_description("X") == ""
    assert plan.summary_axes() == ("cnn", "cnn")
    outputs = plan.final_outputs(["A", "X"])
    assert "results/X/rnn/metrics.json" in outputs and "results/summary/ground_truth.tsv" in outputs
    assert "results/A/variants.tsv" in outputs and "results/summary/variants_ground_truth.tsv" in outputs


def test_dashboard_arguments_of_the_plan_are_what_the_dashboard_command_takes(tmp_path):
    from deepmotif.cli import build_parser
    from deepmotif.plan.results import MODEL_FILES, MODISCO_FILES

    plan = make_plan(tmp_path, "tf|source|motifs|train|test\nA|simulated|MA0139.1||\nB|deepbind||a.seq|b.seq\n",
                     architectures=["rnn", "cnn"])
    outputs = ["--settings={}", "--performance-out=p.png", "--training-out=t.png", "--saliency-figures=s",
               "--temporal-figures=t", "--ism-figures=i", "--motif-figures", "rnn=m", "cnn=n", "--index-page=x.html",
               "-o", "d.html"]
    for tf, simulated in (("A", True), ("B", False)):
        inputs = plan.dashboard_inputs(tf)
        args = build_parser().parse_args(["dashboard", f"--tf={tf}", "--description=", *plan.dashboard_args(inputs),
                                          *outputs])
        for name, file in {**MODEL_FILES, **MODISCO_FILES}.items():  # every file, by architecture, in config order
            assert getattr(args, name) == [("rnn", f"results/{tf}/rnn/{file}"), ("cnn", f"results/{tf}/cnn/{file}")]
        # every TF's dashboard shows the known-motif check of ground_truth.json (simulated: also the planted ones)
        assert args.ground_truth == [("rnn", f"results/{tf}/rnn/ground_truth.json"),
                                     ("cnn", f"results/{tf}/cnn/ground_truth.json")]
        assert (args.planted == "resources/simulated/A/planted.tsv") == simulated
        # simulated TFs are scored against their ground-truth VCF (simulation.variants), the others against none
        assert (args.variants == f"results/{tf}/variants.tsv") == simulated
        refs = [("rnn", "results/A/variants/rnn.ref.npz"), ("cnn", "results/A/variants/cnn.ref.npz")]
        assert args.variant_ref == (refs if simulated else [])
        # a TF with peaks and a genome gets tracks, and its dashboard the genome view; imported sequences none
        assert (args.genome_view == "results/A/genome_view.html") == simulated
        assert (args.igv_session == "results/A/igv_session.xml") == simulated


def test_tracks_for_tfs_with_peaks_unless_switched_off(tmp_path):
    sheet = "tf|source|motifs|train|test\nA|simulated|MA0139.1||\nB|deepbind||a.seq|b.seq\n"
    plan = make_plan(tmp_path, sheet)
    assert plan.track_tfs == ["A"]
    outputs = plan.final_outputs(["A", "B"])
    assert {"results/A/cnn/tracks/instances.bed", "results/A/rnn/tracks/instances.bed", "results/A/genome_view.html",
            "results/summary/instances_ground_truth.tsv"} <= set(outputs)
    assert not [o for o in outputs if o.startswith("results/B/") and ("tracks" in o or "genome_view" in o)]
    assert plan.instance_truth_args() == [
        "--model", "A", "cnn", "results/A/cnn/tracks/instances.bed", "results/A/cnn/tracks/regions.bed",
        "resources/simulated/A/planted.tsv", "results/A/data/positives.tsv",
        "--model", "A", "rnn", "results/A/rnn/tracks/instances.bed", "results/A/rnn/tracks/regions.bed",
        "resources/simulated/A/planted.tsv", "results/A/data/positives.tsv"]
    no_view = make_plan(tmp_path, sheet, tracks={"view": {"n_peaks": 0}})
    assert "results/A/genome_view.html" not in no_view.final_outputs(["A", "B"])
    assert no_view.dashboard_inputs("A").get("genome_view") is None
    off = make_plan(tmp_path, sheet, tracks={"enabled": False})
    assert off.track_tfs == [] and not [o for o in off.final_outputs(["A", "B"]) if "tracks" in o]


def test_a_models_interpretation_job_gets_what_changes_its_outputs(tmp_path):
    from deepmotif.interpret.interpretation import InterpretSettings
    from deepmotif.plan.config import config_section

    plan = make_plan(tmp_path, "tf|source|motifs\nA|simulated|MA0139.1\n", architectures=["rnn", "cnn"],
                     interpret={"temporal_archs": ["cnn"], "n_evaluate": 5, "ground_truth": {"pass_rate": 0.5}})
    def settings(section, arch):  # as deepmotif interpret builds them
        return InterpretSettings.from_config(section, temporal=arch in section["temporal_archs"])

    for arch in plan.archs:
        job = config_section("interpret", plan.interpret_job_settings(arch))
        assert settings(job, arch) == settings(plan.interpret, arch)
    # a dashboard count or another architecture's temporal scores do not change the job's settings
    assert "pass_rate" not in plan.interpret_job_settings("cnn")["ground_truth"]
    assert plan.interpret_job_settings("rnn")["temporal_archs"] == []
    cnn = settings(plan.interpret, "cnn")
    assert cnn.temporal and not settings(plan.interpret, "rnn").temporal
    assert cnn.n_scored == 20  # n_evaluate 5, at least the 20 test positives shown
    assert (cnn.steps, cnn.release) == (schema_default("interpret.class_optimization.steps"),
                                                  schema_default("interpret.jaspar.release"))


@pytest.mark.parametrize("n_evaluate, expected", [(200, 200), (5, 20), (0, 0)])
def test_n_scored_is_at_least_the_sequences_shown_and_0_means_all(n_evaluate, expected):
    from deepmotif.interpret.interpretation import InterpretSettings
    from deepmotif.plan.config import config_section

    section = config_section("interpret", {"n_evaluate": n_evaluate, "n_sequences": 20})
    assert InterpretSettings.from_config(section, temporal=False).n_scored == expected


def test_settings_option_names_a_wrong_key(capsys):
    from deepmotif.cli import build_parser

    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["index", "--auc-table=a", "--dashboards", "A=a.html", "--descriptions={}",
                                   "-o", "i.html", "--settings", '{"jaspar": {"max_qq": 0.1}}'])
    assert stop.value.code == 2
    assert "unknown key 'jaspar.max_qq'; did you mean 'max_q'?" in capsys.readouterr().err


# --- variant sets --------------------------------------------------------------------------------------

VARIANT_SHEET = "tf|source|motifs|peaks|fasta\nS1|simulated|MA0139.1||\nS2|simulated|MA0138.2||\nL|local||p.bed|g.fa\n"


def test_variant_sets_by_default_and_an_entry_replacing_a_ground_truth(tmp_path):
    plan = make_plan(tmp_path, VARIANT_SHEET, genomes=copy.deepcopy(GENOMES), variants={"vcfs": [
        {"name": "mine", "vcf": "mine.vcf", "genome": "simulated", "tfs": ["S1"]},
        {"name": "gwas", "vcf": "gwas.vcf.gz", "genome": "hg38"}]})
    sets = plan.variant_sets
    assert sets["S1"] == {"name": "mine", "vcf": "mine.vcf", "genome": "resources/simulated/S1/genome.fa",
                          "info": "", "truth": False}
    assert sets["S2"]["vcf"] == "resources/simulated/S2/variants.vcf.gz" and sets["S2"]["info"] == "CLASS,MOTIF"
    assert sets["L"]["genome"] == "resources/genomes/hg38.fa"  # no `tfs`: every TF that is not simulated
    assert plan.variant_truth_tfs == ["S2"]
    assert plan.variant_summaries() == {"variants": "results/summary/variants.tsv",
                                        "variants_truth": "results/summary/variants_ground_truth.tsv"}
    off = make_plan(tmp_path, VARIANT_SHEET, simulation={"variants": False})
    assert off.variant_sets == {} and off.variant_summaries() == {}
    assert "--variants" not in " ".join(off.dashboard_args(off.dashboard_inputs("S1")))


@pytest.mark.parametrize("entries, message", [
    ([{"name": "a", "vcf": "a.vcf", "genome": "g.fa", "tfs": ["L"]}, {"name": "b", "vcf": "b.vcf", "genome": "g.fa",
                                                                      "tfs": ["L"]}],
     "entry 'b': TF 'L' is also scored against entry 'a'; one VCF per TF"),
    ([{"name": "a", "vcf": "a.vcf", "genome": "g.fa", "tfs": ["NOPE"]}], "entry 'a': TF 'NOPE' is not in .*tfs.tsv"),
    ([{"name": "a", "vcf": "a.vcf", "genome": "simulated", "tfs": ["L"]}],
     "genome `simulated` but TF 'L' is not a simulated TF"),
    ([{"name": "a", "vcf": "a.vcf"}], "'genome' is a required property"),
])
def test_variant_config_errors_name_the_entry(tmp_path, entries, message):
    with pytest.raises(InputError, match=message):
        make_plan(tmp_path, VARIANT_SHEET, variants={"vcfs": entries}).variant_sets


def test_cooperativity_plan(tmp_path):
    sheet = "tf|source|motifs|description\nA|simulated|MA0091.1,MA0035.4|-\n"
    plan = make_plan(tmp_path, sheet, architectures=["cnn"])
    assert plan.cooperativity_files(["A"]) == ["results/A/cnn/cooperativity.tsv"]
    assert "results/summary/cooperativity.tsv" in plan.final_outputs(["A"])
    assert plan.sheet_motifs("A") == "MA0091.1,MA0035.4" and plan.sheet_motifs("X") == ""
    outputs = plan.cooperativity_outputs()  # measured by the model's interpretation job, with its settings
    assert outputs == {"cooperativity": "results/{tf}/{arch}/cooperativity.tsv",
                       "cooperativity_figure": "results/{tf}/figures/cooperativity/{arch}.png"}
    job = {key: path.format(tf="A", arch="cnn") for key, path in outputs.items()}
    assert plan.cooperativity_args("A", job) == [
        "--cooperativity-out=results/A/cnn/cooperativity.tsv",
        "--cooperativity-figure=results/A/figures/cooperativity/cnn.png", "--sheet-motifs=MA0091.1,MA0035.4"]
    assert {k: v for k, v in plan.interpret_job_settings("cnn")["cooperativity"].items() if k != "enabled"} == {
        key: schema_default(f"interpret.cooperativity.{key}")
        for key in ("motifs", "n_backgrounds", "n_null", "max_spacing", "max_q", "min_interaction", "seed")}
    (tmp_path / "off").mkdir()
    off = make_plan(tmp_path / "off", sheet, architectures=["cnn"], interpret={"cooperativity": {"enabled": False}})
    assert off.cooperativity_files(["A"]) == [] and off.cooperativity_summary() == []
    assert off.cooperativity_outputs() == {} and off.cooperativity_args("A", {}) == []
    assert "cooperativity" not in off.interpret_job_settings("cnn")  # switched off: its settings rerun nothing
    assert "--cooperativity" not in off.dashboard_args(off.dashboard_inputs("A"))
    assert not any("cooperativity" in path for path in off.final_outputs(["A"]))


# --- Snakemake: building the DAG imports no torch ----------------------------------------------------

JOB_ONLY_PACKAGES = ("torch", "lightning", "matplotlib", "sklearn", "scipy", "numba", "tangermeme", "memelite",
                     "pyjaspar", "logomaker", "pybedtools", "pyfaidx")


def test_dry_run_works_without_torch(snakemake, tmp_path):
    """Packages only the jobs need (torch first), made unimportable by modules first on PYTHONPATH, do not
    stop `snakemake -n`: the environment launching Snakemake (also on a cluster, with --sdm conda) needs
    Snakemake, pandas, PyYAML and jsonschema only."""
    for name in JOB_ONLY_PACKAGES:
        blocker = tmp_path / "blocker" / name
        blocker.mkdir(parents=True)
        (blocker / "__init__.py").write_text(f"raise ImportError('{name} is blocked for this test')\n")
    blocker = tmp_path / "blocker" / "torch"
    (tmp_path / "tfs.tsv").write_text("tf\tsource\tmotifs\nA\tsimulated\tMA0139.1\n")
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({"tfs": "tfs.tsv", "architectures": ["cnn", "rnn", "cnn_rnn"]}))
    env = {"PATH": f"{sys.executable.rsplit('/', 1)[0]}:/usr/bin:/bin", "PYTHONPATH": str(blocker.parent),
           "HOME": str(tmp_path)}
    check = subprocess.run([sys.executable, "-c", "import torch"], env=env, capture_output=True, text=True)
    assert "torch is blocked" in check.stderr  # the blocker works
    result = snakemake(tmp_path, "-n", configfile="c.yaml", env=env, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "train_model" in result.stdout and "interpret_model" in result.stdout


def test_plan_from_files_merges_overlays_as_snakemake_configfile(repo_root, tmp_path):
    # the benchmarks train outside the workflow: their parameters must be the pipeline's
    root = repo_root
    plan = Plan.from_files(root / "config/config.yaml", root / "config/authors_training.yaml", base_dir=root)
    rnn = plan.training_params("rnn")
    assert (rnn["lr"], rnn["batch_size"], rnn["rc_augment"]) == (0.01, 256, False)
    # overlay's net merged over config.yaml's {max, 0.2, orthogonal}: the authors' mean pooling and torch's init
    assert rnn["net"] == {"pool": "mean", "dropout": 0.5, "orthogonal": False}
    assert plan.training_params("cnn")["net"] == {"dropout": 0.5}
    assert Plan.from_files(root / "config/config.yaml", base_dir=root).training_params("rnn")["net"] == {
        "pool": "max", "dropout": 0.2, "orthogonal": True}
    typo = tmp_path / "typo.yaml"
    typo.write_text("training:\n  default:\n    lrr: 0.1\n")
    with pytest.raises(InputError, match="lrr"):
        Plan.from_files(root / "config/config.yaml", typo, base_dir=root)
