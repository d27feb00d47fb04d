"""Rules of the data contract that span tables, or that pandera cannot say per table.

Each check takes the frames already checked and coerced by their pandera schemas
(`romlab.dataset.contract`), works on whole columns (no loop over rows) and raises
`romlab.dataset.errors.DataError` for the first rule broken, naming the file, the column, the
rule, the number of rows and up to five example rows (with the looked-up values that
make them wrong as extra columns). Rules, in the order they are checked
(`check_dataset`): for each table in contract order, its references
(``reference:<table>.<column(s)>``), then

* periodic_reports: ``report_within_participation`` (month before the month the
  participation started), ``hours_fit_month`` (the 12 hour columns add up to more than
  24 h × days in the month), ``hour_unit`` (RoM 1 reports in whole hours, RoM 2 in
  quarter hours, `romlab.dataset.codes.HOUR_UNIT`);
* result_reports: ``result_not_before_start`` (work or studies began before the
  participation started).

A report filed by another provider than the one the participation started with is
allowed (participants switch providers).

`derive_age_at_start` fills ``age_at_start`` from ``birth_date`` (rule
``age_or_birth_date`` when neither is given).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa

from romlab.dataset import codes
from romlab.dataset.errors import TableSource
from romlab.dataset.contract import TABLES

__all__ = [
    "check_dataset", "check_references", "check_report_months", "check_hours_fit_month",
    "check_hour_unit", "check_result_dates", "derive_age_at_start", "HOURS_COLUMN_LABEL",
]

#: The `column` named by hours_fit_month: the sum of the 12 hour columns.
HOURS_COLUMN_LABEL = "hours_*"
#: What makes two periodic reports the same report (submitted twice).
RESUBMISSION_KEY = ("participation_id", "provider_id", "month", "placement_period")
#: Tolerance for float comparisons of hours.
_EPS = 1e-6


def _source(labels: Mapping[str, str | TableSource] | None, table: str) -> TableSource:
    """How the extract names a table (a `TableSource`; a plain label names the file only)."""
    got = (labels or {}).get(table, table)
    return got if isinstance(got, TableSource) else TableSource(str(got))


def _fail(labels, table: str, df: pd.DataFrame, column: str, rule: str, bad: np.ndarray,
          detail: str = "", extra: dict[str, np.ndarray] | None = None, pos: np.ndarray | None = None,
          source_column: str | None = None) -> None:
    """Raise DataError if ``bad`` (a boolean array over ``df``'s rows) has any True.

    The error names the file and column as the extract writes them, with up to five example
    rows by their line (CSV) or row in the file, as the extract has them, and looked-up
    values as extra columns."""
    pos = np.flatnonzero(bad) if pos is None else pos
    if len(pos) == 0:
        return
    ex = df.iloc[pos[:5]]
    shown = {name: np.asarray(values)[pos[:5]] for name, values in (extra or {}).items()}
    raise _source(labels, table).error(column, rule, len(pos), ex, detail, extra=shown,
                                       source_column=source_column)


#: positions found by _lookup during one check_dataset run (several checks need the same)
_LOOKUPS: dict[tuple, np.ndarray] | None = None


def _lookup(parent: pd.DataFrame, key: str, child_keys: pd.Series) -> np.ndarray:
    """Row positions in ``parent`` of each child key (-1 where there is none)."""
    if _LOOKUPS is None:
        return _find(parent, key, child_keys)
    values = child_keys.to_numpy()
    memo = (id(parent), key, values.__array_interface__["data"][0], len(values))
    if memo not in _LOOKUPS:
        _LOOKUPS[memo] = _find(parent, key, child_keys)
    return _LOOKUPS[memo]


def _find(parent: pd.DataFrame, key: str, child_keys: pd.Series) -> np.ndarray:
    index = pd.Index(parent[key].to_numpy())
    if not index.is_unique:
        index = pd.Index(parent[key].drop_duplicates(keep="first").to_numpy())
        # positions must point into parent: re-map through the first occurrence
        first = parent[key].drop_duplicates(keep="first").index
        pos = index.get_indexer(child_keys.to_numpy())
        return np.where(pos >= 0, parent.index.get_indexer(first)[pos], -1)
    return index.get_indexer(child_keys.to_numpy())


def _take(values: np.ndarray, pos: np.ndarray, fill) -> np.ndarray:
    out = values[np.maximum(pos, 0)]
    if (pos < 0).any():
        out = out.copy()
        out[pos < 0] = fill
    return out


# --------------------------------------------------------------------------- references

def _missing_keys(child: pd.DataFrame, cols: tuple[str, ...], parent: pd.DataFrame,
                  pcols: tuple[str, ...]) -> np.ndarray:
    """True where the child's (non-missing) key is not in the parent."""
    present = child[list(cols)].notna().all(axis=1).to_numpy()
    if len(cols) == 1:
        found = child[cols[0]].isin(parent[pcols[0]].dropna().unique()).to_numpy()
    else:
        key = pd.MultiIndex.from_frame(child[list(cols)])
        pkey = pd.MultiIndex.from_frame(parent[list(pcols)].drop_duplicates())
        found = key.isin(pkey)
    return present & ~found


def check_references(tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str] | None = None,
                     only: str | None = None) -> None:
    """Every reference of `TableSpec.references` resolves (rule ``reference:<table>.<cols>``)."""
    for name, spec in TABLES.items():
        if only is not None and name != only:
            continue
        child = tables[name]
        for cols, (other, pcols) in spec.references.items():
            if any(c not in child.columns for c in cols) or other not in tables:
                continue
            bad = _missing_keys(child, cols, tables[other], pcols)
            _fail(labels, name, child, ",".join(cols), f"reference:{other}.{','.join(pcols)}", bad,
                  detail=f"value(s) not found in {other}.{','.join(pcols)}"
                         + (" (orphan rows)" if other == "participations" else ""))


# --------------------------------------------------------------------------- dates

def check_result_dates(tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str] | None = None) -> None:
    """A result's event_date is not before its participation's start_date (``result_not_before_start``)."""
    res, part = tables["result_reports"], tables["participations"]
    pos = _lookup(part, "participation_id", res["participation_id"])
    start = _take(part["start_date"].to_numpy(), pos, np.datetime64("NaT"))
    bad = res["event_date"].to_numpy() < start  # NaT compares False
    _fail(labels, "result_reports", res, "event_date", "result_not_before_start", bad,
          detail="event_date before the participation's start_date",
          extra={"participation_start_date": start})


def _month_start(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[M]").astype(values.dtype)


def check_report_months(tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str] | None = None) -> None:
    """A periodic report's month lies within its participation: not before the start
    month, not after the end month (``report_within_participation``)."""
    rep, part = tables["periodic_reports"], tables["participations"]
    pos = _lookup(part, "participation_id", rep["participation_id"])
    start = _take(part["start_date"].to_numpy(), pos, np.datetime64("NaT"))
    end = _take(part["end_date"].to_numpy(), pos, np.datetime64("NaT"))
    month = rep["month"].to_numpy()
    bad = (month < _month_start(start)) | (month > _month_start(end))  # NaT (ongoing) compares False
    _fail(labels, "periodic_reports", rep, "month", "report_within_participation", bad,
          detail="month before the month the participation started or after the month it ended",
          extra={"participation_start_date": start, "participation_end_date": end})


def check_result_types(tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str] | None = None) -> None:
    """A result's type belongs to its participation's generation: R1/R2 in RoM 1, R3M/R6M
    in RoM 2 (``result_type_fits_generation``)."""
    res, part = tables["result_reports"], tables["participations"]
    pos = _lookup(part, "participation_id", res["participation_id"])
    gen = _take(part["generation"].to_numpy(), pos, -1)
    ok = np.zeros(len(res), dtype=bool)
    for g, types in codes.RESULT_TYPES_BY_GENERATION.items():  # loop over generations, not rows
        ok |= (gen == g) & res["result_type"].isin(types).to_numpy()
    _fail(labels, "result_reports", res, "result_type", "result_type_fits_generation", ~ok & (gen > 0),
          detail="R1/R2 belong to RoM 1 (generation 1), R3M/R6M to RoM 2 (generation 2)",
          extra={"generation": gen})


# --------------------------------------------------------------------------- hours

def check_hours_fit_month(tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str] | None = None) -> None:
    """The 12 hour columns of a report add up to at most 24 h × days in the month (``hours_fit_month``)."""
    rep = tables["periodic_reports"]
    cols = [c for c in codes.HOUR_COLUMNS if c in rep.columns]
    total = rep[cols].to_numpy(dtype="float64").sum(axis=1)
    possible = 24.0 * rep["month"].dt.days_in_month.to_numpy(dtype="float64")
    bad = total > possible + _EPS
    _fail(labels, "periodic_reports", rep, HOURS_COLUMN_LABEL, "hours_fit_month", bad,
          detail="the 12 hour columns add up to more hours than the month has (24 h × days)",
          extra={"hours_total": total, "hours_in_month": possible},
          source_column=_hour_sources(labels, cols))


def _hour_sources(labels, cols: list[str]) -> str | None:
    """The extract's names of the hour columns ("a,b,…"), or None when they are romlab's own
    (the column is then called `HOURS_COLUMN_LABEL`)."""
    names = [_source(labels, "periodic_reports").name_of(c) for c in cols]
    return None if names == cols else ",".join(names)


def check_hour_unit(tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str] | None = None) -> None:
    """Hours are multiples of the generation's unit: RoM 1 whole hours, RoM 2 quarter hours (``hour_unit``).

    The generation is that of the report's participation.
    """
    rep, part = tables["periodic_reports"], tables["participations"]
    pos = _lookup(part, "participation_id", rep["participation_id"])
    gen = _take(part["generation"].to_numpy(), pos, -1)
    unit = np.full(len(rep), np.nan)
    for g, u in codes.HOUR_UNIT.items():  # loop over the generations, not the rows
        unit[gen == g] = u
    known = ~np.isnan(unit)
    failing: list[tuple[str, np.ndarray]] = []
    for col in codes.HOUR_COLUMNS:
        if col not in rep.columns:
            continue
        steps = rep[col].to_numpy(dtype="float64") / np.where(known, unit, 1.0)
        bad = known & (np.abs(steps - np.round(steps)) > _EPS)
        if bad.any():
            failing.append((col, bad))
    if not failing:
        return
    col, bad = failing[0]
    units = ", ".join(f"RoM {g}: {u:g} h" for g, u in codes.HOUR_UNIT.items())
    detail = f"hours must be multiples of the generation's unit ({units})"
    if len(failing) > 1:
        detail += "; also in " + ", ".join(f"{c} ({int(b.sum())} rows)" for c, b in failing[1:])
    _fail(labels, "periodic_reports", rep, col, "hour_unit", bad, detail=detail,
          extra={"generation": gen})


# --------------------------------------------------------------------------- age

def derive_age_at_start(part: pd.DataFrame, label: str | TableSource = "participations",
                        check: bool = True) -> pd.DataFrame:
    """Return participations with ``age_at_start``: as given, or completed years on
    start_date from ``birth_date`` (rule ``age_or_birth_date`` if neither is there)."""
    if "age_at_start" in part.columns:
        return part
    src = label if isinstance(label, TableSource) else TableSource(str(label))
    if "birth_date" not in part.columns:
        raise src.error("age_at_start", "age_or_birth_date", len(part), part.head(5),
                        detail="participations need an age_at_start or a birth_date column; neither is "
                               f"there (columns: {list(part.columns)})")
    birth, start = part["birth_date"], part["start_date"]
    missing = birth.isna().to_numpy()
    if missing.any():
        pos = np.flatnonzero(missing)
        raise src.error("birth_date", "age_or_birth_date", len(pos), part.iloc[pos[:5]],
                        detail="birth_date is empty and there is no age_at_start column to use instead")
    before_birthday = (start.dt.month * 100 + start.dt.day) < (birth.dt.month * 100 + birth.dt.day)
    age = (start.dt.year - birth.dt.year - before_birthday.astype("int64")).astype("int64")
    cols = list(part.columns)
    out = part.copy()
    out.insert(cols.index("birth_date") + 1, "age_at_start", age)
    if check:
        col = TABLES["participations"].schema.columns["age_at_start"]
        try:
            pa.DataFrameSchema({"age_at_start": col}).validate(out[["age_at_start"]], lazy=True)
        except pa.errors.SchemaErrors as e:
            fc = e.failure_cases
            idx = np.unique(pd.to_numeric(fc["index"], errors="coerce").dropna().astype("int64"))
            pos = part.index.get_indexer(idx)
            rule = col.checks[0].name if col.checks else str(fc["check"].iloc[0])
            raise src.error("age_at_start", rule, len(pos), part.iloc[pos[:5]],
                            detail=f"age_at_start derived from {src.name_of('birth_date')} and "
                                   f"{src.name_of('start_date')}",
                            extra={"age_at_start": age.to_numpy()[pos[:5]]},
                            source_column=src.name_of("birth_date")) from None
    return out


def check_duplicate_reports(tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str] | None = None,
                            resubmission: str | None = None) -> None:
    """A periodic report is not there twice: same participation, provider, month and
    placement period (``duplicate_report``), unless the mapping declares a resubmission
    rule (then `romlab.report.support.select_reports` keeps the latest and counts the replaced)."""
    if resubmission is not None:
        return
    rep = tables["periodic_reports"]
    codes_ = [pd.factorize(rep[c])[0] for c in RESUBMISSION_KEY]
    sizes = [int(c.max()) + 2 if len(c) else 1 for c in codes_]
    if float(np.prod(sizes, dtype=float)) < 2**62:  # one int64 per report: hashing it is fast
        key = np.ravel_multi_index([c + 1 for c in codes_], sizes)
        dup = pd.Series(key).duplicated(keep=False).to_numpy()
    else:  # pragma: no cover - more distinct keys than an int64 holds
        dup = rep.duplicated(list(RESUBMISSION_KEY), keep=False).to_numpy()
    if not dup.any():
        return
    pos = np.flatnonzero(dup)
    # both copies of the first duplicated reports, side by side
    order = np.lexsort([pos] + [rep[c].to_numpy()[pos] for c in reversed(RESUBMISSION_KEY)])
    _fail(labels, "periodic_reports", rep, ",".join(RESUBMISSION_KEY), "duplicate_report", dup,
          detail="the same report (participation, provider, month, placement period) is there twice; if "
                 "the later one replaces the earlier, declare it in the mapping (periodic_reports: "
                 "resubmission: latest)", pos=pos[order])


# --------------------------------------------------------------------------- all

def check_dataset(tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str] | None = None,
                  resubmission: str | None = None) -> None:
    """Run every cross-table rule in a stable order; raise DataError for the first broken one."""
    per_table = {
        "periodic_reports": (check_report_months, check_hours_fit_month, check_hour_unit,
                             lambda t, lab: check_duplicate_reports(t, lab, resubmission)),
        "result_reports": (check_result_dates, check_result_types),
    }
    global _LOOKUPS
    _LOOKUPS = {}
    try:
        for name in TABLES:
            check_references(tables, labels, only=name)
            for check in per_table.get(name, ()):
                check(tables, labels)
    finally:
        _LOOKUPS = None
