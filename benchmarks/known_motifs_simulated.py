"""How often do learned motifs name a JASPAR matrix that was not planted? The known-motif calibration.

For each simulated TF of a pipeline run (``--run``: a folder with ``results/{tf}/cnn/model.ckpt``,
``results/{tf}/data/`` and ``resources/simulated/{tf}/planted.tsv``, e.g. ``snakemake --cores 2 --config
'architectures=["cnn"]' --directory /tmp/known_sim results/CTCF/cnn/model.ckpt ...``), the CNN is interpreted
with the pipeline's settings (:func:`deepmotif.interpret.interpretation.interpret_model`; filters, class
optimization, TF-MoDISco) and every learned motif's Tomtom hits, with their decoy columns, are counted three
times: without calibration (any top hit with q < ``interpret.jaspar.max_q``), with the information threshold and
the decoy rule (:func:`deepmotif.interpret.known_motifs.calls`), and with both at ``known_max_q`` (the
known-motif check). A call none of whose significant hits is a planted matrix or of its JASPAR family is a false
call: there is nothing else to find in the simulated genome::

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
    """Calls of one model's learned motifs (top hit with q < ``max_q``), and the false ones: those none of whose
    significant hits is a planted matrix or of its JASPAR family (the known-motif check's ``unexpected``)."""
    from deepmotif.interpret import known_motifs as km

    if not decoys:
        matches = matches.drop(columns=["decoy_q_value"])
    expected = km.expected_matrices("", planted, annotations)
    table = km.verdicts(matches, expected, annotations, max_q, min_information)
    called = km.calls(matches, max_q, min_information)
    fam = {km.base_id(i): set(f.split(";")) for i, f in zip(annotations["motif_id"], annotations["family"])}
    want = {km.base_id(i) for i in expected["motif_id"]}
    families = set().union(*(set(f.split(";")) for f in expected["family"]))
    significant = matches[matches["q_value"] < max_q]
    related = {q for q, t in zip(significant["query"], significant["target_id"])
               if km.base_id(t) in want or fam.get(km.base_id(t), set()) & families}
    wrong = called[~called["query"].isin(related)]
    rate = km.false_match_rate(matches, max_q, min_information) if decoys else {"n_queries": None, "n_decoy": None}
    return {"max_q": max_q, "min_information": min_information, "decoy_rule": decoys, "learned": rate["n_queries"],
            "calls": len(called), "false_calls": len(wrong),
            "false_matrices": sorted(set(wrong["target_id"] + ":" + wrong["target_name"])),
            "false_q": sorted(float(q) for q in wrong["q_value"]), "decoy_matches": rate["n_decoy"],
            "verdicts": dict(zip(table["source"], table["verdict"]))}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", type=Path, required=True, help="folder of a pipeline run with trained simulated CNNs")
    p.add_argument("--archs", nargs="+", default=["cnn"], help="architectures interpreted (trained in --run)")
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
    out = {"settings": {"max_q": settings.max_q, "known_max_q": settings.known_max_q,
                        "min_information": settings.min_information}, "tfs": {}}
    for tf, arch in ((tf, arch) for tf in plan.simulated_tfs for arch in args.archs):
        run = args.run
        planted = read_planted(run / "resources" / "simulated" / tf / "planted.tsv")
        result = interpret_model(load_network(str(run / "results" / tf / arch / "model.ckpt")),
                                 read_dataset(str(run / "results" / tf / "data" / "sequences.tsv")), settings, tf,
                                 arch, positives=read_positives(run / "results" / tf / "data" / "positives.tsv"),
                                 planted=planted)
        matches = pd.concat([result.matches, result.modisco["matches"].assign(source="modisco")], ignore_index=True)
        ids = list(dict.fromkeys(planted["motif_id"]))
        out["tfs"][f"{tf}/{arch}"] = {"planted": ids, "load_average": round(os.getloadavg()[0], 2),
                          "uncalibrated": false_calls(matches, ids, settings.max_q, 0.0, False, annotations),
                          "information_and_decoys": false_calls(matches, ids, settings.max_q,
                                                                settings.min_information, True, annotations),
                          "calibrated": false_calls(matches, ids, settings.known_max_q, settings.min_information,
                                                    True, annotations)}
        print(tf, arch, json.dumps(out["tfs"][f"{tf}/{arch}"]), file=sys.stderr, flush=True)
    out["totals"] = {setting: {key: sum(m[setting][key] or 0 for m in out["tfs"].values())
                               for key in ("learned", "calls", "false_calls", "decoy_matches")}
                     for setting in ("uncalibrated", "information_and_decoys", "calibrated")}
    with atomic_path(args.output) as tmp:
        tmp.write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
