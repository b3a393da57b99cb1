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
    log:
        "logs/plot_summary/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    params:
        # the paper's comparison, CNN vs CNN-RNN, when both are trained; else the first and last
        x="cnn" if "cnn" in ARCHS else ARCHS[0],
        y="cnn_rnn" if "cnn_rnn" in ARCHS else ARCHS[-1],
    shell:
        "python -m deepmotif plot-summary {input:q} --scatter {output.scatter:q} --box {output.box:q}"
        " --x={params.x:q} --y={params.y:q} 2> {log:q}"


# results/{tf}/{arch}/ files the dashboard of a TF reads, by the option of `deepmotif dashboard` that takes them
# (`--metrics cnn=... rnn=...`, architectures in the order of ARCHS)
MODEL_FILES = {
    "metrics": "metrics.json",
    "predictions": "predictions.tsv",
    "history": "training.csv",
    "saliency": "saliency.npz",
    "ism": "ism.npz",
    "temporal": "temporal.npz",
    "class_optimization": "class_optimization.npz",
    "class_meme": "class_optimization.meme",
    "filter_meme": "filters.meme",
    "filter_table": "filters.tsv",
    "matches": "jaspar_matches.tsv",
    "modisco": "modisco.h5",
    "modisco_patterns": "modisco_patterns.tsv",
    "modisco_distances": "modisco_distances.tsv",
}


rule build_dashboard:
    input:
        unpack(planted_inputs),
        unpack(variant_dashboard_inputs),  # variants.smk
        unpack(genome_view_inputs),  # tracks.smk
        **{name: expand(f"results/{{{{tf}}}}/{{arch}}/{file}", arch=ARCHS) for name, file in MODEL_FILES.items()},
        ground_truth=lambda wc: ground_truth_files([wc.tf]),
    output:
        performance=report(
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
        saliency=report(
            directory("results/{tf}/figures/saliency"),
            patterns=["{name}.png"],
            caption="../report/saliency.rst",
            category="{tf}",
            subcategory="saliency maps",
        ),
        temporal=report(
            directory("results/{tf}/figures/temporal"),
            patterns=["{name}.png"],
            caption="../report/temporal.rst",
            category="{tf}",
            subcategory="temporal output scores",
        ),
        ism=report(
            directory("results/{tf}/figures/ism"),
            patterns=["{name}.png"],
            caption="../report/ism.rst",
            category="{tf}",
            subcategory="in-silico mutagenesis",
        ),
        motifs=[
            report(
                directory(f"results/{{tf}}/figures/motifs/{arch}"),
                patterns=["{name}.png"],
                caption="../report/motifs.rst",
                category="{tf}",
                subcategory=f"learned motifs {arch}",
            )
            for arch in ARCHS
        ],
        variants=report(
            directory("results/{tf}/figures/variants"),
            patterns=["{name}.png"],
            caption="../report/variants.rst",
            category="{tf}",
            subcategory="variants",
        ),
        dashboard=report(
            "results/{tf}/dashboard.html",
            caption="../report/dashboard.rst",
            category="{tf}",
            subcategory="dashboard",
        ),
    log:
        "logs/build_dashboard/{tf}.log",
    benchmark:
        "results/benchmarks/build_dashboard/{tf}.tsv"
    conda:
        "../../envs/deepmotif.yaml"
    params:
        files=lambda wc, input: " ".join(
            shlex.quote(arg)
            for name in [*MODEL_FILES, "ground_truth"]
            if input[name]
            for arg in [f"--{name.replace('_', '-')}", *pairs(ARCHS, input[name])]
        ),
        planted=lambda wc, input: (
            f"--positives={shlex.quote(input.positives)} --planted={shlex.quote(input.planted)}"
            if "planted" in input.keys()
            else ""
        ),
        motifs=lambda wc, output: pairs(ARCHS, output.motifs),
        description=lambda wc: tf_description(wc.tf),
        settings=interpret_settings(),
        n_sequences=INTERPRET["n_sequences"],
        n_filters=INTERPRET["filters"]["n_shown"],
        n_restarts=INTERPRET["class_optimization"]["n_shown"],
        max_q=INTERPRET["jaspar"]["max_q"],
        top=INTERPRET["ground_truth"]["top"],
        pass_rate=INTERPRET["ground_truth"]["pass_rate"],
        variants=variant_dashboard_args,  # variants.smk
        genome_view=genome_view_args,
    shell:
        "python -m deepmotif dashboard --tf={wildcards.tf:q} --description={params.description:q} {params.files}"
        " {params.planted} --n-sequences={params.n_sequences} --n-filters={params.n_filters}"
        " --n-restarts={params.n_restarts} --max-q={params.max_q} --top={params.top}"
        " --pass-rate={params.pass_rate} --settings={params.settings:q}"
        " --performance-out={output.performance:q} --training-out={output.training:q}"
        " --saliency-figures={output.saliency:q} --temporal-figures={output.temporal:q}"
        " --ism-figures={output.ism:q} --motif-figures {params.motifs:q} --index-page=results/index.html"
        " {params.variants} --variant-figures={output.variants:q} {params.genome_view} -o {output.dashboard:q}"
        " 2> {log:q}"


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


rule build_index:
    input:
        unpack(variant_index_inputs),  # variants.smk
        auc="results/summary/auc_table.tsv",
        dashboards=dashboard_files,
        ground_truth=["results/summary/ground_truth.tsv"] if SIMULATED_TFS else [],
        scatter="results/summary/auc_scatter.png",
        box="results/summary/auc_box.png",
    output:
        report("results/index.html", caption="../report/index.rst", category="Summary"),
    log:
        "logs/build_index/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    params:
        dashboards=lambda wc, input: pairs(all_tfs(), input.dashboards),
        ground_truth=lambda wc, input: (
            f"--ground-truth={shlex.quote(input.ground_truth[0])}" if input.ground_truth else ""
        ),
        descriptions=lambda wc: json.dumps({tf: tf_description(tf) for tf in all_tfs()}),
        top=INTERPRET["ground_truth"]["top"],
        max_q=INTERPRET["jaspar"]["max_q"],
        variants=variant_index_args,  # variants.smk
    shell:
        "python -m deepmotif index --auc-table {input.auc:q} --dashboards {params.dashboards:q}"
        " {params.ground_truth} --descriptions={params.descriptions:q} --top={params.top} --max-q={params.max_q}"
        " --auc-scatter={input.scatter:q} --auc-box={input.box:q} {params.variants} -o {output:q} 2> {log:q}"
