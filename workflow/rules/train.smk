# Training: one job per (TF, architecture); the only rule that asks for a GPU.
#
# GPUs (config resources.train.gpu): `auto` (the default) is 1 GPU per training job when Snakemake
# submits jobs to a cluster (`--profile slurm`, any non-local executor) and 0 in local runs; a number
# forces it (0 = CPU-only cluster). resources.train.gpu_model (sbatch --gpus=<model>:<n>) or
# resources.train.gres (sbatch --gres=<string>, instead of --gpus) select the GPU. The job passes
# `--gpus` to `deepmotif train`, which stops at once when torch cannot see the GPU (never trains on
# the CPU instead). On a GPU, training jobs share allocations: they form the group `train` (see
# slurm/config.yaml, group-components), each piece sized so a group job stays within 4 hours.
# The helpers (train_slurm_gpu, job_gpus, ...) are in cluster.smk.


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
    group:
        grouped("train", per_model=True) if TRAIN_ON_GPU else None
    conda:
        train_env
    threads: PLAN.train_resource("threads")
    resources:
        **train_slurm_gpu(),
        mem_mb=train_mem_mb,
        runtime=train_runtime,
    params:
        out_dir="results/{tf}/{arch}",  # the folder of its outputs
        args=train_args,  # train (the training settings of the architecture), gpus (cluster.smk)
    shell:
        "python -m deepmotif train {input:q} --arch={wildcards.arch} --out-dir={params.out_dir:q}"
        " --threads={threads} --gpus={params.args[gpus]} --tf={wildcards.tf:q} --params={params.args[train]:q}"
        " 2> {log:q}"
