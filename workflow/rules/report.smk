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
        axes=PLAN.summary_axes(),  # the paper's comparison, CNN vs CNN-RNN, when both are trained
    shell:
        "python -m deepmotif plot-summary {input:q} --scatter {output.scatter:q} --box {output.box:q}"
        " --x={params.axes[0]:q} --y={params.axes[1]:q} 2> {log:q}"


rule build_dashboard:
    input:
        unpack(dashboard_inputs),  # every model's files, planted motifs, variants (Plan.dashboard_inputs)
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
        composition=report(
            "results/{tf}/figures/composition.png",
            caption="../report/composition.rst",
            category="{tf}",
            subcategory="performance",
        ),
        composition_table="results/{tf}/composition.json",
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
    group:
        grouped("figures")
    conda:
        "../../envs/deepmotif.yaml"
    params:
        args=dashboard_args,  # files, motifs, description (common.smk)
        settings=interpret_settings(),  # the config section interpret (DashboardSettings.from_config)
    shell:
        "python -m deepmotif dashboard --tf={wildcards.tf:q} --description={params.args[description]:q}"
        " {params.args[files]}"
        " --settings={params.settings:q}"
        " --performance-out={output.performance:q} --training-out={output.training:q}"
        " --saliency-figures={output.saliency:q} --temporal-figures={output.temporal:q}"
        " --ism-figures={output.ism:q} --motif-figures {params.args[motifs]:q} --index-page=results/index.html"
        " --composition-out={output.composition:q} --composition-table={output.composition_table:q}"
        " --variant-figures={output.variants:q} -o {output.dashboard:q} 2> {log:q}"


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


rule summarize_known_motifs:
    input:
        known_motif_files,
    output:
        table=report(
            "results/summary/known_motifs.tsv",
            caption="../report/known_motifs.rst",
            category="Summary",
        ),
        figures=directory("results/summary/known_motifs"),
    log:
        "logs/summarize_known_motifs/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif summarize-known-motifs {input:q} -o {output.table:q} --figures={output.figures:q}"
        " 2> {log:q}"


rule build_index:
    input:
        unpack(variant_index_inputs),  # variants.smk
        auc="results/summary/auc_table.tsv",
        dashboards=dashboard_files,
        composition=lambda wc: [f"results/{tf}/composition.json" for tf in all_tfs()],
        ground_truth=["results/summary/ground_truth.tsv"] if SIMULATED_TFS else [],
        known="results/summary/known_motifs.tsv",
        known_figures="results/summary/known_motifs",
        scatter="results/summary/auc_scatter.png",
        box="results/summary/auc_box.png",
        cooperativity=PLAN.cooperativity_summary(),
    output:
        report("results/index.html", caption="../report/index.rst", category="Summary"),
    log:
        "logs/build_index/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    params:
        dashboards=lambda wc, input: pairs(all_tfs(), input.dashboards),
        composition=lambda wc, input: pairs(all_tfs(), input.composition),
        ground_truth=lambda wc, input: (
            f"--ground-truth={shlex.quote(input.ground_truth[0])}" if input.ground_truth else ""
        ),
        descriptions=lambda wc: json.dumps({tf: tf_description(tf) for tf in all_tfs()}),
        settings=interpret_settings(),
        variants=variant_index_args,  # variants.smk
        cooperativity=cooperativity_index_args,  # cooperativity.smk
    shell:
        "python -m deepmotif index --auc-table {input.auc:q} --dashboards {params.dashboards:q}"
        " --composition {params.composition:q}"
        " {params.ground_truth} --descriptions={params.descriptions:q} --settings={params.settings:q}"
        " --known-motifs={input.known:q} --known-motif-figures={input.known_figures:q}"
        " --auc-scatter={input.scatter:q} --auc-box={input.box:q} {params.variants}"
        " {params.cooperativity} -o {output:q} 2> {log:q}"
