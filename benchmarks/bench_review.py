"""Benchmark of the provider review (romlab.review) at scale 1.0, after loading.

    python benchmarks/bench_review.py [--data DIR] [--month 2025-03] [--repeat 5]

Without ``--data`` the default synthetic data (scale 1.0, default seed) are generated
into a temporary folder first. Prints a Markdown table: the time of one follow-up
(`review.follow_up`, target < 2 s), a review of two follow-ups (`review.review`), the
weight sensitivity (four weight sets), and the export of the follow-up file (Excel and
CSV); the median of ``--repeat`` runs each. Loading is timed separately and not counted.
Also prints the review's counts (contracts meeting all / two of the three conditions).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import romlab
from romlab import review
from romlab.data import synth

TARGET_S = 2.0


def _median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="dataset folder (default: generate scale 1.0 into a temp folder)")
    ap.add_argument("--month", default="2025-03", help="publication month (default 2025-03)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "synth"
        if not args.data:
            t0 = time.perf_counter()
            synth.synth(data, scale=1.0)
            print(f"generated scale 1.0 in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        t0 = time.perf_counter()
        ds = romlab.load(data)
        t_load = time.perf_counter() - t0

        m1, m2 = review.review_months(args.month)
        t_fu, fu = _median_time(lambda: review.follow_up(ds, m2), args.repeat)
        t_rv, rv = _median_time(lambda: review.review(ds, m1, m2), args.repeat)
        t_ws, _ = _median_time(lambda: review.weight_sensitivity(ds, m1, m2), args.repeat)
        t_ex, _ = _median_time(lambda: review.export_follow_up(fu, Path(tmp) / f"resultatuppfoljning_{m2}"),
                               args.repeat)

    rows = [
        (f"follow_up({m2!r}): one publication month", t_fu, f"< {TARGET_S:g}"),
        (f"review({m1!r}, {m2!r}): two follow-ups", t_rv, ""),
        ("weight_sensitivity: four weight sets", t_ws, ""),
        ("export_follow_up: Excel + CSV", t_ex, ""),
    ]
    print(f"# Provider review benchmark (romlab {romlab.__version__}, data {data if args.data else 'scale 1.0'})\n")
    print(f"romlab.load (not counted): {t_load:.1f} s; median of {args.repeat} runs each\n")
    print("| step | seconds | target |\n|---|---|---|")
    for name, t, target in rows:
        print(f"| {name} | {t:.3f} | {target} |")
    print(f"\ncontracts in the follow-up {m2}: {int(fu['in_follow_up'].sum())}; in the review: {len(rv)}; "
          f"meeting all three conditions: {int(rv['meets_all'].sum())}; two of three: "
          f"{int((rv['conditions_met'] == 2).sum())}")
    return 0 if t_fu < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
