# Along the genome (docs/tracks.md): per TF with peaks and a genome × architecture, bigWig tracks of the logit
# and of the reference-base attribution over the strongest test peaks (config `tracks`) and the motif instances
# called on that attribution (Fi-NeMo, the model's TF-MoDISco patterns), in one job per model (a second job
# spent half its CPU on start-up); per TF a genome view (igv.js, offline) with an IGV session. Simulated TFs:
# the instances' precision and recall of the planted sites, in one job.

TRACKS = PLAN.section("tracks")
TEST_CHROMS = ",".join(PLAN.section("split")["test_chroms"])


rule make_tracks:
    input:
        unpack(track_inputs),  # refuses TFs without tracks
        model="results/{tf}/{arch}/model.ckpt",
        modisco="results/{tf}/{arch}/modisco.h5",
        patterns="results/{tf}/{arch}/modisco_patterns.tsv",
    output:
        logit="results/{tf}/{arch}/tracks/logit.bw",
        attribution="results/{tf}/{arch}/tracks/attribution.bw",
        regions="results/{tf}/{arch}/tracks/regions.bed",
        instances="results/{tf}/{arch}/tracks/instances.bed",
    log:
        "logs/make_tracks/{tf}.{arch}.log",
    benchmark:
        "results/benchmarks/make_tracks/{tf}.{arch}.tsv"
    group:
        grouped("interpret", per_model=True)
    conda:
        "../../envs/deepmotif.yaml"
    threads: 1
    params:
        t=TRACKS,
        chroms=TEST_CHROMS,
        i=TRACKS["instances"],
        jaspar=",".join(TRACKS["instances"]["jaspar"]),
        db=PLAN.interpret["jaspar"],
        files=peak_files,
    shell:
        "python -m deepmotif tracks --model={input.model:q} --genome={input.fasta:q} --peaks={params.files[peaks]:q}"
        " --chroms={params.chroms:q} --width={params.t[width]} --max-regions={params.t[max_regions]}"
        " --stride={params.t[stride]} --attribution={params.t[attribution]} --n-shuffles={params.t[n_shuffles]}"
        " --seed={params.t[seed]} --batch-size={params.t[batch_size]} --threads={threads}"
        " --logit-out={output.logit:q} --attribution-out={output.attribution:q}"
        " --regions-out={output.regions:q} --instances-out={output.instances:q}"
        " --modisco={input.modisco:q} --modisco-patterns={input.patterns:q}"
        " --jaspar={params.jaspar:q} --release={params.db[release]:q} --collection={params.db[collection]:q}"
        " --tax-group={params.db[tax_group]:q} --lambda={params.i[lambda]}"
        " --min-attribution={params.i[min_attribution]} --trim={params.i[trim]} --tile={params.i[tile]}"
        " --max-steps={params.i[max_steps]} --fit-batch={params.i[fit_batch]}"
        " 2> {log:q}"


rule summarize_instances:
    input:
        **PLAN.instance_truth_inputs(),
    output:
        report(
            "results/summary/instances_ground_truth.tsv",
            caption="../report/instances_ground_truth.rst",
            category="Summary",
        ),
    log:
        "logs/summarize_instances/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    params:
        models=shell_args(PLAN.instance_truth_args()),
    shell:
        "python -m deepmotif instances-ground-truth {params.models} -o {output:q} 2> {log:q}"


rule bundle_igv:
    output:
        "results/igv/igv.min.js",
    log:
        "logs/bundle_igv/all.log",
    conda:
        "../../envs/deepmotif.yaml"
    shell:
        "python -m deepmotif bundle-igv -o {output:q} 2> {log:q}"


rule build_genome_view:
    input:
        unpack(track_inputs),  # refuses TFs without tracks
        igv="results/igv/igv.min.js",
        regions=f"results/{{tf}}/{ARCHS[0]}/tracks/regions.bed",
        logit=expand("results/{{tf}}/{arch}/tracks/logit.bw", arch=ARCHS),
        attribution=expand("results/{{tf}}/{arch}/tracks/attribution.bw", arch=ARCHS),
        instances=expand("results/{{tf}}/{arch}/tracks/instances.bed", arch=ARCHS),
    output:
        view="results/{tf}/genome_view.html",
        session="results/{tf}/igv_session.xml",
    log:
        "logs/build_genome_view/{tf}.log",
    group:
        grouped("figures")
    conda:
        "../../envs/deepmotif.yaml"
    params:
        n=TRACKS["view"]["n_peaks"],
        length=PLAN.section("sequence")["length"],
        logit=lambda wc, input: pairs(ARCHS, input.logit),
        attribution=lambda wc, input: pairs(ARCHS, input.attribution),
        instances=lambda wc, input: pairs(ARCHS, input.instances),
    shell:
        "python -m deepmotif genome-view --tf={wildcards.tf:q} --genome={input.fasta:q} --regions={input.regions:q}"
        " --logit {params.logit:q} --attribution {params.attribution:q} --instances {params.instances:q}"
        " --igv={input.igv:q} --n-peaks={params.n} --length={params.length} -o {output.view:q}"
        " --session-out={output.session:q} 2> {log:q}"
