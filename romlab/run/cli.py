"""Command line: `romlab synth`, `romlab validate`, `romlab run`, `romlab compare`,
`romlab notebooks`, `romlab review`, `romlab contract`.

Bad input data end in a one-line `DataError` message and exit status 2, never in a
traceback from inside pandas. `romlab run` exits with 1 when a period failed and with 3
(one line, nothing touched) when another run of the same period into the same folder
is under way.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from romlab import paths
from romlab.run.config import ConfigError
from romlab.dataset.errors import DataError

#: The most notebooks `romlab run` executes at once by default (each kernel holds about
#: 150 MB while it waits for the tables).
MAX_JOBS = 8


def _cmd_synth(args) -> int:
    from romlab.dataset import synth

    formats = {"contract": ("parquet", "csv"), "agency": ("csv", "dta", "sqlite")}[args.layout]
    fmt = args.format or formats[0]
    if fmt not in formats:
        print(f"romlab synth: --layout {args.layout} writes {', '.join(formats)}, not {fmt}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    with _steps_bar(synth.STEPS, args.quiet) as step:
        if args.layout == "agency":
            from romlab.dataset.agency_layout import write_agency

            from romlab.run import provenance
            from romlab.dataset import synth_params

            tables = synth.generate(scale=args.scale, seed=args.seed, progress=step)
            step(synth.STEPS[-1])
            paths = write_agency(tables, args.out, fmt=fmt)
            seed = synth_params.DEFAULT_SEED if args.seed is None else args.seed
            provenance.write_synth_info(args.out, paths, seed=seed, scale=args.scale, fmt=fmt, layout="agency")
            what = f"{len(paths)} agency files ({fmt}; load with --mapping data/mapping_agency.yml)"
        else:
            paths = synth.synth(args.out, scale=args.scale, seed=args.seed, fmt=fmt, progress=step)
            what = f"{len(paths)} tables"
    print(f"wrote {what} to {Path(args.out)} (scale {args.scale}, seed "
          f"{args.seed if args.seed is not None else 'default'}) in {time.perf_counter() - t0:.1f} s")
    return 0


@contextmanager
def _steps_bar(steps: Sequence[str], quiet: bool):
    """A progress bar over named `steps` (tqdm, on standard error): yields the callback
    that a step calls with its name as it starts; the bar shows the step running and
    counts the ones done (a step that fails is not counted)."""
    from tqdm import tqdm

    width = max(len(s) for s in steps)
    with tqdm(total=len(steps), unit="step", disable=quiet, file=sys.stderr,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}]") as bar:
        started = []

        def step(name: str) -> None:
            if started:
                bar.update(1)
            started.append(name)
            bar.set_description_str(name.ljust(width))

        yield step
        bar.update(1)


def _cmd_validate(args) -> int:
    from romlab.dataset.load import load

    t0 = time.perf_counter()
    ds = load(args.data, as_of=args.as_of, mapping=args.mapping)
    print(f"{ds.source}: valid ({time.perf_counter() - t0:.1f} s)"
          + (f", read through {args.mapping}" if args.mapping else ""))
    print("\nrows per table" + (f" as of {ds.as_of.date()}" if ds.as_of is not None else "") + ":")
    print(ds.as_of_summary.to_string(index=False))
    if len(ds.mapping_summary):
        print("\nwhat the mapping filled (not read from one column as it is):")
        print(ds.mapping_summary.to_string(index=False))
    if len(ds.load_notes):
        print("\ntolerated while reading:")
        print(ds.load_notes.to_string(index=False))
    if ds.unknown_files:
        print(f"\nnot read (no table of the contract): {', '.join(ds.unknown_files)}")
    return 0


def _cmd_run(args) -> int:
    from romlab.run.runner import _now

    started = _now()  # the manifest's start: the command's
    from contextlib import ExitStack

    from tqdm import tqdm

    from romlab.run.config import RunConfig, parse_overrides
    from romlab.run.period import carried_cells
    from romlab.run.runner import RunLocked, period_lock, period_notebooks, run_batch

    overrides = parse_overrides(args.set or [])
    periods = args.period or ["2023-10"]
    # every section's kernel at once (at most MAX_JOBS): starting a kernel and importing is
    # most of what a notebook costs, and the kernels do it while the tables are computed
    cfgs = [RunConfig.for_period(period, **overrides) for period in periods]  # a bad parameter fails first
    jobs = args.jobs if args.jobs > 0 else min(MAX_JOBS, max(len(period_notebooks(c)) for c in cfgs))
    carried = carried_cells(args.suppress_like or [])
    with ExitStack() as locks:
        try:  # every period's lock before the progress bar: a refusal is one line, nothing touched
            for cfg in cfgs:
                locks.enter_context(period_lock(args.out, cfg.period))
        except RunLocked as e:
            print(f"romlab run: {e}", file=sys.stderr)
            return 3
        bar = tqdm(total=sum(len(period_notebooks(c)) for c in cfgs), unit="notebook", disable=args.quiet,
                   file=sys.stderr)
        with bar:
            done, errors = run_batch(periods, args.data, args.out, overrides, carried=carried, progress=bar,
                                     jobs=jobs, mapping=args.mapping, started=started,
                                     suppress_like=list(args.suppress_like or []), independent=args.independent,
                                     pdf=args.pdf)
    for period, message in errors.items():
        bar.write(f"{period}: FAILED: {message}", file=sys.stderr)
    failed = list(errors)
    for warning in dict.fromkeys(w for res in done for w in res.warnings):
        print(f"romlab run: warning: {warning}", file=sys.stderr)
    parts = {c.period: c.sections for c in cfgs}
    for res in done:
        print(f"{res.period}: {len(res.notebooks)} notebook(s) and {len(res.outputs)} output file(s) in "
              f"{res.folder} ({res.seconds:.1f} s); open {res.folder / 'index.html'}")
        for line in _summary_lines(res.nyckeltal, parts.get(res.period, ())):
            print(f"  {line}")
    for period in failed:
        print(f"{period}: FAILED (see {Path(args.out) / (period + '.failed')})", file=sys.stderr)
    return 1 if failed else 0


def _summary_lines(k: dict, sections) -> list[str]:
    """The key figures of a finished run, one line per generation, those of its parts."""
    lines, r2 = [], k.get("r2_share", {})
    if "rom1_results" in sections:
        line = (f"RoM 1: R2 share (18 months): {_fmt_num(r2.get('ABC'))} % (A {_fmt_num(r2.get('A'))}, "
                f"B {_fmt_num(r2.get('B'))}, C {_fmt_num(r2.get('C'))})")
        if "rom1_support" in sections:
            line += (f"; work {_fmt_num(k.get('work_share_of_results'))} % of results; support per month mean "
                     f"{_fmt_num(k['support_mean_hours']['justerat'])} h, median "
                     f"{_fmt_num(k['support_median_hours']['justerat'])} h (trimmed)")
        lines.append(line)
    rom2 = k.get("rom2") or {}
    items = []
    if "rom2_results" in sections:
        items.append(f"result at 3 months {_fmt_num(rom2['result_3m_share'].get('ABC'))} %, at 6 months "
                     f"{_fmt_num(rom2['result_6m_share'].get('ABC'))} % of {rom2.get('n_followed') or '–'} followed starts")
    if "rom2_support" in sections:
        items.append(f"support per month mean {_fmt_num(rom2['support_mean_hours']['justerat'])} h (trimmed)")
    if items:
        lines.append("RoM 2: " + "; ".join(items))
    return lines


def _fmt_num(v, decimals: int = 1) -> str:
    return "–" if v is None else f"{v:.{decimals}f}"


def _cmd_compare(args) -> int:

    import pandas as pd

    from romlab.publication import compare, exports

    if len(args.runs) > 2:
        raise SystemExit("romlab compare: give one run folder, or two to compare them")
    for run in args.runs:
        if not (Path(run) / "jamforelse.csv").is_file():
            print(f"{run}: no jamforelse.csv (not a romlab run folder?)", file=sys.stderr)
            return 2
    if len(args.runs) == 1:
        cmp = pd.read_csv(Path(args.runs[0]) / "jamforelse.csv", dtype={"table": str, "level": str,
                                                                         "column": str})
        warning = compare.period_warning(run_period(Path(args.runs[0])))
        if warning:  # on stderr: --json stays valid JSON
            print(warning, file=sys.stderr)
        if args.json:
            print(exports.to_json(cmp.to_dict("records")), end="")
            return 0
        summary = compare.comparison_summary(cmp)
        pd.set_option("display.width", 200)
        print(summary.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        print(compare.describe_comparison(cmp))
        groups = compare.group_structure_summary(cmp)
        if len(groups):
            print("\nSkillnader mellan grupper (per grupptabell): correlation = korrelationen mellan publicerad och "
                  "återskapad avvikelse från medelvärdet för cellens rad av grupper; spread = de återskapade "
                  "avvikelsernas standardavvikelse delad med de publicerades; rounding_sd = den spridning som "
                  "avrundningen till rapportens sista siffra ensam ger.")
            cols = ["table", "measure", "cells", "correlation", "spread", "sd_published", "sd_reproduced",
                    "rounding_sd"]
            print(groups[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        return 0
    a, b = (Path(r) for r in args.runs)
    diff = run_difference(a, b)
    if args.json:
        print(exports.to_json(diff), end="")
        return 0
    print(f"nyckeltal: {a} → {b}")
    for name, va, vb in diff["nyckeltal"]:
        change = f" ({vb - va:+.2f})" if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else ""
        print(f"  {name}: {va} → {vb}{change}")
    if not diff["nyckeltal"]:
        print("  (no change)")
    print("tables (cells in both runs; changed cells; mean and largest |change|):")
    for row in diff["tables"]:
        print(f"  {row['table']}: {row['cells']} cells, {row['changed']} changed, mean "
              f"{_fmt_num(row['mean_abs_change'], 3)}, max {_fmt_num(row['max_abs_change'], 3)}"
              + (f", {row['only_a']} only in A, {row['only_b']} only in B" if row["only_a"] or row["only_b"] else ""))
    return 0


def run_period(run: Path) -> str | None:
    """The report month of a run folder (its nyckeltal.json, else its manifest.json), or
    None when neither says."""
    import json

    for name in ("nyckeltal.json", "manifest.json"):
        f = Path(run) / name
        if f.is_file():
            period = json.loads(f.read_text(encoding="utf-8")).get("period")
            if period:
                return str(period)
    return None


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, name + "."))
        else:
            out[name] = v
    return out


def run_difference(a: Path, b: Path) -> dict:
    """What changed from run `a` to run `b`: every nyckeltal that differs (name, a, b) and,
    per table of `tabeller.csv`, how many cells changed and by how much."""
    import json

    import numpy as np
    import pandas as pd

    ka = _flatten(json.loads((a / "nyckeltal.json").read_text(encoding="utf-8")))
    kb = _flatten(json.loads((b / "nyckeltal.json").read_text(encoding="utf-8")))
    changed = [(k, ka.get(k), kb.get(k)) for k in dict.fromkeys([*ka, *kb]) if ka.get(k) != kb.get(k)]
    ta = pd.read_csv(a / "tabeller.csv", dtype=str)
    tb = pd.read_csv(b / "tabeller.csv", dtype=str)
    keys = [c for c in ta.columns if c in tb.columns and c not in ("value", "n", "suppressed")]
    m = ta[keys + ["value"]].fillna({k: "" for k in keys}).merge(
        tb[keys + ["value"]].fillna({k: "" for k in keys}), on=keys, how="outer", suffixes=("_a", "_b"),
        indicator=True)
    rows = []
    for table, d in m.groupby("table", sort=False):
        both = d[d["_merge"] == "both"]
        va = pd.to_numeric(both["value_a"], errors="coerce")
        vb = pd.to_numeric(both["value_b"], errors="coerce")
        delta = (vb - va).abs()
        ch = ~(np.isclose(va, vb, rtol=0, atol=1e-9) | (va.isna() & vb.isna()))
        rows.append({"table": table, "cells": len(both), "changed": int(ch.sum()),
                     "mean_abs_change": float(delta.mean()) if delta.notna().any() else None,
                     "max_abs_change": float(delta.max()) if delta.notna().any() else None,
                     "only_a": int((d["_merge"] == "left_only").sum()),
                     "only_b": int((d["_merge"] == "right_only").sum())})
    order = {t: i for i, t in enumerate(dict.fromkeys([*ta["table"], *tb["table"]]))}
    rows.sort(key=lambda r: order[r["table"]])
    return {"a": str(a), "b": str(b), "nyckeltal": changed, "tables": rows}


def _cmd_notebooks(args) -> int:
    from romlab.run.execute import refresh_stored

    for nb in refresh_stored():
        print(f"re-executed {nb}")
    return 0


def _cmd_review(args) -> int:
    from romlab import review

    if args.stored:
        print(f"re-executed {review.refresh_stored_notebook()}")
        return 0
    # one configuration for the batch (a bad key fails before any data are read)
    cfg = review.ReviewConfig.from_overrides(review.parse_overrides(args.set))
    reviews = [tuple(r.replace(":", ",").split(",")) if "," in r or ":" in r else (r, "") for r in args.review] \
        if args.review else review.DEFAULT_REVIEWS
    t0 = time.perf_counter()
    runs = review.run_reviews(args.data, args.out, reviews, mapping=args.mapping, cfg=cfg)
    for run in runs:
        if run.skipped:
            print(f"review {run.first} + {run.second}: skipped ({run.skipped})")
        else:
            print(f"review {run.first} + {run.second}: {run.notebook} and {len(run.exports)} follow-up files")
    print(f"{sum(not r.skipped for r in runs)} review(s) in {time.perf_counter() - t0:.1f} s")
    return 0


def _cmd_contract(args) -> int:
    from romlab.dataset.contract import data_readme

    print(data_readme(), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `romlab` command's parser: one subcommand after the other, each with its
    arguments and help. Long because it is one flat declaration per option (no logic to
    split), read top to bottom like the command's help."""
    ap = argparse.ArgumentParser(prog="romlab", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)

    s = sub.add_parser("synth", help="generate synthetic data with the report's structure and volumes")
    s.add_argument("--out", required=True, help="output folder")
    s.add_argument("--scale", type=float, default=1.0, help="volume relative to the report (default 1.0)")
    s.add_argument("--seed", type=int, default=None, help="random seed (default: romlab's fixed seed)")
    s.add_argument("--layout", choices=["contract", "agency"], default="contract",
                   help="contract: romlab's data contract (default); agency: as Arbetsförmedlingen's data "
                        "warehouse delivers them, loaded through data/mapping_agency.yml")
    s.add_argument("--format", choices=["parquet", "csv", "dta", "sqlite"], default=None,
                   help="contract layout: parquet (default) or csv; agency layout: csv (default, as Swedish "
                        "Excel saves it), dta (Stata) or sqlite (one file agency.db)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=_cmd_synth)

    v = sub.add_parser("validate", help="load and validate a dataset against the data contract")
    v.add_argument("data", help="folder of Parquet/CSV files or a DuckDB database")
    v.add_argument("--as-of", default=None, help="data cut-off date (YYYY-MM-DD)")
    v.add_argument("--mapping", default=None, help="mapping file for a real extract (YAML)")
    v.set_defaults(func=_cmd_validate)

    r = sub.add_parser("run", help="run the report's notebooks for one or more periods")
    r.add_argument("--period", action="append", help="report month YYYY-MM (repeatable; default 2023-10)")
    r.add_argument("--data", default=str(paths.SYNTHETIC),
                   help="dataset folder, DuckDB file or SQLAlchemy URL such as sqlite:///x.db (passed as given)")
    r.add_argument("--mapping", default=None, metavar="FILE",
                   help="mapping file (YAML) for an extract in another layout (docs/mapping.md)")
    r.add_argument("--out", default=str(paths.RUNS), help="output folder (default runs/)")
    r.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a RunConfig value (repeatable)")
    r.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="notebooks executed at once within a period (default: all of them, at most 8)")
    r.add_argument("--pdf", action="store_true",
                   help="also print the pages as rapport.pdf in report order (needs Chromium: apt-get install chromium)")
    r.add_argument("--suppress-like", action="append", metavar="RUN_DIR",
                   help="also stay consistent with this earlier run, wherever it is (repeatable): its hidden cells "
                        "are hidden again and what it shows counts as known; the earlier runs of the same data in "
                        "--out and the periods of one batch are always kept consistent")
    r.add_argument("--independent", action="store_true",
                   help="ignore the earlier runs in --out (only --suppress-like folders): for a release that will "
                        "never be read beside them")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=_cmd_run)

    cp = sub.add_parser("compare", help="a run against the published report, or two runs against each other")
    cp.add_argument("runs", nargs="+", metavar="RUN_DIR", help="a run folder (runs/2023-10), or two to compare")
    cp.add_argument("--json", action="store_true",
                    help="one run: one record per published number; two runs: the changes as JSON")
    cp.set_defaults(func=_cmd_compare)

    n = sub.add_parser("notebooks", help="re-execute the stored notebooks in place on data/sample")
    n.set_defaults(func=_cmd_notebooks)

    rv = sub.add_parser("review", help="provider review (kvalitetsvillkor): one executed notebook per review")
    rv.add_argument("--data", default=str(paths.SYNTHETIC),
                    help="dataset folder, DuckDB file or SQLAlchemy URL such as sqlite:///x.db (passed as given)")
    rv.add_argument("--mapping", default=None, metavar="FILE",
                    help="mapping file (YAML) for an extract in another layout (docs/mapping.md)")
    rv.add_argument("--out", default=str(paths.RUNS / "review"), help="output folder (default runs/review)")
    rv.add_argument("--review", action="append", metavar="FIRST,SECOND",
                    help="the two publication months of a review, e.g. 2025-01,2025-03, or one month for it "
                         "and the follow-up before (repeatable; default the 2025 reviews Jan+Mar, Sep+Nov)")
    rv.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="override a ReviewConfig value (repeatable), e.g. min_cell=5 (default: RunConfig's min_cell)")
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
