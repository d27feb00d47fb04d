"""Benchmark of a whole per-period run: `romlab run --period 2023-10` at scale 1.0.

    python benchmarks/bench_report.py [--data DIR] [--period 2023-10] [--jobs 2]

Generates the default synthetic data (scale 1.0) into a temporary folder unless
`--data` is given (generation is timed separately and excluded, as in the issue), runs
the period with the command line as `make report` does, and prints the wall time and
where it goes, from the run's manifest.json: loading and computing once per period, the
disclosure control, the notebooks (each notebook's seconds; they run `--jobs` at a
time, so they add up to more than their wall time) and the outputs (workbook,
comparison, figures, HTML). Target: under 60 s wall here; 30 s is the ambition.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--period", default="2023-10")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "synth"
        if not args.data:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "romlab", "synth", "--out", str(data)], check=True,
                           capture_output=True)
            print(f"data generated in {time.perf_counter() - t0:.1f} s (excluded)")
        out = Path(tmp) / "runs"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "romlab", "run", "--period", args.period, "--data",
                               str(data), "--out", str(out), "--jobs", str(args.jobs), "--quiet"],
                              capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr)
            return proc.returncode
        manifest = json.loads((out / args.period / "manifest.json").read_text())
    nb = {k: v["seconds"] for k, v in manifest["notebooks"].items()}
    steps = manifest.get("seconds", {})
    print(f"\n# romlab run --period {args.period} (scale 1.0, --jobs {args.jobs})\n")
    print(f"wall time: {wall:.1f} s (target < 60, ambition < 30)\n")
    print("| notebook | seconds |\n|---|---|")
    for k, v in nb.items():
        print(f"| {k} | {v:.1f} |")
    print(f"| sum of notebooks (run {args.jobs} at a time) | {sum(nb.values()):.1f} |")
    labels = {"load": "load the data as of the cut-off (once)", "tables": "every table, model and overview (once)",
              "protect": "disclosure control", "notebooks": f"notebooks, wall ({args.jobs} at a time)",
              "outputs": "outputs: workbook, csv, comparison, figures, HTML, index, manifest"}
    print("\n| step | seconds |\n|---|---|")
    for k, v in steps.items():
        print(f"| {labels.get(k, k)} | {v:.1f} |")
    print(f"| rest (interpreter start, imports, bundle, rename) | {wall - sum(steps.values()):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
