# Data: genome + narrowPeak → 101-bp positives around summits → shuffled negatives → split.


rule simulate_data:
    output:
        genome="resources/simulated/{tf}/genome.fa",
        fai="resources/simulated/{tf}/genome.fa.fai",
        peaks="resources/simulated/{tf}/peaks.narrowPeak.gz",
        planted="resources/simulated/{tf}/planted.tsv",
    params:
        motifs=lambda wc: tf_row(wc)["motifs"],
        spacing=lambda wc: tf_row(wc)["spacing"] or 0,
        n_peaks=lambda wc: tf_row(wc)["n_peaks"] or section("simulation")["n_peaks"],
        n_chroms=section("simulation")["n_chroms"],
        chrom_size=section("simulation")["chrom_size"],
        seed=lambda wc: tf_seed(wc.tf),
    log:
        "logs/simulate_data/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif simulate --motifs {params.motifs} --spacing {params.spacing}"
        " --n-peaks {params.n_peaks} --n-chroms {params.n_chroms} --chrom-size {params.chrom_size}"
        " --seed {params.seed} --genome {output.genome:q} --peaks {output.peaks:q}"
        " --planted {output.planted:q} 2> {log:q}"


rule extract_positives:
    input:
        unpack(peak_inputs),
    output:
        "results/{tf}/data/positives.tsv",
    params:
        length=section("sequence")["length"],
        max_peaks=section("sequence")["max_peaks"],
    log:
        "logs/extract_positives/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif extract {input.peaks:q} {input.fasta:q} -o {output:q}"
        " --length {params.length} --max-peaks {params.max_peaks} 2> {log:q}"


rule build_dataset:
    input:
        "results/{tf}/data/positives.tsv",
    output:
        "results/{tf}/data/sequences.tsv",
    params:
        valid=",".join(section("split")["valid_chroms"]),
        test=",".join(section("split")["test_chroms"]),
        valid_fraction=section("split")["valid_fraction"],
        test_fraction=section("split")["test_fraction"],
        seed=section("sequence")["seed"],
    log:
        "logs/build_dataset/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif build-dataset {input:q} -o {output:q}"
        " --valid-chroms {params.valid:q} --test-chroms {params.test:q}"
        " --valid-fraction {params.valid_fraction} --test-fraction {params.test_fraction}"
        " --seed {params.seed} 2> {log:q}"
