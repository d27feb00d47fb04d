"""Command line: `romlab synth`, `romlab validate`.

Bad input data end in a one-line `DataError` message and exit status 2, never in a
traceback from inside pandas.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from romlab.errors import DataError


def _cmd_synth(args) -> int:
    from romlab import synth

    t0 = time.perf_counter()
    paths = synth.synth(args.out, scale=args.scale, seed=args.seed, fmt=args.format)
    print(f"wrote {len(paths)} tables to {Path(args.out)} (scale {args.scale}, seed "
          f"{args.seed if args.seed is not None else 'default'}) in {time.perf_counter() - t0:.1f} s")
    return 0


def _cmd_validate(args) -> int:
    from romlab.load import load

    t0 = time.perf_counter()
    ds = load(args.data, as_of=args.as_of, mapping=args.mapping)
    print(f"{args.data}: valid ({time.perf_counter() - t0:.1f} s)")
    print(ds.as_of_summary.to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="romlab", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)

    s = sub.add_parser("synth", help="generate synthetic data with the report's structure and volumes")
    s.add_argument("--out", required=True, help="output folder")
    s.add_argument("--scale", type=float, default=1.0, help="volume relative to the report (default 1.0)")
    s.add_argument("--seed", type=int, default=None, help="random seed (default: romlab's fixed seed)")
    s.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    s.set_defaults(func=_cmd_synth)

    v = sub.add_parser("validate", help="load and validate a dataset against the data contract")
    v.add_argument("data", help="folder of Parquet/CSV files or a DuckDB database")
    v.add_argument("--as-of", default=None, help="data cut-off date (YYYY-MM-DD)")
    v.add_argument("--mapping", default=None, help="mapping file for a real extract (YAML)")
    v.set_defaults(func=_cmd_validate)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DataError as e:
        print(e.one_line(), file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
