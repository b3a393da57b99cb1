"""Every command's arguments are checked while parsing: numbers in range and finite, devices that exist,
outputs that are not inputs; a bad one is one line on stderr naming the option, exit status 2.

The numeric options are found by walking the parsers, not listed here: a new option without a
checked type fails :func:`test_every_numeric_option_has_a_checked_type`.
"""

from __future__ import annotations

import argparse
import math

import pytest
import torch

from deepmotif.cli import build_parser, main

VALUES = ("0", "-1", "nan", "inf")


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def numeric_options() -> list[tuple[str, argparse.Action]]:
    return [(name, action) for name, p in commands().items() for action in p._actions
            if action.option_strings and hasattr(action.type, "bounds")]


def accepts(parse, text: str) -> bool:
    """Whether ``text`` is in the declared range of the number type ``parse`` (what it should do)."""
    kind, low, low_ok, high, high_ok = parse.bounds
    value = float(text)
    if not math.isfinite(value):
        return False
    if low is not None and (value < low or (value == low and not low_ok)):
        return False
    return high is None or value < high or (value == high and high_ok)


def test_every_numeric_option_has_a_checked_type():
    bare = [f"{name} {a.option_strings[-1]}" for name, p in commands().items() for a in p._actions
            if a.type in (int, float)]
    assert bare == []
    # the walker finds them (the settings of interpret, modisco, dashboard and index come as one --settings
    # JSON instead, checked against the config schema: test_plan.py::test_settings_option_names_a_wrong_key)
    assert len(numeric_options()) > 50


@pytest.mark.parametrize("value", VALUES)
def test_numeric_options_refuse_what_they_cannot_mean(value, capsys):
    refused = 0
    for name, action in numeric_options():
        option = action.option_strings[-1]
        if accepts(action.type, value):
            continue
        with pytest.raises(SystemExit) as stop:
            main([name, f"{option}={value}"])
        err = capsys.readouterr().err
        assert stop.value.code == 2, (name, option, value)
        assert err.count("\n") == 1 and "Traceback" not in err, (name, option, err)
        assert err.startswith(f"deepmotif {name}: error: argument {option}") or \
            err.startswith(f"deepmotif {name}: error: argument {'/'.join(action.option_strings)}"), err
        refused += 1
    assert refused >= {"0": 20, "-1": 50, "nan": 60, "inf": 60}[value]


@pytest.mark.parametrize("option, value", [("--batch-size", "0"), ("--threads", "-1"), ("--chunk-size", "0"),
                                           ("--length", "0"), ("--stride", "0"), ("--seed", "-1")])
def test_counts_and_seeds_examples(option, value, capsys):
    command = "simulate" if option == "--seed" else "predict"
    with pytest.raises(SystemExit) as stop:
        main([command, f"{option}={value}"])
    assert stop.value.code == 2
    assert f"argument {option}: {value} must be" in capsys.readouterr().err


@pytest.mark.parametrize("device, message", [
    ("bogus", "'bogus' is not a device"),
    pytest.param("cuda", "cuda: torch sees no CUDA device", marks=pytest.mark.skipif(
        torch.cuda.is_available(), reason="has CUDA")),
    pytest.param("cuda:7", "no CUDA device 7", marks=pytest.mark.skipif(
        not torch.cuda.is_available() or torch.cuda.device_count() > 7, reason="needs CUDA")),
])
def test_devices_that_do_not_exist_are_one_line(device, message, capsys):
    for name in ("predict", "score-variants"):
        with pytest.raises(SystemExit) as stop:
            main([name, f"--device={device}"])
        err = capsys.readouterr().err
        assert stop.value.code == 2 and err.count("\n") == 1
        assert f"argument --device: {message}" in err


def test_cpu_device_parses():
    args = build_parser().parse_args(["predict", "x.fa", "-o", "o.tsv", "--model", "m.ckpt", "--device", "cpu"])
    assert args.device == "cpu"


def test_an_output_that_is_an_input_is_refused_before_reading(tmp_path, capsys):
    fasta = tmp_path / "self.fa"
    fasta.write_text(">a\nACGT\n")
    assert main(["predict", str(fasta), "-o", str(fasta), "--model", str(tmp_path / "missing.ckpt")]) == 2
    err = capsys.readouterr().err
    assert f"output {fasta} is the input {fasta}" in err  # before the missing checkpoint was looked for
    assert fasta.read_text() == ">a\nACGT\n"


def test_score_variants_refuses_one_path_for_two_outputs(tmp_path, capsys):
    out = tmp_path / "v.tsv"
    assert main(["score-variants", str(tmp_path / "in.vcf"), "--genome", str(tmp_path / "g.fa"), "-o", str(out),
                 "--skipped", str(out), "--model", str(tmp_path / "m.ckpt")]) == 2
    assert "one file given as two outputs" in capsys.readouterr().err
    assert main(["score-variants", str(tmp_path / "in.vcf"), "--genome", str(tmp_path / "g.fa"), "-o", "-",
                 "--model", str(tmp_path / "m.ckpt")]) == 2
    assert "--skipped" in capsys.readouterr().err


def test_predict_writes_its_table_to_stdout_for_a_dash(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from _interpret_fixtures import random_seqs, save_checkpoint

    root = Path(__file__).resolve().parents[1]
    ckpt = save_checkpoint(tmp_path / "cnn" / "model.ckpt", "cnn")
    (tmp_path / "in.fa").write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(random_seqs(3, 101, seed=1))))
    proc = subprocess.run([sys.executable, "-m", "deepmotif", "predict", str(tmp_path / "in.fa"), "--model", str(ckpt),
                           "-o", "-"], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(root / "src")})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("id\tlength\tcnn_logit") and [line.split("\t")[0] for line in lines[1:]] == \
        ["s0", "s1", "s2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cnn", "in.fa"]  # no file named '-'
