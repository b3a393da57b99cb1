# Reports: the cross-TF table (the paper's), dashboards and the index.


rule summarize_metrics:
    input:
        metrics_files(),
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
