"""Read an extract's tables as they are stored: the first step of `romlab.load`.

A source is a folder (one file per table: Parquet, CSV, Stata ``.dta``, SAS ``.sas7bdat``,
SPSS ``.sav``, Excel ``.xlsx``), a DuckDB file, or a SQL database given as a SQLAlchemy URL.
`open_source` finds each table's file (by the mapping's ``file:``, with or without a
suffix, or by the contract's table name) and `SourceReader.read` returns a `RawTable`: the
values as stored, under the extract's own column names, with the line (CSV) or row of
every record so that errors can point at it.

The readers: Parquet here (`read_parquet`), CSV in `romlab.dataset.csv_reader` (read
strictly, docs/mapping.md "CSV files"), the statistics packages' files, Excel and SQL
databases in `romlab.dataset.formats`, DuckDB files here with DuckDB itself.

Tables other tables refer to (participations, contracts, providers) are read whole even
with a cut-off; the others may be filtered on their known-from date while reading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as arrow
import pyarrow.compute as pc

from romlab.dataset.contract import TABLES
from romlab.dataset.csv_reader import read_csv
from romlab.dataset.errors import DataError
from romlab.dataset.mapping import ISO_DATE, Mapping, TableMapping
from romlab.dataset.raw_table import RawTable, skip_empty_rows

__all__ = ["RawTable", "read_csv", "read_parquet", "open_source", "SourceReader", "FolderReader",
           "DatabaseReader", "DuckDBFileReader", "SQLReader", "DB_SUFFIXES", "FILE_SUFFIXES"]

DB_SUFFIXES = (".duckdb", ".db")
#: File suffixes a table may be stored in, in the order they are looked for.
FILE_SUFFIXES = (".parquet", ".csv", ".dta", ".sas7bdat", ".sav", ".zsav", ".xlsx")


# --------------------------------------------------------------------------- Parquet

def read_parquet(path: Path, label: str, name: str, known_before: tuple[str, pd.Timestamp] | None = None
                 ) -> RawTable:
    """A Parquet file, indexed by row number in the file.

    ``known_before=(column, limit)``: read only the rows whose ``column`` is before
    ``limit`` or empty (rows known after a cut-off are never read, which halves the memory
    of a run for an early period on large data); the index keeps the rows' numbers in the
    file. The date column is read first to find them.
    """
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
                    return RawTable(name, label, df, rows_unread=int(len(keep) - len(rows)), path=path)
        df = pd.read_parquet(path, engine="pyarrow")
    except DataError:
        raise
    except Exception as e:  # pyarrow raises several types for a broken file
        raise DataError(label, "", "parquet_readable", 0, detail=f"{type(e).__name__}: {e}") from None
    return RawTable(name, label, df.reset_index(drop=True), path=path)


# --------------------------------------------------------------------------- sources

#: Tables other tables refer to: read whole, cut after the checks across tables.
_REFERENCED = frozenset(other for spec in TABLES.values() for other, _ in spec.references.values())


def _known_before(name: str, tm: TableMapping | None, mapping: Mapping | None,
                  cutoff: pd.Timestamp | None) -> tuple[str, pd.Timestamp] | None:
    """(source column, limit) to filter a table on while reading, or None.

    Only for a table no other table refers to (a report known before the cut-off may belong
    to a participation registered after it: the checks across tables need that
    participation, and the cut hides both), and only when the known-from date is a plain
    source column in ISO form and no generated key numbers the rows (a filtered read would
    number them differently)."""
    known = TABLES[name].known_at
    if cutoff is None or not known or name in _REFERENCED:
        return None
    if tm is not None:
        rule = tm.columns.get(known)
        if rule is not None and (rule.kind != "source" or rule.format or rule.codes or rule.bands):
            return None
        if any(r.kind == "row_number" for r in tm.columns.values()):
            return None
        if mapping is not None and mapping.column_format(name, known) != ISO_DATE:
            return None
    return ((tm.source_of(known) if tm is not None else known), cutoff + pd.Timedelta(days=1))


def _contract_names(tm: TableMapping | None) -> dict[str, str]:
    """{source column: the contract column it fills} (the first, when it fills several)."""
    out: dict[str, str] = {}
    for col, rule in (tm.columns.items() if tm is not None else ()):
        for src in rule.sources():
            out.setdefault(src, col)
    return out


class SourceReader:
    """Reads the tables of one source (folder, DuckDB file or SQL URL)."""

    def __init__(self, source: Path | str, mapping: Mapping | None, cutoff: pd.Timestamp | None):
        self.source = source
        self.mapping = mapping
        self.cutoff = cutoff
        self.files: dict[str, Any] = {}
        self.source_label: Path | str = source

    def tm(self, name: str) -> TableMapping | None:
        return self.mapping.get(name) if self.mapping is not None else None

    def read(self, name: str) -> RawTable | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def unknown(self) -> list[str]:  # pragma: no cover - overridden
        return []


class FolderReader(SourceReader):
    """One file per table in a folder."""

    def __init__(self, source: Path, mapping: Mapping | None, cutoff):
        super().__init__(source, mapping, cutoff)
        self.present = {p.name: p for p in source.iterdir() if p.is_file()}
        self.found = self._find()
        self.files = dict(self.found)

    def _candidates(self, wanted: str) -> list[Path]:
        suffix = Path(wanted).suffix.lower()
        if suffix in FILE_SUFFIXES:
            return [self.present[wanted]] if wanted in self.present else []
        return [self.present[wanted + s] for s in FILE_SUFFIXES if wanted + s in self.present]

    def _find(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        missing: list[tuple[str, str]] = []
        for name, spec in TABLES.items():
            tm = self.tm(name)
            if tm is not None and tm.derive:
                continue
            wanted = tm.file if tm is not None and tm.file else name
            hits = self._candidates(wanted)
            if len(hits) > 1:
                raise DataError(str(hits[0]), "", "one_file_per_table", 0,
                                detail=f"{' and '.join(h.name for h in hits)} are both in {self.source}; "
                                       f"keep one of them or name it in the mapping (file:)")
            if hits:
                found[name] = hits[0]
            elif spec.required:
                shown = wanted if Path(wanted).suffix.lower() in FILE_SUFFIXES else \
                    " or ".join(wanted + s for s in FILE_SUFFIXES[:2]) + " …"
                missing.append((name, shown))
        if missing:
            first_table, first_file = missing[0]
            data_files = sorted(n for n in self.present if n.lower().endswith(FILE_SUFFIXES))
            raise DataError(str(self.source / first_file.split(" or ")[0]), "", "file_exists", 0,
                            detail=f"table {first_table}: missing in {self.source}: "
                                   f"{'; '.join(f for _, f in missing)}. Data files there: {data_files or 'none'}")
        return found

    def unknown(self) -> list[str]:
        used = {p.name for p in self.found.values()}
        return sorted(n for n in self.present if n.lower().endswith(FILE_SUFFIXES) and n not in used)

    def read(self, name: str) -> RawTable | None:
        p = self.found.get(name)
        if p is None:
            return None
        label, tm, suffix = str(p), self.tm(name), p.suffix.lower()
        if suffix == ".parquet":
            return read_parquet(p, label, name, _known_before(name, tm, self.mapping, self.cutoff))
        if suffix == ".csv":
            opts = tm.csv.over(self.mapping.csv) if tm is not None else \
                (self.mapping.csv if self.mapping is not None else None)
            return read_csv(p, label, name, opts, strict=self.mapping is not None,
                            contract_names=_contract_names(tm))
        from romlab.dataset import formats

        if suffix == ".xlsx":
            got = formats.read_excel(p, None if tm is None else tm.sheet)
            # the sheet's rows: header = row 1, as Excel numbers them
            lines = np.arange(len(got.frame), dtype=np.int64) + 2
            df, lines, notes = skip_empty_rows(got.frame, lines, name, got.label, "empty rows skipped")
            return RawTable(name, got.label, df, where="line", lines=lines, notes=notes, path=p)
        else:
            got = formats.read_stat_file(p, value_labels=bool(tm is not None and tm.value_labels))
        return RawTable(name, got.label, got.frame, value_labels=got.value_labels, path=p)


class DatabaseReader(SourceReader):
    """One table per name in a DuckDB file or a SQL database (SQLAlchemy URL)."""

    def __init__(self, source: Path | str, mapping: Mapping | None, cutoff):
        super().__init__(source, mapping, cutoff)
        self.used: set[str] = set()
        self.names = self._table_names()

    def _table_names(self) -> list[str]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _read(self, table: str, known_before) -> RawTable:  # pragma: no cover - overridden
        raise NotImplementedError

    def read(self, name: str) -> RawTable | None:
        tm = self.tm(name)
        if tm is not None and tm.derive:
            return None
        wanted = tm.file if tm is not None and tm.file else name
        wanted = Path(wanted).stem if Path(wanted).suffix.lower() in FILE_SUFFIXES else wanted
        by_lower = {n.lower(): n for n in self.names}
        actual = by_lower.get(wanted.lower())
        if actual is None:
            if TABLES[name].required:
                raise DataError(f"{self.source_label}:{wanted}", "", "file_exists", 0,
                                detail=f"table {name}: no table {wanted!r} in the database; tables there: "
                                       f"{self.names or 'none'}")
            return None
        self.used.add(actual)
        self.files[name] = self.source_label
        raw = self._read(actual, _known_before(name, tm, self.mapping, self.cutoff))
        raw.name = name
        return raw

    def unknown(self) -> list[str]:
        return sorted(n for n in self.names if n not in self.used)


class DuckDBFileReader(DatabaseReader):
    """A DuckDB database file, read with DuckDB itself (read-only)."""

    def _connect(self):
        import duckdb

        try:
            return duckdb.connect(str(self.source), read_only=True)
        except Exception as e:
            raise DataError(str(self.source), "", "duckdb_readable", 0,
                            detail=f"{type(e).__name__}: {e}") from None

    def _table_names(self) -> list[str]:
        con = self._connect()
        try:
            return [r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() ORDER BY table_name").fetchall()]
        finally:
            con.close()

    def _read(self, table: str, known_before) -> RawTable:
        con = self._connect()
        label = f"{self.source}:{table}"
        try:
            quoted = '"' + table.replace('"', '""') + '"'
            if known_before is None:
                df = con.execute(f"SELECT * FROM {quoted}").df()
                return RawTable(table, label, df.reset_index(drop=True))
            col, limit = known_before
            qcol = '"' + col.replace('"', '""') + '"'
            # row numbers as in the table, so that an error names the row as stored
            df = con.execute(
                f"SELECT * FROM (SELECT *, row_number() OVER () - 1 AS __row FROM {quoted}) "
                f"WHERE {qcol} IS NULL OR TRY_CAST({qcol} AS TIMESTAMP) IS NULL "
                f"OR TRY_CAST({qcol} AS TIMESTAMP) < ? ORDER BY __row",
                [limit.to_pydatetime()]).df()
            total = con.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
        except DataError:
            raise
        except Exception as e:
            raise DataError(label, "", "duckdb_readable", 0, detail=f"{type(e).__name__}: {e}") from None
        finally:
            con.close()
        df.index = df.pop("__row").to_numpy()
        return RawTable(table, label, df, rows_unread=int(total - len(df)))


class SQLReader(DatabaseReader):
    """A SQL database given as a SQLAlchemy URL (`romlab.dataset.formats`)."""

    def __init__(self, url: str, mapping: Mapping | None, cutoff):
        from romlab.dataset import formats

        self.url = url
        super().__init__(url, mapping, cutoff)
        self.source_label = formats.safe_url(url)

    def _table_names(self) -> list[str]:
        from romlab.dataset import formats

        return formats.database_tables(self.url)

    def _read(self, table: str, known_before) -> RawTable:
        from romlab.dataset import formats

        got = formats.read_sql_table(self.url, table, known_before)
        return RawTable(table, got.label, got.frame, value_labels=got.value_labels,
                        rows_unread=got.rows_unread)


def _is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def open_source(path: str | Path, mapping: Mapping | None, cutoff: pd.Timestamp | None) -> SourceReader:
    """A reader for a folder, a DuckDB file or a SQLAlchemy URL."""
    text = str(path)
    if "://" in text:
        from romlab.dataset import formats

        if formats.is_database_url(text):
            return SQLReader(text, mapping, cutoff)
        raise DataError(text, "", "database_readable", 0, detail="not a database URL SQLAlchemy knows")
    source = Path(path)
    if source.is_dir():
        return FolderReader(source, mapping, cutoff)
    if source.is_file() and source.suffix.lower() in DB_SUFFIXES:
        if _is_sqlite_file(source):  # a SQLite file named .db
            return SQLReader(f"sqlite:///{source.resolve()}", mapping, cutoff)
        return DuckDBFileReader(source, mapping, cutoff)
    if source.exists():
        raise DataError(str(source), "", "file_exists", 0,
                        detail="expected a folder of table files, a .duckdb/.db file or a database URL")
    raise DataError(str(source), "", "file_exists", 0, detail="no such folder, database file or URL")
