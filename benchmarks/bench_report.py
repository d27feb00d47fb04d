"""Benchmark of a whole per-period run: `romlab run --period 2023-10` at scale 1.0.

    python benchmarks/bench_report.py [--data DIR] [--period 2023-10] [--jobs N] [--runs 3]

Generates the default synthetic data (scale 1.0) into a temporary folder unless
`--data` is given (generation is timed separately and excluded, as in the issue), runs
the period `--runs` times with the command line as `make report` does (`--jobs`: the
command's default unless given), and prints the wall time of each run and their median,
and where the median run's time goes, from its manifest.json: loading and computing once
per period, the disclosure control, the notebooks (they start with the run and wait for
the tables, so their wall time spans the whole run; each notebook's seconds likewise)
and the outputs written beside them (workbook, csv, comparison; the figures and the
HTML pages are written by the notebooks' process). Target: at most 14 s wall on 2 cores.
For paired timings against another checkout use `farm-bench`.
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
    ap.add_argument("--jobs", type=int, default=0, help="notebooks at once (0: the command's default)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "synth"
        if not args.data:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "romlab", "synth", "--out", str(data)], check=True,
                           capture_output=True)
            print(f"data generated in {time.perf_counter() - t0:.1f} s (excluded)")
        runs = []
        for i in range(args.runs):
            out = Path(tmp) / f"runs{i}"
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "romlab", "run", "--period", args.period, "--data",
                                   str(data), "--out", str(out), "--quiet",
                                   *(["--jobs", str(args.jobs)] if args.jobs else [])],
                                  capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                print(proc.stdout, proc.stderr)
                return proc.returncode
            runs.append((wall, json.loads((out / args.period / "manifest.json").read_text())))
    walls = sorted(w for w, _ in runs)
    wall, manifest = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    nb = {k: v["seconds"] for k, v in manifest["notebooks"].items()}
    steps = manifest.get("seconds", {})
    jobs = args.jobs or "default"
    print(f"\n# romlab run --period {args.period} (scale 1.0, --jobs {jobs})\n")
    print(f"wall time: median {wall:.1f} s of {len(walls)} runs ({', '.join(f'{w:.1f}' for w in walls)}); "
          "target at most 14 s\n")
    print("| notebook | seconds |\n|---|---|")
    for k, v in nb.items():
        print(f"| {k} | {v:.1f} |")
    print(f"| sum of notebooks (run {jobs} at a time, each from the run's start) | {sum(nb.values()):.1f} |")
    labels = {"load": "load the data as of the cut-off (once)", "tables": "every table, model and overview (once)",
              "protect": "disclosure control", "notebooks": "notebooks, wall (from their start with the run)",
              "outputs": "outputs beside them: workbook, csv, comparison; then index and manifest"}
    print("\n| step | seconds |\n|---|---|")
    for k, v in steps.items():
        print(f"| {labels.get(k, k)} | {v:.1f} |")
    before = sum(v for k, v in steps.items() if k in ("load", "tables", "protect"))
    print(f"| notebooks after the tables were ready | {steps.get('notebooks', 0) - before:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
