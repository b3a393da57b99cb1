# Interpretation: what every trained model learned. One job per (TF, architecture) loads the model once and
# writes every interpretation (deepmotif interpret); the figures and pages are in report.smk. "Test positives"
# are the first ones of sequences.tsv (strongest peaks). Files that do not apply are written empty:
# temporal.npz of an architecture outside interpret.temporal_archs, filters.* of a network without a first
# convolution, ground_truth.json (a note) of a TF that is not simulated, modisco* with interpret.modisco.enabled
# false. compile_tomtom fills numba's disk cache with memelite's Tomtom and modisco-lite's kernels before the
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
        unpack(planted_inputs),
        model="results/{tf}/{arch}/model.ckpt",
        sequences=sequences_file,
        tomtom="resources/tomtom.compiled",
    output:
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
    conda:
        "../../envs/deepmotif.yaml"
    threads: 1
    params:
        planted=lambda wc, input: (
            f"--positives={shlex.quote(input.positives)} --planted={shlex.quote(input.planted)}"
            if "planted" in input.keys()
            else ""
        ),
        temporal=lambda wc: wc.arch in TEMPORAL_ARCHS,
        n_sequences=INTERPRET["n_sequences"],
        n_evaluate=INTERPRET["n_evaluate"],
        saliency=INTERPRET["saliency"],
        opt=INTERPRET["class_optimization"],
        filters=INTERPRET["filters"],
        jaspar=INTERPRET["jaspar"],
        top=INTERPRET["ground_truth"]["top"],
        modisco=INTERPRET["modisco"],
    shell:
        "python -m deepmotif interpret {input.model:q} {input.sequences:q} --tf={wildcards.tf:q}"
        " --arch={wildcards.arch:q} {params.planted} --n-sequences={params.n_sequences}"
        " --n-evaluate={params.n_evaluate} --saliency={params.saliency:q} --temporal={params.temporal}"
        " --restarts={params.opt[restarts]} --steps={params.opt[steps]} --lr={params.opt[lr]}"
        " --l2={params.opt[l2]} --seed={params.opt[seed]} --init={params.opt[init]:q}"
        " --window={params.opt[window]} --filter-threshold={params.filters[threshold]}"
        " --min-sites={params.filters[min_sites]} --release={params.jaspar[release]:q}"
        " --collection={params.jaspar[collection]:q} --tax-group={params.jaspar[tax_group]:q}"
        " --top-k={params.jaspar[top_k]} --max-q={params.jaspar[max_q]} --top={params.top}"
        " --threads={threads} --saliency-out={output.saliency:q} --ism-out={output.ism:q}"
        " --temporal-out={output.temporal:q} --class-optimization-out={output.class_optimization:q}"
        " --class-meme-out={output.class_meme:q} --filter-meme-out={output.filter_meme:q}"
        " --filter-table-out={output.filter_table:q} --matches-out={output.matches:q}"
        " --ground-truth-out={output.ground_truth:q} --modisco={params.modisco[enabled]}"
        " --modisco-method={params.modisco[method]:q} --modisco-n-shuffles={params.modisco[n_shuffles]}"
        " --modisco-n-sequences={params.modisco[n_sequences]}"
        " --modisco-n-leiden-runs={params.modisco[n_leiden_runs]}"
        " --modisco-max-q={params.modisco[max_q]} --modisco-out={output.modisco:q}"
        " --modisco-patterns-out={output.modisco_patterns:q} --modisco-meme-out={output.modisco_meme:q}"
        " --modisco-distances-out={output.modisco_distances:q} 2> {log:q}"
