# Training: one job per (TF, architecture); the only rule that may ask for a GPU.


rule train_model:
    input:
        "results/{tf}/data/sequences.tsv",
    output:
        model="results/{tf}/{arch}/model.ckpt",
        metrics="results/{tf}/{arch}/metrics.json",
        predictions="results/{tf}/{arch}/predictions.tsv",
        history="results/{tf}/{arch}/training.csv",
    params:
        out_dir=subpath(output.model, parent=True),
        train=lambda wc: json.dumps(training_params(wc.arch), separators=(",", ":")),
    threads: train_resources("threads", 1)
    resources:
        gpu=train_resources("gpu", 0),
        mem_mb=train_resources("mem_mb", 4000),
        runtime=train_resources("runtime", 120),
    log:
        "logs/train_model/{tf}.{arch}.log",
    benchmark:
        "results/benchmarks/train_model/{tf}.{arch}.tsv"
    conda:
        "../../envs/deepmotif-cuda.yaml" if train_resources("gpu", 0) else "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif train {input:q} --arch {wildcards.arch} -o {params.out_dir:q}"
        " --threads {threads} --tf {wildcards.tf:q} --params {params.train:q} 2> {log:q}"
