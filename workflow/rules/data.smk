# Data: genome + narrowPeak → 101-bp positives around summits → negatives → split; or labelled train/test
# files (DeepBind, DeMo, own) → import_sequences. Downloads are atomic, verified and retried.


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
        unpack(negative_inputs),
        positives="results/{tf}/data/positives.tsv",
    output:
        "results/{tf}/data/sequences.tsv",
    wildcard_constraints:
        tf=PEAK_TF_WILDCARD,
    params:
        valid=",".join(section("split")["valid_chroms"]),
        test=",".join(section("split")["test_chroms"]),
        valid_fraction=section("split")["valid_fraction"],
        test_fraction=section("split")["test_fraction"],
        seed=section("sequence")["seed"],
        negatives=negative_args,
    log:
        "logs/build_dataset/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif build-dataset {input.positives:q} -o {output:q}"
        " --valid-chroms={params.valid:q} --test-chroms={params.test:q}"
        " --valid-fraction {params.valid_fraction} --test-fraction {params.test_fraction}"
        " --seed {params.seed} {params.negatives} 2> {log:q}"


# --- ENCODE peaks and reference genomes -----------------------------------------------------------------


rule download_peaks:
    output:
        peaks="resources/encode/{accession}.bed.gz",
        metadata="resources/encode/{accession}.json",
    wildcard_constraints:
        accession="ENCFF[0-9A-Z]{6}",
    params:
        assembly=accession_assembly,
        base_url=section("encode")["base_url"],
        download=download_args(),
    log:
        "logs/download_peaks/{accession}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif fetch-peaks {wildcards.accession} --genome {params.assembly:q}"
        " --base-url {params.base_url:q} {params.download} -o {output.peaks:q}"
        " --metadata {output.metadata:q} 2> {log:q}"


rule download_genome:
    output:
        fasta="resources/genomes/{genome}.fa",
        fai="resources/genomes/{genome}.fa.fai",
    wildcard_constraints:
        genome=_alternatives(section("genomes")),
    params:
        url=lambda wc: section("genomes")[wc.genome]["url"],
        md5=lambda wc: f"--md5 {section('genomes')[wc.genome]['md5']}" if section("genomes")[wc.genome].get("md5") else "",
        download=download_args(),
    log:
        "logs/download_genome/{genome}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif fetch-genome {params.url:q} -o {output.fasta:q} {params.md5}"
        " {params.download} 2> {log:q}"


rule download_blacklist:
    output:
        "resources/genomes/{genome}.blacklist.bed.gz",
    wildcard_constraints:
        genome=_alternatives(section("genomes")),
    params:
        url=lambda wc: section("genomes")[wc.genome]["blacklist"],
        download=download_args(),
    log:
        "logs/download_blacklist/{genome}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif fetch {params.url:q} -o {output:q} {params.download} 2> {log:q}"


rule filter_peaks:
    input:
        peaks=lambda wc: f"resources/encode/{tf_row(wc)['accession']}.bed.gz",
        blacklist=lambda wc: f"resources/genomes/{genome_key(wc.tf)}.blacklist.bed.gz",
    output:
        "results/{tf}/data/peaks.filtered.narrowPeak.gz",
    log:
        "logs/filter_peaks/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif filter-peaks {input.peaks:q} --blacklist {input.blacklist:q}"
        " -o {output:q} 2> {log:q}"


# --- users' own files, DeepBind/DeMo files and URLs -----------------------------------------------------


rule download_file:
    output:
        "resources/downloads/{tf}/{column}/{filename}",
    wildcard_constraints:
        column="train|test|peaks|fasta",
        filename="[^/]+",
    params:
        url=lambda wc: TFS.loc[wc.tf, wc.column],
        download=download_args(),
    log:
        "logs/download_file/{tf}/{column}/{filename}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif fetch {params.url:q} -o {output:q} {params.download} 2> {log:q}"


rule prepare_genome:
    input:
        local_genome_source,
    output:
        fasta="resources/local/{tf}/genome.fa",
        fai="resources/local/{tf}/genome.fa.fai",
    params:
        source=lambda wc: TFS.loc[wc.tf, "fasta"],
        download=download_args(),
    log:
        "logs/prepare_genome/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif fetch-genome {params.source:q} -o {output.fasta:q} {params.download} 2> {log:q}"


rule import_sequences:
    input:
        unpack(import_inputs),
    output:
        "results/{tf}/data/sequences.tsv",
    wildcard_constraints:
        tf=IMPORT_TF_WILDCARD,
    params:
        format=import_format,
        valid_fraction=section("split")["valid_fraction"],
        max_train=section("sequence")["max_peaks"],
        seed=section("sequence")["seed"],
    log:
        "logs/import_sequences/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif import-sequences --train {input.train:q} --test {input.test:q}"
        " --format {params.format} --valid-fraction {params.valid_fraction}"
        " --max-train {params.max_train} --seed {params.seed} -o {output:q} 2> {log:q}"



# --- a dataset archive: one TF per folder (config/paper.yaml) -------------------------------------------


rule download_archive:
    output:
        "resources/archive/datasets.tar.gz",
    params:
        url=section("archive")["url"] if config.get("archive") else "",
        sha256=f"--sha256 {config['archive']['sha256']}" if (config.get("archive") or {}).get("sha256") else "",
        download=download_args(),
    log:
        "logs/download_archive/archive.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif fetch {params.url:q} -o {output:q} {params.sha256} {params.download} 2> {log:q}"


rule extract_archive:
    input:
        "resources/archive/datasets.tar.gz",
    output:
        directory("resources/archive/data"),
    log:
        "logs/extract_archive/archive.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif extract-archive {input:q} -o {output:q} 2> {log:q}"


checkpoint list_datasets:
    input:
        "resources/archive/data",
    output:
        "resources/archive/datasets.tsv",
    params:
        exclude=",".join((config.get("archive") or {}).get("exclude", [])),
        include=",".join((config.get("archive") or {}).get("include", [])),
    log:
        "logs/list_datasets/archive.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif list-datasets {input:q} -o {output:q} --exclude={params.exclude:q}"
        " --include={params.include:q} 2> {log:q}"
