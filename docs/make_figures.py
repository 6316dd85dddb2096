"""Run every example in full mode; keep its figure and output for the docs.

    python docs/make_figures.py              # all examples, about 15 minutes
    python docs/make_figures.py plot_sine    # those whose name contains this

Figures and printed output land in ``docs/_static/examples/``, from where
the gallery pages show them.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "_static" / "examples"


def main():
    """Run the chosen examples and store what they print and draw."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    wanted = sys.argv[1:]
    for script in sorted((ROOT / "examples").glob("plot_*.py")):
        if wanted and not any(word in script.stem for word in wanted):
            continue
        print(f"running {script.name}", flush=True)
        environment = {**os.environ, "SKSEQ2SEQ_OUTPUT": str(OUTPUT)}
        environment.pop("SKSEQ2SEQ_FAST", None)
        result = subprocess.run(
            [sys.executable, str(script)],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        printed = [
            line for line in result.stdout.splitlines() if not line.startswith("saved ")
        ]
        (OUTPUT / f"{script.stem.removeprefix('plot_')}.txt").write_text(
            "\n".join(printed) + "\n"
        )


if __name__ == "__main__":
    main()
