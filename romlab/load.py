"""Load a dataset, check it against the data contract and cut it at a data cut-off.

`load(path)` reads one file per table (``<table>.parquet`` or ``<table>.csv``) from a
directory, or one table per name from a DuckDB database file, renames and recodes it
through an optional YAML mapping (``docs/mapping.md``), checks every table with its
pandera schema (`romlab.schema`) and the tables against each other
(`romlab.validate`), and returns a `Dataset` of frames with the contract's dtypes.
Any broken rule raises one `romlab.errors.DataError` naming file, column, rule, the
number of rows and example rows. Rows are never dropped, except those hidden by an
explicit ``as_of`` cut-off, and those are counted in `Dataset.as_of_summary`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as arrow
import pyarrow.csv as pacsv

from romlab import validate as xval
from romlab.errors import DataError
from romlab.schema import TABLES

__all__ = ["Dataset", "load", "read_mapping", "TableMapping", "TABLE_NAMES"]

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
DB_SUFFIXES = (".duckdb", ".db")
FILE_SUFFIXES = (".parquet", ".csv")

#: Spellings of true/false accepted in boolean columns (compared lower-case, trimmed).
#: "sant"/"falskt" are what Swedish Excel writes for TRUE/FALSE.
TRUE_TOKENS = frozenset({"true", "t", "1", "1.0", "yes", "y", "ja", "j", "sant"})
FALSE_TOKENS = frozenset({"false", "f", "0", "0.0", "no", "n", "nej", "falskt"})

DateLike = str | dt.date | dt.datetime | pd.Timestamp


# --------------------------------------------------------------------------- Dataset

@dataclass(eq=False)
class Dataset:
    """The tables of one extract, validated, with contract dtypes, possibly cut at ``as_of``.

    Each table is a DataFrame whose index is the row number in its file (from 0), so an
    as-of cut leaves gaps in the index rather than renumbering rows.
    """

    participations: pd.DataFrame
    periodic_reports: pd.DataFrame
    deviation_reports: pd.DataFrame
    result_reports: pd.DataFrame
    register_events: pd.DataFrame
    providers: pd.DataFrame
    contracts: pd.DataFrame
    provider_ratings: pd.DataFrame
    #: the data cut-off (a day), or None for everything in the files
    as_of: pd.Timestamp | None = None
    #: the directory or database file read
    source: Path | None = None
    #: {table: file it was read from} (the database file for DuckDB)
    files: dict[str, Path] = field(default_factory=dict)
    #: per table: rows_in_file, rows_hidden_as_of, rows_visible, values_blanked
    as_of_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: files (or database tables) found at the source that are no table of the contract
    unknown_files: list[str] = field(default_factory=list)
    #: the full, uncut tables (shared, not copied), so that as_of_view need not re-read
    _full: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """{table name: frame}, in contract order."""
        return {name: getattr(self, name) for name in TABLE_NAMES}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in TABLES:
            raise KeyError(name)
        return getattr(self, name)

    def row_counts(self) -> pd.DataFrame:
        """One row per table: ``table``, ``rows`` (visible rows)."""
        return pd.DataFrame({"table": list(TABLE_NAMES),
                             "rows": [len(getattr(self, n)) for n in TABLE_NAMES]})

    def as_of_view(self, date: DateLike) -> "Dataset":
        """The same data as known on ``date`` (a new Dataset; nothing is re-read).

        ``date`` must not be after this dataset's own cut-off, if it has one.
        """
        cutoff = _as_timestamp(date)
        if self.as_of is not None and cutoff > self.as_of:
            raise ValueError(f"as_of_view({cutoff.date()}) is after this dataset's cut-off "
                             f"{self.as_of.date()}: load the data again without as_of")
        if self._full:
            return _make_dataset(self._full, cutoff, self.source, self.files, self.unknown_files)
        # cut already: cutting this view again gives what cutting the files would (rows
        # and values hidden at the own cut-off are hidden at any earlier one); the
        # summary still counts against the rows in the files
        view = _make_dataset(self.tables(), cutoff, self.source, self.files, self.unknown_files,
                             keep_full=False)
        if len(self.as_of_summary):
            s = view.as_of_summary.set_index("table")
            own = self.as_of_summary.set_index("table")
            s["rows_in_file"] = own["rows_in_file"]
            s["rows_hidden_as_of"] = s["rows_in_file"] - s["rows_visible"]
            s["values_blanked"] = s["values_blanked"] + own["values_blanked"]
            view.as_of_summary = s.reset_index()[list(self.as_of_summary.columns)]
        return view


def _as_timestamp(date: DateLike) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(date)
    except (ValueError, TypeError) as e:
        raise ValueError(f"as_of must be a date or an ISO date string, not {date!r}") from e
    if pd.isna(ts):
        raise ValueError(f"as_of must be a date, not {date!r}")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _cut(full: dict[str, pd.DataFrame], cutoff: pd.Timestamp | None, prehidden: dict[str, int] | None = None
         ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Hide rows known after ``cutoff`` and blank values that became known after it.

    ``prehidden``: rows per table that were left unread because they became known after
    the cut-off (`load` filters large Parquet files while reading); they are counted as
    in the file and hidden."""
    prehidden = prehidden or {}
    out: dict[str, pd.DataFrame] = {}
    rows = []
    # anything dated on the cut-off day is known; compare with the next midnight
    limit = None if cutoff is None else cutoff + pd.Timedelta(days=1)
    for name, spec in TABLES.items():
        df = full[name]
        n = len(df)
        hidden = blanked = 0
        if limit is not None:
            if spec.known_at:
                late_row = (df[spec.known_at] >= limit).to_numpy()
                hidden = int(late_row.sum())
                if hidden:
                    df = df.loc[~late_row]
            copied = False
            for date_col, cols in spec.field_known_at.items():
                late = (df[date_col] >= limit).to_numpy()
                if not late.any():
                    continue
                if not copied:
                    df = df.copy()
                    copied = True
                # the date itself is not known either before the cut-off
                for col in dict.fromkeys((*cols, date_col)):
                    blanked += int(df[col].notna().to_numpy()[late].sum())
                    df.loc[late, col] = None
        # a new frame object even when nothing was cut, so that adding a column to a
        # table of one view does not change the full data (copy-on-write: no data copied)
        out[name] = df if df is not full[name] else df.copy(deep=False)
        pre = prehidden.get(name, 0)
        n, hidden = n + pre, hidden + pre
        rows.append({"table": name, "rows_in_file": n, "rows_hidden_as_of": hidden,
                     "rows_visible": len(df), "values_blanked": blanked})
    return out, pd.DataFrame(rows)


def _make_dataset(full: dict[str, pd.DataFrame], cutoff: pd.Timestamp | None, source: Path | None,
                  files: dict[str, Path], unknown: list[str], keep_full: bool = True,
                  prehidden: dict[str, int] | None = None) -> Dataset:
    """A Dataset cut at `cutoff`. With `keep_full`, the uncut tables stay referenced so
    that a later `as_of_view` may go past the cut-off's rows again; `load(as_of=…)` does
    not keep them (half the memory on large data; views at earlier dates need none)."""
    cut, summary = _cut(full, cutoff, prehidden)
    return Dataset(**cut, as_of=cutoff, source=source, files=dict(files), as_of_summary=summary,
                   unknown_files=list(unknown), _full=full if keep_full else {})


# --------------------------------------------------------------------------- mapping

@dataclass
class TableMapping:
    """How one table of a real extract differs from the contract."""

    #: file name (relative to the data directory) or DuckDB table name
    file: str | None = None
    #: {contract column: source column}
    columns: dict[str, str] = field(default_factory=dict)
    #: {contract column: {source code: contract code}}
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)


def _code_key(value: Any) -> str:
    """How a code is compared: as trimmed text, 1.0 and 1 alike."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def read_mapping(path: str | Path) -> dict[str, TableMapping]:
    """Read a YAML mapping file (format in docs/mapping.md) into {table: TableMapping}."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), "", "file_exists", 0, detail="mapping file not found")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as e:
        raise DataError(str(path), "", "mapping_format", 0, detail=f"not valid YAML: {e}") from None

    def bad(detail: str, column: str = "", rule: str = "mapping_format") -> DataError:
        return DataError(str(path), column, rule, 0, detail=detail)

    if not isinstance(doc, dict) or not isinstance(doc.get("tables", {}), dict):
        raise bad("expected a top-level 'tables:' with one entry per table")
    extra = sorted(set(doc) - {"tables", "description"})
    if extra:
        raise bad(f"unknown top-level key(s) {extra}; expected 'tables:'")
    out: dict[str, TableMapping] = {}
    for table, entry in (doc.get("tables") or {}).items():
        if table not in TABLES:
            raise bad(f"unknown table '{table}'; the tables are {list(TABLES)}", rule="mapping_table_known")
        entry = entry or {}
        if not isinstance(entry, dict) or set(entry) - {"file", "columns", "codes"}:
            raise bad(f"tables.{table} may have only 'file', 'columns' and 'codes'")
        contract_cols = set(TABLES[table].schema.columns)
        columns = entry.get("columns") or {}
        codes_ = entry.get("codes") or {}
        if not isinstance(columns, dict) or not isinstance(codes_, dict):
            raise bad(f"tables.{table}.columns and .codes must be mappings")
        for col in [*columns, *codes_]:
            if col not in contract_cols:
                raise bad(f"tables.{table}: '{col}' is no column of the contract table; its columns are "
                          f"{list(TABLES[table].schema.columns)}", column=str(col),
                          rule="mapping_column_in_contract")
        for col, table_codes in codes_.items():
            if not isinstance(table_codes, dict):
                raise bad(f"tables.{table}.codes.{col} must map source codes to contract codes")
        sources = [str(s) for s in columns.values()]
        dup = sorted({s for s in sources if sources.count(s) > 1})
        if dup:
            raise bad(f"tables.{table}: source column(s) {dup} mapped twice")
        out[table] = TableMapping(
            file=None if entry.get("file") is None else str(entry["file"]),
            columns={str(k): str(v) for k, v in columns.items()},
            codes={str(c): {_code_key(k): v for k, v in m.items()} for c, m in codes_.items()},
        )
    return out


# --------------------------------------------------------------------------- reading

@dataclass
class _Raw:
    name: str
    label: str  # file name for messages
    path: Path
    frame: pd.DataFrame
    decimal_comma: bool = False
    from_csv: bool = False
    #: {contract column: source column} for columns renamed by the mapping
    renamed: dict[str, str] = field(default_factory=dict)


def _sniff_csv(path: Path) -> tuple[str, str, list[str]]:
    """(encoding, separator, header names) of a CSV file."""
    with path.open("rb") as f:
        first = f.readline()
    try:
        header = first.decode("utf-8-sig")
        encoding = "utf8"
    except UnicodeDecodeError:  # Excel's "CSV" on Swedish Windows writes cp1252
        header = first.decode("cp1252")
        encoding = "cp1252"
    header = header.rstrip("\r\n")
    sep = ";" if (";" in header and "," not in header) else ","
    names = next(csv.reader(io.StringIO(header), delimiter=sep), [])
    return encoding, sep, names


def _read_csv(path: Path, label: str) -> tuple[pd.DataFrame, bool]:
    encoding, sep, names = _sniff_csv(path)
    if not names or all(n == "" for n in names):
        raise DataError(label, "", "csv_readable", 0, detail="the file is empty or has no header line")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(label, dup[0], "unique_column_names", 0, detail=f"header names {dup} repeated")

    def read(enc: str) -> arrow.Table:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=enc),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(
                column_types={n: arrow.string() for n in names},
                strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""]),
        )

    try:
        try:
            table = read(encoding)
        except arrow.ArrowInvalid as e:
            if encoding == "utf8" and "utf8" in str(e).lower().replace("-", ""):
                table = read("cp1252")
            else:
                raise
    except (arrow.ArrowInvalid, arrow.ArrowException) as e:
        raise DataError(label, "", "csv_readable", 0, detail=str(e).strip()) from None
    df = table.to_pandas()
    return df, sep == ";"


def _read_parquet(path: Path, label: str, known_before: tuple[str, pd.Timestamp] | None = None
                  ) -> tuple[pd.DataFrame, int]:
    """A Parquet file as a frame indexed by row number in the file, and the number of
    rows left unread.

    ``known_before=(column, limit)``: read only the rows whose ``column`` is before
    ``limit`` or empty (rows known after a cut-off are never read, which halves the
    memory of a run for an early period on large data); the index keeps the rows'
    numbers in the file. The date column is read first to find them.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        if known_before is not None and known_before[0] in pq.read_schema(path).names:
            col, limit = known_before
            dates = pq.read_table(path, columns=[col]).column(col)
            # dates stored as text: read all rows, the schema coerces them
            if arrow.types.is_timestamp(dates.type) or arrow.types.is_date(dates.type):
                lim = arrow.scalar(limit.to_pydatetime()).cast(dates.type, safe=False)
                keep = pc.fill_null(pc.less(dates, lim), True).to_numpy(zero_copy_only=False)
                rows = np.flatnonzero(keep)
                if len(rows) < len(keep):
                    expr = (pc.field(col) < lim) | pc.field(col).is_null()
                    df = pq.read_table(path, filters=expr).to_pandas()
                    if len(df) != len(rows):  # pragma: no cover - pyarrow keeps the order and the rows
                        raise DataError(label, col, "parquet_readable", 0, detail="filtered read lost rows")
                    df.index = rows
                    return df, int(len(keep) - len(rows))
        df = pd.read_parquet(path, engine="pyarrow")
    except DataError:
        raise
    except Exception as e:  # pyarrow raises several types for a broken file
        raise DataError(label, "", "parquet_readable", 0, detail=f"{type(e).__name__}: {e}") from None
    return df.reset_index(drop=True), 0


def _find_in_dir(source: Path, mapping: dict[str, TableMapping]
                 ) -> tuple[dict[str, Path], list[str]]:
    present = {p.name: p for p in source.iterdir() if p.is_file()}
    found: dict[str, Path] = {}
    missing: list[tuple[str, str]] = []
    for name, spec in TABLES.items():
        m = mapping.get(name)
        if m is not None and m.file:
            p = source / m.file
            if p.is_file():
                found[name] = p
            elif spec.required:
                missing.append((name, m.file))
            continue
        candidates = [f"{name}{suf}" for suf in FILE_SUFFIXES]
        hits = [present[c] for c in candidates if c in present]
        if len(hits) > 1:
            raise DataError(str(hits[0]), "", "one_file_per_table", 0,
                            detail=f"both {' and '.join(h.name for h in hits)} are in {source}; "
                                   f"keep one of them")
        if hits:
            found[name] = hits[0]
        elif spec.required:
            missing.append((name, " or ".join(candidates)))
    if missing:
        first_table, first_file = missing[0]
        data_files = sorted(n for n in present if n.lower().endswith(FILE_SUFFIXES))
        raise DataError(str(source / first_file.split(" or ")[0]), "", "file_exists", 0,
                        detail=f"missing in {source}: {'; '.join(f for _, f in missing)}. "
                               f"Data files there: {data_files or 'none'}")
    used = {p.name for p in found.values()}
    unknown = sorted(n for n in present if n.lower().endswith(FILE_SUFFIXES) and n not in used)
    return found, unknown


def _read_dir(source: Path, mapping: dict[str, TableMapping], cutoff: pd.Timestamp | None = None
              ) -> tuple[dict[str, _Raw], dict[str, Path], list[str], dict[str, int]]:
    found, unknown = _find_in_dir(source, mapping)
    raws: dict[str, _Raw] = {}
    prehidden: dict[str, int] = {}
    for name, p in found.items():
        label = str(p)
        if p.suffix.lower() == ".parquet":
            known = TABLES[name].known_at
            # rows known after the cut-off are not read (not with a mapping: names differ)
            pre = ((known, cutoff + pd.Timedelta(days=1))
                   if cutoff is not None and known and name not in mapping else None)
            df, prehidden[name] = _read_parquet(p, label, pre)
            raws[name] = _Raw(name, label, p, df)
        else:
            df, comma = _read_csv(p, label)
            raws[name] = _Raw(name, label, p, df, decimal_comma=comma, from_csv=True)
    return raws, found, unknown, prehidden


def _read_duckdb(source: Path, mapping: dict[str, TableMapping]
                 ) -> tuple[dict[str, _Raw], dict[str, Path], list[str]]:
    import duckdb

    try:
        con = duckdb.connect(str(source), read_only=True)
    except Exception as e:
        raise DataError(str(source), "", "duckdb_readable", 0, detail=f"{type(e).__name__}: {e}") from None
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() ORDER BY table_name").fetchall()]
        by_lower = {n.lower(): n for n in names}
        raws: dict[str, _Raw] = {}
        files: dict[str, Path] = {}
        used: set[str] = set()
        missing = []
        for name, spec in TABLES.items():
            m = mapping.get(name)
            wanted = (m.file if m is not None and m.file else name)
            actual = by_lower.get(wanted.lower())
            if actual is None:
                if spec.required:
                    missing.append(wanted)
                continue
            used.add(actual)
            label = f"{source}:{actual}"
            df = con.execute(f'SELECT * FROM "{actual}"').df().reset_index(drop=True)
            raws[name] = _Raw(name, label, source, df)
            files[name] = source
        if missing:
            raise DataError(f"{source}:{missing[0]}", "", "file_exists", 0,
                            detail=f"table(s) {missing} not in the database; tables there: {names or 'none'}")
        unknown = sorted(n for n in names if n not in used)
    finally:
        con.close()
    return raws, files, unknown


# --------------------------------------------------------------------------- normalising

def _apply_mapping(raw: _Raw, m: TableMapping | None, mapping_path: Path | None) -> None:
    if m is None:
        return
    df = raw.frame
    if m.columns:
        there = list(df.columns)
        for contract, src in m.columns.items():
            if src not in df.columns:
                raise DataError(raw.label, src, "mapping_column_exists", len(df),
                                detail=f"the mapping {mapping_path} maps '{contract}' to '{src}', "
                                       f"which is not in the file; the columns there are {there}")
        sources = set(m.columns.values())
        for contract, src in m.columns.items():
            if contract in df.columns and contract not in sources and contract != src:
                raise DataError(raw.label, contract, "mapping_column_conflict", len(df),
                                detail=f"the file has a column '{contract}' and the mapping renames "
                                       f"'{src}' to '{contract}' as well")
        df = df.rename(columns={src: contract for contract, src in m.columns.items()})
        raw.renamed = {c: s for c, s in m.columns.items() if c != s}
    for col, table_codes in m.codes.items():
        if col in df.columns and table_codes:
            df[col] = _recode(df[col], table_codes)
    raw.frame = df


def _recode(s: pd.Series, table: dict[str, Any]) -> pd.Series:
    """Replace source codes by contract codes; codes not in ``table`` stay as they are."""
    codes_, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) == 0:
        return s
    new = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):  # loop over distinct codes, not rows
        new[i] = table.get(_code_key(u), u)
    new[-1] = None  # missing stays missing (code -1 picks the last slot)
    return pd.Series(new[codes_], index=s.index, name=s.name, dtype=object)


def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or isinstance(s.dtype, pd.StringDtype)


def _parse_bool(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Text/number → nullable boolean; returns it and the positions of unreadable values."""
    codes_, uniques = pd.factorize(s, use_na_sentinel=True)
    values = np.empty(len(uniques) + 1, dtype=object)
    bad_code = np.zeros(len(uniques) + 1, dtype=bool)
    for i, u in enumerate(uniques):  # distinct values only
        if isinstance(u, (bool, np.bool_)):
            values[i] = bool(u)
            continue
        key = _code_key(u).lower()
        if key in TRUE_TOKENS:
            values[i] = True
        elif key in FALSE_TOKENS:
            values[i] = False
        else:
            values[i] = True  # placeholder; the row is reported as dtype('bool')
            bad_code[i] = True
    values[-1] = pd.NA
    out = pd.Series(pd.array(values[codes_], dtype="boolean"), index=s.index, name=s.name)
    return out, np.flatnonzero(bad_code[codes_])


_ARROW_NUMBER = {"int64": arrow.int64(), "Int64": arrow.int64(), "float64": arrow.float64()}


def _fast_number(s: pd.Series, kind: str) -> pd.Series:
    """Text → numbers with Arrow's C++ cast (pandera's coercion of text is slow at millions
    of rows). If any value does not parse, the text is left for pandera to report."""
    try:
        arr = arrow.Array.from_pandas(s)
        num = arr.cast(_ARROW_NUMBER[kind])
    except (arrow.ArrowInvalid, arrow.ArrowNotImplementedError, arrow.ArrowTypeError):
        return s
    # int64 with gaps becomes float64 with NaN: pandera then reports them as not_nullable
    return pd.Series(num.to_pandas(), index=s.index, name=s.name)


def _normalise(raw: _Raw) -> list[dict]:
    """Make read values coercible by pandera; return failures pandera cannot see."""
    df = raw.frame
    cols = TABLES[raw.name].schema.columns
    failures: list[dict] = []
    changed: dict[str, pd.Series] = {}
    for name, col in cols.items():
        if name not in df.columns:
            continue
        s = df[name]
        kind = str(col.dtype)
        if _is_text(s):
            if not raw.from_csv:  # the CSV reader already reads "" as missing
                empty = (s == "").to_numpy(dtype=bool, na_value=False)
                if empty.any():
                    s = s.mask(empty)
            fast = kind in _ARROW_NUMBER and isinstance(s.dtype, pd.StringDtype)
            if fast:
                s = _fast_number(s, kind)
            if _is_text(s) and kind == "float64" and raw.decimal_comma:
                if s.dtype == object:  # after a recode: only text values have commas
                    s = s.map(lambda v: v.replace(",", ".") if isinstance(v, str) else v)
                else:
                    s = s.str.replace(",", ".", regex=False)
                if fast:
                    s = _fast_number(s, kind)
        if kind == "bool" and s.dtype != bool:
            if _is_text(s):
                s, bad = _parse_bool(s)
            elif pd.api.types.is_numeric_dtype(s.dtype) or isinstance(s.dtype, pd.BooleanDtype):
                num = pd.to_numeric(s, errors="coerce")
                bad = np.flatnonzero((num.notna() & ~num.isin([0, 1])).to_numpy())
                s = pd.Series(pd.array(np.where(num.isna(), None, num == 1).tolist(), dtype="boolean"),
                              index=s.index, name=name)
            else:
                bad = np.array([], dtype=int)
            if len(bad):
                failures.append({"column": name, "rule": "dtype('bool')", "index": bad,
                                 "detail": "true/false expected (true, false, 1, 0, ja, nej, sant, falskt)"})
        if s is not df[name]:
            changed[name] = s
    if changed:
        df = df.assign(**changed)
    raw.frame = df
    return failures


# --------------------------------------------------------------------------- pandera → DataError

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


def _failures_from_pandera(fc: pd.DataFrame, table_schema: pa.DataFrameSchema) -> list[dict]:
    """Group pandera's failure cases into [{column, rule, rank, index, detail}]."""
    columns = list(table_schema.columns)
    pos = {c: i for i, c in enumerate(columns)}
    n_cols = len(columns)
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
        check = str(check)
        ctx = str(ctx)
        has_num = not pd.isna(num)
        detail = ""
        if check == "column_in_dataframe":
            rule, rank = check, (pos.get(column, n_cols), 0)
        elif check == "not_nullable":
            rule, rank = check, (pos.get(column, n_cols), 1)
        elif check.startswith("coerce_dtype(") or check.startswith("dtype("):
            rule = check.removeprefix("coerce_")
            rank = (pos.get(column, n_cols), 2)
            if column in null_cols:  # missing values are reported as not_nullable
                grp = grp[grp["failure_case"].notna()]
                if grp.empty:
                    continue
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


def _raise_first(failures: list[dict], raw: _Raw, original: pd.DataFrame,
                 table_schema: pa.DataFrameSchema, error: Exception | None = None) -> None:
    if not failures:
        if error is not None:  # pandera failed in a way not understood here: still a DataError
            raise DataError(raw.label, "", "schema", len(original), original.head(5),
                            detail=" ".join(str(error).split())[:500]) from None
        return
    n = len(original)
    for f in failures:
        f.setdefault("rank", (list(table_schema.columns).index(f["column"])
                              if f["column"] in table_schema.columns else len(table_schema.columns), 2))
        f["n"] = n if f.get("whole") or len(f["index"]) == 0 else len(f["index"])
    failures.sort(key=lambda f: f["rank"])
    first, rest = failures[0], failures[1:]
    if len(first["index"]):
        examples = original.iloc[np.sort(first["index"])[:5]]
    elif first["rule"] == "column_in_dataframe":
        examples = None  # the detail lists the columns that are there
    else:
        examples = original.head(5)
    details = []
    src = raw.renamed.get(first["column"])
    if src:
        details.append(f"source column '{src}'")
    if first.get("detail"):
        details.append(first["detail"])
    if first["rule"] == "column_in_dataframe":
        details.append(f"columns in the file: {list(original.columns)}")
    if rest:
        listed = ", ".join(f"{f['column'] or '-'}: {f['rule']} ({f['n']} rows)" for f in rest[:6])
        more = f", ... ({len(rest) - 6} more)" if len(rest) > 6 else ""
        details.append(f"and {len(rest)} further rule(s) broken: {listed}{more}")
    raise DataError(raw.label, first["column"], first["rule"], first["n"], examples, "; ".join(details))


def _check_table(raw: _Raw, validate: bool) -> pd.DataFrame:
    """Coerce (and, if ``validate``, check) one table with its pandera schema."""
    spec = TABLES[raw.name]
    table_schema = spec.schema if validate else _coerce_only(raw.name)
    original = raw.frame
    extra = _normalise(raw)
    try:
        out = table_schema.validate(raw.frame, lazy=True)
    except pa.errors.SchemaErrors as e:
        failures = _failures_from_pandera(e.failure_cases, spec.schema) + extra
        _raise_first(failures, raw, original, spec.schema, error=e)
        raise  # pragma: no cover - _raise_first always raises here
    except pa.errors.SchemaError as e:  # pragma: no cover - lazy=True collects, but be safe
        raise DataError(raw.label, str(getattr(e, "column_name", "") or ""), str(e.reason_code), len(original),
                        original.head(5), detail=str(e).splitlines()[0]) from None
    _raise_first(extra, raw, original, spec.schema)
    order = [c for c in spec.schema.columns if c in out.columns]
    return out[order + [c for c in out.columns if c not in spec.schema.columns]]


def _empty_table(name: str) -> pd.DataFrame:
    cols = TABLES[name].schema.columns
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c, col in cols.items() if col.required})
    return _coerce_only(name).validate(empty)


# --------------------------------------------------------------------------- load

def load(path: str | Path, as_of: DateLike | None = None, mapping: str | Path | None = None,
         validate: bool = True) -> Dataset:
    """Read, check and (optionally) cut a dataset.

    Parameters
    ----------
    path
        A directory with one ``<table>.parquet`` or ``<table>.csv`` per table of
        `romlab.schema.TABLES`, or a DuckDB database file (``.duckdb``/``.db``) with one
        table per name. CSV may be Swedish Excel style (``;`` and decimal commas, BOM).
    as_of
        A data cut-off (date or ISO string): rows known after it are hidden, values
        that became known after it are blanked; see `Dataset.as_of_summary`.
    mapping
        A YAML file mapping file names, column names and codes of a real extract onto
        the contract (docs/mapping.md).
    validate
        Check every rule of the contract (default). With False, types are still
        coerced (a value that cannot be read still raises DataError) but no rule is
        checked.

    Raises
    ------
    DataError
        For the first broken rule, in table order of the contract, then column order,
        then the cross-table rules of `romlab.validate`.
    """
    source = Path(path)
    mapping_path = None if mapping is None else Path(mapping)
    maps = read_mapping(mapping_path) if mapping_path is not None else {}
    cutoff = None if as_of is None else _as_timestamp(as_of)

    prehidden: dict[str, int] = {}
    if source.is_dir():
        raws, files, unknown, prehidden = _read_dir(source, maps, cutoff)
    elif source.is_file() and source.suffix.lower() in DB_SUFFIXES:
        raws, files, unknown = _read_duckdb(source, maps)
    elif source.exists():
        raise DataError(str(source), "", "file_exists", 0,
                        detail="expected a directory of <table>.parquet/.csv files or a .duckdb/.db file")
    else:
        raise DataError(str(source), "", "file_exists", 0, detail="no such directory or database file")

    full: dict[str, pd.DataFrame] = {}
    for name in TABLE_NAMES:
        raw = raws.get(name)
        if raw is None:  # an optional table that is not there
            full[name] = _empty_table(name)
            continue
        _apply_mapping(raw, maps.get(name), mapping_path)
        original = raw.frame
        df = _check_table(raw, validate)
        if name == "participations":
            df = xval.derive_age_at_start(df, raw.label, original, check=validate)
        full[name] = df

    if validate:
        labels = {name: raws[name].label if name in raws else name for name in TABLE_NAMES}
        xval.check_dataset(full, labels)

    dataset = _make_dataset(full, cutoff, source, files, unknown, keep_full=cutoff is None, prehidden=prehidden)
    del full  # a cut load keeps only the visible rows
    return dataset
