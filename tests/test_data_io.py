"""deepmotif.data.io: text decoding (BOM, Latin-1), atomic writes and the removal of leftovers."""

from __future__ import annotations

import csv

import pytest

from deepmotif.errors import InputError
from deepmotif.data.io import atomic_dir, atomic_path, file_digest, open_text, read_text, remove_leftovers


def test_open_text_drops_the_byte_order_mark(tmp_path):
    sheet = tmp_path / "tfs.tsv"
    sheet.write_bytes("tf\tsource\r\nCTCF\tsimulated\r\n".encode("utf-8-sig"))
    with open_text(sheet) as f:
        rows = list(csv.reader(f, delimiter="\t"))
    assert rows == [["tf", "source"], ["CTCF", "simulated"]]


def test_latin1_names_file_line_and_byte(tmp_path):
    sheet = tmp_path / "tfs.tsv"
    sheet.write_bytes("tf\tdescription\nCTCF\tinsulator\nREST\trépresseur\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"tfs.tsv line 3: not UTF-8 text \(byte 0xe9 at column 7\)"):
        read_text(sheet)


def test_utf16_is_named(tmp_path):
    sheet = tmp_path / "tfs.tsv"
    sheet.write_bytes("tf\n".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        read_text(sheet)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "nope.tsv")


def test_atomic_path_removes_its_temporary_on_error(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "out.tsv") as tmp:
            tmp.write_text("half")
            raise RuntimeError
    assert list(tmp_path.iterdir()) == []



class Terminated(Exception):
    """What the tests' SIGTERM handler raises (as `deepmotif` commands turn SIGTERM into an exception)."""


def on_sigterm(signum, frame):
    raise Terminated


@pytest.mark.parametrize("kind", ["file", "dir"])
def test_sigterm_right_after_the_temporary_is_created_leaves_nothing(tmp_path, monkeypatch, kind):
    # CI caught it: SIGTERM (turned into an exception, as `deepmotif` commands do) arriving between
    # mkstemp and the `try` that removes the temporary leaked the .part file
    import signal
    import tempfile

    from deepmotif.data.io import atomic_dir

    name = "mkstemp" if kind == "file" else "mkdtemp"
    create = getattr(tempfile, name)

    def create_then_get_killed(*args, **kwargs):
        made = create(*args, **kwargs)
        signal.raise_signal(signal.SIGTERM)  # the handler runs at once unless the signal is held back
        return made

    monkeypatch.setattr(tempfile, name, create_then_get_killed)
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        with pytest.raises(Terminated):
            with (atomic_path if kind == "file" else atomic_dir)(tmp_path / "out") as tmp:
                tmp.joinpath("x").write_text("") if kind == "dir" else tmp.write_text("x")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["file", "dir"])
def test_sigterm_taken_by_another_thread_right_after_the_temporary_is_created_leaves_nothing(
        tmp_path, monkeypatch, kind):
    # test_data_genome_interrupt's fetch-genome run leaked its .part once under load: `kill` sends SIGTERM to
    # the process, the kernel hands it to a thread that does not block it (numpy's OpenBLAS pool; here
    # a plain thread), and Python then runs the handler in the main thread inside the block that held
    # the signal back with pthread_sigmask, before the temporary's name was kept for the clean-up
    import os
    import signal
    import socket
    import tempfile
    import threading

    name = "mkstemp" if kind == "file" else "mkdtemp"
    create = getattr(tempfile, name)
    caught, wakeup = socket.socketpair()  # Python's C-level handler writes each signal's number here
    wakeup.setblocking(False)

    def create_then_get_killed(*args, **kwargs):
        made = create(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)  # the process, not this thread: the other thread takes it
        assert caught.recv(1) == bytes([signal.SIGTERM])  # the signal has arrived (C level) ...
        return made  # ... and Python runs its handler at the next bytecode

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)  # a thread that does not block SIGTERM
    other.start()
    monkeypatch.setattr(tempfile, name, create_then_get_killed)
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    previous_fd = signal.set_wakeup_fd(wakeup.fileno(), warn_on_full_buffer=False)
    try:
        with pytest.raises(Terminated):
            with (atomic_path if kind == "file" else atomic_dir)(tmp_path / "out") as tmp:
                tmp.joinpath("x").write_text("") if kind == "dir" else tmp.write_text("x")
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGTERM, previous)
        stop.set()
        other.join()
        caught.close()
        wakeup.close()
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is previous  # the handlers are back


def test_stale_leftovers_of_the_same_output_are_removed_on_the_next_write(tmp_path):
    (tmp_path / ".out.tsv.k1l2m3n4.part").write_text("killed half-way")
    (tmp_path / ".out.tsv.abcd_123.part").mkdir()
    other = tmp_path / ".out.tsv.gz.zzzzzzzz.part"  # another output's temporary: not ours
    other.write_text("x")
    unrelated = tmp_path / ".out.tsv.notes.part"
    unrelated.write_text("x")
    with atomic_path(tmp_path / "out.tsv") as tmp:
        tmp.write_text("done")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".out.tsv.gz.zzzzzzzz.part", ".out.tsv.notes.part", "out.tsv"])


def test_atomic_dir_replaces_only_on_success(tmp_path):
    dest = tmp_path / "figs"
    with atomic_dir(dest) as tmp:
        (tmp / "a.png").write_text("a")
    with pytest.raises(RuntimeError):
        with atomic_dir(dest) as tmp:
            (tmp / "b.png").write_text("b")
            raise RuntimeError
    assert [p.name for p in dest.iterdir()] == ["a.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figs"]


def test_remove_leftovers_without_folder(tmp_path):
    assert remove_leftovers(tmp_path / "no" / "x.tsv") == []


def test_file_digest(tmp_path):
    f = tmp_path / "x"
    f.write_bytes(b"abc")
    assert file_digest(f) == "900150983cd24fb0d6963f7d28e17f72"
    assert file_digest(f, "sha256").startswith("ba7816bf")
