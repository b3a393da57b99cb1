# Variant scoring (docs/variants.md): config `variants.vcfs` names VCFs and the genome each refers to; every
# TF an entry applies to gets one job that loads all its models once, scores every variant
# (results/{tf}/variants.tsv) and explains the strongest (REF vs ALT saliency and ISM, drawn on its
# dashboard), and the summaries across TFs. Simulated TFs also get a ground-truth VCF
# (simulation.variants) whose classes (break / create / neutral, per planted matrix) are scored against
# |Δlogit| in results/summary/variants_ground_truth.tsv.
# Included before report.smk: build_index takes the functions of variants_common.smk.


include: "variants_common.smk"


rule simulate_variants:
    input:
        unpack(simulated_files),  # genome, fai, planted; refuses TFs that are not simulated
    output:
        "resources/simulated/{tf}/variants.vcf.gz",
    log:
        "logs/simulate_variants/{tf}.log",
    group:
        grouped("data")
    conda:
        "../../envs/deepmotif.yaml"
    params:
        n_per_class=VARIANTS["n_per_class"],
        length=PLAN.section("sequence")["length"],
        seed=lambda wc: PLAN.tf_seed(wc.tf),
    shell:
        "python -m deepmotif simulate-variants --genome={input.genome:q} --planted={input.planted:q}"
        " --n-per-class={params.n_per_class} --length={params.length} --seed={params.seed}"
        " -o {output:q} 2> {log:q}"


rule score_variants:
    input:
        unpack(variant_inputs),  # vcf, genome; refuses TFs scored against no VCF
        models=expand("results/{{tf}}/{arch}/model.ckpt", arch=ARCHS),
    output:
        table="results/{tf}/variants.tsv",
        skipped="results/{tf}/variants.skipped.tsv",
        ref=expand("results/{{tf}}/variants/{arch}.ref.npz", arch=ARCHS),  # Plan.variant_explanations
        alt=expand("results/{{tf}}/variants/{arch}.alt.npz", arch=ARCHS),
    log:
        "logs/score_variants/{tf}.log",
    benchmark:
        "results/benchmarks/score_variants/{tf}.tsv"
    group:
        grouped("figures")
    conda:
        "../../envs/deepmotif.yaml"
    threads: 1
    params:
        info=lambda wc: PLAN.variant_set(wc.tf)["info"],
        max_allele=VARIANTS["max_allele"],
        batch_size=VARIANTS["batch_size"],
        n=VARIANTS["n_shown"],
        length=PLAN.section("sequence")["length"],
    shell:
        "python -m deepmotif score-variants {input.vcf:q} --genome={input.genome:q} --model {input.models:q}"
        " --info={params.info:q} --max-allele={params.max_allele} --batch-size={params.batch_size}"
        " --length={params.length} --threads={threads} -o {output.table:q} --skipped={output.skipped:q}"
        " --explain-ref {output.ref:q} --explain-alt {output.alt:q} --n-explained={params.n} 2> {log:q}"


rule summarize_variants:
    input:
        variant_tables(VARIANT_TFS),
    output:
        report(
            "results/summary/variants.tsv",
            caption="../report/variants_summary.rst",
            category="Summary",
        ),
    log:
        "logs/summarize_variants/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif summarize-variants {input:q} -o {output:q} 2> {log:q}"


rule summarize_variants_ground_truth:
    input:
        variant_tables(VARIANT_TRUTH_TFS),
    output:
        report(
            "results/summary/variants_ground_truth.tsv",
            caption="../report/variants_ground_truth.rst",
            category="Summary",
        ),
    log:
        "logs/summarize_variants_ground_truth/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif variants-ground-truth {input:q} -o {output:q} 2> {log:q}"
