# Reports: the cross-TF table (the paper's), dashboards and the index.


rule summarize_metrics:
    input:
        metrics_files,
    output:
        report(
            "results/summary/auc_table.tsv",
            caption="../report/auc_table.rst",
            category="Summary",
        ),
    log:
        "logs/summarize_metrics/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif summarize {input:q} -o {output:q} 2> {log:q}"


rule plot_summary:
    input:
        "results/summary/auc_table.tsv",
    output:
        scatter=report(
            "results/summary/auc_scatter.png",
            caption="../report/auc_scatter.rst",
            category="Summary",
        ),
        box=report(
            "results/summary/auc_box.png",
            caption="../report/auc_box.rst",
            category="Summary",
        ),
    params:
        # the paper's comparison, CNN vs CNN-RNN, when both are trained; else the first and last
        x="cnn" if "cnn" in ARCHS else ARCHS[0],
        y="cnn_rnn" if "cnn_rnn" in ARCHS else ARCHS[-1],
    log:
        "logs/plot_summary/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif plot-summary {input:q} --scatter {output.scatter:q} --box {output.box:q}"
        " --x {params.x} --y {params.y} 2> {log:q}"


rule plot_performance:
    input:
        predictions=expand("results/{{tf}}/{arch}/predictions.tsv", arch=ARCHS),
        history=expand("results/{{tf}}/{arch}/training.csv", arch=ARCHS),
    output:
        roc=report(
            "results/{tf}/figures/roc_pr.png",
            caption="../report/roc_pr.rst",
            category="{tf}",
            subcategory="performance",
        ),
        training=report(
            "results/{tf}/figures/training.png",
            caption="../report/training.rst",
            category="{tf}",
            subcategory="performance",
        ),
    params:
        predictions=lambda wc, input: pairs(ARCHS, input.predictions),
        history=lambda wc, input: pairs(ARCHS, input.history),
    log:
        "logs/plot_performance/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif plot-performance --predictions {params.predictions:q} --history {params.history:q}"
        " -o {output.roc:q} --training {output.training:q} --title {wildcards.tf:q} 2> {log:q}"


rule plot_saliency:
    input:
        unpack(planted_inputs),
        results=expand("results/{{tf}}/{arch}/saliency.npz", arch=ARCHS),
    output:
        report(
            directory("results/{tf}/figures/saliency"),
            patterns=["{name}.png"],
            caption="../report/saliency.rst",
            category="{tf}",
            subcategory="saliency maps",
        ),
    params:
        results=lambda wc, input: pairs(ARCHS, input.results),
        planted=planted_args,
        n=INTERPRET["n_sequences"],
    log:
        "logs/plot_saliency/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif plot-saliency {params.results:q} -o {output:q} -n {params.n} {params.planted}"
        " 2> {log:q}"


rule plot_temporal_scores:
    input:
        unpack(planted_inputs),
        results=expand("results/{{tf}}/{arch}/temporal.npz", arch=TEMPORAL_ARCHS),
    output:
        report(
            directory("results/{tf}/figures/temporal"),
            patterns=["{name}.png"],
            caption="../report/temporal.rst",
            category="{tf}",
            subcategory="temporal output scores",
        ),
    params:
        results=lambda wc, input: pairs(TEMPORAL_ARCHS, input.results),
        planted=planted_args,
        n=INTERPRET["n_sequences"],
    log:
        "logs/plot_temporal_scores/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif plot-temporal {params.results:q} -o {output:q} -n {params.n} {params.planted}"
        " 2> {log:q}"


rule plot_ism:
    input:
        unpack(planted_inputs),
        results=expand("results/{{tf}}/{arch}/ism.npz", arch=ARCHS),
    output:
        report(
            directory("results/{tf}/figures/ism"),
            patterns=["{name}.png"],
            caption="../report/ism.rst",
            category="{tf}",
            subcategory="in-silico mutagenesis",
        ),
    params:
        results=lambda wc, input: pairs(ARCHS, input.results),
        planted=planted_args,
        n=INTERPRET["n_sequences"],
    log:
        "logs/plot_ism/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif plot-ism {params.results:q} -o {output:q} -n {params.n} {params.planted} 2> {log:q}"


rule plot_motifs:
    input:
        arrays="results/{tf}/{arch}/class_optimization.npz",
        meme="results/{tf}/{arch}/class_optimization.meme",
        matches="results/{tf}/{arch}/jaspar_matches.tsv",
        filters=lambda wc: expand("results/{tf}/{arch}/filters.{ext}", tf=wc.tf, arch=wc.arch, ext=["meme", "tsv"])
        if wc.arch in FILTER_ARCHS else [],
    output:
        report(
            directory("results/{tf}/figures/motifs/{arch}"),
            patterns=["{name}.png"],
            caption="../report/motifs.rst",
            category="{tf}",
            subcategory="learned motifs {arch}",
        ),
    params:
        filters=lambda wc, input: (f"--filters {shlex.quote(input.filters[0])} --filter-table "
                                   f"{shlex.quote(input.filters[1])}") if input.filters else "",
        n_filters=INTERPRET["filters"]["n_shown"],
        n_restarts=INTERPRET["class_optimization"]["n_shown"],
    log:
        "logs/plot_motifs/{tf}.{arch}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif plot-motifs --class-optimization {input.arrays:q} --class-meme {input.meme:q}"
        " {params.filters} --matches {input.matches:q} --n-filters {params.n_filters}"
        " --n-restarts {params.n_restarts} -o {output:q} 2> {log:q}"


rule summarize_ground_truth:
    input:
        ground_truth_files(),
    output:
        report(
            "results/summary/ground_truth.tsv",
            caption="../report/ground_truth.rst",
            category="Summary",
        ),
    log:
        "logs/summarize_ground_truth/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif summarize-ground-truth {input:q} -o {output:q} 2> {log:q}"


rule build_dashboard:
    input:
        unpack(dashboard_inputs),
    output:
        report(
            "results/{tf}/dashboard.html",
            caption="../report/dashboard.rst",
            category="{tf}",
            subcategory="dashboard",
        ),
    params:
        args=dashboard_args,
        description=lambda wc: tf_description(wc.tf),
        settings=interpret_settings(),
        max_q=INTERPRET["jaspar"]["max_q"],
    log:
        "logs/build_dashboard/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif dashboard --tf {wildcards.tf:q} --description {params.description:q}"
        " --performance {input.performance:q} --training {input.training:q} --saliency {input.saliency:q}"
        " --ism {input.ism:q} {params.args} --settings {params.settings:q} --max-q {params.max_q}"
        " --index-page results/index.html -o {output:q} 2> {log:q}"


rule build_index:
    input:
        auc="results/summary/auc_table.tsv",
        dashboards=dashboard_files,
        ground_truth=["results/summary/ground_truth.tsv"] if SIMULATED_TFS else [],
    output:
        report("results/index.html", caption="../report/index.rst", category="Summary"),
    params:
        dashboards=lambda wc, input: pairs(all_tfs(), input.dashboards),
        ground_truth=lambda wc, input: f"--ground-truth {shlex.quote(input.ground_truth[0])}"
        if input.ground_truth else "",
        descriptions=lambda wc: json.dumps({tf: tf_description(tf) for tf in all_tfs()}),
    log:
        "logs/build_index/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif index --auc-table {input.auc:q} --dashboards {params.dashboards:q}"
        " {params.ground_truth} --descriptions {params.descriptions:q} -o {output:q} 2> {log:q}"
