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
