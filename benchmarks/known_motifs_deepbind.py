"""Does the CNN of each DeepBind experiment learn the ChIPped TF's motif? The known-motif table.

For each of the 10 experiments of ``../shared/data/deepbind_encode`` with a trained CNN (seed 0 of
``benchmarks/deepbind_seeds.py``: ``<work>/<experiment>/cnn/seed0/model.ckpt`` and the sequences it was
trained on, ``<work>/<experiment>/data/seed0.sequences.tsv``; ``--work`` names the positives cap,
``/work/seeds_work/max10000``), the pipeline's interpretation
(:func:`deepmotif.interpret.interpretation.interpret_model`, settings of ``config/config.yaml`` +
``config/deepbind.yaml``: first-layer filters, class optimization, TF-MoDISco) and its known-motif check
(:mod:`deepmotif.interpret.known_motifs`): the TF's JASPAR matrices looked up by name, the verdict of
each source (exact / family / none), seqlet counts, the decoy false-match rate, and the cost of the job
and of MoDISco with the load average beside it. One row per experiment is appended to the TSV at once
(atomic rewrite); a rerun skips experiments already in it::

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/known_motifs_deepbind.py > /tmp/known_motifs.log 2>&1

``--config`` overlays (merged over ``config/config.yaml``) change the settings, e.g. another MoDISco method;
``--output`` another table for such a variant.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("/work/shared/data/deepbind_encode")
log = logging.getLogger("known_motifs_deepbind")


def experiments(data: Path) -> list[str]:
    """The experiment names of the DeepBind folder (``<name>_AC.seq.gz`` with a ``_B`` test file)."""
    return sorted(p.name[: -len("_AC.seq.gz")] for p in data.glob("*_AC.seq.gz")
                  if (data / p.name.replace("_AC.seq.gz", "_B.seq.gz")).exists())


def trained_model(work: Path, name: str, seed: int) -> tuple[Path, Path] | None:
    """The CNN checkpoint of ``name`` and the sequences it was trained on, or None if not there yet."""
    ckpt = work / name / "cnn" / f"seed{seed}" / "model.ckpt"
    sequences = sorted((work / name / "data").glob(f"*seed{seed}.sequences.tsv"))
    if not ckpt.exists() or not sequences:
        return None
    return ckpt, sequences[0]


def verdict_columns(known: dict, patterns: pd.DataFrame | None) -> dict:
    """The table's columns from the known-motif check (:func:`known_motif_check`'s entry) and, when given, the
    MoDISco patterns' seqlet counts (``pattern n_seqlets``)."""
    row = {"expected": ",".join(f"{e['motif_id']}:{e['name']}" for e in known["expected"]),
           "families": ";".join(dict.fromkeys(e["family"] for e in known["expected"])),
           "origin": known["origin"], "verdict": known["best"]["verdict"]}
    for v in known["verdicts"]:
        rank = f", hit {v['rank']}" if v["rank"] > 1 else ""
        row[f"{v['source']}_verdict"] = v["verdict"]
        row[f"{v['source']}_match"] = (f"{v['target_name']} ({v['target_id']}{rank}) q={v['q_value']:.2g} "
                                       f"[{v['query']}]" if v["target_id"] else "")
        row[f"{v['source']}_calls"] = f"{v['n_calls']}/{v['n_queries']}"
    if patterns is not None:
        best = known["verdicts"][-1]["query"].split("[")[0]
        row.update({"modisco_patterns": len(patterns),
                    "modisco_seqlets": int(patterns["n_seqlets"].sum()) if len(patterns) else 0,
                    "modisco_match_seqlets": int(patterns.loc[patterns["pattern"] == best, "n_seqlets"].sum())
                    if best else 0})
    row.update({
        "unexpected": ",".join(dict.fromkeys(u for v in known["verdicts"] for u in v["unexpected"].split(",") if u)),
        "family_share": round(known["family_share"], 4), "n_learned": known["n_queries"],
        "n_decoy": known["n_decoy"], "false_match_rate": known["false_match_rate"], "decoy_fdr": known["decoy_fdr"],
        "max_q": known["max_q"], "min_information": known["min_information"]})
    return row


def reverdict(table: pd.DataFrame, interpret: dict, work: Path) -> pd.DataFrame:
    """The table's verdict columns recomputed with the settings of ``interpret`` from the matches kept
    beside each model (``known_motif_matches.tsv``; ``known_motif_patterns.tsv`` for the seqlet counts of
    the best pattern, when there; ``checkpoint`` is relative to ``work``); the timing columns stay."""
    from deepmotif.interpret.known_motifs import jaspar_annotations, known_motif_check

    jaspar = interpret["jaspar"]
    annotations = jaspar_annotations(jaspar["release"], jaspar["collection"],
                                     None if jaspar["tax_group"] == "all" else jaspar["tax_group"])
    rows = []
    for row in table.to_dict("records"):
        folder = (work / row["checkpoint"]).parent
        matches = pd.read_csv(folder / "known_motif_matches.tsv", sep="\t")
        patterns = (pd.read_csv(folder / "known_motif_patterns.tsv", sep="\t")
                    if (folder / "known_motif_patterns.tsv").exists() else None)
        known = known_motif_check(matches, row["experiment"], [], annotations, jaspar["known_max_q"],
                                  jaspar["min_information"])
        rows.append({**row, **verdict_columns(known, patterns)})
    return pd.DataFrame(rows, columns=list(dict.fromkeys([*table.columns, *rows[0]]))) if rows else table


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_one(name: str, ckpt: Path, sequences: Path, interpret: dict, work: Path) -> dict:
    """Interpret one model and return its row of the table (``checkpoint`` and ``sequences`` relative to
    ``work``, so that the table holds no path of the machine)."""
    import torch

    from deepmotif.data.dataset import read_dataset
    from deepmotif.interpret.interpretation import InterpretSettings, interpret_model
    from deepmotif.models.inference import load_network

    torch.set_num_threads(1)
    settings = InterpretSettings.from_config(interpret, temporal=False)
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), cpu_seconds()
    data = read_dataset(str(sequences))
    result = interpret_model(load_network(str(ckpt)), data, settings, name, "cnn", source=str(sequences))
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    learned = pd.concat([result.matches] + ([result.modisco["matches"].assign(source="modisco")]
                                            if result.modisco is not None else []), ignore_index=True)
    learned.to_csv(ckpt.parent / "known_motif_matches.tsv", sep="\t", index=False)  # beside the model, to inspect
    known = result.ground_truth["known_motifs"]
    patterns = result.modisco["table"] if result.modisco is not None else pd.DataFrame(columns=["pattern", "n_seqlets"])
    patterns.to_csv(ckpt.parent / "known_motif_patterns.tsv", sep="\t", index=False)
    row = {"experiment": name, **verdict_columns(known, patterns)}
    row.update({
        "modisco_sequences": len(result.modisco["ids"]) if result.modisco is not None else 0,
        "modisco_method": settings.modisco_method,
        "attribution_seconds": round(result.modisco["seconds"]["attribution"], 1) if result.modisco else None,
        "modisco_seconds": round(result.modisco["seconds"]["modisco"], 1) if result.modisco else None,
        "attribution_cpu_seconds": round(result.modisco["seconds"]["attribution_cpu"], 1) if result.modisco else None,
        "modisco_cpu_seconds": round(result.modisco["seconds"]["modisco_cpu"], 1) if result.modisco else None,
        "job_seconds": round(wall, 1), "job_cpu_seconds": round(cpu, 1),
        "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2),
        "checkpoint": str(ckpt.relative_to(work)), "sequences": str(sequences.relative_to(work)),
        "n_train_positives": int(
            ((data["split"] == "train") & (data["label"] == 1)).sum())})
    return row


def markdown(table: pd.DataFrame) -> str:
    """The table for benchmarks/README.md: verdict and match per source, MoDISco's seqlets and cost."""
    lines = ["| experiment | expected (JASPAR family) | filters | class optimization | TF-MoDISco | seqlets "
             "(pattern / all) | decoy matches | MoDISco CPU s (attribution + clustering) | job s wall / CPU (load) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        cells = [f"**{getattr(r, f'{s}_verdict')}** {getattr(r, f'{s}_match') if isinstance(getattr(r, f'{s}_match'), str) else ''}"
                 .split(" [")[0] for s in ("filter", "class_optimization", "modisco")]
        lines.append(f"| {r.experiment.split('_')[0]} | {r.expected.split(':')[-1]} ({r.families}) | {' | '.join(cells)} | "
                     f"{r.modisco_match_seqlets} / {r.modisco_seqlets} | {r.n_decoy} of {r.n_learned} | "
                     f"{r.attribution_cpu_seconds:.0f} + {r.modisco_cpu_seconds:.0f} | {r.job_seconds:.0f} / "
                     f"{r.job_cpu_seconds:.0f} ({r.load_before:.1f}) |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", type=Path, default=Path("/work/seeds_work/max10000"),
                   help="deepbind_seeds.py's --work for the positives cap (max10000: the first 10,000 training "
                   "positives, as config/deepbind.yaml); the table's paths are relative to it")
    p.add_argument("--seed", type=int, default=0, help="the seed of the CNN interpreted")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--config", type=Path, nargs="*", default=[ROOT / "config" / "deepbind.yaml"],
                   help="overlays merged over config/config.yaml (default config/deepbind.yaml)")
    p.add_argument("--experiments", nargs="*", help="default: every experiment of --data")
    p.add_argument("-o", "--output", type=Path, default=ROOT / "benchmarks" / "results" / "known_motifs_deepbind.tsv")
    p.add_argument("--wait", type=float, default=0, help="minutes to wait for checkpoints still being trained")
    p.add_argument("--markdown", action="store_true", help="print the table of --output as markdown and stop")
    p.add_argument("--reverdict", action="store_true",
                   help="recompute the verdicts of --output from the matches kept beside each model (new settings)")
    args = p.parse_args(argv)
    if args.markdown:
        print(markdown(pd.read_csv(args.output, sep="\t")))
        return
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")

    from deepmotif.data.io import atomic_path
    from deepmotif.plan import Plan

    interpret = Plan.from_files(ROOT / "config" / "config.yaml", *args.config, base_dir=ROOT).interpret
    if args.reverdict:
        table = reverdict(pd.read_csv(args.output, sep="\t"), interpret, args.work)
        with atomic_path(args.output) as tmp:
            table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
        return
    names = args.experiments or experiments(args.data)
    deadline = time.time() + 60 * args.wait
    while True:
        table = pd.read_csv(args.output, sep="\t") if args.output.exists() else pd.DataFrame(columns=["experiment"])
        todo = [n for n in names if n not in set(table["experiment"])]
        ready = [(n, m) for n in todo if (m := trained_model(args.work, n, args.seed)) is not None]
        if not ready:
            if todo and time.time() < deadline:
                time.sleep(60)
                continue
            log.info("%d done, %d without a trained CNN yet: %s", len(names) - len(todo), len(todo), ", ".join(todo))
            return
        name, (ckpt, sequences) = ready[0]
        log.info("%s: %s on %s", name, ckpt, sequences)
        row = run_one(name, ckpt, sequences, interpret, args.work)
        log.info("%s: %s", name, row)
        table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
        with atomic_path(args.output) as tmp:
            table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")


if __name__ == "__main__":
    main()
