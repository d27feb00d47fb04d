"""Check one table against its pandera schema and raise errors in the extract's words.

The third step of `romlab.load`: values still in text (CSV) or in the extract's types are
made coercible (numbers with the declared decimal mark, true/false spellings, dates in the
declared form: `romlab.dataset.build_columns`), the table's pandera schema (`romlab.dataset.contract`) coerces
and checks them, and the first broken rule becomes one `romlab.dataset.errors.DataError` naming the
file and column as the extract writes them, the rule, the number of rows and up to five
example rows with their lines (every other broken rule of the table is listed in its detail).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as arrow

from romlab.dataset.build_columns import _is_text, failure, parse_bool, parse_dates
from romlab.dataset.errors import DataError, TableSource
from romlab.dataset.mapping import ISO_DATE, Mapping
from romlab.dataset.raw_table import RawTable
from romlab.dataset.contract import TABLES


_COERCE_ONLY: dict[str, pa.DataFrameSchema] = {}


def _coerce_only(name: str) -> pa.DataFrameSchema:
    """The table's schema with types only (for validate=False)."""
    if name not in _COERCE_ONLY:
        full = TABLES[name].schema
        _COERCE_ONLY[name] = pa.DataFrameSchema(
            {c: pa.Column(col.dtype, nullable=True, coerce=True, required=col.required)
             for c, col in full.columns.items()},
            name=full.name,
        )
    return _COERCE_ONLY[name]


def _df_check_column(check, columns: list[str]) -> str:
    """The column a DataFrame-level check is about: the first contract column its message names."""
    text = f"{check.error or ''}"
    for word in text.replace(",", " ").split():
        if word in columns:
            return word
    return ""


def _allowed_codes_check(table_schema: pa.DataFrameSchema, column: str | None):
    """(number, check) of a column's allowed_codes check, or None."""
    col = table_schema.columns.get(column) if column else None
    for num, chk in enumerate(col.checks if col is not None else ()):
        if chk.name == "allowed_codes" and (chk.statistics or {}).get("allowed_values") is not None:
            return num, chk
    return None


def _failures_from_pandera(fc: pd.DataFrame, table_schema: pa.DataFrameSchema) -> list[dict]:
    """Group pandera's failure cases into [{column, rule, rank, index, detail}]."""
    columns = list(table_schema.columns)
    fc = fc.copy()
    fc["_idx"] = pd.to_numeric(fc["index"], errors="coerce")
    missing = fc["check"].astype(str) == "column_in_dataframe"
    if missing.any():  # pandera names the missing column as the failure case
        fc["column"] = fc["column"].astype(object)
        fc.loc[missing, "column"] = fc.loc[missing, "failure_case"].astype(str)
    out: dict[tuple[str, str], dict] = {}
    null_cols = set(fc.loc[fc["check"].astype(str) == "not_nullable", "column"].astype(str))
    keys = ["schema_context", "column", "check", "check_number"]
    for (ctx, column, check, num), grp in fc.groupby(keys, dropna=False, sort=False):
        column = None if pd.isna(column) else str(column)
        if str(check).startswith(("coerce_dtype(", "dtype(")) and column in null_cols:
            grp = grp[grp["failure_case"].notna()]  # missing values are reported as not_nullable
            if grp.empty:
                continue
        column, rule, rank, detail = _rule_of(str(ctx), column, str(check), num, table_schema, columns)
        key = (column or "", rule)
        idx = grp["_idx"].dropna().astype("int64").to_numpy()
        errored = grp["_idx"].isna().all() and rule != "column_in_dataframe"
        if key in out:
            out[key]["index"] = np.union1d(out[key]["index"], idx)
            out[key]["rank"] = min(out[key]["rank"], rank)
        else:
            if errored and len(grp):
                case = grp["failure_case"].iloc[0]
                if isinstance(case, str) and "Error" in case:
                    detail = (detail + "; " if detail else "") + f"the check failed: {case}"
            out[key] = {"column": column or "", "rule": rule, "rank": rank, "index": np.unique(idx),
                        "detail": detail, "whole": len(idx) == 0}
    return list(out.values())


def _rule_of(ctx: str, column: str | None, check: str, num, table_schema: pa.DataFrameSchema,
             columns: list[str]) -> tuple[str | None, str, tuple[int, int], str]:
    """(column, rule, rank, detail) of one kind of pandera failure: the rule as the
    contract names it, ranked by the column's place and the check's (a missing column
    first, then missing values, type, uniqueness, the column's checks, the table's)."""
    pos = {c: i for i, c in enumerate(columns)}
    n_cols = len(columns)
    has_num = not pd.isna(num)
    detail = ""
    if check == "column_in_dataframe":
        rule, rank = check, (pos.get(column, n_cols), 0)
    elif check == "not_nullable":
        rule, rank = check, (pos.get(column, n_cols), 1)
    elif check.startswith("coerce_dtype(") or check.startswith("dtype("):
        rule = check.removeprefix("coerce_")
        rank = (pos.get(column, n_cols), 2)
        code_check = _allowed_codes_check(table_schema, column)
        if code_check is not None:  # a coded column (generation 1/2, rating 1-4): an unknown code
            num_, chk = code_check
            rule, rank = chk.name, (pos.get(column, n_cols), 10 + num_)
            detail = f"allowed: {list(chk.statistics['allowed_values'])}"
    elif check in ("field_uniqueness",):
        rule, rank = "unique", (pos.get(column, n_cols), 3)
    elif check == "multiple_fields_uniqueness" or (ctx == "DataFrameSchema" and check == "unique"):
        rule = "unique"
        column = ",".join(table_schema.unique or [column or ""])
        rank = (n_cols, 0)
    elif ctx == "Column" and has_num and column in table_schema.columns:
        chk = table_schema.columns[column].checks[int(num)]
        rule = chk.name or check
        rank = (pos.get(column, n_cols), 10 + int(num))
        allowed = (chk.statistics or {}).get("allowed_values")
        if allowed is not None:
            detail = f"allowed: {list(allowed)}"
    elif ctx == "DataFrameSchema" and has_num and int(num) < len(table_schema.checks):
        chk = table_schema.checks[int(num)]
        rule = chk.name or check
        detail = str(chk.error or "")
        column = _df_check_column(chk, columns)
        rank = (n_cols + 1, int(num))
    else:
        rule, rank = check, (n_cols + 2, 0)
    return column, rule, rank, detail


_ARROW_NUMBER = {"int64": arrow.int64(), "Int64": arrow.int64(), "float64": arrow.float64()}


def _fast_number(s: pd.Series, kind: str) -> pd.Series:
    """Text → numbers with Arrow's C++ cast (pandera's coercion of text is slow at millions
    of rows). If any value does not parse, the text is left for pandera to report."""
    try:
        arr = arrow.Array.from_pandas(s)
        num = arr.cast(_ARROW_NUMBER[kind])
    except (arrow.ArrowInvalid, arrow.ArrowNotImplementedError, arrow.ArrowTypeError):
        return s
    # int64 with gaps becomes float64 with NaN: pandera then reports them as not_nullable;
    # the values go by position (the index has gaps where Excel's empty rows were skipped)
    return pd.Series(num.to_numpy(zero_copy_only=False), index=s.index, name=s.name)


def _normalise(name: str, df: pd.DataFrame, raw: RawTable | None, mapping: Mapping | None,
               mapped: bool) -> tuple[pd.DataFrame, list[dict]]:
    """Make values coercible by pandera; return failures pandera cannot see."""
    cols = TABLES[name].schema.columns
    failures: list[dict] = []
    changed: dict[str, pd.Series] = {}
    decimal = raw.decimal if raw is not None and raw.text else "."
    for col_name, col in cols.items():
        if col_name not in df.columns:
            continue
        s = df[col_name]
        kind = str(col.dtype)
        if _is_text(s):
            if raw is None or not raw.text:  # the CSV reader already reads "" as missing
                empty = (s == "").to_numpy(dtype=bool, na_value=False)
                if empty.any():
                    s = s.mask(empty)
            if kind in _ARROW_NUMBER:
                if decimal == "," and kind == "float64":
                    dots = s.astype("string").str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool)
                    if dots.any():
                        failures.append(failure(col_name, f"dtype('{kind}')", np.flatnonzero(dots),
                                                "a decimal point where the file declares decimal commas"))
                    s = s.astype("string").str.replace(",", ".", regex=False)
                fast = _fast_number(s.astype("string") if s.dtype == object else s, kind)
                if not _is_text(fast):
                    s = fast
            elif kind.startswith("datetime") and not mapped:
                fmt = ISO_DATE
                s, bad = parse_dates(s, fmt)
                if len(bad):
                    failures.append(failure(col_name, "date_format", bad,
                                            f"expected ISO dates ({fmt}, e.g. 2023-08-11)"))
        if kind == "bool" and s.dtype != bool:
            s, bad = parse_bool(s)
            if len(bad):
                failures.append(failure(col_name, "dtype('bool')", bad,
                                        "true/false expected (true, false, 1, 0, ja, nej, sant, falskt)"))
        if s is not df[col_name]:
            changed[col_name] = s
    if changed:
        df = df.assign(**changed)
    return df, failures


def _raise_first(failures: list[dict], src: TableSource, original: pd.DataFrame, index: pd.Index,
                 table_schema: pa.DataFrameSchema, error: Exception | None = None) -> None:
    """Raise the first failure (by column order) as a DataError in the extract's words.

    ``original``: the rows as read (the extract's column names), aligned with ``index``
    (the row numbers in the file)."""
    if not failures:
        if error is not None:  # pandera failed in a way not understood here: still a DataError
            raise src.error("", "schema", len(original), original.head(5),
                            detail=" ".join(str(error).split())[:500]) from None
        return
    n = len(original)
    columns = list(table_schema.columns)
    # a value that could not be parsed is empty after parsing: report it as unparsable only
    unparsed: dict[str, np.ndarray] = {}
    for f in failures:  # (and a column the mapping filled from it: a copy, a looked-up value)
        if f["rule"] != "not_nullable" and f["rule"] != "column_in_dataframe" and len(f["index"]):
            for col in (f["column"], *f.get("covers", ())):
                unparsed[col] = np.union1d(unparsed.get(col, np.zeros(0, np.int64)), f["index"])
    kept = []
    for f in failures:
        if f["rule"] == "not_nullable" and f["column"] in unparsed:
            f["index"] = np.setdiff1d(f["index"], unparsed[f["column"]])
            if len(f["index"]) == 0:
                continue
        kept.append(f)
    failures = kept
    for f in failures:
        f.setdefault("rank", (columns.index(f["column"]) if f["column"] in columns else len(columns), 2))
        f["n"] = n if f.get("whole") or len(f["index"]) == 0 else len(f["index"])
    failures.sort(key=lambda f: f["rank"])  # Python's sort is stable: ties keep their order
    first, rest = failures[0], failures[1:]
    if len(first["index"]):
        pos = np.sort(first["index"], kind="stable")[:5]  # row positions, unique
        examples = original.iloc[pos]
    elif first["rule"] == "column_in_dataframe":
        examples = None  # the detail lists the columns that are there
    else:
        examples = original.head(5)
    details = []
    if first.get("detail"):
        details.append(first["detail"])
    if first["rule"] == "column_in_dataframe":
        details.append(f"columns in the file: {list(original.columns)}")
    if rest:
        listed = ", ".join(f"{f.get('source_column') or src.name_of(f['column']) or '-'}: {f['rule']} "
                           f"({f['n']} rows)" for f in rest[:6])
        more = f", ... ({len(rest) - 6} more)" if len(rest) > 6 else ""
        details.append(f"and {len(rest)} further rule(s) broken: {listed}{more}")
    if examples is not None:
        examples = examples.copy()
        examples.index = src.number(index[np.asarray(pos if len(first["index"]) else np.arange(len(examples)))])
        examples.index.name = src.where
    raise DataError(src.label, first["column"], first["rule"], first["n"], examples, "; ".join(details),
                    source_column=first.get("source_column") or src.name_of(first["column"]), where=src.where)


def check_table(name: str, frame: pd.DataFrame, src: TableSource, raw: RawTable | None,
                mapping: Mapping | None, validate: bool, pre_failures: list[dict] | None = None
                ) -> tuple[pd.DataFrame, TableSource]:
    """Coerce (and, if ``validate``, check) one table with its pandera schema; raise the
    first broken rule as a DataError. Returns the table in contract column order."""
    spec = TABLES[name]
    table_schema = spec.schema if validate else _coerce_only(name)
    original = raw.frame if raw is not None else frame
    mapped = mapping is not None and mapping.get(name) is not None
    df, extra = _normalise(name, frame, raw, mapping, mapped)
    extra = list(pre_failures or []) + extra
    try:
        # pandera copies the whole table before coercing unless told not to; a shallow
        # copy (copy-on-write) keeps the caller's frame as it was at a fraction of the cost
        out = table_schema.validate(df.copy(deep=False), lazy=True, inplace=True)
    except pa.errors.SchemaErrors as e:
        failures = _failures_from_pandera(e.failure_cases, spec.schema)
        if not df.index.equals(pd.RangeIndex(len(df))):  # pandera reports labels: make them positions
            for f in failures:
                f["index"] = df.index.get_indexer(f["index"])
        _raise_first(failures + extra, src, original, df.index, spec.schema, error=e)
        raise  # pragma: no cover - _raise_first always raises here
    _raise_first(extra, src, original, df.index, spec.schema)
    order = [c for c in spec.schema.columns if c in out.columns]
    return out[order + [c for c in out.columns if c not in spec.schema.columns]], src


def empty_table(name: str) -> pd.DataFrame:
    """An optional table that is not there: no rows, the contract's columns and types."""
    cols = TABLES[name].schema.columns
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c, col in cols.items() if col.required})
    return _coerce_only(name).validate(empty)
