"""Lazy exports (deepmotif.runtime.lazy): reading results imports no torch, and an exported name is the
function, never a submodule of the same name."""

from __future__ import annotations

import sys

from conftest import loaded_after


def test_reading_results_does_not_import_torch():
    # torch's import costs ~1.5 s CPU in every dashboard job; the modules that read results need none
    code = ("import deepmotif.report.tf_report, deepmotif.report.modisco_figures, deepmotif.apply.variants, "
            "deepmotif.apply.predict, deepmotif.interpret.modisco, deepmotif.interpret.motifs, "
            "deepmotif.simulation.groundtruth, deepmotif.interpret.arrays; from deepmotif.interpret import trim_pwm")
    assert not loaded_after(code, "torch")
    assert loaded_after("from deepmotif.interpret import ism", "torch")  # the check can see torch


def test_interpret_exports_are_the_functions():
    # the package's names are imported lazily; `ism` must be the function, not a submodule of that name
    import deepmotif.interpret.interpretation  # noqa: F401  (imports the mutagenesis module first)
    from deepmotif.interpret import ism, saliency_map, temporal_scores

    assert all(callable(f) and not isinstance(f, type(sys)) for f in (ism, saliency_map, temporal_scores))


def test_instance_calling_skips_finemos_plotting_init():
    # finemo's __init__ imports its report code and matplotlib (~1.5 s CPU per job); the hit caller needs neither
    code = ("from deepmotif.runtime.lazy import import_skipping_package_init as imp; "
            "assert callable(imp('finemo.hitcaller').fit_contribs) and callable(imp('finemo.data_io').trim_motif)")
    assert not loaded_after(code, "finemo.visualization")
    assert not loaded_after(code, "matplotlib")
    assert loaded_after("import finemo.hitcaller", "finemo.visualization")  # what a plain import does


def test_a_missing_package_is_module_not_found():
    import pytest

    from deepmotif.runtime.lazy import import_skipping_package_init

    with pytest.raises(ModuleNotFoundError, match="no_such_package_x"):
        import_skipping_package_init("no_such_package_x.sub")
    assert "no_such_package_x" not in sys.modules


def test_meme_files_are_read_and_written_without_numba(tmp_path):
    # memelite's __init__ imports its numba code (~0.4 s CPU); the dashboard and summaries only read MEME files
    code = (f"import numpy as np; from deepmotif.interpret.motifs import read_meme, write_meme; "
            f"write_meme({str(tmp_path / 'a.meme')!r}, [np.full((4, 3), 0.25)], ['m']); "
            f"assert read_meme({str(tmp_path / 'a.meme')!r})[1] == ['m']")
    assert not loaded_after(code, "numba")
    assert not loaded_after(code, "memelite")  # the package is neither imported nor registered
    assert loaded_after("import memelite", "numba")  # what a plain import does


def test_a_submodule_alone_leaves_its_package_importable():
    from deepmotif.runtime.lazy import import_submodule_alone

    io = import_submodule_alone("memelite.io")
    assert callable(io.read_meme) and import_submodule_alone("memelite.io") is io  # loaded once
    code = ("import types; from deepmotif.runtime.lazy import import_submodule_alone as alone; alone('memelite.io'); "
            "from memelite import tomtom; assert callable(tomtom) and not isinstance(tomtom, types.ModuleType)")
    assert loaded_after(code, "memelite")  # the package's __init__ ran: tomtom is the function


def test_a_missing_submodule_alone_is_module_not_found():
    import pytest

    from deepmotif.runtime.lazy import import_submodule_alone

    for name in ("memelite.no_such_module", "no_such_package_x.io", "memelite"):
        with pytest.raises(ModuleNotFoundError):
            import_submodule_alone(name)
