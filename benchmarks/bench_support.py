"""Benchmark of the support section (report §3.5 and §4) in one process.

    python benchmarks/bench_support.py [--scale 1.0] [--data DIR]

Generates the synthetic data at `--scale` (in a subprocess, not timed here) unless
`--data` is given, loads it once as of the 2023-10 cut-off, then times the selection,
the trimming and every support table (the register's tables of `10_stod`). Prints the
seconds per step and the peak memory (RSS) of this process. Targets: under 5 s for
the section at scale 1.0 after loading; peak under 12 GB at scale 10.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import romlab
from romlab.report import registry, support


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--data", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "synth"
        if not args.data:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "romlab", "synth", "--scale", str(args.scale),
                            "--out", str(data)], check=True, capture_output=True)
            print(f"generated scale {args.scale} in {time.perf_counter() - t0:.1f} s (subprocess, not in peak)")
        cfg = romlab.RunConfig.for_period("2023-10")
        t0 = time.perf_counter()
        ds = romlab.load(data, as_of=cfg.data_cutoff)
        t_load = time.perf_counter() - t0
        rows = len(ds.periodic_reports)
        times = {"select_reports": [], "support tables (selection + all tables)": []}
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            sample = support.select_reports(ds, cfg)
            times["select_reports"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            inputs = registry.Inputs(ds, cfg)
            tabs = {d.key: inputs.table(d.key) for d in registry.table_defs(kind=None) if d.notebook == "10_stod"}
            times["support tables (selection + all tables)"].append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"\n# Support section benchmark (scale {args.scale}, {rows:,} periodic reports as of the cut-off)\n")
    print("| step | best of %d (s) | target |\n|---|---|---|" % args.repeat)
    print(f"| romlab.load with full validation (once) | {t_load:.1f} | |")
    for k, v in times.items():
        print(f"| {k} | {min(v):.2f} | {'< 5' if 'tables' in k else ''} |")
    print(f"\nreport-months selected: {len(sample.months):,}; tables: {len(tabs)}")
    print(f"peak memory (RSS) of this process: {peak:.1f} GB (target < 12 GB at scale 10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
