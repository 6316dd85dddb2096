"""Every example runs, in fast mode, and draws its figure."""

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_runs_and_saves_its_figure(script, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SKSEQ2SEQ_FAST", "1")
    monkeypatch.setenv("SKSEQ2SEQ_OUTPUT", str(tmp_path))
    runpy.run_path(str(script), run_name="__main__")
    figures = list(tmp_path.glob("*.png"))
    assert figures, f"{script.name} saved no figure"
    assert all(figure.stat().st_size > 1000 for figure in figures)
    assert "saved" in capsys.readouterr().out
