"""CSV files read strictly, for `romlab.dataset.read_files` (`read_csv`).

The declared separator and encoding (UTF-8 with or without BOM by default) or an error
naming the column and lines that hold other bytes (docs/mapping.md, "CSV files"); a line
with another number of fields than the header is an error; every value as text,
converted later by the contract. Tolerated and counted in `RawTable.notes`: surrounding
whitespace, Excel's empty rows (not rows: the rows are numbered without them), empty
lines, CRLF line ends, a missing BOM, quoted values. Any column order is fine (columns
are found by name) and not noted. Read with pyarrow's CSV reader (every value as text,
rows with the wrong number of fields handed back), the bytes scanned with numpy for
line numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as arrow
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from romlab.dataset.errors import DataError
from romlab.dataset.mapping import CsvOptions
from romlab.dataset.raw_table import RawTable, note, skip_empty_rows

_SEPARATORS = (";", ",", "\t", "|")


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
    header = _header_line(data, start, first_nl, utf8, encoding, opts, label)
    sep = _separator(header, opts, strict, label)
    names = _column_names(header, sep, label)
    decimal = opts.decimal or ("," if sep == ";" else ".")
    table = _parse_or_fail(path, data, start, bom, utf8, encoding, names, sep, label, contract_names or {})
    notes = []
    table = _trim_blanks(table, names, notes, name, label)
    df = table.to_pandas()
    lines, crlf, blank_lines = _line_numbers(data, start)
    lines = lines[1:]  # the header
    where = "line" if len(lines) == len(df) else "row"  # quoted line breaks: count rows
    df, lines, skipped = skip_empty_rows(df, lines if where == "line" else None, name, label,
                                         "empty rows skipped (e.g. Excel's ;;;; rows)")
    notes += skipped
    if blank_lines:
        notes.append(note(name, label, "empty lines skipped", blank_lines))
    quoted = _quoted_values(data, first_nl + 1 if first_nl >= 0 else len(data), sep)  # after the header
    if quoted:
        notes.append(note(name, label, "quoted values", quoted))
    if crlf:
        notes.append(note(name, label, "CRLF line ends (Windows)", crlf))
    if not bom and utf8:
        notes.append(note(name, label, "UTF-8 without BOM", 0))
    return RawTable(name, label, df, text=True, decimal=decimal, where=where,
                    lines=lines if where == "line" else None, notes=notes, path=path)


def _header_line(data: bytes, start: int, first_nl: int, utf8: bool, encoding: str, opts: CsvOptions,
                 label: str) -> str:
    """The header line as text, or a DataError (not in the encoding; no header)."""
    header_bytes = data[start:first_nl if first_nl >= 0 else len(data)].rstrip(b"\r")
    try:
        header = header_bytes.decode("utf-8" if utf8 else encoding)
    except UnicodeDecodeError as e:
        raise DataError(label, "", "csv_encoding", 0, where="line",
                        detail=f"line 1 is not {opts.encoding or 'UTF-8'} ({e.reason}); declare the file's "
                               f"encoding in the mapping (csv: {{encoding: cp1252}})") from None
    if not header.strip():
        raise DataError(label, "", "csv_readable", 0, detail="the file is empty or has no header line")
    return header


def _separator(header: str, opts: CsvOptions, strict: bool, label: str) -> str:
    """The declared separator, else ``;`` when the header has ``;`` and no ``,`` (else
    ``,``); declared or strict, a header that splits on another separator only is an error."""
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
    return sep


def _column_names(header: str, sep: str, label: str) -> list[str]:
    """The header's names (trimmed), or a DataError when one repeats."""
    names = next(csv.reader(io.StringIO(header), delimiter=sep), [])
    names = [n.strip() for n in names]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(label, dup[0], "unique_column_names", 0, detail=f"header names {dup} repeated")
    return names


def _parse_or_fail(path: Path, data: bytes, start: int, bom: bool, utf8: bool, encoding: str, names: list[str],
                   sep: str, label: str, contract_names: dict[str, str]) -> arrow.Table:
    """The rows as text columns; bytes not in the encoding (``csv_encoding``), a file the
    reader cannot parse (``csv_readable``) or rows with another number of fields than the
    header (``csv_fields``, by line) are a DataError."""
    try:
        table, invalid = _parse_csv(io.BytesIO(data) if bom or not utf8 else path, names, sep,
                                    "utf8" if utf8 else encoding)
    except (arrow.ArrowInvalid, arrow.ArrowException) as e:
        text = " ".join(str(e).split())
        if utf8 and "utf8" in text.lower().replace("-", ""):
            raise _encoding_error(data, start, label, names, sep, contract_names) from None
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
    return table


def _trim_blanks(table: arrow.Table, names: list[str], notes: list, name: str, label: str) -> arrow.Table:
    """Surrounding whitespace trimmed and counted (a note); a value of only blanks is missing."""
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
        notes.append(note(name, label, "blanks around values removed (values)", trimmed_values))
    return table
