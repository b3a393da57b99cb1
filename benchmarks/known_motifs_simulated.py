"""How often do learned motifs name a JASPAR matrix that was not planted? The known-motif calibration.

For each simulated TF of a pipeline run (``--run``: a folder with ``results/{tf}/cnn/model.ckpt``,
``results/{tf}/data/`` and ``resources/simulated/{tf}/planted.tsv``, e.g. ``snakemake --cores 2 --config
'architectures=["cnn"]' --directory /tmp/known_sim results/CTCF/cnn/model.ckpt ...``), the CNN is interpreted
with the pipeline's settings (:func:`deepmotif.interpret.interpretation.interpret_model`; filters, class
optimization, TF-MoDISco) and every learned motif's Tomtom hits, with their decoy columns, are counted twice:
without calibration (any top hit with q < max_q) and with it (:func:`deepmotif.interpret.known_motifs.calls`:
at least ``interpret.jaspar.min_information`` bits, no decoy match). A call that names neither a planted
matrix nor one of its JASPAR family is a false call: there is nothing else to find in the simulated genome::

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/known_motifs_simulated.py --run /tmp/known_sim

Writes ``benchmarks/results/known_motifs_simulated.json`` (per TF and setting: learned motifs, calls, false
calls and their matrices, decoy matches, load average) and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def false_calls(matches: pd.DataFrame, planted: list[str], max_q: float, min_information: float, decoys: bool,
                annotations: pd.DataFrame) -> dict:
    """Calls of one model's learned motifs, and those naming neither a planted matrix nor its family."""
    from deepmotif.interpret import known_motifs as km

    expected = km.expected_matrices("", planted, annotations)
    table = km.verdicts(matches if decoys else matches.drop(columns=["decoy_q_value"]), expected, annotations,
                        max_q, min_information)
    wrong = sorted({u for text in table["unexpected"] for u in text.split(",") if u})
    called = km.calls(matches if decoys else matches.drop(columns=["decoy_q_value"]), max_q, min_information)
    rate = km.false_match_rate(matches, max_q, min_information)
    fam = {km.base_id(i): set(f.split(";")) for i, f in zip(annotations["motif_id"], annotations["family"])}
    want = {km.base_id(i) for i in expected["motif_id"]}
    families = set().union(*(set(f.split(";")) for f in expected["family"]))
    n_false = int(sum(km.base_id(t) not in want and not fam.get(km.base_id(t), set()) & families
                      for t in called["target_id"]))
    return {"learned": rate["n_queries"], "calls": len(called), "false_calls": n_false, "false_matrices": wrong,
            "decoy_matches": rate["n_decoy"], "verdicts": dict(zip(table["source"], table["verdict"]))}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", type=Path, required=True, help="folder of a pipeline run with trained simulated CNNs")
    p.add_argument("-o", "--output", type=Path,
                   default=ROOT / "benchmarks" / "results" / "known_motifs_simulated.json")
    args = p.parse_args(argv)

    import torch

    from deepmotif.data.dataset import read_dataset
    from deepmotif.data.io import atomic_path
    from deepmotif.data.tables import read_planted, read_positives
    from deepmotif.interpret.interpretation import InterpretSettings, interpret_model
    from deepmotif.interpret.known_motifs import jaspar_annotations
    from deepmotif.models.inference import load_network
    from deepmotif.plan import Plan

    torch.set_num_threads(1)
    plan = Plan.from_files(ROOT / "config" / "config.yaml", base_dir=ROOT)
    settings = InterpretSettings.from_config(plan.interpret, temporal=False)
    annotations = jaspar_annotations(settings.release, settings.collection,
                                     None if settings.tax_group == "all" else settings.tax_group)
    out = {"settings": {"max_q": settings.max_q, "min_information": settings.min_information}, "tfs": {}}
    for tf in plan.simulated_tfs:
        run = args.run
        planted = read_planted(run / "resources" / "simulated" / tf / "planted.tsv")
        result = interpret_model(load_network(str(run / "results" / tf / "cnn" / "model.ckpt")),
                                 read_dataset(str(run / "results" / tf / "data" / "sequences.tsv")), settings, tf,
                                 "cnn", positives=read_positives(run / "results" / tf / "data" / "positives.tsv"),
                                 planted=planted)
        matches = pd.concat([result.matches, result.modisco["matches"].assign(source="modisco")], ignore_index=True)
        ids = list(dict.fromkeys(planted["motif_id"]))
        out["tfs"][tf] = {"planted": ids, "load_average": round(os.getloadavg()[0], 2),
                          "uncalibrated": false_calls(matches, ids, settings.max_q, 0.0, False, annotations),
                          "calibrated": false_calls(matches, ids, settings.max_q, settings.min_information, True,
                                                    annotations)}
        print(tf, json.dumps(out["tfs"][tf]), file=sys.stderr, flush=True)
    with atomic_path(args.output) as tmp:
        tmp.write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
