"""Lay reproduced numbers beside the report's published ones.

Section code returns its tables as numbers in long ("tidy") form, with the same key
columns as the published CSVs in `data/published` (`table`, `measure`, and whichever of
`activity`, `group`, `window`, `level`, `percentile`, `included_share`, `adjusted`,
`column` apply) and a `value`. `compare` merges such a frame with the published file of
the table and returns one row per published number: its keys, `published`,
`reproduced`, `difference`, `tolerance`, `within` and the printed unit `precision`.

Levels within a tolerance do not show that the groups are right (most group means sit
close to the overall mean): `group_structure` measures how well the differences between
groups are reproduced (correlation and spread of each cell's deviation from the mean of
its row of groups), per table and, for the tables with several groupings, per grouping
(`group_blocks`). `period_warning` says when a run's period is not the published one.

This module reads the published values; no function that computes a table may import
it (tests and the comparison report do; `outputs` imports it only inside the comparison).
`romlab.publication.compare_view` lays its frames out for a reader (Swedish headings,
numbers as printed).
"""

from __future__ import annotations

from collections.abc import Mapping

import html
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from romlab import paths

#: The report month of the published report (*Utvecklade matchningstjänster*, October
#: 2023) whose values `data/published` holds.
PUBLISHED_PERIOD = "2023-10"

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
    per row; the frame has a column ``precision``, the unit of the last digit printed
    (`printed_precision`), so a tolerance can be given in printed units. `pub`, when
    given, is a subset of ``published(table)`` (rows keep their index). A published
    number with no reproduced counterpart gets `reproduced` NA and `within` False, so a
    missing cell fails a comparison rather than vanishing.
    """
    pub = published(table) if pub is None else pub
    keys = [k for k in KEYS if k in pub.columns and k != "table"]
    missing = [k for k in keys if k not in reproduced.columns]
    if missing:
        raise KeyError(f"reproduced table {table} lacks key column(s) {missing}")
    left = pub.copy()
    left["precision"] = printed_precision(table).reindex(left.index).to_numpy()
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
    cols = ["table"] + keys + ["published", "reproduced", "difference", "tolerance", "within", "precision"]
    return out[[c for c in cols if c in out.columns]]


def period_warning(period: str | None) -> str | None:
    """A Swedish warning when a run of report month `period` is set beside the published
    values, which belong to `PUBLISHED_PERIOD`; None when the periods agree."""
    if period is None or str(period)[:7] == PUBLISHED_PERIOD:
        return None
    return (f"Obs: körningen avser rapportmånad {str(period)[:7]}, men de publicerade värdena kommer från "
            f"rapporten för {PUBLISHED_PERIOD} (Utvecklade matchningstjänster, oktober 2023). Skillnaderna "
            "visar därför också hur perioderna skiljer sig, inte bara hur väl rapporten återskapas.")


def period_warning_html(period: str | None) -> str:
    """`period_warning` as an HTML paragraph ("" when the periods agree)."""
    text = period_warning(period)
    return "" if text is None else f'<p class="warning"><strong>{html.escape(text)}</strong></p>'


# --------------------------------------------------------------------------- printed precision

def printed_precision(table: str | int) -> pd.Series:
    """Per published number of `table` (in file order): the unit of its last printed
    digit, read from the value as written in `data/published` (which keeps the printed
    precision: ``8.2`` → 0.1, ``8.0`` → 0.1, ``35`` → 1, ``0.031`` → 0.001)."""
    text = pd.read_csv(published_file(table), dtype=str, keep_default_na=False)["value"].str.strip()
    decimals = text.str.partition(".")[2].str.len()
    return (10.0 ** -decimals.astype(float)).where(text != "")


# --------------------------------------------------------------------------- group structure

#: The group tables: per table, the measure whose groups are compared and the key column
#: that holds the group. The cells of one *row of groups* share every other key:
#: Tabell 7–11 the activity (groups: the table's groups); Tabell 12 the activity (groups:
#: the levels); Tabell 13 activity × level (groups: the registration times); Tabell 16,
#: 21, 22 window × level (groups: the 18 group rows); Tabell A1 activity × level (groups:
#: its 11 columns, assumption A18).
GROUP_TABLES: dict[str, tuple[str, str]] = {
    **{str(t): ("mean_hours", "group") for t in range(7, 12)},
    "12": ("mean_hours", "level"),
    "13": ("mean_hours", "group"),
    "16": ("r2_share", "group"),
    "21": ("work_share", "group"),
    "22": ("education_share", "group"),
    "A1": ("mean_hours", "column"),
}

#: Tables whose groups come from several groupings, and the grouping of each group:
#: Tabell 16, 21, 22 by comparison (`classify.comparison_rows`: sex, birth_country,
#: foreign_sex, disability, education, age, registration); Tabell A1 by the classifier of
#: its column (`support.A1_COLUMNS`: age, disability, education, birth_country, sex).
BLOCK_TABLES = ("16", "21", "22", "A1")
_A1_GROUPING = {"age_group": "age", "disability_group": "disability", "education_group": "education",
                "birth_country": "birth_country", "sex": "sex"}


def _blocks(d: pd.DataFrame, table: str) -> pd.Series:
    """The grouping (block) of each cell of a block table."""
    if table == "A1":
        from romlab.report.support import A1_COLUMNS

        cols = {f"col{i:02d}": _A1_GROUPING[col] for i, (col, _) in enumerate(A1_COLUMNS, start=1)}
        return d["column"].map(cols)
    from romlab.report.classify import comparison_rows

    return d["group"].map(comparison_rows().set_index("label")["comparison"])


def group_deviations(c: pd.DataFrame, table: str | int, by_block: bool = False) -> pd.DataFrame:
    """The cells of group table `table` in comparison `c` (rows of `compare` or of a
    run's ``jamforelse.csv``) with ``published`` and ``reproduced`` both present, each
    with its deviation from the mean of its row of groups (`GROUP_TABLES`), published
    (``dev_published``) and reproduced (``dev_reproduced``), both over the same cells.
    With `by_block` (tables in `BLOCK_TABLES`) a row of groups is further limited to one
    grouping (column ``block``): Tabell 16's women and men of one window × level, say.
    Rows of groups with fewer than two such cells are left out (no deviation to compare)."""
    t = str(table)
    measure, group = GROUP_TABLES[t]
    d = c[(c["table"].astype(str) == t) & (c["measure"] == measure)]
    d = d[d["published"].notna() & d["reproduced"].notna()]
    row = [k for k in KEYS if k in d.columns and k not in ("table", "measure", group) and d[k].notna().any()]
    if by_block:
        if t not in BLOCK_TABLES:
            raise ValueError(f"Tabell {t} has one grouping only (blocks: {', '.join(BLOCK_TABLES)})")
        d = d.assign(block=_blocks(d, t))
        row = ["block", *row]
    size = d.groupby(row, sort=False, dropna=False)["published"].transform("size")
    d = d[size >= 2]
    g = d.groupby(row, sort=False, dropna=False)
    return d.assign(dev_published=d["published"] - g["published"].transform("mean"),
                    dev_reproduced=d["reproduced"] - g["reproduced"].transform("mean"))


def _structure(d: pd.DataFrame) -> dict:
    pub, rep = d["dev_published"].to_numpy(float), d["dev_reproduced"].to_numpy(float)
    sd_pub, sd_rep = (float(pub.std()), float(rep.std())) if len(d) else (np.nan, np.nan)
    ok = len(d) >= 3 and sd_pub > 0 and sd_rep > 0
    return {"cells": int(len(d)), "correlation": float(np.corrcoef(pub, rep)[0, 1]) if ok else np.nan,
            "spread": sd_rep / sd_pub if len(d) and sd_pub > 0 else np.nan,
            "sd_published": sd_pub, "sd_reproduced": sd_rep}


def group_structure(c: pd.DataFrame, table: str | int) -> dict:
    """How well comparison `c` reproduces the differences between the groups of group
    table `table`. Levels can agree within a tolerance while the
    groups are wrong (most group means sit close to the overall mean); these measures
    see only the pattern across groups (`group_deviations`):

    - ``correlation``: Pearson's, of each cell's deviation from the mean of its row of
      groups, published against reproduced (1: the same pattern; about 0: none);
    - ``spread``: the standard deviation of the reproduced deviations over that of the
      published ones (1: differences between groups as large as published; about 0:
      groups that do not differ, as after shuffling the group column);
    - ``cells``, ``sd_published``, ``sd_reproduced``, and ``rounding_sd``: the spread
      rounding to the printed unit alone gives (unit/√12). When ``sd_published`` is not
      well above it, the report's own differences are too small to be matched closely."""
    d = group_deviations(c, table)
    measure, group = GROUP_TABLES[str(table)]
    return {"table": str(table), "measure": measure, "group_key": group, **_structure(d),
            "rounding_sd": _unit(table) / np.sqrt(12)}


def group_blocks(c: pd.DataFrame, table: str | int) -> pd.DataFrame:
    """`group_structure` per grouping of a table in `BLOCK_TABLES` (deviations within the
    grouping, `group_deviations(..., by_block=True)`): one row per ``block`` in printed
    order with ``cells``, ``correlation``, ``spread``, ``sd_published``, ``sd_reproduced``."""
    d = group_deviations(c, table, by_block=True)
    rows = [{"table": str(table), "block": b, **_structure(x)} for b, x in d.groupby("block", sort=False)]
    return pd.DataFrame(rows, columns=["table", "block", "cells", "correlation", "spread", "sd_published",
                                       "sd_reproduced"])


def _unit(table: str | int) -> float:
    """The printed unit of a group table's compared measure (0.1 h; 1 percentage point)."""
    measure, _ = GROUP_TABLES[str(table)]
    pub = published(table)
    return float(printed_precision(table)[(pub["measure"] == measure).to_numpy()].max())


def group_structure_summary(c: pd.DataFrame) -> pd.DataFrame:
    """`group_structure` for every group table in `c`, in report order."""
    present = set(c["table"].astype(str))
    rows = [group_structure(c, t) for t in GROUP_TABLES if t in present]
    cols = ["table", "measure", "group_key", "cells", "correlation", "spread", "sd_published", "sd_reproduced",
            "rounding_sd"]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- a run against the report

def tolerances_by_table() -> dict:
    """{table: tolerance} of every published table, in report order (the register of
    report tables, `romlab.report.catalogue`, declares each table's tolerance)."""
    from romlab.report.registry import table_defs

    return {d.key: d.tolerance for d in table_defs(kind=None) if d.tolerance is not None}




def comparison(tables: Mapping[str, pd.DataFrame], tolerances: Mapping | None = None) -> pd.DataFrame:
    """One row per published number: ``table``, its keys, ``published``, ``reproduced``,
    ``difference`` (reproduced − published), ``tolerance``, ``within``. A published number
    without a reproduced counterpart has ``reproduced`` NA and ``within`` False; the
    published tables the period does not have (its parts: RoM 2's periods) are left out."""
    tol = dict(tolerances_by_table() if tolerances is None else tolerances)
    parts = []
    for t in tol:
        if t not in tables:
            continue
        c = compare(tables[t], t, tol[t])
        if "table" not in c.columns:
            c.insert(0, "table", t)
        c["table"] = t
        parts.append(c)
    if not parts:  # a period without the report's (RoM 1's) tables: nothing to compare
        return pd.DataFrame(columns=["table", "published", "reproduced", "difference", "tolerance", "within"])
    out = pd.concat(parts, ignore_index=True)
    keys = [k for k in KEYS if k in out.columns]
    return out[keys + ["published", "reproduced", "difference", "tolerance", "within"]]


def headline_comparison(c: pd.DataFrame) -> pd.DataFrame:
    """The summary's headline numbers a run reproduces, from comparison `c`: ``measure``,
    ``level``, ``published``, ``reproduced``, ``difference``, ``tolerance``, ``within``, in
    the order of `c` (index reset)."""
    head = c[(c["table"] == "headline") & c["reproduced"].notna()]
    return head[["measure", "level", "published", "reproduced", "difference", "tolerance", "within"]] \
        .reset_index(drop=True)


def comparison_summary(c: pd.DataFrame) -> pd.DataFrame:
    """Per table and overall: published values, how many reproduced, within tolerance,
    share within, mean and largest absolute difference."""
    def agg(d: pd.DataFrame) -> dict:
        diff = d["difference"].abs()
        return {"published": len(d), "reproduced": int(d["reproduced"].notna().sum()),
                "within": int(d["within"].sum()), "share_within": float(d["within"].mean()) if len(d) else np.nan,
                "mean_abs_difference": float(diff.mean()) if diff.notna().any() else np.nan,
                "max_abs_difference": float(diff.max()) if diff.notna().any() else np.nan}

    rows = [{"table": t, **agg(d)} for t, d in c.groupby("table", sort=False)]
    rows.append({"table": "Totalt", **agg(c)})
    return pd.DataFrame(rows)


def describe_comparison(c: pd.DataFrame) -> str:
    """One sentence: how many published numbers are reproduced within tolerance."""
    s = comparison_summary(c)
    tot = s.iloc[-1]
    per = s.iloc[:-1]
    per = per[per["reproduced"] > 0].assign(rate=lambda d: d["within"] / d["reproduced"])
    per = per.assign(_order=per["table"].astype(str).map(_report_position))
    worst = per.sort_values(["rate", "_order"], kind="stable").iloc[0]  # a tie: the table printed first
    count = lambda v: f"{int(v):,}".replace(",", "\u202f")  # noqa: E731  (narrow no-break space)
    share = lambda v: f"{100 * v:.0f} %"  # noqa: E731
    return (f"Av rapportens {count(tot['published'])} publicerade värden återskapas {count(tot['reproduced'])}, "
            f"varav {count(tot['within'])} ({share(tot['share_within'])} av de publicerade) inom toleransen; lägst "
            f"andel av de återskapade inom toleransen har {_table_name(worst['table'])} ({share(worst['rate'])}).")


def _report_position(t: str) -> int:
    """Position of a published table in report order (unknown tables last)."""
    order = {k: i for i, k in enumerate(tolerances_by_table())}
    return order.get(str(t), len(order))


def largest_deviations(c: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The `n` published numbers of comparison `c` furthest outside their tolerance:
    rows of `c` (index reset) with ``within`` False and a positive tolerance, the largest
    ``|difference| / tolerance`` first.

    Ties (the same number published twice, e.g. Tabell 5's unadjusted observations and
    the selection flow's last step) are broken by the key columns in `KEYS` order, as
    text, ascending and blanks last, then by the row's place in `c`, so the order is the
    same on every machine and whatever sort numpy dispatches to."""
    over = c["difference"].abs() / c["tolerance"].where(c["tolerance"] > 0)
    d = c.assign(_over=over)
    d = d[~d["within"].astype(bool) & d["_over"].notna()]
    keys = [k for k in KEYS if k in d.columns]
    text = {f"_k{i}": d[k].map(lambda v: None if pd.isna(v) else (format(v, "g") if isinstance(v, (int, float))
                                                                   else str(v)))
            for i, k in enumerate(keys)}
    d = d.assign(**text, _row=np.arange(len(d)))
    by = ["_over", *text, "_row"]
    d = d.sort_values(by, ascending=[False] + [True] * (len(by) - 1), na_position="last", kind="stable")
    return d.head(n).drop(columns=by).reset_index(drop=True)


def _table_name(t: str) -> str:
    return {"headline": "sammanfattningen", "urval": "urvalet"}.get(str(t), f"Tabell {t}")


