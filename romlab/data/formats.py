"""Readers for the formats real extracts come in besides Parquet, CSV and DuckDB files:
Stata (``.dta``), SAS (``.sas7bdat``, ``.xpt``), SPSS (``.sav``, ``.zsav``), Excel
(``.xlsx``) and any SQL database SQLAlchemy can reach (``sqlite:///``, ``duckdb:///``,
``mssql+pyodbc://`` ...).

Each reader returns a :class:`ReadTable`: the values as stored, with the source's column
names and a ``RangeIndex`` that is the row's number in the source (from 0, in the
source's order), so that ``romlab.load`` can map, validate and report rows the same way
for every format. Every failure is a :class:`romlab.data.errors.DataError`.

Libraries: pyreadstat (ReadStat) for the statistics packages' files (it reads value
labels, Stata/SAS/SPSS date formats and SPSS ``.zsav``, which ``pandas.read_stata`` and
``pandas.read_spss`` do not all do); openpyxl through ``pandas.read_excel`` for Excel;
SQLAlchemy for databases (one URL syntax, identifier quoting and bound parameters for
every dialect), with duckdb-engine for ``duckdb:///`` URLs.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from romlab.data.errors import DataError

__all__ = ["ReadTable", "STAT_SUFFIXES", "EXCEL_SUFFIXES", "read_stat_file", "read_excel",
           "is_database_url", "safe_url", "database_tables", "read_sql_table"]


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


# suffix -> (format name in messages, rule)
STAT_SUFFIXES: dict[str, tuple[str, str]] = {
    ".dta": ("Stata", "stata_readable"),
    ".sas7bdat": ("SAS", "sas_readable"),
    ".xpt": ("SAS transport", "sas_readable"),
    ".sav": ("SPSS", "spss_readable"),
    ".zsav": ("SPSS", "spss_readable"),
}
EXCEL_SUFFIXES = (".xlsx", ".xlsm")

# the range of datetime64[ns], the contract's date type
_NS_MIN, _NS_MAX = pd.Timestamp.min, pd.Timestamp.max


# --------------------------------------------------------------------------- shared

def _dates_to_ns(df: pd.DataFrame, label: str, rule: str) -> pd.DataFrame:
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
            raise DataError(label, str(col), rule, int(bad.sum()), _rows(df, bad),
                            detail="dates outside what a date column can hold (1677-09-22 to "
                                   "2262-04-11), e.g. 9999-12-31 written for 'no end date'; "
                                   "leave such dates empty in the extract")
        unit = "datetime64[ns]" if not isinstance(s.dtype, pd.DatetimeTZDtype) else \
            pd.DatetimeTZDtype("ns", s.dt.tz)
        df[col] = s.astype(unit)
    return df


def _rows(df: pd.DataFrame, mask) -> pd.DataFrame:
    """Example rows for a DataError: index = row in the source, first data row = 1."""
    ex = df.loc[np.asarray(mask, dtype=bool)].head(5)
    return ex.set_axis(ex.index + 1, axis=0)


def _fail(label: str, rule: str, e: BaseException, secret: str | None = None, what: str = "") -> DataError:
    """A DataError for a source that cannot be read, with the reader's message (its first
    line; a password in it replaced by ***)."""
    text = (str(e).strip().splitlines() or [""])[0]
    if secret:
        text = text.replace(secret, "***")
    detail = f"{type(e).__name__}: {text}" if text else type(e).__name__
    if what:
        detail = f"{what}; {detail}"
    return DataError(label, "", rule, 0, detail=detail)


# --------------------------------------------------------------------------- Stata, SAS, SPSS

def _stata_months(df: pd.DataFrame, formats: dict[str, str], labelled: set[str]) -> None:
    """Stata monthly dates (%tm: months since 1960m1; pyreadstat leaves them as numbers)
    as the first day of their month."""
    for col, fmt in formats.items():
        if col not in df.columns or col in labelled or not str(fmt).startswith("%tm"):
            continue
        s = df[col]
        if not pd.api.types.is_numeric_dtype(s.dtype):
            continue
        values = s.to_numpy(dtype="float64")
        ok = np.isfinite(values)
        months = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[M]")
        months[ok] = np.datetime64("1960-01", "M") + values[ok].astype("int64")
        # seconds hold any month; _dates_to_ns checks the range of datetime64[ns]
        df[col] = pd.Series(months.astype("datetime64[s]"), index=df.index, name=col)


def _sas_catalog(path: Path) -> Path | None:
    """The SAS format catalog (value labels) that goes with a .sas7bdat file: the file
    of the same name with suffix .sas7bcat, next to it."""
    for cand in (path.with_suffix(".sas7bcat"), path.with_suffix(".SAS7BCAT")):
        if cand.is_file():
            return cand
    return None


def read_stat_file(path: Path, value_labels: bool = False) -> ReadTable:
    """A Stata (.dta), SAS (.sas7bdat, .xpt) or SPSS (.sav, .zsav) file, read with pyreadstat.

    * Dates: columns with a date or datetime display format (Stata ``%td``/``%tc``, SPSS
      ``DATE``/``ADATE``/``DATETIME``..., SAS ``DATE9.``/``YYMMDD10.``/``DATETIME20.``...)
      come back as ``datetime64[ns]``; Stata monthly dates (``%tm``) as the first day of
      their month. Other Stata date formats (``%tq``, ``%tw``, ``%ty``) stay numbers.
      A date datetime64[ns] cannot hold is a DataError (column and rows named).
    * Missing values: Stata's ``.``/``.a``-``.z``, SPSS system- and user-missing values
      and SAS's missing values are empty (NaN/NaT); an empty text ("", Stata's missing
      string) is empty too, as an empty CSV cell is.
    * Numbers: Stata byte/int/long columns come back as int64 (float64 when they hold a
      missing value); SPSS and SAS numbers are always float64 (the formats store doubles).
    * Text: pandas' string dtype. Stata keeps trailing blanks, SPSS trims them.
    * ``value_labels=True``: a column that has value labels comes back as its label text
      (dtype object); a value without a label stays the stored value (so one column can
      hold both). SAS keeps value labels in a format catalog: ``<name>.sas7bcat`` next
      to the file is used when it is there (and required with ``value_labels=True``).
    * ``ReadTable.value_labels`` is always filled from the file's metadata:
      {column: {stored value: label}} (Stata keys int, SPSS keys float; SAS from the
      catalog, when there is one).
    """
    import pyreadstat

    path = Path(path)
    label = str(path)
    suffix = path.suffix.lower()
    if suffix not in STAT_SUFFIXES:
        raise DataError(label, "", "file_format", 0,
                        detail=f"not a Stata, SAS or SPSS file: {', '.join(STAT_SUFFIXES)} are read")
    name, rule = STAT_SUFFIXES[suffix]
    if not path.is_file():
        raise DataError(label, "", "file_exists", 0, detail="no such file")

    kwargs = dict(dates_as_pandas_datetime=True, output_format="pandas")
    catalog = None
    try:
        if suffix == ".dta":
            df, meta = pyreadstat.read_dta(path, **kwargs)
        elif suffix in (".sav", ".zsav"):
            df, meta = pyreadstat.read_sav(path, **kwargs)
        elif suffix == ".xpt":
            df, meta = pyreadstat.read_xport(path, **kwargs)
        else:
            df, meta = pyreadstat.read_sas7bdat(path, **kwargs)
            catalog = _sas_catalog(path)
            if catalog is not None:
                _, cmeta = pyreadstat.read_sas7bcat(catalog, output_format="dict")
                meta.variable_value_labels = {
                    var: dict(cmeta.value_labels[fmt])
                    for var, fmt in (meta.variable_to_label or {}).items()
                    if fmt in (cmeta.value_labels or {})}
                meta.value_labels = cmeta.value_labels
    except Exception as e:  # ReadStat raises its own error types, or OSError
        raise _fail(label, rule, e, what=f"not a readable {name} file") from None

    labels = {str(k): dict(v) for k, v in (getattr(meta, "variable_value_labels", None) or {}).items()
              if v and k in df.columns}
    if value_labels and suffix in (".sas7bdat", ".xpt") and not labels:
        where = (f"the format catalog {catalog.name} has none for this file's columns" if catalog
                 else f"SAS keeps them in a format catalog: put {path.stem}.sas7bcat next to the "
                      f"file, or leave out value_labels")
        raise DataError(label, "", rule, 0, detail=f"value_labels is set but there are no value labels ({where})")

    df = df.reset_index(drop=True)
    for col in df.columns:  # "" is Stata's missing string (and blank in SPSS/SAS)
        s = df[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            empty = (s == "").fillna(False).to_numpy(dtype=bool)
            if empty.any():
                df[col] = s.mask(empty)
    if suffix == ".dta":
        _stata_months(df, dict(getattr(meta, "original_variable_types", {}) or {}), set(labels))
    df = _dates_to_ns(df, label, rule)
    if value_labels and labels:
        labelled = pyreadstat.set_value_labels(df[list(labels)], meta, formats_as_category=False)
        for col in labels:
            df[col] = labelled[col].astype(object)
    return ReadTable(df, label, labels)


# --------------------------------------------------------------------------- Excel

def read_excel(path: Path, sheet: str | int | None = None) -> ReadTable:
    """One sheet of an .xlsx workbook (openpyxl through ``pandas.read_excel``).

    The header is the first row; every cell is as Excel stored it (numbers as numbers,
    text as text, date cells as ``datetime64[ns]``); an empty cell (or an empty text) is
    empty; a text such as "NA" stays text. Row 0 of the frame is the sheet's row 2.

    ``sheet``: a sheet name (Excel's own rule: case does not matter), or a position from 0;
    an int that is also a sheet's name ("2023") is that name. ``None``: the first sheet.
    An unknown sheet is a DataError (rule ``excel_readable``) naming the sheets there. A
    header that repeats a name is a DataError (rule ``unique_column_names``); a column
    with values but no header is ``excel_readable``; columns without header and values
    (formatting only) are dropped.
    """
    path = Path(path)
    label = str(path)
    if not path.is_file():
        raise DataError(label, "", "file_exists", 0, detail="no such file")
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as e:  # zipfile.BadZipFile, openpyxl's InvalidFileException, ...
        err = _fail(label, "excel_readable", e)
        if path.suffix.lower() == ".xls":
            err = DataError(label, "", "excel_readable", 0,
                            detail="the old .xls format is not read: save the sheet as .xlsx")
        raise err from None
    with book:
        names = [str(n) for n in book.sheet_names]
        if sheet is None:
            chosen: str | None = names[0] if names else None
        else:
            by_lower = {n.lower(): n for n in names}
            chosen = by_lower.get(str(sheet).lower())
            if chosen is None and isinstance(sheet, int) and not isinstance(sheet, bool) \
                    and 0 <= sheet < len(names):
                chosen = names[sheet]
        if chosen is None:
            raise DataError(label, "", "excel_readable", 0,
                            detail=f"no sheet {sheet!r} in the workbook; sheets there: {names}")
        try:
            head = pd.read_excel(book, sheet_name=chosen, header=None, nrows=1, dtype=object)
            df = pd.read_excel(book, sheet_name=chosen, header=0, keep_default_na=False, na_values=[""])
        except Exception as e:
            raise _fail(label, "excel_readable", e) from None

    header = ["" if pd.isna(v) else str(v).strip() for v in head.iloc[0].tolist()] if len(head) else []
    header = (header + [""] * df.shape[1])[:df.shape[1]]
    df.columns = range(df.shape[1])
    blank = [i for i, h in enumerate(header) if h == ""]
    data_without_name = [i for i in blank if df[i].notna().any()]
    if data_without_name:
        i = data_without_name[0]
        named = df.set_axis([h or f"({_excel_column(j)})" for j, h in enumerate(header)], axis=1)
        raise DataError(label, "", "excel_readable", int(df[i].notna().sum()), _rows(named, df[i].notna()),
                        detail=f"column {_excel_column(i)} has values but no header")
    keep = [i for i in range(len(header)) if header[i] != ""]
    df = df[keep]
    df.columns = [header[i] for i in keep]
    dup = sorted({h for h in df.columns if list(df.columns).count(h) > 1})
    if dup:
        raise DataError(label, dup[0], "unique_column_names", 0, detail=f"header names {dup} repeated")
    df = df.reset_index(drop=True)
    return ReadTable(_dates_to_ns(df, label, "excel_readable"), label, {})


def _excel_column(i: int) -> str:
    """0 -> 'A', 26 -> 'AA'."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


# --------------------------------------------------------------------------- SQL databases

# driver (SQLAlchemy's name) -> what to pip install when it is missing
DRIVER_PACKAGES = {
    "pyodbc": "pyodbc",
    "pymssql": "pymssql",
    "psycopg": "psycopg[binary]",
    "psycopg2": "psycopg2-binary",
    "pg8000": "pg8000",
    "asyncpg": "asyncpg",
    "mysqldb": "mysqlclient",
    "pymysql": "PyMySQL",
    "mysqlconnector": "mysql-connector-python",
    "mariadbconnector": "mariadb",
    "oracledb": "oracledb",
    "cx_oracle": "cx_Oracle",
    "duckdb_engine": "duckdb-engine",
}
# the module a driver imports -> its package, for ImportErrors that name the module
_MODULE_PACKAGES = {"psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient", "pymysql": "PyMySQL",
                    "mysql": "mysql-connector-python", "cx_Oracle": "cx_Oracle",
                    "duckdb_engine": "duckdb-engine"}


def _url(text: str):
    from sqlalchemy.engine import make_url

    return make_url(text)


def _safe(url) -> str:
    return url.render_as_string(hide_password=True)


def safe_url(text: str) -> str:
    """The URL as it may be shown: the password replaced by ``***``."""
    try:
        return _safe(_url(text))
    except Exception:
        return "<database URL>"


def is_database_url(text: str) -> bool:
    """True for a SQLAlchemy database URL whose dialect SQLAlchemy knows
    (``sqlite:///x.db``, ``duckdb:///x.duckdb``, ``mssql+pyodbc://...``), whether or not
    the driver is installed; False for file paths and other URLs (``https://``, ``file://``)."""
    if not isinstance(text, str) or "://" not in text:
        return False
    try:
        _url(text).get_dialect()
    except Exception:
        return False
    return True


def _engine(url_text: str):
    """(engine, url, safe url text, password) or a DataError (database_readable; a
    database file that is not there: file_exists)."""
    import sqlalchemy as sa

    try:
        url = _url(url_text)
    except Exception as e:
        raise DataError("<database URL>", "", "database_readable", 0,
                        detail=f"not a database URL: {type(e).__name__}") from None
    safe = _safe(url)
    secret = url.password if url.password else None
    try:
        dialect = url.get_dialect()
    except Exception:
        raise DataError(safe, "", "database_readable", 0,
                        detail=f"SQLAlchemy knows no database dialect {url.drivername!r}") from None
    backend = url.get_backend_name()
    connect_args = {}
    if backend in ("sqlite", "duckdb"):
        db = url.database
        if db and db != ":memory:" and not db.startswith("file:") and not Path(db).is_file():
            # connecting would create an empty database file
            raise DataError(safe, "", "file_exists", 0, detail=f"no such database file: {db}")
        if backend == "duckdb":
            connect_args["read_only"] = True  # other readers (and a locked file) keep working
    try:
        engine = sa.create_engine(url, connect_args=connect_args)
    except ImportError as e:
        driver = getattr(dialect, "driver", "") or ""
        package = DRIVER_PACKAGES.get(driver) or _MODULE_PACKAGES.get(e.name or "", e.name or driver)
        extra = (" (or pip install 'romlab[mssql]'); pyodbc also needs Microsoft's ODBC Driver "
                 "for SQL Server on the machine" if driver == "pyodbc" else "")
        if "[" in package:
            package = f"'{package}'"
        raise DataError(safe, "", "database_readable", 0,
                        detail=f"the database driver {driver or e.name!r} is not installed: "
                               f"pip install {package}{extra}") from None
    except Exception as e:
        raise _fail(safe, "database_readable", e, secret) from None
    return engine, url, safe, secret


def _tables_and_views(inspector, schema: str | None = None) -> list[str]:
    names = list(inspector.get_table_names(schema=schema))
    try:
        names += [v for v in inspector.get_view_names(schema=schema) if v not in names]
    except NotImplementedError:  # pragma: no cover - every bundled dialect has views
        pass
    return sorted(names)


def database_tables(url: str) -> list[str]:
    """The names of the tables and views in the database's default schema, sorted."""
    import sqlalchemy as sa

    engine, _, safe, secret = _engine(url)
    try:
        with engine.connect() as con:
            return _tables_and_views(sa.inspect(con))
    except DataError:
        raise
    except Exception as e:
        raise _fail(safe, "database_readable", e, secret) from None
    finally:
        engine.dispose()


def _resolve(names: list[str], wanted: str) -> str | None:
    """The name as the database spells it: exact, else the one that matches ignoring case."""
    if wanted in names:
        return wanted
    hits = [n for n in names if n.lower() == wanted.lower()]
    return hits[0] if len(hits) == 1 else None


def _iso_text(limit: pd.Timestamp) -> str:
    """The limit as ISO text that sorts right against ISO dates stored as text: a
    midnight as 'YYYY-MM-DD' (so '2023-08-12 00:00:00' is not before it), else
    'YYYY-MM-DD HH:MM:SS[.ffffff]'."""
    if limit == limit.normalize():
        return limit.strftime("%Y-%m-%d")
    return limit.isoformat(sep=" ")


def read_sql_table(url: str, table: str, known_before: tuple[str, pd.Timestamp] | None = None
                   ) -> ReadTable:
    """``SELECT * FROM table`` of a database reached by a SQLAlchemy URL.

    The table (or view) name is matched as the database spells it (ignoring case when
    one name matches), ``schema.table`` for another schema; it is quoted by SQLAlchemy,
    never formatted into SQL. Rows come in the database's order (no ORDER BY): row
    numbers are positions in what was read. A table that is not there: DataError
    ``file_exists`` listing the tables.

    ``known_before=(column, limit)``: only the rows whose ``column`` is before ``limit``
    or empty leave the database (a bound parameter in a WHERE clause); the others are
    counted (``rows_unread``). The comparison follows the column's type: DATE (against
    the limit's date, rounded up to whole days), TIMESTAMP (against the limit), text in
    SQLite (every SQLite date is text: ISO text sorts as the dates do, so it is compared
    with the ISO text of the limit). Text that is not all of the form ``YYYY-MM-DD...``,
    numbers or a column that is not there: no filter, every row is read
    (``rows_unread`` = 0) and the loader's own cut-off applies.

    Types: DATE/TIMESTAMP columns come back as datetime64[ns]; SQLite dates are text.
    Integers with NULLs become float64 (pandas). The URL's password is never shown.
    """
    import sqlalchemy as sa

    engine, url, safe, secret = _engine(url)
    label = f"{safe}:{table}"
    try:
        with engine.connect() as con:
            insp = sa.inspect(con)
            names = _tables_and_views(insp)
            schema, actual = None, _resolve(names, table)
            if actual is None and "." in table:
                schema_part, name_part = table.split(".", 1)
                try:
                    schemas = insp.get_schema_names()
                except Exception:  # pragma: no cover
                    schemas = []
                schema = _resolve(schemas, schema_part)
                if schema is not None:
                    actual = _resolve(_tables_and_views(insp, schema), name_part)
            if actual is None:
                raise DataError(label, "", "file_exists", 0,
                                detail=f"table {table!r} not in the database; tables there: {names or 'none'}")
            label = f"{safe}:{actual if schema is None else schema + '.' + actual}"
            t = sa.table(actual, schema=schema)
            # the column names as the database spells them (no type reflection: it is not
            # implemented alike by every driver, and the values' types are what counts)
            col_names = list(con.execute(sa.select(sa.literal_column("*")).select_from(t).limit(0)).keys())
            t = sa.table(actual, *[sa.column(c) for c in col_names], schema=schema)
            stmt = sa.select(*[t.c[c] for c in col_names])
            unread = 0
            where = (_known_before_clause(con, t, col_names, known_before, engine.dialect.name)
                     if known_before is not None else None)
            if where is not None:
                stmt = stmt.where(where)
                unread = int(con.execute(
                    sa.select(sa.func.count()).select_from(t).where(sa.not_(where))).scalar_one())
            df = _fetch(con, stmt, engine.dialect.name)
    except DataError:
        raise
    except Exception as e:
        raise _fail(label, "database_readable", e, secret) from None
    finally:
        engine.dispose()
    df = df.reset_index(drop=True)
    return ReadTable(_dates_to_ns(df, label, "database_readable"), label, {}, unread)


def _fetch(con, stmt, dialect: str) -> pd.DataFrame:
    """The statement's rows as a frame. DuckDB: SQLAlchemy runs the statement (quoting,
    bound parameters) and DuckDB's own ``df()`` fetches the result (about 6 times faster
    than row-by-row fetching through the DBAPI at a million rows); other databases:
    ``pandas.read_sql``."""
    if dialect == "duckdb":
        res = con.execute(stmt)
        try:
            fetch = getattr(res.cursor, "df", None)
            if fetch is not None:
                return fetch()
            return pd.DataFrame(res.fetchall(), columns=list(res.keys()))  # pragma: no cover
        finally:
            res.close()
    return pd.read_sql(stmt, con)


def _known_before_clause(con, t, col_names: list[str], known_before: tuple[str, pd.Timestamp],
                         dialect: str):
    """The WHERE clause ``column < limit OR column IS NULL``, with the limit as the type
    the driver returns for the column's values (a date, a timestamp or ISO text), or None
    when the column cannot be compared safely (then every row is read)."""
    import sqlalchemy as sa

    wanted, limit = known_before
    limit = pd.Timestamp(limit)
    if limit.tzinfo is not None:
        limit = limit.tz_convert(None)
    name = _resolve(col_names, wanted)
    if name is None:
        return None
    col = t.c[name]
    sample = con.execute(sa.select(col).where(col.is_not(None)).limit(1)).scalar_one_or_none()
    if sample is None:  # every value empty: nothing to leave out
        return None
    if isinstance(sample, _dt.datetime):
        bound = sa.literal(limit.to_pydatetime(), type_=sa.DateTime)
    elif isinstance(sample, _dt.date):
        day = limit.ceil("D")  # a date d (midnight) is before limit iff d < limit rounded up to days
        bound = sa.literal(_dt.date(day.year, day.month, day.day), type_=sa.Date)
    elif isinstance(sample, str):
        # dates stored as text (every SQLite date): ISO text sorts as the dates do, so it
        # compares right with the ISO text of the limit, if every value is ISO
        not_iso = con.execute(sa.select(sa.func.count()).select_from(t).where(
            col.is_not(None), sa.not_(col.like("____-__-__%")))).scalar_one()
        if not_iso:
            return None
        bound = sa.literal(_iso_text(limit), type_=sa.String)
    else:  # numbers (days since some epoch, yyyymmdd, ...): not compared
        return None
    return sa.or_(col < bound, col.is_(None))
