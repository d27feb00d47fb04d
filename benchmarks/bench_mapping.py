"""Benchmark: load + validate an agency-layout extract through its mapping file, per format.

    python benchmarks/bench_mapping.py [--data data/synthetic] [--work DIR] [--repeat 1] [--reuse]
                                       [--formats parquet csv dta sqlite] [--as-of 2023-08-11]

Writes the contract-layout data in `--data` (default: the scale-1.0 synthetic data) the way
the agency's warehouse delivers them (`romlab.dataset.agency_layout`: Swedish names, no ids where
the agency has none, Excel CSV, Stata with value labels, SQLite; Parquet = the same frames
as Parquet files), then times `romlab.load(..., mapping="data/mapping_agency.yml")` with
full validation for each format (targets, issue of the mapping: Parquet under 5 s, CSV
under 15 s), and the contract-layout Parquet load for reference. Writing is not timed.
Prints a Markdown table with the best of `--repeat` runs and the rows read.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

import romlab
from romlab.dataset import agency_layout
from romlab import paths
from romlab.dataset.contract import TABLES

MAPPING = paths.DATA / "mapping_agency.yml"


def _write(data: Path, work: Path, formats: list[str]) -> dict[str, str]:
    tables = {n: pd.read_parquet(data / f"{n}.parquet") for n in TABLES}
    where: dict[str, str] = {}
    for fmt in formats:
        out = work / fmt
        t0 = time.perf_counter()
        if fmt == "parquet":
            out.mkdir(parents=True, exist_ok=True)
            for stem, df in agency_layout.agency_tables(tables).items():
                df.to_parquet(out / f"{stem}.parquet", index=False)
            where[fmt] = str(out)
        else:
            agency_layout.write_agency(tables, out, fmt)
            where[fmt] = f"sqlite:///{(out / 'agency.db').resolve()}" if fmt == "sqlite" else str(out)
        print(f"wrote {fmt} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return where


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[1] / "data" / "synthetic"))
    ap.add_argument("--work", default="/tmp/romlab_bench_mapping")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--formats", nargs="+", default=["parquet", "csv", "dta", "sqlite"])
    ap.add_argument("--as-of", default=None, help="also cut at this date while loading")
    ap.add_argument("--reuse", action="store_true", help="load the files an earlier call wrote in --work")
    args = ap.parse_args()
    data, work = Path(args.data), Path(args.work)
    if args.reuse:
        where = {f: (f"sqlite:///{(work / f / 'agency.db').resolve()}" if f == "sqlite" else str(work / f))
                 for f in args.formats}
    else:
        where = _write(data, work, args.formats)

    rows = []

    def timed(label: str, source: str, mapping) -> None:
        best, ds = float("inf"), None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ds = romlab.load(source, as_of=args.as_of, mapping=mapping)
            best = min(best, time.perf_counter() - t0)
        rows.append((label, best, int(ds.as_of_summary["rows_visible"].sum())))

    timed("contract layout, Parquet (no mapping)", str(data), None)
    for fmt in args.formats:
        timed(f"agency layout, {fmt}, through the mapping", where[fmt], MAPPING)
    print(f"\nload + validate, best of {args.repeat}" + (f", as of {args.as_of}" if args.as_of else "") + "\n")
    print("| source | seconds | rows |\n|---|---|---|")
    for label, sec, n in rows:
        print(f"| {label} | {sec:.2f} | {n:,} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
