"""The mapping file: how a real extract's files, columns and codes meet the data contract.

A mapping is declarative YAML (format in ``docs/mapping.md``). Version 2 says, per
contract column, where its values come from: a source column (one source may feed several
contract columns), a constant, a unit (``scale: 0.01`` for percent), a date or month
format, or one rule of a small set (a generated row-number key, ``same_as`` another contract
column, a ``lookup`` through another table, ``flags`` that turn several yes/no columns into
one code, date ``bands``); codes may be many-to-one; a table the extract lacks may be
derived (``providers: {derive: from_contracts}``). Version 1 files (``columns`` as
``{contract: source}`` and ``codes``) are version 2 files without rules.

`read_mapping` checks the file against the contract before any data are read (the parser
is `romlab.dataset.mapping_file`); a mistake is one `MappingError` line naming the mapping
file's line. This module holds what it builds (`Mapping`, `TableMapping`, `ColumnRule`,
`CsvOptions`), how codes are compared (`code_key`) and the strict pattern of a date
format (`format_pattern`). `romlab.dataset.build_columns` builds a table's contract columns
from a read frame; what each rule filled is reported in `Dataset.mapping_summary`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from romlab.dataset.errors import DataError

__all__ = ["Mapping", "TableMapping", "ColumnRule", "CsvOptions", "MappingError", "read_mapping",
           "RULES", "MONTH_COLUMNS", "code_key", "format_pattern"]

#: The rules a contract column may be filled by (exactly one per column).
RULES = ("source", "constant", "same_as", "row_number", "lookup", "flags")
#: Modifiers that go with ``source``.
MODIFIERS = ("scale", "format", "codes", "bands")
#: Contract columns that hold a month (its first day).
MONTH_COLUMNS = frozenset({"month", "publication_month"})
#: Tables that may be derived from another table when the extract lacks them.
DERIVABLE = {"providers": ("from_contracts",)}
#: Resubmission rules for periodic reports (docs/mapping.md).
RESUBMISSION_RULES = ("latest",)
ISO_DATE = "%Y-%m-%d"


class MappingError(DataError):
    """A mistake in the mapping file itself: one line naming the file and its line.

    ``line``: the mapping file's line (0 when unknown). Most mistakes are found by
    `read_mapping` and name the mapping file as ``file``. A mistake only the data can show
    (a source column that is not in the file, rule ``mapping_column_exists``) is raised
    while loading: then ``file`` is the data file, ``source_column`` the column the mapping
    names, ``n_rows`` the rows of the file, and the detail names the mapping file's line.
    """

    def __init__(self, path: str | Path, line: int, where: str, rule: str, detail: str, column: str = "",
                 data_file: str | None = None, source_column: str | None = None, n_rows: int = 0):
        self.line = int(line)
        self.key = where
        self.mapping_path = str(path)
        self.bare_detail = detail
        self.data_file = data_file
        if data_file is not None:
            file = str(data_file)
        else:
            file = f"{path}, line {line}" if line else str(path)
        super().__init__(file, column, rule, n_rows, detail=f"{where}: {detail}" if where else detail,
                         source_column=source_column)

    def __reduce__(self):
        return (self.__class__, (self.mapping_path, self.line, self.key, self.rule, self.bare_detail, self.column,
                                 self.data_file, self.source_column, self.n_rows))


@dataclass(frozen=True)
class CsvOptions:
    """How a CSV file is written: separator, decimal mark, encoding (None = the default)."""

    separator: str | None = None
    decimal: str | None = None
    encoding: str | None = None

    def over(self, base: "CsvOptions") -> "CsvOptions":
        """These options, falling back on ``base`` where unset."""
        return CsvOptions(self.separator or base.separator, self.decimal or base.decimal,
                          self.encoding or base.encoding)


@dataclass(frozen=True)
class ColumnRule:
    """How one contract column is filled (one of `RULES`, with its modifiers)."""

    kind: str
    source: str | None = None
    constant: Any = None
    same_as: str | None = None
    lookup_table: str | None = None
    lookup_by: str | None = None
    lookup_column: str | None = None
    flags: tuple[tuple[str, Any], ...] = ()
    otherwise: Any = None
    scale: float | None = None
    format: str | None = None
    codes: dict[str, Any] | None = None
    bands: tuple[tuple[pd.Timestamp, Any], ...] = ()
    line: int = 0

    def sources(self) -> list[str]:
        """The source columns this rule reads."""
        if self.kind == "source":
            return [self.source]
        if self.kind == "flags":
            return [s for s, _ in self.flags]
        return []

    def describe(self) -> str:
        """How the column is filled, in a few words (for the summary and error messages)."""
        if self.kind == "source":
            extra = []
            if self.scale is not None:
                extra.append(f"× {self.scale:g}")
            if self.format:
                extra.append(f"format {self.format}")
            if self.codes:
                extra.append(f"{len(self.codes)} codes")
            if self.bands:
                extra.append("bands " + ", ".join(f"from {d.date()}: {v}" for d, v in self.bands))
            return f"source {self.source}" + (f" ({'; '.join(extra)})" if extra else "")
        if self.kind == "constant":
            return f"constant {self.constant!r}"
        if self.kind == "same_as":
            return f"same as {self.same_as}"
        if self.kind == "row_number":
            return "row number (generated key)"
        if self.kind == "lookup":
            return f"looked up in {self.lookup_table}.{self.lookup_column} by {self.lookup_by}"
        return "flags " + ", ".join(f"{s}→{v}" for s, v in self.flags) + f", otherwise {self.otherwise}"


@dataclass
class TableMapping:
    """How one table of an extract differs from the contract."""

    #: file name (with or without suffix) in the data folder, or table name in a database
    file: str | None = None
    #: {contract column: rule}; unlisted contract columns keep their contract name
    columns: dict[str, ColumnRule] = field(default_factory=dict)
    csv: CsvOptions = field(default_factory=CsvOptions)
    sheet: str | int | None = None
    value_labels: bool = False
    resubmission: str | None = None
    derive: str | None = None
    line: int = 0

    def source_of(self, column: str) -> str:
        """The column name in the extract that a contract column is read from."""
        rule = self.columns.get(column)
        return rule.source if rule is not None and rule.kind == "source" else column


@dataclass
class Mapping:
    """A parsed mapping file."""

    path: Path | None = None
    version: int = 2
    tables: dict[str, TableMapping] = field(default_factory=dict)
    csv: CsvOptions = field(default_factory=CsvOptions)
    date_format: str = ISO_DATE
    month_format: str = ISO_DATE
    sha256: str = ""

    def get(self, table: str) -> TableMapping | None:
        return self.tables.get(table)

    def __contains__(self, table: str) -> bool:
        return table in self.tables

    def column_format(self, table: str, column: str) -> str:
        """The declared text format of a date or month column."""
        rule = self.tables[table].columns.get(column) if table in self.tables else None
        if rule is not None and rule.format:
            return rule.format
        return self.month_format if column in MONTH_COLUMNS else self.date_format


def code_key(value: Any) -> str:
    """How a code is compared: as trimmed text, 1.0 and 1 alike."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def read_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file (docs/mapping.md); a mistake raises `MappingError`.
    The parser is `romlab.dataset.mapping_file.read_mapping`."""
    from romlab.dataset import mapping_file

    return mapping_file.read_mapping(path)


# --------------------------------------------------------------------------- date formats

_FORMAT_PARTS = {"%Y": r"\d{4}", "%m": r"\d{2}", "%d": r"\d{2}", "%H": r"\d{2}", "%M": r"\d{2}",
                 "%S": r"\d{2}", "%y": r"\d{2}", "%%": "%"}


def format_pattern(fmt: str) -> re.Pattern:
    """A strict regular expression for a strftime date format (zero-padded fields only).

    ``%Y-%m`` matches ``2022-07`` but not ``2022-7``: Python's and pandas' parsers accept
    both, which would let a malformed extract through.
    """
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%":
            part = fmt[i:i + 2]
            if part not in _FORMAT_PARTS:
                raise ValueError(f"date format {fmt!r}: {part!r} is not supported (use %Y %m %d %H %M %S %y)")
            out.append(_FORMAT_PARTS[part])
            i += 2
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    if "%Y" not in fmt and "%y" not in fmt or "%m" not in fmt:
        raise ValueError(f"date format {fmt!r} needs a year and a month")
    return re.compile("".join(out))
