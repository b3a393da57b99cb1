# Data: genome + narrowPeak → 101-bp positives around summits → negatives → split; or labelled train/test
# files (DeepBind, DeMo, own) → import_sequences → imported.tsv (deepmotif.plan: Plan.sequences_file). Downloads are atomic, verified and retried.


rule simulate_data:
    output:
        genome="resources/simulated/{tf}/genome.fa",
        fai="resources/simulated/{tf}/genome.fa.fai",
        peaks="resources/simulated/{tf}/peaks.narrowPeak.gz",
        planted="resources/simulated/{tf}/planted.tsv",
    log:
        "logs/simulate_data/{tf}.log",
    group:
        grouped("data")
    conda:
        "../../envs/deepmotif.yaml"
    params:
        simulation=lambda wc: PLAN.simulate_params(wc.tf),
    shell:
        "python -m deepmotif simulate --motifs={params.simulation[motifs]:q}"
        " --spacing={params.simulation[spacing]} --n-peaks={params.simulation[n_peaks]}"
        " --n-chroms={params.simulation[n_chroms]} --chrom-size={params.simulation[chrom_size]}"
        " --seed={params.simulation[seed]} --genome={output.genome:q} --peaks={output.peaks:q}"
        " --planted={output.planted:q} 2> {log:q}"


rule extract_positives:
    input:
        unpack(peak_inputs),
    output:
        "results/{tf}/data/positives.tsv",
    log:
        "logs/extract_positives/{tf}.log",
    group:
        grouped("data")
    conda:
        "../../envs/deepmotif.yaml"
    params:
        length=PLAN.section("sequence")["length"],
        max_peaks=PLAN.section("sequence")["max_peaks"],
        files=peak_files,
    shell:
        "python -m deepmotif extract {params.files[peaks]:q} {input.fasta:q} --output={output:q}"
        " --length={params.length} --max-peaks={params.max_peaks} 2> {log:q}"


rule build_dataset:
    input:
        unpack(negative_inputs),
        positives="results/{tf}/data/positives.tsv",
    output:
        "results/{tf}/data/sequences.tsv",
    log:
        "logs/build_dataset/{tf}.log",
    group:
        grouped("data")
    conda:
        "../../envs/deepmotif.yaml"
    params:
        valid=",".join(PLAN.section("split")["valid_chroms"]),
        test=",".join(PLAN.section("split")["test_chroms"]),
        valid_fraction=PLAN.section("split")["valid_fraction"],
        test_fraction=PLAN.section("split")["test_fraction"],
        seed=PLAN.section("sequence")["seed"],
        negatives=lambda wc: PLAN.negative_args(PLAN.negative_files(wc.tf)),
    shell:
        "python -m deepmotif build-dataset {input.positives:q} --output={output:q}"
        " --valid-chroms={params.valid:q} --test-chroms={params.test:q}"
        " --valid-fraction={params.valid_fraction} --test-fraction={params.test_fraction}"
        " --seed={params.seed} {params.negatives:q} 2> {log:q}"


# Downloads run where Snakemake runs (on a cluster: the login node; compute nodes often have no internet).
# Every other rule is a cluster job under --profile slurm (docs/slurm.md; tests/test_pipeline_slurm.py checks the set).
localrules:
    download_peaks,
    download_genome,
    download_blacklist,
    download_urls,
    download_archive,


# --- ENCODE peaks and reference genomes -----------------------------------------------------------------


rule download_peaks:
    output:
        peaks="resources/encode/{accession}.bed.gz",
        metadata="resources/encode/{accession}.json",
    log:
        "logs/download_peaks/{accession}.log",
    wildcard_constraints:
        accession="ENCFF[0-9A-Z]{6}",
    conda:
        "../../envs/deepmotif.yaml"
    params:
        assembly=lambda wc: PLAN.accession_assembly(wc.accession),
        base_url=PLAN.section("encode")["base_url"],
        download=PLAN.download_args(),
    shell:
        "python -m deepmotif fetch-peaks {wildcards.accession} --genome={params.assembly:q}"
        " --base-url={params.base_url:q} {params.download:q} --output={output.peaks:q}"
        " --metadata={output.metadata:q} 2> {log:q}"


rule download_genome:
    output:
        fasta="resources/genomes/{genome}.fa",
        fai="resources/genomes/{genome}.fa.fai",
    log:
        "logs/download_genome/{genome}.log",
    wildcard_constraints:
        genome=alternatives(PLAN.section("genomes")),
    conda:
        "../../envs/deepmotif.yaml"
    params:
        url=lambda wc: PLAN.section("genomes")[wc.genome]["url"],
        md5=lambda wc: PLAN.genome_args(wc.genome),
        download=PLAN.download_args(),
    shell:
        "python -m deepmotif fetch-genome {params.url:q} --output={output.fasta:q} {params.md5:q}"
        " {params.download:q} 2> {log:q}"


rule download_blacklist:
    output:
        "resources/genomes/{genome}.blacklist.bed.gz",
    log:
        "logs/download_blacklist/{genome}.log",
    wildcard_constraints:
        genome=alternatives(PLAN.section("genomes")),
    conda:
        "../../envs/deepmotif.yaml"
    params:
        url=lambda wc: PLAN.section("genomes")[wc.genome]["blacklist"],
        download=PLAN.download_args(),
    shell:
        "python -m deepmotif fetch {params.url:q} --output={output:q} {params.download:q} 2> {log:q}"


rule filter_peaks:
    input:
        peaks=lambda wc: PLAN.encode_peaks(wc.tf),
        blacklist=lambda wc: PLAN.blacklist_file(wc.tf),
    output:
        "results/{tf}/data/peaks.filtered.narrowPeak.gz",
    log:
        "logs/filter_peaks/{tf}.log",
    group:
        grouped("data")
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif filter-peaks {input.peaks:q} --blacklist={input.blacklist:q}"
        " --output={output:q} 2> {log:q}"


# --- users' own files, DeepBind/DeMo files and URLs -----------------------------------------------------


# One job per TF fetches the sheet URLs it is the first row to give (Plan.downloads) into its folder; rules
# reading one name the folder as input (Plan.as_inputs) and give the command the file by params.
rule download_urls:
    output:
        directory("resources/downloads/{tf}"),
    log:
        "logs/download_urls/{tf}.log",
    conda:
        "../../envs/deepmotif.yaml"
    params:
        files=lambda wc: PLAN.fetch_args(wc.tf),
        download=PLAN.download_args(),
    shell:
        "python -m deepmotif fetch {params.files:q} {params.download:q} 2> {log:q}"


rule prepare_genome:
    input:
        # a URL is fetched first by the local rule download_urls; one genome however many TFs use it
        lambda wc: PLAN.local_genome_input(wc.genome),
    output:
        fasta="resources/local/genomes/{genome}.fa",
        fai="resources/local/genomes/{genome}.fa.fai",
    log:
        "logs/prepare_genome/{genome}.log",
    wildcard_constraints:
        genome=PLAN.local_genome_constraint(),
    conda:
        "../../envs/deepmotif.yaml"
    params:
        source=lambda wc: PLAN.local_genome_source(wc.genome),
        download=PLAN.download_args(),
    shell:
        "python -m deepmotif fetch-genome {params.source:q} --output={output.fasta:q} {params.download:q}" " 2> {log:q}"


rule import_sequences:
    input:
        unpack(import_inputs),
    output:
        "results/{tf}/data/imported.tsv",
    log:
        "logs/import_sequences/{tf}.log",
    group:
        grouped("data")
    conda:
        "../../envs/deepmotif.yaml"
    params:
        format=lambda wc: PLAN.import_format(wc.tf),
        valid_fraction=PLAN.section("split")["valid_fraction"],
        max_train=PLAN.section("sequence")["max_peaks"],
        seed=PLAN.section("sequence")["seed"],
        files=lambda wc, input: PLAN.import_files(wc.tf, input),
    shell:
        "python -m deepmotif import-sequences --train={params.files[train]:q} --test={params.files[test]:q}"
        " --format={params.format} --valid-fraction={params.valid_fraction}"
        " --max-train={params.max_train} --seed={params.seed} --output={output:q} 2> {log:q}"


# --- a dataset archive: one TF per folder (config/paper.yaml) -------------------------------------------


rule download_archive:
    output:
        "resources/archive/datasets.tar.gz",
    log:
        "logs/download_archive/archive.log",
    conda:
        "../../envs/deepmotif.yaml"
    params:
        url=PLAN.archive_args()["url"],
        sha256=PLAN.archive_args()["sha256"],
        download=PLAN.download_args(),
    shell:
        "python -m deepmotif fetch {params.url:q} --output={output:q} {params.sha256:q} {params.download:q}"
        " 2> {log:q}"


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
        "python -m deepmotif extract-archive {input:q} --output={output:q} 2> {log:q}"


checkpoint list_datasets:
    input:
        "resources/archive/data",
    output:
        "resources/archive/datasets.tsv",
    log:
        "logs/list_datasets/archive.log",
    conda:
        "../../envs/deepmotif.yaml"
    params:
        exclude=PLAN.archive_args()["exclude"],
        include=PLAN.archive_args()["include"],
    shell:
        "python -m deepmotif list-datasets {input:q} --output={output:q} --exclude={params.exclude:q}"
        " --include={params.include:q} 2> {log:q}"
