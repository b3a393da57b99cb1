# Interpretation: what every trained model learned. One job per (TF, architecture) loads the model once and
# writes every interpretation (deepmotif interpret), the motif dependencies too (cooperativity.smk); the
# figures and pages are in report.smk. "Test positives"
# are the first ones of sequences.tsv (strongest peaks). Files that do not apply are written empty:
# temporal.npz of an architecture outside interpret.temporal_archs, filters.* of a network without a first
# convolution, modisco* with interpret.modisco.enabled false. ground_truth.json holds the known-motif check of
# every TF (its JASPAR matrix among the learned motifs) and, for simulated TFs, the planted-motif checks. compile_tomtom fills numba's disk cache with memelite's Tomtom and modisco-lite's kernels before the
# parallel jobs load them: a per-user cache (~/.cache/deepmotif, deepmotif.runtime.numba_cache) that every
# run and environment on the machine shares, so only the first run on a machine compiles (~100 s; setup.sh
# does it), later ones load in a few seconds.


rule compile_tomtom:
    output:
        "resources/tomtom.compiled",
    log:
        "logs/compile_tomtom/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif compile-tomtom -o {output:q} 2> {log:q}"


rule interpret_model:
    input:
        unpack(interpret_inputs),  # planted motifs (simulated TFs), model, sequences, tomtom (common.smk)
    output:
        **cooperativity_outputs(),  # the motif dependencies (cooperativity.smk), when interpret.cooperativity.enabled
        saliency="results/{tf}/{arch}/saliency.npz",
        ism="results/{tf}/{arch}/ism.npz",
        temporal="results/{tf}/{arch}/temporal.npz",
        class_optimization="results/{tf}/{arch}/class_optimization.npz",
        class_meme="results/{tf}/{arch}/class_optimization.meme",
        filter_meme="results/{tf}/{arch}/filters.meme",
        filter_table="results/{tf}/{arch}/filters.tsv",
        matches="results/{tf}/{arch}/jaspar_matches.tsv",
        ground_truth="results/{tf}/{arch}/ground_truth.json",
        modisco="results/{tf}/{arch}/modisco.h5",
        modisco_patterns="results/{tf}/{arch}/modisco_patterns.tsv",
        modisco_meme="results/{tf}/{arch}/modisco.meme",
        modisco_distances="results/{tf}/{arch}/modisco_distances.tsv",
    log:
        "logs/interpret_model/{tf}.{arch}.log",
    benchmark:
        "results/benchmarks/interpret_model/{tf}.{arch}.tsv"
    group:
        grouped("interpret", per_model=True)
    conda:
        "../../envs/deepmotif.yaml"
    threads: 1
    params:
        args=interpret_args,  # planted, motifs, settings, outputs (--saliency-out=... each), cooperativity (common.smk)
    shell:
        "python -m deepmotif interpret {input.model:q} {input.sequences:q} --tf={wildcards.tf:q}"
        " --arch={wildcards.arch:q} {params.args[planted]} {params.args[motifs]}"
        " --settings={params.args[settings]:q}"
        " --threads={threads} {params.args[outputs]} {params.args[cooperativity]} 2> {log:q}"
