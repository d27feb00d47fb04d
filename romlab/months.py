"""Month arithmetic, in one place: month numbers, shifts, first and last days, follow-up.

A month is written ``"YYYY-MM"``. `index` numbers months since year 0 (``year * 12 +
month - 1``), so "k months before m" is ``index(m) - k`` whatever the years; it takes a
scalar (text, date, Timestamp), a datetime Series or index, or a numpy datetime64 array.
The follow-up rule of the results population (the report's 18 months, §3.4; assumption
A09) is `last_start_with_followup`: a start month counts when its last day plus the
follow-up months is on or before the data cut-off.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MonthError", "to_month", "index", "from_index", "shift", "first_day", "last_day",
           "whole_months", "last_start_with_followup", "has_full_followup"]

_MONTH_RE = re.compile(r"^\s*(\d{4})-?(\d{2})(?:-\d{2})?\s*$")
_EPOCH = 1970 * 12  # numpy's datetime64[M] counts months since 1970-01


class MonthError(ValueError):
    """A value that is not a month."""


def to_month(value: Any) -> str:
    """A month as ``"YYYY-MM"``.

    Accepts "2023-10", "2023-10-05", "202310", 202310, a date/datetime/Timestamp or a
    ``pd.Period``. (A bare year such as 2023 is refused: papermill turns "2023" into an
    int, so say the month.)
    """
    if isinstance(value, pd.Period):
        return value.asfreq("M").strftime("%Y-%m")
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).strftime("%Y-%m")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        value = str(int(value))
    if isinstance(value, str):
        m = _MONTH_RE.match(value)
        if m and 1 <= int(m.group(2)) <= 12:
            return f"{m.group(1)}-{m.group(2)}"
    raise MonthError(f"not a month: {value!r} (expected 'YYYY-MM', e.g. '2023-10')")


def index(value: Any) -> Any:
    """Months since year 0 (``year * 12 + month - 1``) of a month or date.

    A scalar gives an int; a datetime Series an integer Series (NA stays NA); a
    DatetimeIndex an Index; a numpy datetime64 array an int64 array."""
    if isinstance(value, pd.Series):
        return value.dt.year * 12 + value.dt.month - 1
    if isinstance(value, pd.DatetimeIndex):
        return value.year * 12 + value.month - 1
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.datetime64):
        return value.astype("datetime64[M]").astype(np.int64) + _EPOCH
    m = to_month(value)
    return int(m[:4]) * 12 + int(m[5:7]) - 1


def from_index(i: Any) -> Any:
    """The first day of month number ``i`` (see `index`): a Timestamp for an int, a
    datetime64[D] array for an array."""
    if isinstance(i, np.ndarray):
        return (i - _EPOCH).astype("datetime64[M]").astype("datetime64[D]")
    return pd.Timestamp(year=int(i) // 12, month=int(i) % 12 + 1, day=1)


def shift(month: Any, months: int) -> str:
    """The month ``months`` after ``month`` (before, when negative), as ``"YYYY-MM"``."""
    return from_index(index(month) + int(months)).strftime("%Y-%m")


def first_day(month: Any) -> pd.Timestamp:
    """The first day of a month."""
    return from_index(index(month))


def last_day(month: Any) -> pd.Timestamp:
    """The last day of a month."""
    return from_index(index(month) + 1) - pd.Timedelta(days=1)


def whole_months(start_date, cutoff) -> pd.Series:
    """Whole calendar months from each ``start_date`` to ``cutoff`` (start 2022-01-15,
    cut-off 2023-08-11 → 18; cut-off 2023-08-15 → 19); negative for starts after it."""
    s = pd.to_datetime(pd.Series(start_date))
    cut = pd.Timestamp(cutoff)
    months = (cut.year - s.dt.year) * 12 + (cut.month - s.dt.month)
    return (months - (s.dt.day > cut.day).astype(int)).astype("int64")


def last_start_with_followup(cutoff: Any, followup_months: int) -> str:
    """The latest start month whose last day plus ``followup_months`` months is on or
    before ``cutoff`` (the report's 18-month population, §3.4; A09).

    The last day of month m plus k months is the last day of month m + k, so it is the
    month k months before the last complete month on or before the cut-off: with the
    October 2023 cut-off (2023-08-11) and 18 months, January 2022 (Tabell 14 covers starts
    May 2020 – January 2022)."""
    cut = pd.Timestamp(cutoff).normalize()
    last_complete = index(cut) if cut == last_day(cut) else index(cut) - 1
    return from_index(last_complete - int(followup_months)).strftime("%Y-%m")


def has_full_followup(start_date, cutoff, followup_months: int) -> pd.Series:
    """True for each start whose month has the full follow-up (`last_start_with_followup`)."""
    s = pd.to_datetime(pd.Series(start_date))
    return (index(s) <= index(last_start_with_followup(cutoff, followup_months))).astype(bool)
