# Motif dependencies: in-silico spacing and orientation experiments on every trained model (deepmotif
# cooperativity, README "Motif dependencies"). Measured by each model's interpretation job (interpret.smk,
# `deepmotif interpret --cooperativity-out`: the model and the data are loaded there already, and a job of
# its own spent a third of its CPU on start-up): it inserts the model's two motifs (config
# interpret.cooperativity.motifs, else its MoDISco / JASPAR matches, else the sheet's motifs) into shuffled
# backgrounds in every arrangement (its outputs: cooperativity_outputs, common.smk); here a summary row per
# model feeds the index.


rule summarize_cooperativity:
    input:
        cooperativity_files,
    output:
        report(
            "results/summary/cooperativity.tsv",
            caption="../report/cooperativity_summary.rst",
            category="Summary",
        ),
    log:
        "logs/summarize_cooperativity/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif summarize-cooperativity {input:q} -o {output:q} 2> {log:q}"
