# Interpretation: what every trained model learned. One job per (TF, architecture) and method; the dashboard
# figures and pages are in report.smk. "Test positives" are the first ones of sequences.tsv (strongest peaks).


rule compute_saliency:
    input:
        model="results/{tf}/{arch}/model.ckpt",
        sequences="results/{tf}/data/sequences.tsv",
    output:
        "results/{tf}/{arch}/saliency.npz",
    params:
        method=INTERPRET["saliency"],
        n=n_evaluate(),
    log:
        "logs/compute_saliency/{tf}.{arch}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif saliency {input.model:q} {input.sequences:q} -o {output:q}"
        " --method {params.method} -n {params.n} 2> {log:q}"


rule compute_ism:
    input:
        model="results/{tf}/{arch}/model.ckpt",
        sequences="results/{tf}/data/sequences.tsv",
    output:
        "results/{tf}/{arch}/ism.npz",
    params:
        n=INTERPRET["n_sequences"],
    log:
        "logs/compute_ism/{tf}.{arch}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif ism {input.model:q} {input.sequences:q} -o {output:q} -n {params.n} 2> {log:q}"


rule compute_temporal_scores:
    input:
        model="results/{tf}/{arch}/model.ckpt",
        sequences="results/{tf}/data/sequences.tsv",
    output:
        "results/{tf}/{arch}/temporal.npz",
    wildcard_constraints:
        arch=TEMPORAL_ARCH_WILDCARD,
    params:
        n=n_evaluate(),
    log:
        "logs/compute_temporal_scores/{tf}.{arch}.log",
    benchmark:
        "results/benchmarks/compute_temporal_scores/{tf}.{arch}.tsv"
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif temporal {input.model:q} {input.sequences:q} -o {output:q} -n {params.n} 2> {log:q}"


rule optimize_class_input:
    input:
        model="results/{tf}/{arch}/model.ckpt",
        sequences="results/{tf}/data/sequences.tsv",
    output:
        arrays="results/{tf}/{arch}/class_optimization.npz",
        meme="results/{tf}/{arch}/class_optimization.meme",
    params:
        restarts=INTERPRET["class_optimization"]["restarts"],
        steps=INTERPRET["class_optimization"]["steps"],
        lr=INTERPRET["class_optimization"]["lr"],
        l2=INTERPRET["class_optimization"]["l2"],
        seed=INTERPRET["class_optimization"]["seed"],
        init=INTERPRET["class_optimization"]["init"],
        window=INTERPRET["class_optimization"]["window"],
    log:
        "logs/optimize_class_input/{tf}.{arch}.log",
    benchmark:
        "results/benchmarks/optimize_class_input/{tf}.{arch}.tsv"
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif optimize {input.model:q} {input.sequences:q} -o {output.arrays:q}"
        " --meme {output.meme:q} --restarts {params.restarts} --steps {params.steps} --lr {params.lr}"
        " --l2 {params.l2} --seed {params.seed} --init {params.init} --window {params.window} 2> {log:q}"


rule extract_filter_motifs:
    input:
        model="results/{tf}/{arch}/model.ckpt",
        sequences="results/{tf}/data/sequences.tsv",
    output:
        meme="results/{tf}/{arch}/filters.meme",
        table="results/{tf}/{arch}/filters.tsv",
    wildcard_constraints:
        arch=FILTER_ARCH_WILDCARD,
    params:
        threshold=INTERPRET["filters"]["threshold"],
        min_sites=INTERPRET["filters"]["min_sites"],
    log:
        "logs/extract_filter_motifs/{tf}.{arch}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif filters {input.model:q} {input.sequences:q} -o {output.meme:q}"
        " --table {output.table:q} --threshold {params.threshold} --min-sites {params.min_sites} 2> {log:q}"


rule match_jaspar:
    input:
        motif_memes,
    output:
        "results/{tf}/{arch}/jaspar_matches.tsv",
    params:
        release=INTERPRET["jaspar"]["release"],
        collection=INTERPRET["jaspar"]["collection"],
        tax_group=INTERPRET["jaspar"]["tax_group"],
        top_k=INTERPRET["jaspar"]["top_k"],
    log:
        "logs/match_jaspar/{tf}.{arch}.log",
    benchmark:
        "results/benchmarks/match_jaspar/{tf}.{arch}.tsv"
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif match-jaspar {input:q} -o {output:q} --release {params.release:q}"
        " --collection {params.collection:q} --tax-group {params.tax_group:q} --top-k {params.top_k} 2> {log:q}"


rule check_ground_truth:
    input:
        unpack(planted_inputs),
        saliency="results/{tf}/{arch}/saliency.npz",
        temporal=lambda wc: ([f"results/{wc.tf}/{wc.arch}/temporal.npz"] if wc.arch in TEMPORAL_ARCHS else []),
        matches="results/{tf}/{arch}/jaspar_matches.tsv",
    output:
        "results/{tf}/{arch}/ground_truth.json",
    wildcard_constraints:
        tf=SIMULATED_TF_WILDCARD,
    params:
        temporal=lambda wc, input: f"--temporal {shlex.quote(input.temporal[0])}" if input.temporal else "",
        max_q=INTERPRET["jaspar"]["max_q"],
    log:
        "logs/check_ground_truth/{tf}.{arch}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif ground-truth --saliency {input.saliency:q} {params.temporal}"
        " --matches {input.matches:q} --positives {input.positives:q} --planted {input.planted:q}"
        " --tf {wildcards.tf:q} --arch {wildcards.arch} --max-q {params.max_q} -o {output:q} 2> {log:q}"
