# Training: one job per (TF, architecture); the only rule that may ask for a GPU.


rule train_model:
    input:
        sequences_file,
    output:
        model="results/{tf}/{arch}/model.ckpt",
        metrics="results/{tf}/{arch}/metrics.json",
        predictions="results/{tf}/{arch}/predictions.tsv",
        history="results/{tf}/{arch}/training.csv",
    log:
        "logs/train_model/{tf}.{arch}.log",
    benchmark:
        "results/benchmarks/train_model/{tf}.{arch}.tsv"
    conda:
        "../../envs/deepmotif-cuda.yaml" if PLAN.train_resource("gpu") else "../../envs/deepmotif.yaml"
    threads: PLAN.train_resource("threads")
    resources:
        gpu=PLAN.train_resource("gpu"),
        mem_mb=PLAN.train_resource("mem_mb"),
        runtime=PLAN.train_resource("runtime"),
    params:
        out_dir=subpath(output.model, parent=True),
        train=lambda wc: json.dumps(PLAN.training_params(wc.arch), separators=(",", ":")),
    shell:
        "python -m deepmotif train {input:q} --arch={wildcards.arch} --out-dir={params.out_dir:q}"
        " --threads={threads} --tf={wildcards.tf:q} --params={params.train:q} 2> {log:q}"
