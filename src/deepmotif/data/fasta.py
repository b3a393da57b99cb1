"""Writing FASTA files with a samtools-compatible ``.fai`` index."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from deepmotif.io import atomic_path


def write_fasta(path: str | os.PathLike, records: Mapping[str, str], width: int = 60) -> None:
    """Write ``records`` (name → sequence) as FASTA with ``width`` bases per line, and its ``.fai``.

    The index lets bedtools and pyfaidx read the file without indexing it again.
    """
    path = Path(path)
    index_lines = []
    with atomic_path(path) as tmp, open(tmp, "w") as out:
        offset = 0
        for name, seq in records.items():
            header = f">{name}\n"
            out.write(header)
            offset += len(header)
            index_lines.append(f"{name}\t{len(seq)}\t{offset}\t{width}\t{width + 1}\n")
            for i in range(0, len(seq), width):
                line = seq[i:i + width] + "\n"
                out.write(line)
                offset += len(line)
    with atomic_path(f"{path}.fai") as tmp:
        Path(tmp).write_text("".join(index_lines))


def chrom_sizes(fasta: str | os.PathLike) -> dict[str, int]:
    """Chromosome lengths of an indexed FASTA (reads ``<fasta>.fai``; builds it with pyfaidx if missing)."""
    fai = Path(f"{fasta}.fai")
    if not fai.exists():
        import pyfaidx

        pyfaidx.Faidx(str(fasta)).close()
    sizes = {}
    for line in fai.read_text().splitlines():
        name, length = line.split("\t")[:2]
        sizes[name] = int(length)
    return sizes
