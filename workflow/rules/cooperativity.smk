# Motif dependencies: in-silico spacing and orientation experiments on every trained model (deepmotif
# cooperativity, README "Motif dependencies"). One job per (TF, architecture) loads the model once and inserts
# its two motifs (config interpret.cooperativity.motifs, else the model's MoDISco / JASPAR matches, else the
# sheet's motifs) into shuffled backgrounds in every arrangement; a summary row per model feeds the index.
# Its input functions are in common.smk.


rule measure_cooperativity:
    input:
        model="results/{tf}/{arch}/model.ckpt",
        sequences=sequences_file,
        patterns="results/{tf}/{arch}/modisco_patterns.tsv",
        matches="results/{tf}/{arch}/jaspar_matches.tsv",
    output:
        table="results/{tf}/{arch}/cooperativity.tsv",
        figure=report(
            "results/{tf}/figures/cooperativity/{arch}.png",
            caption="../report/cooperativity.rst",
            category="{tf}",
            subcategory="motif dependencies",
        ),
    log:
        "logs/measure_cooperativity/{tf}.{arch}.log",
    benchmark:
        "results/benchmarks/measure_cooperativity/{tf}.{arch}.tsv"
    group:
        grouped("interpret", per_model=True)
    conda:
        "../../envs/deepmotif.yaml"
    threads: 1
    params:
        settings=cooperativity_settings(),
        sheet=lambda wc: shlex.quote(PLAN.sheet_motifs(wc.tf)),
    shell:
        "python -m deepmotif cooperativity {input.model:q} {input.sequences:q} --tf={wildcards.tf:q}"
        " --arch={wildcards.arch:q} --modisco-patterns={input.patterns:q} --jaspar-matches={input.matches:q}"
        " --sheet-motifs={params.sheet} --settings={params.settings:q}"
        " --threads={threads} -o {output.table:q} --figure={output.figure:q} 2> {log:q}"


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
