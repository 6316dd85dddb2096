"""The docs build, warnings as errors, without the network."""

import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[1] / "docs"


# sphinx, with every attempt to open a network connection failing loudly
OFFLINE_SPHINX = """
import socket, sys

def refuse(*args, **kwargs):
    raise OSError("the docs build tried to use the network")

socket.socket.connect = refuse
socket.create_connection = refuse
from sphinx.cmd.build import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    out = tmp_path / "html"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            OFFLINE_SPHINX,
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    pages = {path.relative_to(out).as_posix() for path in out.rglob("*.html")}
    for page in [
        "index.html",
        "getting_started.html",
        "user_guide.html",
        "api.html",
        "benchmarks.html",
        "auto_examples/index.html",
    ]:
        assert page in pages
    examples = [p for p in pages if p.startswith("auto_examples/plot_")]
    assert len(examples) == len(list((DOCS.parent / "examples").glob("plot_*.py")))
    api = (out / "api.html").read_text()
    assert "save_safe" in api and "teacher_forcing_ratio" in api


def test_every_example_figure_is_in_the_docs():
    for script in (DOCS.parent / "examples").glob("plot_*.py"):
        name = script.stem.removeprefix("plot_")
        assert (DOCS / "_static" / "examples" / f"{name}.png").exists(), name
        assert (DOCS / "_static" / "examples" / f"{name}.txt").exists(), name
