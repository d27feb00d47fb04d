"""What every reader of `romlab.dataset.formats` returns (`ReadTable`) and the pieces they
share: dates as ``datetime64[ns]`` (`dates_to_ns`), example rows (`example_rows`) and a
`DataError` for a source that cannot be read (`unreadable`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from romlab.dataset.errors import DataError


@dataclass
class ReadTable:
    """One table as read from its source.

    ``frame``: the values as stored, columns named as in the source, index = RangeIndex
    (row number in the source from 0, in the source's order). ``label``: the file path, or
    ``"<url without password>:<table>"`` for a database table (for messages).
    ``value_labels``: {column: {stored value: label text}} from a Stata/SPSS/SAS file's
    metadata ({} for other formats). ``rows_unread``: rows left in the database because
    of ``known_before``.
    """

    frame: pd.DataFrame
    label: str
    value_labels: dict[str, dict] = field(default_factory=dict)
    rows_unread: int = 0


# the range of datetime64[ns], the contract's date type
_NS_MIN, _NS_MAX = pd.Timestamp.min, pd.Timestamp.max


def dates_to_ns(df: pd.DataFrame, label: str, rule: str) -> pd.DataFrame:
    """Every date column as datetime64[ns]: datetime64 of another unit, and object
    columns that hold only dates/datetimes (what DBAPI drivers return for DATE). A date
    datetime64[ns] cannot hold (before 1677-09-22 or after 2262-04-11, e.g. 9999-12-31
    for "open") is a DataError naming the column and the rows, never silently blanked."""
    for col in df.columns:
        s = df[col]
        if s.dtype == object:
            kind = pd.api.types.infer_dtype(s, skipna=True)
            if kind not in ("date", "datetime", "datetime64"):
                continue
            try:
                s = pd.to_datetime(s)
            except (ValueError, TypeError, OverflowError):
                continue  # mixed time zones or the like: leave the values for the loader
        if not (pd.api.types.is_datetime64_dtype(s.dtype) or isinstance(s.dtype, pd.DatetimeTZDtype)):
            continue
        if s.dtype == "datetime64[ns]":
            df[col] = s
            continue
        naive = s.dt.tz_localize(None) if isinstance(s.dtype, pd.DatetimeTZDtype) else s
        bad = naive.notna() & ((naive < _NS_MIN) | (naive > _NS_MAX))
        if bad.any():
            raise DataError(label, str(col), rule, int(bad.sum()), example_rows(df, bad),
                            detail="dates outside what a date column can hold (1677-09-22 to "
                                   "2262-04-11), e.g. 9999-12-31 written for 'no end date'; "
                                   "leave such dates empty in the extract")
        unit = "datetime64[ns]" if not isinstance(s.dtype, pd.DatetimeTZDtype) else \
            pd.DatetimeTZDtype("ns", s.dt.tz)
        df[col] = s.astype(unit)
    return df


def example_rows(df: pd.DataFrame, mask) -> pd.DataFrame:
    """Example rows for a DataError: index = row in the source, first data row = 1."""
    ex = df.loc[np.asarray(mask, dtype=bool)].head(5)
    return ex.set_axis(ex.index + 1, axis=0)


def unreadable(label: str, rule: str, e: BaseException, secret: str | None = None, what: str = "") -> DataError:
    """A DataError for a source that cannot be read, with the reader's message (its first
    line; a password in it replaced by ***)."""
    text = (str(e).strip().splitlines() or [""])[0]
    if secret:
        text = text.replace(secret, "***")
    detail = f"{type(e).__name__}: {text}" if text else type(e).__name__
    if what:
        detail = f"{what}; {detail}"
    return DataError(label, "", rule, 0, detail=detail)
