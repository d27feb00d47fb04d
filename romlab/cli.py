"""Command line: `romlab synth`, `romlab validate`, `romlab run`, `romlab notebooks`,
`romlab review`, `romlab contract`.

Bad input data end in a one-line `DataError` message and exit status 2, never in a
traceback from inside pandas.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from romlab import paths
from romlab.config import ConfigError
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


def _cmd_run(args) -> int:
    from romlab.config import parse_overrides
    from romlab.runner import RunFailed, run_period

    overrides = parse_overrides(args.set or [])
    failed = []
    for period in args.period or ["2023-10"]:
        t0 = time.perf_counter()
        try:
            res = run_period(period, args.data, args.out, overrides)
        except RunFailed as e:
            print(f"{period}: FAILED: {e}", file=sys.stderr)
            failed.append(period)
            continue
        print(f"{period}: {len(res.notebooks)} notebook(s) in {res.folder} ({time.perf_counter() - t0:.1f} s)")
    return 1 if failed else 0


def _cmd_notebooks(args) -> int:
    from romlab.runner import refresh_stored

    for nb in refresh_stored():
        print(f"re-executed {nb}")
    return 0


def _cmd_review(args) -> int:
    from romlab import review

    if args.stored:
        print(f"re-executed {review.refresh_stored_notebook()}")
        return 0
    overrides = {}
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"expected key=value, got {item!r}")
        overrides[key.strip()] = value.strip()
    review.ReviewConfig.from_overrides(overrides)  # fail on a bad key before any notebook runs
    reviews = [tuple(r.replace(":", ",").split(",")) if "," in r or ":" in r else (r, "") for r in args.review] \
        if args.review else review.DEFAULT_REVIEWS
    t0 = time.perf_counter()
    runs = review.run_reviews(args.data, args.out, reviews, overrides)
    for run in runs:
        if run.skipped:
            print(f"review {run.first} + {run.second}: skipped ({run.skipped})")
        else:
            print(f"review {run.first} + {run.second}: {run.notebook} and {len(run.exports)} follow-up files")
    print(f"{sum(not r.skipped for r in runs)} review(s) in {time.perf_counter() - t0:.1f} s")
    return 0


def _cmd_contract(args) -> int:
    from romlab.schema import data_readme

    print(data_readme(), end="")
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

    r = sub.add_parser("run", help="run the report's notebooks for one or more periods")
    r.add_argument("--period", action="append", help="report month YYYY-MM (repeatable; default 2023-10)")
    r.add_argument("--data", default=str(paths.SYNTHETIC), help="dataset folder or DuckDB file")
    r.add_argument("--out", default=str(paths.RUNS), help="output folder (default runs/)")
    r.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a RunConfig value (repeatable)")
    r.set_defaults(func=_cmd_run)

    n = sub.add_parser("notebooks", help="re-execute the stored notebooks in place on data/sample")
    n.set_defaults(func=_cmd_notebooks)

    rv = sub.add_parser("review", help="provider review (kvalitetsvillkor): one executed notebook per review")
    rv.add_argument("--data", default=str(paths.SYNTHETIC), help="dataset folder or DuckDB file")
    rv.add_argument("--out", default=str(paths.RUNS / "review"), help="output folder (default runs/review)")
    rv.add_argument("--review", action="append", metavar="FIRST,SECOND",
                    help="the two publication months of a review, e.g. 2025-01,2025-03, or one month for it "
                         "and the follow-up before (repeatable; default the 2025 reviews Jan+Mar, Sep+Nov)")
    rv.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a ReviewConfig value (repeatable)")
    rv.add_argument("--stored", action="store_true",
                    help="only re-execute the stored notebook in place on data/sample")
    rv.set_defaults(func=_cmd_review)

    c = sub.add_parser("contract", help="print the data contract as Markdown (data/README.md)")
    c.set_defaults(func=_cmd_contract)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DataError as e:
        print(e.one_line(), file=sys.stderr)
        return 2
    except ConfigError as e:
        print(f"ConfigError: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
