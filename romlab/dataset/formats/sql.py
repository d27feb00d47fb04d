"""Any SQL database SQLAlchemy can reach (``sqlite:///``, ``duckdb:///`` with
duckdb-engine, ``mssql+pyodbc://`` ...): one URL syntax, identifier quoting and bound
parameters for every dialect. The URL's password is never shown."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pandas as pd

from romlab.dataset.errors import DataError
from romlab.dataset.formats.table import ReadTable, dates_to_ns, unreadable


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
        raise unreadable(safe, "database_readable", e, secret) from None
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
        raise unreadable(safe, "database_readable", e, secret) from None
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
            schema, actual = _find_table(sa.inspect(con), table, label)
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
        raise unreadable(label, "database_readable", e, secret) from None
    finally:
        engine.dispose()
    df = df.reset_index(drop=True)
    return ReadTable(dates_to_ns(df, label, "database_readable"), label, {}, unread)


def _find_table(insp, table: str, label: str) -> tuple[str | None, str]:
    """(schema or None, name) of `table` as the database spells them (`_resolve`;
    ``schema.table`` for another schema), or DataError ``file_exists`` listing the tables."""
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
    return schema, actual


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
