"""The shared tables (deepmotif.data.tables): one atomic writer, readers that keep ids and alleles as text."""

from __future__ import annotations

import pandas as pd
import pytest

from deepmotif.data.tables import read_planted, read_positives, read_variant_table, write_table
from deepmotif.errors import InputError


def test_write_table_writes_a_tsv_without_index_and_leaves_nothing_on_failure(tmp_path):
    path = tmp_path / "t.tsv"
    write_table(pd.DataFrame({"id": ["a", "b"], "x": [1 / 3, 2.0]}), path, float_format="%.3g")
    assert path.read_text() == "id\tx\na\t0.333\nb\t2\n"

    class Broken(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            super().to_csv(*args, **kwargs)
            raise RuntimeError("disk full half-way")

    with pytest.raises(RuntimeError):
        write_table(Broken({"id": ["c"]}), tmp_path / "u.tsv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.tsv"]  # no u.tsv, no temporary file


def test_readers_keep_ids_chromosomes_and_alleles_as_text(tmp_path):
    (tmp_path / "planted.tsv").write_text("peak\tchrom\tstart\tend\tstrand\tmotif_id\tmotif_name\n"
                                          "007\t1\t10\t29\t+\tMA0139.1\tCTCF\n")
    planted = read_planted(tmp_path / "planted.tsv")
    assert planted.loc[0, "peak"] == "007" and planted.loc[0, "chrom"] == "1" and planted.loc[0, "start"] == 10
    (tmp_path / "positives.tsv").write_text("id\tchrom\tstart\tend\tseq\n0012\tX\t0\t4\tACGT\n")
    assert read_positives(tmp_path / "positives.tsv").loc[0, "id"] == "0012"
    (tmp_path / "variants.tsv").write_text("chrom\tpos\tid\tref\talt\ttf\tarch\tdelta_logit\n"
                                           "1\t5\tNA\tT\tNA\t1\tcnn\t0.5\n")
    row = read_variant_table(tmp_path / "variants.tsv").iloc[0]
    assert (row["chrom"], row["id"], row["alt"], row["tf"], row["delta_logit"]) == ("1", "NA", "NA", "1", 0.5)


def test_read_planted_names_the_file_and_the_missing_column(tmp_path):
    (tmp_path / "planted.tsv").write_text("peak\tchrom\tstart\tend\n1\tchr1\t0\t5\n")
    with pytest.raises(InputError, match=r"planted\.tsv: missing columns \['motif_id', 'strand'\]"):
        read_planted(tmp_path / "planted.tsv")
