# DeepMotif: train, compare and interpret deep models of TF binding (the DeMo Dashboard, reproducible).
#
#   snakemake --cores 2                       # default config: simulated TFs with planted motifs
#   snakemake --cores 2 --config tfs=my.tsv   # another TF sheet
#   snakemake --profile slurm                 # on a Slurm cluster (see README)


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/cluster.smk"
include: "workflow/rules/group_jobs.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/interpret.smk"
include: "workflow/rules/cooperativity.smk"
include: "workflow/rules/variants.smk"  # before report.smk: the index takes its input functions
include: "workflow/rules/tracks.smk"
include: "workflow/rules/report.smk"


size_cluster_jobs()  # runtime, memory of each cluster job (workflow/rules/cluster.smk), once all rules exist
cache_signatures()  # Snakemake inspects every function of every job (workflow/rules/common.smk)
restart_in_slurm_job()  # inside a Slurm job: keep going past a failed job, skip finished ones on a retry


rule all:
    default_target: True
    input:
        final_outputs,  # Plan.final_outputs: summaries, dashboards, index, variant tables
