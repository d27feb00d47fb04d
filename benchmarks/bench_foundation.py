"""Benchmark of the foundation: synthetic generation, loading with full validation, and
the generated volumes against the report's.

    python benchmarks/bench_foundation.py [--scale 1.0] [--seed N] [--keep DIR]

Prints a Markdown report: `romlab synth` time (target < 60 s at scale 1.0), `romlab.load`
time with full validation (target < 15 s), row counts per table, and the volumes against
the published ones (urval.csv step 1: 815 000 periodic reports Jul 2022 – May 2023;
Tabell 18: 137 840 starts in windows 1–4), which should be within 5 %.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import romlab
from romlab import paths
from romlab.report.classify import window


def _published(file: str, **where) -> float:
    t = pd.read_csv(paths.PUBLISHED / file)
    for k, v in where.items():
        t = t[t[k] == v]
    return float(t["value"].iloc[0])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", default=None, help="write the data here instead of a temporary folder")
    ap.add_argument("--data", default=None, help="ignored (kept for `make bench`)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep or tmp) / "synth"
        cmd = [sys.executable, "-m", "romlab", "synth", "--scale", str(args.scale), "--out", str(out)]
        if args.seed is not None:
            cmd += ["--seed", str(args.seed)]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        t_synth = time.perf_counter() - t0

        t0 = time.perf_counter()
        ds = romlab.load(out)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        ds.as_of_view("2023-08-11")
        t_asof = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in out.iterdir()) / 1024**2

    part = ds.participations
    rep = ds.periodic_reports.merge(part[["participation_id", "generation"]], on="participation_id")
    in_period = rep["month"].between("2022-07-01", "2023-05-01") & (rep["generation"] == 1)
    w = window(part["start_date"])
    volumes = pd.DataFrame([
        ("periodic reports Jul 2022 – May 2023 (RoM 1)", in_period.sum(),
         _published("urval.csv", step=1) * args.scale, "urval.csv step 1, L850"),
        ("starts in windows 1–4", w.between(1, 4).sum(),
         _published("tabell_18.csv", measure="observations") * args.scale, "tabell_18.csv N, L2933"),
    ], columns=["volume", "synthetic", "report × scale", "source"])
    volumes["difference %"] = (volumes["synthetic"] / volumes["report × scale"] - 1) * 100
    volumes["within 5 %"] = volumes["difference %"].abs() <= 5

    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"# Foundation benchmark (scale {args.scale}, romlab {romlab.__version__})\n")
    print("| step | seconds | target |\n|---|---|---|")
    print(f"| romlab synth (generate + write Parquet, {size_mb:.0f} MB) | {t_synth:.1f} | < 60 |")
    print(f"| romlab.load with full validation | {t_load:.1f} | < 15 |")
    print(f"| Dataset.as_of_view('2023-08-11') | {t_asof:.1f} | |")
    print(f"\npeak memory of the load process: {peak_gb:.1f} GB\n")
    print(ds.row_counts().to_string(index=False))
    print()
    print(volumes.round(2).to_string(index=False))
    return 0 if volumes["within 5 %"].all() else 1


if __name__ == "__main__":
    sys.exit(main())
