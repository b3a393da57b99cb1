# Config, variant sets and input functions of the variant rules (variants.smk); lint wants rules and
# functions in separate files.

VARIANTS = PLAN.section("variants")


def _variant_genome(entry, tf):
    """FASTA of a `variants.vcfs` entry for a TF: `simulated`, a `genomes` key, or a path."""
    genome = entry["genome"]
    if genome == "simulated":
        return f"resources/simulated/{tf}/genome.fa"
    if genome in PLAN.section("genomes"):
        return f"resources/genomes/{genome}.fa"
    return genome


def _variant_sets():
    """TF → the VCF it is scored against: {name, vcf, genome, info, truth} (info: INFO keys copied; truth: the
    simulated ground truth, summarized by variants-ground-truth)."""
    sets = {}
    for entry in VARIANTS["vcfs"]:
        name, simulated = entry["name"], entry["genome"] == "simulated"
        tfs = entry.get("tfs") or [tf for tf in PLAN.tfs.index if PLAN.is_simulated(tf) == simulated]
        for tf in tfs:
            where = f"config variants.vcfs entry {name!r}"
            if tf in sets:
                raise ValueError(
                    f"{where}: TF {tf!r} is also scored against entry {sets[tf]['name']!r}; "
                    "one VCF per TF (merge them with bcftools concat, or give the entries `tfs:` lists)"
                )
            if tf not in PLAN.tfs.index and not PLAN.has_archive:
                raise ValueError(f"{where}: TF {tf!r} is not in {PLAN.sheet}; known: {', '.join(PLAN.tfs.index)}")
            if simulated and not PLAN.is_simulated(tf):
                raise ValueError(
                    f"{where}: genome `simulated` but TF {tf!r} is not a simulated TF; "
                    "name the FASTA the VCF refers to"
                )
            sets[tf] = {
                "name": name,
                "vcf": entry["vcf"],
                "genome": _variant_genome(entry, tf),
                "info": "",
                "truth": False,
            }
    if PLAN.section("simulation")["variants"]:
        for tf in SIMULATED_TFS:  # a `variants.vcfs` entry naming a simulated TF replaces its ground truth
            sets.setdefault(
                tf,
                {
                    "name": "simulated",
                    "vcf": f"resources/simulated/{tf}/variants.vcf.gz",
                    "genome": f"resources/simulated/{tf}/genome.fa",
                    "info": "CLASS,MOTIF",
                    "truth": True,
                },
            )
    return sets


VARIANT_SETS = _variant_sets()
VARIANT_TFS = list(VARIANT_SETS)
VARIANT_TRUTH_TFS = [tf for tf, s in VARIANT_SETS.items() if s["truth"]]
VARIANT_TF_WILDCARD = alternatives(VARIANT_TFS)


def variant_tables(tfs):
    return expand("results/{tf}/variants.tsv", tf=tfs)


def variant_explanations(tf):
    """REF and ALT arrays of the strongest variants of a TF, per architecture (score_variants)."""
    return {side: expand(f"results/{tf}/variants/{{arch}}.{side}.npz", arch=ARCHS) for side in ("ref", "alt")}


def variant_dashboard_inputs(wildcards):
    """Inputs of build_dashboard for the variants section (none for a TF without variants)."""
    if wildcards.tf not in VARIANT_SETS:
        return {}
    arrays = variant_explanations(wildcards.tf)
    return {
        "variants": f"results/{wildcards.tf}/variants.tsv",
        "variant_ref": arrays["ref"],
        "variant_alt": arrays["alt"],
    }


def variant_dashboard_args(wildcards, input):
    """Arguments of `deepmotif dashboard` for the variants section."""
    if "variants" not in input.keys():
        return ""
    args = [
        f"--variants={input.variants}",
        f"--n-variants={VARIANTS['n_shown']}",
        "--variant-ref",
        *pairs(ARCHS, input.variant_ref),
        "--variant-alt",
        *pairs(ARCHS, input.variant_alt),
    ]
    return " ".join(map(shlex.quote, args))


def variant_index_inputs(wildcards):
    """Summaries shown on the index page."""
    inputs = {}
    if VARIANT_TFS:
        inputs["variants"] = "results/summary/variants.tsv"
    if VARIANT_TRUTH_TFS:
        inputs["variants_truth"] = "results/summary/variants_ground_truth.tsv"
    return inputs


def variant_index_args(wildcards, input):
    args = [f"--n-variants={VARIANTS['n_index']}"]
    if "variants" in input.keys():
        args.append(f"--variants={input.variants}")
    if "variants_truth" in input.keys():
        args.append(f"--variants-ground-truth={input.variants_truth}")
    return " ".join(map(shlex.quote, args))


def variant_outputs(wildcards=None):
    """Final outputs of variant scoring (rule all)."""
    return [
        *variant_tables(VARIANT_TFS),
        *(["results/summary/variants.tsv"] if VARIANT_TFS else []),
        *(["results/summary/variants_ground_truth.tsv"] if VARIANT_TRUTH_TFS else []),
    ]
