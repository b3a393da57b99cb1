"""Safe extraction of dataset archives and discovery of the datasets inside.

The authors' archive (``data/deepbind.tar.gz`` of QData/DeepMotif, 108 ENCODE ChIP-seq sets) unpacks
to ``deepbind/<name>/{train,test}.fa``, the layout its ``main.lua`` reads as
``<data_root>/<dataset>/<TF>/<split>.fa``. DeepBind's own supplement ships ``<name>_AC.seq.gz``
(training) and ``<name>_B.seq.gz`` (test) pairs. :func:`list_deepbind_datasets` finds both.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
import tarfile
from pathlib import Path

from deepmotif.errors import InputError
from deepmotif.data.io import atomic_dir

log = logging.getLogger(__name__)

# dataset names become wildcards and paths (STYLE.md): letters, digits and _ - . ( ) +
DATASET_NAME = re.compile(r"[A-Za-z0-9_.()+-]+")
DEMO_FILES = {"train": ("train.fa", "train.fa.gz"), "test": ("test.fa", "test.fa.gz")}
DEEPBIND_SUFFIXES = {"train": ("_AC.seq.gz", "_AC.seq"), "test": ("_B.seq.gz", "_B.seq")}
_FILTER_ERRORS = (tarfile.FilterError,) if hasattr(tarfile, "FilterError") else ()


def safe_extract_tar(archive: str | os.PathLike, dest: str | os.PathLike, overwrite: bool = False) -> Path:
    """Extract a (compressed) tar archive into the directory ``dest``, refusing unsafe members.

    Every member is checked before anything is written: absolute paths, ``..`` components, links
    pointing outside ``dest`` (also through a chain of the archive's own links) and device/FIFO
    members raise :class:`InputError`. The check does not rely on tarfile's ``data`` filter, which
    Python < 3.11.4 (Debian 12's 3.11.2) lacks; where it exists it is applied as well. The archive is
    unpacked into a temporary directory beside ``dest`` and renamed onto it at the end, so a failure
    leaves no ``dest``.

    Parameters
    ----------
    archive: path
        ``.tar``, ``.tar.gz``, ``.tar.bz2`` or ``.tar.xz`` (compression detected from content).
    dest: path
        Directory to create; it holds the archive's top-level entries.
    overwrite: bool, optional
        Replace an existing non-empty ``dest`` (default: refuse).

    Returns
    -------
    pathlib.Path
        ``dest``.
    """
    archive, dest = Path(archive), Path(dest)
    if not archive.is_file():
        raise InputError(f"{archive}: no such file; check the path")
    try:
        with atomic_dir(dest, overwrite=overwrite) as tmp, _open_tar(archive) as tar:
            members = tar.getmembers()
            links: dict[str, str] = {}
            for member in members:
                _check_member(archive, member, links)
            if not members:
                raise InputError(f"{archive}: the archive is empty")
            if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: also strips modes, owners
                tar.extractall(tmp, members=members, filter="data")
            else:  # pragma: no cover - older Pythons; members were checked above
                tar.extractall(tmp, members=members)
    except _FILTER_ERRORS as e:  # refused by tarfile's data filter, e.g. a chain of links leading out
        member = getattr(e, "tarinfo", None)
        name = member.name if member is not None else "?"
        raise InputError(
            f"{archive}: refusing to extract member {name!r}: {e}; the archive is unsafe or corrupt, get it "
            f"from a trusted source"
        ) from e
    except (EOFError, tarfile.TarError) as e:
        raise InputError(
            f"{archive}: cannot read the archive ({e}); it is truncated or corrupt: download it again"
        ) from e
    except OSError as e:
        raise InputError(
            f"{archive}: cannot extract into {dest} ({e}); check free disk space and permissions"
        ) from e
    log.info("extracted %s (%d members) -> %s", archive, len(members), dest)
    return dest


def _open_tar(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:*")
    except (tarfile.ReadError, EOFError, OSError) as e:
        with open(archive, "rb") as f:
            head = f.read(64)
        hint = ""
        if head.startswith(b"version https://git-lfs"):
            hint = " (a Git LFS pointer: download the media URL https://media.githubusercontent.com/media/...)"
        raise InputError(f"{archive}: not a readable tar archive ({e}){hint}; download it again") from e


def _check_member(archive: Path, member: tarfile.TarInfo, links: dict[str, str]) -> None:
    """Refuse ``member`` if it is unsafe; ``links`` maps the symbolic links seen so far to targets."""
    name = member.name
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        _refuse(archive, member, "has an absolute path")
    if ".." in name.replace("\\", "/").split("/"):
        _refuse(archive, member, "contains '..'")
    if member.isdev() or member.isfifo():
        _refuse(archive, member, "is a device or FIFO")
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        _refuse(archive, member, "is not a regular file, directory or link")
    parent = posixpath.dirname(posixpath.normpath(name))
    if _resolve(parent, links) is None:
        _refuse(archive, member, "would be written outside the archive through a symbolic link in its path")
    if member.issym():
        target = member.linkname
        if target.startswith("/") or _resolve(posixpath.join(parent, target), links) is None:
            _refuse(archive, member, f"is a symbolic link pointing outside the archive ({target})")
        links[posixpath.normpath(name)] = target
    if member.islnk():
        if member.linkname.startswith("/") or _resolve(member.linkname, links) is None:
            _refuse(archive, member, f"is a hard link pointing outside the archive ({member.linkname})")


def _resolve(path: str, links: dict[str, str], depth: int = 0) -> list[str] | None:
    """Components of ``path`` (relative to the archive root) with the archive's links followed.

    Returns ``None`` when the path leaves the root, directly or through links, or when links nest
    deeper than 40 (a loop).
    """
    if depth > 40:
        return None
    parts: list[str] = []
    for part in path.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
            continue
        here = "/".join(parts + [part])
        if here in links:
            target = links[here]
            if target.startswith("/"):
                return None
            resolved = _resolve(posixpath.join("/".join(parts), target), links, depth + 1)
            if resolved is None:
                return None
            parts = resolved
        else:
            parts.append(part)
    return parts


def _refuse(archive: Path, member: tarfile.TarInfo, why: str) -> None:
    raise InputError(
        f"{archive}: refusing to extract member {member.name!r}: it {why}; the archive is unsafe or "
        f"corrupt, get it from a trusted source"
    )


def list_deepbind_datasets(
    folder: str | os.PathLike, exclude: tuple[str, ...] = ("ALL",)
) -> list[tuple[str, Path, Path]]:
    """Find train/test datasets under ``folder`` (searched recursively).

    Two layouts are recognised:

    - DeMo (QData/DeepMotif ``deepbind.tar.gz``): a directory ``<name>/`` holding ``train.fa`` and
      ``test.fa`` (``.fa.gz`` also accepted); FASTA headers ``>1``/``>0`` are the labels.
    - DeepBind supplement: ``<name>_AC.seq.gz`` (training) beside ``<name>_B.seq.gz`` (test).

    Hidden entries (``.*``, macOS ``._*``) are skipped; a folder or pair missing one of its two
    files is skipped with a warning.

    Parameters
    ----------
    folder: path
        Where the archive was extracted (or the DeepBind files lie).
    exclude: tuple of str, optional
        Name prefixes to skip. Default ``("ALL",)``: the authors' ``main.lua`` loop skips folders
        starting with ``ALL`` (pooled data, not one TF).

    Returns
    -------
    list of (str, pathlib.Path, pathlib.Path)
        ``(name, train_path, test_path)`` sorted by name.

    Raises
    ------
    InputError
        ``folder`` missing, no dataset found, a name used twice, or a name with characters outside
        letters, digits and ``_ - . ( ) +``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such directory; extract the dataset archive there first")
    found: dict[str, tuple[Path, Path]] = {}
    incomplete: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files = {f for f in files if not f.startswith(".")}
        root = Path(root)
        demo = {split: _first(root, names, files) for split, names in DEMO_FILES.items()}
        if demo["train"] and demo["test"]:
            _add(found, root.name, demo["train"], demo["test"], folder)
        elif demo["train"] or demo["test"]:
            incomplete.append(str(root))
        for f in sorted(files):
            for suffix in DEEPBIND_SUFFIXES["train"]:
                if f.endswith(suffix):
                    name = f.removesuffix(suffix)
                    test = _first(root, [name + s for s in DEEPBIND_SUFFIXES["test"]], files)
                    if test is None:
                        incomplete.append(str(root / f))
                    else:
                        _add(found, name, root / f, test, folder)
    excluded = [n for n in found if exclude and n.startswith(tuple(exclude))]
    for name in excluded:
        log.info("%s: skipping dataset %s (excluded prefix)", folder, name)
        del found[name]
    if incomplete:
        log.warning("%s: skipped %d incomplete datasets (need both train and test): %s", folder,
                    len(incomplete), ", ".join(incomplete[:5]) + (" ..." if len(incomplete) > 5 else ""))
    if not found:
        raise InputError(
            f"{folder}: no datasets found; expected <name>/train.fa + <name>/test.fa folders (DeMo) or "
            f"<name>_AC.seq.gz + <name>_B.seq.gz pairs (DeepBind)"
        )
    return [(name, *found[name]) for name in sorted(found)]


def _first(root: Path, candidates, files: set[str]) -> Path | None:
    return next((root / f for f in candidates if f in files), None)


def _add(found: dict, name: str, train: Path, test: Path, folder: Path) -> None:
    if not DATASET_NAME.fullmatch(name):
        raise InputError(
            f"{train.parent}: dataset name {name!r} may only contain letters, digits and _ - . ( ) +; "
            f"rename it"
        )
    if name in found:
        raise InputError(
            f"{folder}: dataset {name!r} found twice ({found[name][0]} and {train}); keep one of them"
        )
    found[name] = (train, test)


def select_datasets(
    folder: str | os.PathLike, exclude: tuple[str, ...] = ("ALL",), include: tuple[str, ...] = ()
) -> list[tuple[str, Path, Path]]:
    """:func:`list_deepbind_datasets`, kept to the names in ``include`` when it is not empty.

    Raises
    ------
    InputError
        A name of ``include`` that the folder does not hold.
    """
    datasets = list_deepbind_datasets(folder, exclude=exclude)
    if not include:
        return datasets
    names = {name for name, _, _ in datasets}
    unknown = [n for n in include if n not in names]
    if unknown:
        raise InputError(f"{folder}: dataset {unknown[0]!r} of the include list is not in the archive; "
                         f"it has {len(names)} datasets, e.g. {', '.join(sorted(names)[:3])}")
    return [d for d in datasets if d[0] in include]
