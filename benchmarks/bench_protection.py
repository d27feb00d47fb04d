"""Benchmark of disclosure control: cells and persons hidden, and the time it takes.

    python benchmarks/bench_protection.py [--data data/sample data/synthetic] [--min-cell 10 30 100]
                                          [--period 2023-10]

For each dataset and threshold: the period's tables are computed once (not timed), then
protected (`romlab.run.period.protect`, timed: the count model, the complementary
suppression with its checks), and the attacker's programme is solved again on the final
pattern (`disclosure.audit(final=True)`, timed apart: what the tests do). Printed per
row: cells hidden (primary, complementary), persons in the hidden cells (each cell's own
persons; nested cells count in each), sensitive counts, the narrowest interval among
them, and the seconds. With ``--without-starts`` the §3 starts table is left out too
(the issue's cascade: three small cells of the starts table hid all of windows 1–3).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import pandas as pd

from romlab.publication import disclosure, protection
from romlab.run import period
from romlab.run.config import RunConfig


def measure(computed: period.PeriodTables, min_cell: int, with_starts: bool = True) -> dict:
    p = replace(computed, cfg=computed.cfg.with_overrides(min_cell=min_cell))
    tables = dict(p.tables)
    if with_starts:
        tables["starts"] = protection.starts_long(p.overview["starts"], p.tables.get("15"))
    t0 = time.perf_counter()
    _, found = protection.protect(tables, min_cell)
    t_protect = time.perf_counter() - t0
    model, _ = protection.model_of(tables)
    res = disclosure.protect_cells(model, min_cell)
    t0 = time.perf_counter()
    final = disclosure.audit(res, final=True)
    t_audit = time.perf_counter() - t0
    log = found.log
    return {"min_cell": min_cell, "hidden": len(log), "primary": int((log["rule"] == disclosure.PRIMARY).sum()),
            "complementary": int((log["rule"] == disclosure.SECONDARY).sum()),
            "persons_hidden": int(log["persons"].fillna(0).sum()), "cells": len(model.cells),
            "sensitive": len(final), "narrowest": float(final["width"].min()) if len(final) else None,
            "all_protected": bool(final["protected"].all()), "protect_s": round(t_protect, 2),
            "final_audit_s": round(t_audit, 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="+", default=["data/sample", "data/synthetic"])
    ap.add_argument("--min-cell", nargs="+", type=int, default=[10, 30, 100])
    ap.add_argument("--period", default="2023-10")
    ap.add_argument("--without-starts", action="store_true")
    args = ap.parse_args()
    rows = []
    for data in args.data:
        computed = period.compute(RunConfig.for_period(args.period), data)
        for m in args.min_cell:
            rows.append({"data": data, **measure(computed, m, not args.without_starts)})
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
