"""Lay reproduced numbers beside the report's published ones.

Section code returns its tables as numbers in long ("tidy") form, with the same key
columns as the published CSVs in `data/published` (`table`, `measure`, and whichever of
`activity`, `group`, `window`, `level`, `percentile`, `included_share`, `adjusted`,
`column` apply) and a `value`. `compare` merges such a frame with the published file of
the table and returns one row per published number: its keys, `published`,
`reproduced`, `difference`, `tolerance` and `within`.

This module reads the published values; no function that computes a table may import
it (tests and the comparison report do).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from romlab import paths

#: Key columns a published file may have, in the order they are shown.
KEYS: tuple[str, ...] = ("table", "measure", "activity", "group", "window", "level", "percentile",
                         "included_share", "adjusted", "column")

Tolerance = float | Callable[[pd.DataFrame], pd.Series]


def published_file(table: str | int) -> Path:
    """Path of a published table: 2 → tabell_02.csv, "A1" → tabell_A1.csv, "urval" → urval.csv."""
    t = str(table)
    if t in {"urval", "headline"}:
        return paths.PUBLISHED / f"{t}.csv"
    return paths.PUBLISHED / f"tabell_{t.zfill(2) if t.isdigit() else t}.csv"


def published(table: str | int) -> pd.DataFrame:
    """The published values of one table, as in `data/published`."""
    return pd.read_csv(published_file(table), dtype={"table": str, "level": str, "column": str})


def _key_text(s: pd.Series) -> pd.Series:
    """Keys as comparable text: numbers without trailing zeros (97.5, 95, 99.999)."""
    num = pd.to_numeric(s, errors="coerce")
    text = s.astype("string")
    as_num = num.map(lambda v: format(v, "g") if pd.notna(v) else None).astype("string")
    return as_num.where(num.notna(), text).fillna("")


def compare(reproduced: pd.DataFrame, table: str | int, tolerance: Tolerance,
            pub: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per published number of `table`: keys, published, reproduced, difference
    (reproduced − published), tolerance and whether the difference is within it.

    `tolerance` is a number or a function of the merged frame returning one tolerance
    per row. A published number with no reproduced counterpart gets `reproduced` NA and
    `within` False, so a missing cell fails a comparison rather than vanishing.
    """
    pub = published(table) if pub is None else pub
    keys = [k for k in KEYS if k in pub.columns and k != "table"]
    missing = [k for k in keys if k not in reproduced.columns]
    if missing:
        raise KeyError(f"reproduced table {table} lacks key column(s) {missing}")
    left = pub.copy()
    right = reproduced[keys + ["value"]].rename(columns={"value": "reproduced"}).copy()
    for k in keys:
        left[f"_{k}"] = _key_text(left[k])
        right[f"_{k}"] = _key_text(right[k])
    right = right.drop(columns=keys)
    dup = right.duplicated([f"_{k}" for k in keys])
    if dup.any():
        raise ValueError(f"reproduced table {table} has {int(dup.sum())} duplicate key row(s)")
    out = left.merge(right, on=[f"_{k}" for k in keys], how="left").drop(columns=[f"_{k}" for k in keys])
    out = out.rename(columns={"value": "published"})
    out["reproduced"] = pd.to_numeric(out["reproduced"], errors="coerce")
    out["difference"] = out["reproduced"] - out["published"]
    tol = tolerance(out) if callable(tolerance) else pd.Series(float(tolerance), index=out.index)
    out["tolerance"] = np.asarray(tol, dtype=float)
    out["within"] = out["difference"].abs().le(out["tolerance"] + 1e-9).fillna(False).astype(bool)
    cols = ["table"] + keys + ["published", "reproduced", "difference", "tolerance", "within"]
    return out[[c for c in cols if c in out.columns]]
