"""What a run writes besides the workbook: every report table in one long frame
(`tabeller.csv`) and JSON (the key figures, the comparison). Only aggregates leave a run:
no person or participation identifier is written."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["long_tables", "to_json", "suppressed", "KEY_ORDER"]


def suppressed(long: pd.DataFrame) -> pd.Series:
    """Per row of a long table: is the cell suppressed (``suppressed``, set by
    `romlab.publication.protection.protect`, or by a results table's own primary rule)?"""
    if "suppressed" in long.columns:
        return long["suppressed"].fillna(False).astype(bool)
    return pd.Series(False, index=long.index)


#: Key columns of `long_tables`, in this order.

KEY_ORDER = ("measure", "activity", "group", "window", "level", "percentile", "included_share", "adjusted",
             "column", "Steg", "start_month", "band", "month", "generation")  # the last three: RoM 2's tables


def long_tables(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The report tables (the register's tables and the summary, `romlab.report.registry`) in one long frame, as
    `tabeller.csv`: ``table``, the key columns, ``value``, ``n``, ``suppressed`` and
    ``cell`` (the population cell, as in `undertryckta.csv`). Pass protected tables
    (`romlab.run.period`): suppressed rows are blank. Why a cell is hidden (primary or
    complementary) is not said: that is for the internal log only."""
    from romlab.report.registry import table_defs

    exported = {d.key for d in table_defs(kind=None) if d.kind in ("table", "summary")}
    parts = []
    for key, long in tables.items():
        if key not in exported:
            continue
        long = long.reset_index(drop=True)
        long = long.assign(table=key, suppressed=suppressed(long).to_numpy())
        parts.append(long)
    long = pd.concat(parts, ignore_index=True)
    keep = [c for c in ("table", *KEY_ORDER, "value", "n", "suppressed", "cell") if c in long.columns]
    return long[keep]



def figure_tables(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The points of the figures (Figur 1 and 2, RoM 2's Figur 1: the register's tables of
    kind "data") as `figurer.csv`: ``figure``, ``start_month`` (YYYY-MM), ``level``,
    ``measure`` (RoM 2's: the 3- or 6-month result), ``value`` (percent), ``n``,
    ``ci_low``, ``ci_high`` (the band), ``suppressed``, ``cell``. Pass protected tables: a
    hidden point is blank, as it is missing from the figure."""
    from romlab.report.registry import table_defs

    parts = []
    for key in [d.key for d in table_defs(kind="data")]:
        if key in tables:
            t = tables[key].reset_index(drop=True)
            t = t.assign(figure=key, start_month=pd.to_datetime(t["start_month"]).dt.strftime("%Y-%m"))
            parts.append(t)
    if not parts:
        return pd.DataFrame(columns=["figure", "start_month", "level", "value", "n", "ci_low", "ci_high",
                                     "suppressed", "cell"])
    out = pd.concat(parts, ignore_index=True)
    keep = [c for c in ("figure", "start_month", "level", "measure", "value", "n", "ci_low", "ci_high", "suppressed",
                        "cell") if c in out.columns]
    return out[keep]


def to_json(obj, path: Path | None = None) -> str:
    """JSON with NaN as null, keys in insertion order, UTF-8 text."""
    def clean(o):
        if isinstance(o, dict):
            return {str(k): clean(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [clean(v) for v in o]
        if isinstance(o, (np.bool_, bool)):
            return bool(o)
        if isinstance(o, (np.integer,)):
            return int(o)
        if isinstance(o, (float, np.floating)):
            return None if math.isnan(o) else float(o)
        if o is pd.NA or o is pd.NaT or o is None:
            return None
        if isinstance(o, (pd.Timestamp, Path)):
            return str(o)
        return o

    text = json.dumps(clean(obj), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


