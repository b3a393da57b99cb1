# Variant sets and input functions of the variant rules (variants.smk), looked up in the plan
# (deepmotif.plan: Plan.variant_sets); lint wants rules and functions in separate files.

VARIANTS = PLAN.section("variants")
VARIANT_SETS = PLAN.variant_sets
VARIANT_TFS = list(VARIANT_SETS)
VARIANT_TRUTH_TFS = PLAN.variant_truth_tfs


def variant_tables(tfs):
    return [f"results/{tf}/variants.tsv" for tf in tfs]


def variant_index_inputs(wildcards):
    """Variant summaries shown on the index page."""
    return PLAN.variant_summaries()


def variant_index_args(wildcards, input):
    return shell_args(PLAN.index_variant_args(dict(input.items())))
