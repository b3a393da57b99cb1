"""``deepmotif <command>``: the command-line interface every Snakemake rule calls.

Each command parses its arguments, calls one library function and writes its outputs atomically.
Problems the user can fix (:class:`deepmotif.errors.InputError`) are printed as one line, without a
traceback, with exit status 2. torch and Lightning are imported inside the commands that need them,
so ``deepmotif --help`` is fast.

This module holds :func:`main`, the command registry (:func:`command`) and the argument types the
commands share; the commands live in one module per stage of the pipeline (:data:`STAGES`):
``deepmotif.cli.data``, ``.simulate``, ``.train``, ``.interpret``, ``.apply`` and ``.report``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import math
import re
import signal
import sys
import threading
from collections.abc import Callable

from deepmotif.data.io import check_paths
from deepmotif.errors import InputError
from deepmotif.runtime.memory import keep_freed_memory
from deepmotif.runtime.threads import limit_threads

log = logging.getLogger("deepmotif")

# the modules deepmotif.cli.<stage> that register the commands, in the order --help lists them
STAGES = ("data", "simulate", "train", "interpret", "apply", "report")

COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], None], str]] = {}


def command(name: str, help: str):
    """Register ``run`` as ``deepmotif <name>``; the decorated function adds its arguments."""

    def wrap(add_arguments):
        def register(run):
            COMMANDS[name] = (add_arguments, run, help)
            return run
        return register
    return wrap


def json_arg(text: str) -> dict:
    """An argparse type: a JSON object."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"not valid JSON: {err}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def number(kind: type, low: float | None = None, low_ok: bool = True, high: float | None = None,
           high_ok: bool = False):
    """An argparse type: a finite ``kind`` (int or float) within ``low``..``high`` (bounds included when
    ``*_ok``; None: unbounded). The bounds are kept in ``.bounds`` (tests walk every option with them).

    NaN passes every comparison and ``float("inf")`` every lower bound, so floats are checked to be
    finite first; integers are written with the digits 0-9.
    """

    def parse(text: str):
        try:
            if kind is int and not re.fullmatch(r"\s*[+-]?[0-9]+\s*", text):  # int() reads '٣' and '1_0'
                raise ValueError(text)
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text} is not a finite number")
        if (low is not None and (value < low or (value == low and not low_ok))) or (
                high is not None and (value > high or (value == high and not high_ok))):
            if high is None:
                raise argparse.ArgumentTypeError(f"{text} must be {'>=' if low_ok else '>'} {low}")
            if low is None:
                raise argparse.ArgumentTypeError(f"{text} must be {'<=' if high_ok else '<'} {high}")
            bounds = f"{'[' if low_ok else '('}{low}, {high}{']' if high_ok else ')'}"
            raise argparse.ArgumentTypeError(f"{text} must be in {bounds}")
        return value

    parse.bounds = (kind, low, low_ok, high, high_ok)
    return parse


# the shared argument types: counts, seeds, fractions, q-values
positive_int = number(int, 0, False)  # counts that must be at least 1 (batch sizes, threads, lengths)
non_negative_int = number(int, 0, True)  # counts where 0 means none or all
seed = number(int, 0, True, 2**32 - 1, True)  # the range numpy and Lightning accept
fraction = number(float, 0, True, 1, False)
probability = number(float, 0, True, 1, True)
q_value = number(float, 0, False, 1, True)
positive_float = number(float, 0, False)
seconds = non_negative_float = number(float, 0, True)


def device(text: str) -> str:
    """An argparse type: a torch device this host has (:func:`deepmotif.models.device.check_device`)."""
    from deepmotif.models.device import check_device

    try:
        return check_device(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


class InputPath(str):
    """An argparse type: a file the command reads (see :func:`main`: outputs may not be inputs)."""


class OutputPath(str):
    """An argparse type: a file the command writes (``-``: standard output where a command writes one table)."""


def _paths(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The :class:`InputPath` and :class:`OutputPath` values of ``args`` (also inside lists)."""
    inputs: list[str] = []
    outputs: list[str] = []
    for value in vars(args).values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, InputPath):
                inputs.append(item)
            elif isinstance(item, OutputPath):
                outputs.append(item)
    return inputs, outputs


def config_section_arg(name: str) -> Callable[[str], dict]:
    """An argparse type: a JSON object of the config section ``name``, checked against the schema, its
    defaults filled in (``'{}'``: every default)."""

    def parse(text: str) -> dict:
        from deepmotif.plan.config import config_section

        try:
            return config_section(name, json_arg(text), "--settings")
        except InputError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    return parse


def split_list(text: str) -> list[str]:
    """``"a, b,,c"`` → ``["a", "b", "c"]``."""
    return [item.strip() for item in text.split(",") if item.strip()]


def key_path(text: str) -> tuple[str, str]:
    """``KEY=PATH`` (an architecture or a TF and a file) → ``(key, path)``."""
    key, sep, path = text.partition("=")
    if not sep or not key or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return key, path


def bool_arg(text: str) -> bool:
    """An argparse type: ``true``/``yes``/``1`` or ``false``/``no``/``0``."""
    if text.lower() in ("true", "yes", "1"):
        return True
    if text.lower() in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``deepmotif <command>: error: ...``), exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered command (imports the modules of :data:`STAGES`)."""
    for stage in STAGES:
        importlib.import_module(f"{__name__}.{stage}")
    parser = Parser(prog="deepmotif", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, (add_arguments, run, help) in COMMANDS.items():
        p = sub.add_parser(name, help=help, description=help)
        add_arguments(p)
        p.set_defaults(run=run)
    return parser


class Terminated(SystemExit):
    """Raised in the main thread when the process gets ``SIGTERM`` (Snakemake, Slurm cancel or time-out).

    An exception, unlike the default action of the signal, runs every ``finally`` and ``__exit__`` on
    the way out, so atomic writes remove their temporary files and folders.
    """


def _terminate(signum: int, frame) -> None:
    raise Terminated(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``deepmotif``."""
    args = build_parser().parse_args(argv)
    keep_freed_memory()  # before the command allocates: batches reuse freed memory (deepmotif.runtime.memory)
    limit_threads()  # before torch or numba starts: waiting threads sleep, numba uses the job's threads
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        check_paths(*_paths(args))  # before anything is read: an output must not replace an input
        args.run(args)
    except InputError as err:
        print(f"deepmotif {args.command}: error: {err}", file=sys.stderr)
        return 2
    except Terminated as stop:
        print(f"deepmotif {args.command}: terminated (SIGTERM); temporary files removed", file=sys.stderr)
        return int(stop.code)
    except KeyboardInterrupt:
        print(f"deepmotif {args.command}: interrupted; temporary files removed", file=sys.stderr)
        return 130
    except OSError as err:  # the system's, not the data's: no room, no permission, a file where a folder goes
        if args.verbose:
            raise
        where = f" {err.filename}" if err.filename else ""
        print(f"deepmotif {args.command}: error:{where}: {err.strerror or err}; check the path, free disk space "
              "and permissions (-v shows the traceback)", file=sys.stderr)
        return 1
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    return 0

