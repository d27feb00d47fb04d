"""Read an extract's tables as they are stored: the first step of `romlab.load`.

A source is a folder (one file per table: Parquet, CSV, Stata ``.dta``, SAS ``.sas7bdat``,
SPSS ``.sav``, Excel ``.xlsx``), a DuckDB file, or a SQL database given as a SQLAlchemy URL.
`open_source` finds each table's file (by the mapping's ``file:``, with or without a
suffix, or by the contract's table name) and `SourceReader.read` returns a `RawTable`: the
values as stored, under the extract's own column names, with the line (CSV) or row of
every record so that errors can point at it.

CSV is read strictly (docs/mapping.md, "CSV files"): the declared separator and encoding
(UTF-8 with or without BOM by default) or an error naming the column and lines that hold
other bytes; a line with another number of fields than the header is an error; every value
as text, converted later by the contract. Tolerated and counted in `RawTable.notes`:
surrounding whitespace, Excel's empty rows (not rows: the rows are numbered without them),
empty lines, CRLF line ends, a missing BOM, quoted values. Any column order is fine
(columns are found by name) and not noted.

Tables other tables refer to (participations, contracts, providers) are read whole even
with a cut-off; the others may be filtered on their known-from date while reading.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as arrow
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from romlab.data.errors import DataError
from romlab.data.mapping import ISO_DATE, CsvOptions, Mapping, TableMapping
from romlab.data.contract import TABLES

DB_SUFFIXES = (".duckdb", ".db")
#: File suffixes a table may be stored in, in the order they are looked for.
FILE_SUFFIXES = (".parquet", ".csv", ".dta", ".sas7bdat", ".sav", ".zsav", ".xlsx")
_SEPARATORS = (";", ",", "\t", "|")


@dataclass
class RawTable:
    """One table as stored: source column names, index = row number in the file from 0
    (Excel's empty rows of a CSV file are not rows: `lines` still gives each row's line)."""

    name: str
    label: str
    frame: pd.DataFrame
    #: values are text as written (CSV): numbers and dates are parsed by the contract
    text: bool = False
    decimal: str = "."
    #: "line" (CSV: physical line, header = 1) or "row" (first data row = 1)
    where: str = "row"
    #: line number of each row number (index value); None: row number + 1
    lines: np.ndarray | None = None
    value_labels: dict[str, dict] = field(default_factory=dict)
    rows_unread: int = 0
    notes: list[dict] = field(default_factory=list)
    path: Path | None = None

    def number(self, index: np.ndarray) -> np.ndarray:
        """Lines (CSV) or 1-based rows of the given row numbers."""
        index = np.asarray(index, dtype=np.int64)
        return self.lines[index] if self.lines is not None else index + 1


def _note(table: str, file: str, note: str, rows: int) -> dict:
    return {"table": table, "file": file, "note": note, "rows": int(rows)}


# --------------------------------------------------------------------------- CSV

def _line_numbers(data: bytes, start: int) -> tuple[np.ndarray, int, int]:
    """1-based numbers of the non-empty lines of ``data`` (from byte ``start``), the
    number of lines that end in CRLF, and the number of empty lines (not counting the
    nothing after the last line end)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10)
    starts = np.r_[start, nl + 1]
    ends = np.r_[nl, len(buf)]
    keep = starts <= len(buf)
    starts, ends = starts[keep], ends[keep]
    cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13) if len(buf) else np.zeros(0, bool)
    length = ends - starts - cr
    blank = length == 0
    if len(blank) and starts[-1] == len(buf):  # the file ends with a line end
        blank = blank[:-1]
    return np.flatnonzero(length > 0) + 1, int(cr[:len(nl)].sum()) if len(nl) else 0, int(blank.sum())


def _quoted_values(data: bytes, start: int, sep: str) -> int:
    """How many values from byte ``start`` on are quoted: quote characters that open a
    field (at ``start``, at the start of a line or right after the separator)."""
    buf = np.frombuffer(data, dtype=np.uint8)[start:]
    quote = np.flatnonzero(buf == 34)
    if not len(quote):
        return 0
    before = np.where(quote > 0, buf[np.maximum(quote - 1, 0)], 10)
    sep_byte = sep.encode("utf-8")[-1]
    return int(np.isin(before, [10, 13, sep_byte]).sum())


def _lines_of_texts(data: bytes, texts: list[str], encoding: str) -> list[int]:
    """The line of each of a few row texts (as the CSV reader saw them) in ``data``; a text
    seen k times takes its first k whole-line occurrences."""
    found: list[int] = []
    for text in dict.fromkeys(texts):  # a few invalid rows, not every row
        needle = text.encode(encoding)
        wanted, at = texts.count(text), 0
        while wanted:
            pos = data.find(needle, at)
            if pos < 0:
                break
            end = pos + len(needle)
            whole = (pos == 0 or data[pos - 1:pos] == b"\n") and data[end:end + 1] in (b"\r", b"\n", b"")
            if whole:
                found.append(int(data.count(b"\n", 0, pos)) + 1)
                wanted -= 1
            at = pos + 1
    return sorted(found)


def _bad_encoding_line(data: bytes, encoding: str, start: int) -> tuple[int, str]:
    """The line of the first byte that is not ``encoding``, and the error."""
    try:
        data[start:].decode(encoding)
    except UnicodeDecodeError as e:
        pos = start + e.start
        return int(data.count(b"\n", 0, pos)) + 1, f"byte 0x{data[pos]:02x} ({e.reason})"
    return 0, ""


def _parse_csv(source, names: list[str], sep: str, encoding: str) -> tuple[arrow.Table, list]:
    """Every value as text (empty = missing); and the rows with another number of fields
    than the header (skipped here, reported by the caller)."""
    invalid: list = []

    def bad_row(row):
        invalid.append(row)
        return "skip"

    table = pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(encoding=encoding, column_names=names, skip_rows=1),
        parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, invalid_row_handler=bad_row),
        convert_options=pacsv.ConvertOptions(
            column_types={n: arrow.string() for n in names},
            strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""]),
    )
    return table, invalid


def _encoding_error(data: bytes, start: int, label: str, names: list[str], sep: str,
                    contract_names: dict[str, str]) -> DataError:
    """``csv_encoding`` for a file declared UTF-8 that holds other bytes (Latin-1, cp1252):
    the first column (in file order) with such bytes, its rows by line, the other columns."""
    line, what = _bad_encoding_line(data, "utf-8", start)
    hint = ("declare the file's encoding in the mapping (csv: {encoding: cp1252} for Excel on Swedish "
            "Windows, or latin-1)")
    try:  # read again with the bad bytes replaced by U+FFFD: the cells that hold them
        text = data[start:].decode("utf-8", errors="replace").encode("utf-8")
        table, invalid = _parse_csv(io.BytesIO(text), names, sep, "utf8")
        lines = _line_numbers(data, start)[0][1:]
        if invalid or len(lines) != table.num_rows:
            raise ValueError("rows and lines differ")
        hits = {}
        for col_name, col in zip(names, table.columns):  # columns, not rows
            mask = pc.fill_null(pc.match_substring(col, "\ufffd"), False).to_numpy(zero_copy_only=False)
            if mask.any():
                hits[col_name] = np.flatnonzero(mask)
    except Exception:  # pragma: no cover - fall back on the first bad line
        return DataError(label, "", "csv_encoding", 1, where="line",
                         detail=f"line {line} is not UTF-8: {what}; {hint}")
    first, rows = next(iter(hits.items()))
    examples = table.take(arrow.array(rows[:5])).to_pandas()
    examples.index = pd.Index(lines[rows[:5]], name="line")
    others = "; also in " + ", ".join(f"{c} ({len(r)} rows)" for c, r in list(hits.items())[1:]) \
        if len(hits) > 1 else ""
    return DataError(label, contract_names.get(first, first), "csv_encoding", len(rows), examples,
                     detail=f"bytes that are not UTF-8 (first on line {line}: {what}, shown as \ufffd){others}; "
                            f"{hint}", source_column=first, where="line")


def read_csv(path: Path, label: str, name: str, opts: CsvOptions | None, strict: bool,
             contract_names: dict[str, str] | None = None) -> RawTable:
    """A CSV file as text columns.

    ``opts`` are the mapping's declared separator, decimal mark and encoding (None: no
    mapping, so the separator is told from the header: ``;`` when it has ``;`` and no
    ``,``, the way Swedish Excel writes CSV). ``strict`` (a mapping is used): a header that
    does not split on the declared separator is an error (rule ``csv_separator``). A row
    with another number of fields than the header is an error (``csv_fields``), and so are
    bytes that are not in the declared encoding (``csv_encoding``, naming the column:
    ``contract_names`` = {source column: contract column}, for messages).
    """
    opts = opts or CsvOptions()
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    start = 3 if bom else 0
    encoding = (opts.encoding or "utf-8").lower().replace("_", "-")
    utf8 = encoding in ("utf-8", "utf8", "utf-8-sig")
    first_nl = data.find(b"\n", start)
    header_bytes = data[start:first_nl if first_nl >= 0 else len(data)].rstrip(b"\r")
    try:
        header = header_bytes.decode("utf-8" if utf8 else encoding)
    except UnicodeDecodeError as e:
        raise DataError(label, "", "csv_encoding", 0, where="line",
                        detail=f"line 1 is not {opts.encoding or 'UTF-8'} ({e.reason}); declare the file's "
                               f"encoding in the mapping (csv: {{encoding: cp1252}})") from None
    if not header.strip():
        raise DataError(label, "", "csv_readable", 0, detail="the file is empty or has no header line")
    if opts.separator:
        sep = opts.separator
    else:
        sep = ";" if (";" in header and "," not in header) else ","
    if strict or opts.separator:
        others = [s for s in _SEPARATORS if s != sep and s in header]
        if sep not in header and others:
            raise DataError(label, "", "csv_separator", 0, where="line",
                            examples=pd.DataFrame({"header": [header]}, index=pd.Index([1], name="line")),
                            detail=f"the header is separated by {others[0]!r}, the mapping declares {sep!r} "
                                   f"(csv: separator); header: {header[:120]!r}")
    names = next(csv.reader(io.StringIO(header), delimiter=sep), [])
    names = [n.strip() for n in names]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(label, dup[0], "unique_column_names", 0, detail=f"header names {dup} repeated")
    decimal = opts.decimal or ("," if sep == ";" else ".")

    try:
        table, invalid = _parse_csv(io.BytesIO(data) if bom or not utf8 else path, names, sep,
                                    "utf8" if utf8 else encoding)
    except (arrow.ArrowInvalid, arrow.ArrowException) as e:
        text = " ".join(str(e).split())
        if utf8 and "utf8" in text.lower().replace("-", ""):
            raise _encoding_error(data, start, label, names, sep, contract_names or {}) from None
        raise DataError(label, "", "csv_readable", 0, detail=text[:400]) from None
    if invalid:
        texts = [row.text for row in invalid]
        at = _lines_of_texts(data, texts, "utf-8" if utf8 else encoding)
        shown = pd.DataFrame({"fields": [row.actual_columns for row in invalid[:5]], "text": texts[:5]})
        if len(at) == len(invalid):
            shown.index = pd.Index(at[:5], name="line")
        raise DataError(label, "", "csv_fields", len(invalid), shown,
                        where="line" if len(at) == len(invalid) else "row",
                        detail=f"the header has {len(names)} fields separated by {sep!r}, these lines more "
                               f"or fewer (fields); a value that holds the separator must be quoted "
                               f"(\"a{sep}b\")")
    notes = []
    # surrounding whitespace: trimmed, counted; a value of only blanks is missing
    trimmed_values = 0
    cols = []
    for col in table.columns:
        t = pc.utf8_trim_whitespace(col)
        changed = pc.sum(pc.cast(pc.fill_null(pc.not_equal(col, t), False), arrow.int64())).as_py() or 0
        if changed:
            trimmed_values += changed
            t = pc.if_else(pc.equal(t, ""), arrow.scalar(None, arrow.string()), t)
            cols.append(t)
        else:
            cols.append(col)
    if trimmed_values:
        table = arrow.table(cols, names=names)
        notes.append(_note(name, label, "blanks around values removed (values)", trimmed_values))
    df = table.to_pandas()
    lines, crlf, blank_lines = _line_numbers(data, start)
    lines = lines[1:]  # the header
    # Excel's empty rows (every field empty): skipped, counted
    empty = df.isna().all(axis=1).to_numpy() if len(df.columns) else np.zeros(len(df), bool)
    where = "line" if len(lines) == len(df) else "row"  # quoted line breaks: count rows
    if empty.any():  # not records: the rows are numbered without them (as generated keys are)
        notes.append(_note(name, label, "empty rows skipped (e.g. Excel's ;;;; rows)", int(empty.sum())))
        df = df.loc[~empty].reset_index(drop=True)
        if where == "line":
            lines = lines[~empty]
    if blank_lines:
        notes.append(_note(name, label, "empty lines skipped", blank_lines))
    quoted = _quoted_values(data, first_nl + 1 if first_nl >= 0 else len(data), sep)  # after the header
    if quoted:
        notes.append(_note(name, label, "quoted values", quoted))
    if crlf:
        notes.append(_note(name, label, "CRLF line ends (Windows)", crlf))
    if not bom and utf8:
        notes.append(_note(name, label, "UTF-8 without BOM", 0))
    return RawTable(name, label, df, text=True, decimal=decimal, where=where,
                    lines=lines if where == "line" else None, notes=notes, path=path)


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
        from romlab.data import formats

        if suffix == ".xlsx":
            got = formats.read_excel(p, None if tm is None else tm.sheet)
            df = got.frame
            # the sheet's rows: header = row 1, as Excel numbers them; empty rows skipped, counted
            lines = np.arange(len(df), dtype=np.int64) + 2
            empty = df.isna().all(axis=1).to_numpy() if len(df.columns) else np.zeros(len(df), bool)
            notes = []
            if empty.any():
                notes.append(_note(name, got.label, "empty rows skipped", int(empty.sum())))
                df = df.loc[~empty]
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
    """A SQL database given as a SQLAlchemy URL (`romlab.data.formats`)."""

    def __init__(self, url: str, mapping: Mapping | None, cutoff):
        from romlab.data import formats

        self.url = url
        super().__init__(url, mapping, cutoff)
        self.source_label = formats.safe_url(url)

    def _table_names(self) -> list[str]:
        from romlab.data import formats

        return formats.database_tables(self.url)

    def _read(self, table: str, known_before) -> RawTable:
        from romlab.data import formats

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
        from romlab.data import formats

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
