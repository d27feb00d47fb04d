"""Excel workbooks (``.xlsx``, ``.xlsm``), read with openpyxl through ``pandas.read_excel``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from romlab.dataset.errors import DataError
from romlab.dataset.formats.table import ReadTable, dates_to_ns, example_rows, unreadable

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


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
        err = unreadable(label, "excel_readable", e)
        if path.suffix.lower() == ".xls":
            err = DataError(label, "", "excel_readable", 0,
                            detail="the old .xls format is not read: save the sheet as .xlsx")
        raise err from None
    with book:
        chosen = _sheet_name(book, sheet, label)
        try:
            head = pd.read_excel(book, sheet_name=chosen, header=None, nrows=1, dtype=object)
            df = pd.read_excel(book, sheet_name=chosen, header=0, keep_default_na=False, na_values=[""])
        except Exception as e:
            raise unreadable(label, "excel_readable", e) from None
    df = _with_header(df, head, label).reset_index(drop=True)
    return ReadTable(dates_to_ns(df, label, "excel_readable"), label, {})


def _sheet_name(book: pd.ExcelFile, sheet: str | int | None, label: str) -> str:
    """The name of the sheet `sheet` chooses (see `read_excel`), or a DataError."""
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
    return chosen


def _with_header(df: pd.DataFrame, head: pd.DataFrame, label: str) -> pd.DataFrame:
    """The sheet's columns named by its first row (`head`, read as stored): columns
    without header and values dropped; a column with values but no header, or a header
    that repeats a name, is a DataError."""
    header = ["" if pd.isna(v) else str(v).strip() for v in head.iloc[0].tolist()] if len(head) else []
    header = (header + [""] * df.shape[1])[:df.shape[1]]
    df.columns = range(df.shape[1])
    blank = [i for i, h in enumerate(header) if h == ""]
    data_without_name = [i for i in blank if df[i].notna().any()]
    if data_without_name:
        i = data_without_name[0]
        named = df.set_axis([h or f"({_excel_column(j)})" for j, h in enumerate(header)], axis=1)
        raise DataError(label, "", "excel_readable", int(df[i].notna().sum()), example_rows(named, df[i].notna()),
                        detail=f"column {_excel_column(i)} has values but no header")
    keep = [i for i in range(len(header)) if header[i] != ""]
    df = df[keep]
    df.columns = [header[i] for i in keep]
    dup = sorted({h for h in df.columns if list(df.columns).count(h) > 1})
    if dup:
        raise DataError(label, dup[0], "unique_column_names", 0, detail=f"header names {dup} repeated")
    return df


def _excel_column(i: int) -> str:
    """0 -> 'A', 26 -> 'AA'."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
