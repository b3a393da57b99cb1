"""Which architecture is best on real data, with error bars: cnn, cnn_rnn and rnn × seeds on the 10 DeepBind
ENCODE experiments.

Each cell (experiment, architecture, seed) imports the experiment as the pipeline does
(:func:`deepbind_accuracy.build_sequences`: the first ``--max-train`` training positives of ``<name>_AC``
plus one dinucleotide shuffle each, 10 % held out for validation, test set ``<name>_B`` as given) and trains
with the pipeline's parameters (``config/config.yaml``, :func:`deepbind_accuracy.setting_params`, epochs and
patience pinned: ``TABLE_SETTINGS``). The seed draws the validation split, the shuffles, the initialization and the batch
order, as the config's seeds do in a pipeline run; the test set is the same for every seed.

Each finished training is appended at once as one row to a TSV (the whole table rewritten to a temporary
file, then renamed onto it); a restarted benchmark skips the cells already in it. Cells run in order of
use: seed 0 of every architecture and experiment first (cnn, then cnn_rnn, then rnn), then seed 1, then
seed 2. One training at a time in a worker process; the CPU time of each training (user + system, ``getrusage``) is
recorded beside the load average at its start and end::

    OMP_NUM_THREADS=1 nohup nice -n 15 python benchmarks/deepbind_seeds.py > seeds.log 2>&1 &
    python benchmarks/deepbind_seeds.py --summarize    # mean ± sd per set, paired Wilcoxon tests

Models stay in ``--work`` (``<work>/max<N>/<experiment>/<arch>/seed<k>/model.ckpt``, printed in the log),
outside the repository.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deepbind_accuracy import DATA, ROOT, build_sequences, experiments, setting_params  # noqa: E402

COLUMNS = ("set", "arch", "seed", "max_train", "max_epochs", "epochs", "best_epoch", "test_auroc", "test_auprc",
           "valid_auroc", "n_train", "cpu_seconds", "wall_seconds", "load_start", "load_end", "date", "commit")
KEY = ("set", "arch", "seed", "max_train", "max_epochs")
log = logging.getLogger("deepbind_seeds")


# Every row of the table was trained with these, whatever config/config.yaml says since (2026-12-07 it moved the
# cnn to patience 2 and CPUs with native bf16 to bf16-mixed): a resumed benchmark keeps its cells comparable.
TABLE_SETTINGS = {"patience": 5, "precision": "32-true"}


def cell_order(sets: list[str], archs: list[str], seeds: list[int]) -> list[tuple[str, str, int]]:
    """Cells ``(set, arch, seed)`` most useful first: seed by seed, within a seed architecture by architecture
    in the order given, within an architecture every set."""
    return [(s, a, k) for k, a, s in itertools.product(seeds, archs, sets)]


def read_table(path: Path) -> pd.DataFrame:
    """The results table (empty with :data:`COLUMNS` when ``path`` does not exist)."""
    if not path.exists():
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.read_csv(path, sep="\t")


def write_table(path: Path, table: pd.DataFrame) -> None:
    """Write ``table`` to a temporary file beside ``path``, fsync, rename onto ``path``: a reader or a kill
    sees the old table or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            table.to_csv(handle, sep="\t", index=False, float_format="%.6g")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_cell(name: str, arch: str, seed: int, data: str, work: str, max_train: int, params: dict) -> dict:
    """Build the seed's dataset and train one model (in a worker process); the table row."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True,
                        format=f"%(asctime)s {arch}/{name[:12]}/seed{seed} %(message)s")
    from deepmotif.models.train import train_model

    work_dir = Path(work) / f"max{max_train}" / name
    sequences = build_sequences(name, Path(data), work_dir, max_train, seed=seed,
                                out=work_dir / "data" / f"seed{seed}.sequences.tsv")
    load_start = os.getloadavg()[0]
    wall, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    out_dir = work_dir / arch / f"seed{seed}"
    metrics = train_model(sequences, arch, out_dir, {**params, "seed": seed}, threads=1, tf=name)
    end = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "set": name, "arch": arch, "seed": seed, "max_train": max_train, "max_epochs": params["max_epochs"],
        **{k: metrics[k] for k in ("epochs", "best_epoch", "test_auroc", "test_auprc", "valid_auroc", "n_train")},
        "cpu_seconds": round(end.ru_utime + end.ru_stime - usage.ru_utime - usage.ru_stime, 1),
        "wall_seconds": round(time.perf_counter() - wall, 1),
        "load_start": round(load_start, 2), "load_end": round(os.getloadavg()[0], 2),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "checkpoint": str(out_dir / "model.ckpt"), "sequences": str(sequences),
    }


def summarize(table: pd.DataFrame, sets: list[str], archs: list[str], seeds: list[int]) -> dict:
    """Test AUROC mean ± sd over seeds per set and architecture, and paired tests between architectures.

    Parameters
    ----------
    table: pandas.DataFrame
        Rows with at least ``set arch seed test_auroc`` (one per cell; cells outside the grid are ignored).
    sets, archs, seeds: list
        The grid the benchmark aims at; cells of it without a row count as missing.

    Returns
    -------
    dict
        ``cells`` (expected), ``done``, ``missing``; ``per_set[set][arch]`` = ``n mean sd`` (sd with ddof 1,
        None for fewer than 2 seeds); ``complete_sets[arch]``: sets with every seed;
        ``per_arch[arch]``: mean and median of the per-set means over the sets complete for every
        architecture; ``tests``: per pair of architectures, the Wilcoxon signed-rank test (two-sided,
        :func:`scipy.stats.wilcoxon`) on the per-set means over the sets complete for both (``p`` None
        with fewer than 2 such sets or when all differences are 0).
    """
    from scipy.stats import wilcoxon

    grid = table[table["set"].isin(sets) & table["arch"].isin(archs) & table["seed"].isin(seeds)]
    grid = grid.drop_duplicates(["set", "arch", "seed"])
    per_set: dict = {}
    complete: dict = {a: [] for a in archs}
    for s, a in itertools.product(sets, archs):
        values = grid.loc[(grid["set"] == s) & (grid["arch"] == a), "test_auroc"].to_numpy(float)
        per_set.setdefault(s, {})[a] = {
            "n": len(values), "mean": round(float(values.mean()), 4) if len(values) else None,
            "sd": round(float(values.std(ddof=1)), 4) if len(values) > 1 else None}
        if len(values) == len(seeds):
            complete[a].append(s)
    everywhere = [s for s in sets if all(s in complete[a] for a in archs)]
    per_arch = {}
    for a in archs:
        means = [per_set[s][a]["mean"] for s in everywhere]
        per_arch[a] = {"n_sets": len(everywhere), "mean": round(float(np.mean(means)), 4) if means else None,
                       "median": round(float(np.median(means)), 4) if means else None}
    tests = []
    for a, b in itertools.combinations(archs, 2):
        both = [s for s in sets if s in complete[a] and s in complete[b]]
        x = np.array([per_set[s][a]["mean"] for s in both])
        y = np.array([per_set[s][b]["mean"] for s in both])
        p = statistic = None
        if len(both) >= 2 and np.any(x != y):
            result = wilcoxon(x, y, alternative="two-sided")
            statistic, p = float(result.statistic), float(result.pvalue)
        tests.append({"a": a, "b": b, "n_sets": len(both), "a_better": int((x > y).sum()),
                      "b_better": int((x < y).sum()),
                      "median_difference": round(float(np.median(x - y)), 4) if both else None,
                      "statistic": statistic, "p": None if p is None else round(p, 4)})
    cells = len(sets) * len(archs) * len(seeds)
    return {"cells": cells, "done": len(grid), "missing": cells - len(grid), "seeds": list(seeds),
            "per_set": per_set, "complete_sets": complete, "per_arch": per_arch, "tests": tests}


def markdown(summary: dict, archs: list[str]) -> str:
    """The summary as the README's table: a row per set (``mean ± sd (n seeds)``), a row of means over the
    sets complete for every architecture, then one line per paired test."""
    def fmt(c: dict) -> str:
        if not c["n"]:
            return "–"
        return f"{c['mean']:.3f}" + (f" ± {c['sd']:.3f}" if c["sd"] is not None else "") + f" ({c['n']})"

    lines = ["| experiment | " + " | ".join(archs) + " |", "|---" * (len(archs) + 1) + "|"]
    for name, cells in summary["per_set"].items():
        lines.append(f"| {name.split('_')[0]} | " + " | ".join(fmt(cells[a]) for a in archs) + " |")
    n = summary["per_arch"][archs[0]]["n_sets"]
    if n:
        lines.append(f"| mean of {n} complete sets | "
                     + " | ".join(f"**{summary['per_arch'][a]['mean']:.3f}**" for a in archs) + " |")
    lines.append("")
    lines.append(f"{summary['done']} of {summary['cells']} trainings done ({summary['missing']} missing); "
                 f"cells are mean ± sd over seeds {summary['seeds']} (number of seeds done).")
    for t in summary["tests"]:
        if not t["n_sets"]:
            lines.append(f"- {t['a']} vs {t['b']}: no set has every seed of both yet")
            continue
        p = "not computable" if t["p"] is None else f"p = {t['p']:.3g}"
        lines.append(f"- {t['a']} vs {t['b']}: {t['a']} better on {t['a_better']} of {t['n_sets']} complete sets, "
                     f"median difference {t['median_difference']}, Wilcoxon signed-rank {p}")
    return "\n".join(lines)


def compare_caps(table: pd.DataFrame, reference: list[dict], archs: list[str], seed: int = 0) -> dict:
    """Does the positives cap change the ranking? ``seed``'s rows of ``table`` against ``reference`` runs.

    Parameters
    ----------
    table: pandas.DataFrame
        This benchmark's rows at one cap (``set arch seed test_auroc``).
    reference: list of dict
        Runs of ``benchmarks/results/deepbind_accuracy.json`` (``setting experiment arch test_auroc``); the
        ``defaults`` setting is used (the same training parameters, seed 0, 10,000 positives).
    archs: list of str

    Returns
    -------
    dict
        ``per_arch[arch]``: ``n_sets`` in both, mean test AUROC at this cap and in the reference over them,
        Spearman correlation across sets; ``pairs``: per pair of architectures, over the sets where both have
        both caps, ``n_sets`` and ``same_order`` (sets where the better architecture is the same at both caps);
        ``ranking``: architectures by mean over the sets every architecture has at both caps, at this cap and
        in the reference, with ``n_sets``.
    """
    from scipy.stats import spearmanr

    mine = table[table["seed"] == seed].set_index(["set", "arch"])["test_auroc"]
    ref = pd.DataFrame([r for r in reference if r.get("setting") == "defaults"])
    ref = ref.set_index(["experiment", "arch"])["test_auroc"] if len(ref) else pd.Series(dtype=float)
    both = {a: sorted({s for s, b in mine.index if b == a} & {s for s, b in ref.index if b == a}) for a in archs}
    per_arch = {}
    for a in archs:
        x, y = np.array([mine[(s, a)] for s in both[a]]), np.array([ref[(s, a)] for s in both[a]])
        per_arch[a] = {"n_sets": len(x), "mean_capped": round(float(x.mean()), 4) if len(x) else None,
                       "mean_reference": round(float(y.mean()), 4) if len(x) else None,
                       "spearman": round(float(spearmanr(x, y).statistic), 3) if len(x) > 2 else None}
    pairs = []
    for a, b in itertools.combinations(archs, 2):
        common = sorted(set(both[a]) & set(both[b]))
        same = sum((mine[(s, a)] > mine[(s, b)]) == (ref[(s, a)] > ref[(s, b)]) for s in common)
        pairs.append({"a": a, "b": b, "n_sets": len(common), "same_order": int(same),
                      "a_better_capped": int(sum(mine[(s, a)] > mine[(s, b)] for s in common)),
                      "a_better_reference": int(sum(ref[(s, a)] > ref[(s, b)] for s in common))})
    common = sorted(set.intersection(*(set(v) for v in both.values()))) if both else []
    means = {name: {a: float(np.mean([src[(s, a)] for s in common])) for a in archs} if common else {}
             for name, src in (("capped", mine), ("reference", ref))}
    ranking = {name: sorted(m, key=m.get, reverse=True) for name, m in means.items()}
    return {"per_arch": per_arch, "pairs": pairs, "ranking": {**ranking, "n_sets": len(common)},
            "means": {k: {a: round(v, 4) for a, v in m.items()} for k, m in means.items()}}


def cap_markdown(comparison: dict, max_train: int) -> str:
    """:func:`compare_caps` as a table per architecture and one line per pair, for the README."""
    lines = [f"| architecture | sets | mean test AUROC, {max_train:,} positives | mean, 10,000 positives | "
             "Spearman across sets |", "|---|---|---|---|---|"]
    fmt = lambda v, d=3: "–" if v is None else f"{v:.{d}f}"  # noqa: E731
    for a, c in comparison["per_arch"].items():
        lines.append(f"| {a} | {c['n_sets']} | {fmt(c['mean_capped'])} | {fmt(c['mean_reference'])} | "
                     f"{fmt(c['spearman'], 2)} |")
    lines.append("")
    for t in comparison["pairs"]:
        lines.append(f"- {t['a']} vs {t['b']}: the better of the two is the same at both caps on {t['same_order']} of "
                     f"{t['n_sets']} sets ({t['a']} better on {t['a_better_capped']} at {max_train:,}, on "
                     f"{t['a_better_reference']} at 10,000)")
    r = comparison["ranking"]
    if r["n_sets"]:
        lines.append(f"- ranking by the mean over the {r['n_sets']} sets with every architecture at both caps: "
                     f"{' > '.join(r['capped'])} at {max_train:,}, {' > '.join(r['reference'])} at 10,000")
    return "\n".join(lines)


def commit_of(root: Path) -> str:
    """Short commit of ``root`` (``unknown`` outside a git checkout)."""
    result = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--work", type=Path, default=Path("/work/seeds_work"))
    p.add_argument("-o", "--output", type=Path, default=ROOT / "benchmarks/results/deepbind_seeds.tsv")
    p.add_argument("--archs", default="cnn,cnn_rnn,rnn", help="in order of priority")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--experiments", default="", help="comma-separated names (default: all)")
    p.add_argument("--max-train", type=int, default=10000,
                   help="first N training positives, as config/deepbind.yaml (2,000 changes the ranking: "
                   "benchmarks/README.md)")
    p.add_argument("--max-epochs", type=int, default=20, help="cap on max_epochs (the config's rnn: 50)")
    p.add_argument("--jobs", type=int, default=1, help="trainings at once")
    p.add_argument("--commit", default="", help="recorded in the table (default: git rev-parse of the script's repo)")
    p.add_argument("--summarize", action="store_true", help="only summarize the table (no training)")
    p.add_argument("--summary", type=Path, default=ROOT / "benchmarks/results/deepbind_seeds_summary.json")
    p.add_argument("--reference", type=Path, default=ROOT / "benchmarks/results/deepbind_accuracy.json",
                   help="--summarize: compare seed 0 with these runs (10,000 positives) when the file exists")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)

    names = [n for n in experiments(args.data) if not args.experiments or n in args.experiments.split(",")]
    archs, seeds = args.archs.split(","), [int(k) for k in args.seeds.split(",")]
    table = read_table(args.output)
    if args.summarize:
        mine = table[(table["max_train"] == args.max_train) & (table["max_epochs"] == args.max_epochs)]
        summary = summarize(mine, names, archs, seeds)
        summary.update({"table": str(args.output.relative_to(ROOT)) if args.output.is_relative_to(ROOT) else
                        str(args.output), "max_train": args.max_train, "max_epochs": args.max_epochs})
        print(markdown(summary, archs))
        if args.reference.exists():  # seed 0 at every cap in the table against the 10,000-positive runs
            reference = json.loads(args.reference.read_text())["runs"]
            summary["cap_comparison"] = {}
            for cap in sorted(set(table["max_train"])):
                rows = table[(table["max_train"] == cap) & (table["max_epochs"] == args.max_epochs)]
                summary["cap_comparison"][str(cap)] = {"reference": args.reference.name,
                                                       **compare_caps(rows, reference, archs)}
                print(f"\nSeed 0 at {cap:,} positives against {args.reference.name} (10,000 positives, seed 0):\n")
                print(cap_markdown(summary["cap_comparison"][str(cap)], cap))
        args.summary.write_text(json.dumps(summary, indent=1) + "\n")
        return

    commit = args.commit or commit_of(ROOT)
    done = {tuple(r) for r in table[list(KEY)].itertuples(index=False)}
    params = {a: {**setting_params("defaults", a, args.max_epochs), **TABLE_SETTINGS}
              for a in archs}
    todo = [(s, a, k) for s, a, k in cell_order(names, archs, seeds)
            if (s, a, k, args.max_train, params[a]["max_epochs"]) not in done]
    log.info("%d trainings to do (%d rows in %s), max_train %d, commit %s", len(todo), len(table), args.output,
             args.max_train, commit)
    # fork: the workers import torch once (a fresh process per training costs ~10 s of imports each)
    with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {pool.submit(run_cell, s, a, k, str(args.data), str(args.work), args.max_train, params[a]):
                   (s, a, k) for s, a, k in todo}
        for future in as_completed(futures):
            try:
                row = future.result()
            except Exception:  # one failed training must not stop the others; the cell stays to do
                log.exception("%s %s seed %d failed", *futures[future])
                continue
            log.info("%s %s seed %d: test AUROC %.4f, %d epochs (best %s), %.0f s CPU; checkpoint %s",
                     row["set"], row["arch"], row["seed"], row["test_auroc"], row["epochs"], row["best_epoch"],
                     row["cpu_seconds"], row["checkpoint"])
            row["commit"] = commit
            new = pd.DataFrame([{c: row[c] for c in COLUMNS}])
            table = pd.concat([table, new], ignore_index=True) if len(table) else new
            write_table(args.output, table)


if __name__ == "__main__":
    main()
