"""Where outputs land: through symlinks, to stdout, into special files, never onto an input, and two
runs writing one output do not remove each other's temporary files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from deepmotif.errors import InputError
from deepmotif.data.io import atomic_dir, atomic_path, check_paths, remove_leftovers, temporary_prefix

ROOT = Path(__file__).resolve().parents[1]


def test_a_symlinked_output_is_written_through(tmp_path):
    target = tmp_path / "store" / "table.tsv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.tsv"
    link.symlink_to(target)
    with atomic_path(link) as tmp:
        tmp.write_text("new\n")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["table.tsv"]  # the temporary was beside it


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.tsv"
    link.symlink_to(tmp_path / "made.tsv")
    with atomic_path(link) as tmp:
        tmp.write_text("x")
    assert link.is_symlink() and (tmp_path / "made.tsv").read_text() == "x"


def test_a_special_file_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader waiting, as a shell's `| less` would
    try:
        with atomic_path(fifo) as tmp:
            tmp.write_text("through the pipe\n")
        assert os.read(reader, 100) == b"through the pipe\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the pipe, not a regular file put in its place


def test_dash_writes_to_stdout():
    code = ("from deepmotif.data.io import atomic_path\n"
            "with atomic_path('-') as tmp:\n"
            "    open(tmp, 'w').write('id\\tprob\\n')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "id\tprob\n"
    assert not (ROOT / "-").exists()


def test_an_output_that_is_an_input_is_refused(tmp_path):
    fasta = tmp_path / "in.fa"
    fasta.write_text(">a\nACGT\n")
    link = tmp_path / "link.tsv"
    link.symlink_to(fasta)
    hard = tmp_path / "hard.tsv"
    os.link(fasta, hard)
    for output in (fasta, tmp_path / "." / "in.fa", link, hard):
        with pytest.raises(InputError, match=rf"output {output} is the input {fasta}"):
            check_paths([fasta], [output])
    assert fasta.read_text() == ">a\nACGT\n"
    check_paths([fasta], [tmp_path / "out.tsv", "-"])  # distinct: fine


def test_two_outputs_on_one_path_are_refused(tmp_path):
    out = tmp_path / "out.tsv"
    with pytest.raises(InputError, match=r"out\.tsv.* twice"):
        check_paths([], [out, tmp_path / "sub" / ".." / "out.tsv"])
    with pytest.raises(InputError, match=r"standard output \(-\)"):
        check_paths([], ["-", "-"])
    check_paths([], [out, None, tmp_path / "other.tsv"])  # optional outputs not given: skipped


def test_two_runs_into_one_output_keep_each_others_temporaries(tmp_path):
    out = tmp_path / "out.tsv"
    with atomic_path(out) as first:
        first.write_text("first\n")
        with atomic_path(out) as second:  # a second writer of the same output while the first runs
            second.write_text("second\n")
        assert first.exists()
    assert out.read_text() == "first\n"  # the first finished last
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tsv"]


def test_only_temporaries_of_processes_that_are_gone_are_removed(tmp_path):
    out = tmp_path / "out.tsv"
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = int(done.stdout)
    dead = tmp_path / f"{temporary_prefix(out, gone)}abcd1234.part"
    dead.write_text("killed half-way")
    alive = tmp_path / f"{temporary_prefix(out, os.getppid())}abcd1234.part"  # another run, still going
    alive.write_text("in progress")
    other = tmp_path / f"{temporary_prefix(tmp_path / 'out.tsv.gz', gone)}abcd1234.part"  # another output
    other.write_text("x")
    elsewhere = tmp_path / f".out.tsv.otherhost-{gone}.abcd1234.part"  # a process on another machine
    elsewhere.write_text("x")
    assert remove_leftovers(out) == [dead]
    assert alive.exists() and other.exists() and elsewhere.exists()


def test_atomic_dir_through_a_symlink(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "old.png").write_text("old")
    link = tmp_path / "figs"
    link.symlink_to(real)
    with atomic_dir(link) as tmp:
        (tmp / "new.png").write_text("new")
    assert link.is_symlink() and [p.name for p in real.iterdir()] == ["new.png"]
