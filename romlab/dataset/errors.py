"""The one error romlab raises for bad input data."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd


class DataError(ValueError):
    """Input data break a rule of the data contract.

    The message names the file and the column as the extract writes them (romlab's own
    column name in brackets when it differs), the rule, how many rows break it and up to
    five example rows, so that the person who owns the extract can fix it.

    Attributes: ``file`` (path of the file, ``db.duckdb:table`` or ``url:table``),
    ``column`` (contract column name; "" when the rule is about the whole file),
    ``source_column`` (the column as the extract names it, or how the mapping filled it),
    ``rule`` (see ``docs/mapping.md`` for the list), ``n_rows`` (rows that break it),
    ``examples`` (up to five offending rows, columns as in the extract; the index is the
    line in a CSV file, header = line 1, or the row in other files, first data row = 1:
    ``where`` says which) and ``detail`` (free text: other rules broken, columns that are
    there, ...).
    """

    def __init__(self, file: str, column: str, rule: str, n_rows: int,
                 examples: pd.DataFrame | None = None, detail: str = "",
                 source_column: str | None = None, where: str = "row"):
        self.file = str(file)
        self.column = "" if column is None else str(column)
        self.source_column = self.column if source_column is None else str(source_column)
        self.rule = rule
        self.n_rows = int(n_rows)
        self.examples = (examples.head(5) if examples is not None else pd.DataFrame())
        self.detail = detail
        self.where = where
        super().__init__(self._message())

    def __reduce__(self):  # keep the error picklable (multiprocessing, pytest-xdist)
        return (self.__class__, (self.file, self.column, self.rule, self.n_rows, self.examples, self.detail,
                                 self.source_column, self.where))

    def _column_text(self) -> str:
        if not self.column:
            return ""
        if self.source_column and self.source_column != self.column:
            return f"column '{self.source_column}' [{self.column}]"
        return f"column '{self.column}'"

    def _head(self) -> str:
        col = self._column_text()
        where = f"{col} breaks" if col else "breaks"
        head = f"{self.file}: {where} rule '{self.rule}'"
        if self.n_rows:  # 0 = a problem with the file as a whole (missing, unreadable)
            head += f" in {self.n_rows} row{'s' if self.n_rows != 1 else ''}"
        return head

    def _examples_title(self) -> str:
        return ("examples (index = line in the file, header = line 1):" if self.where == "line"
                else "examples (index = row in the file, first data row = 1):")

    def _message(self) -> str:
        head = self._head()
        if self.detail:
            head += f" ({self.detail})"
        if len(self.examples):
            try:
                ex = self.examples.to_string(max_colwidth=40)
            except Exception:  # pragma: no cover - never let formatting hide the error
                ex = repr(self.examples)
            head += "\n" + self._examples_title() + "\n" + ex
        return head

    def one_line(self) -> str:
        """The message on one line (up to two example rows with their line), for the command line."""
        ex = ""
        if len(self.examples):
            ex = "; e.g. " + " | ".join(
                f"{self.where} {idx}: " + ", ".join(f"{k}={v}" for k, v in row.items())
                for idx, row in zip(self.examples.index[:2], self.examples.head(2).to_dict("records")))
        return f"DataError: {self._head()}{' (' + self.detail + ')' if self.detail else ''}{ex}"


class TableSource:
    """How one contract table's rows and columns are named in the extract, for messages.

    ``label``: the file (or ``database:table``); ``names``: {contract column: the name or
    description of where it came from in the extract}; ``renames``: {contract column:
    source column} for columns read from one source column; ``lines``: line (CSV) or row
    of each row number (the frames' index), None = row number + 1; ``where``: "line" or "row";
    ``raw``: None, or a function that returns the table as read (the extract's columns and
    values, indexed by row number), so that example rows of a check across tables show
    what the extract holds (called on the error path only).
    """

    def __init__(self, label: str, names: dict | None = None, renames: dict | None = None,
                 lines=None, where: str = "row", raw: Callable[[], pd.DataFrame] | None = None):
        self.label = str(label)
        self.names = dict(names or {})
        self.renames = dict(renames or {})
        self.lines = lines
        self.where = where
        self.raw = raw

    def __str__(self) -> str:
        return self.label

    def name_of(self, column: str) -> str:
        """The extract's name for a contract column ("a,b" for key pairs)."""
        if not column:
            return column
        return ",".join(self.names.get(c, c) for c in column.split(","))

    def number(self, index):
        import numpy as np

        index = np.asarray(index, dtype=np.int64)
        return self.lines[index] if self.lines is not None else index + 1

    def _as_read(self, frame: pd.DataFrame) -> pd.DataFrame | None:
        """The rows of ``frame`` (by row number) as the extract has them, if they can be read again."""
        if self.raw is None:
            return None
        try:
            return self.raw().loc[frame.index]
        except Exception:  # the file changed or is gone: fall back on the contract's values
            return None

    def examples(self, frame: pd.DataFrame, extra: dict | None = None) -> pd.DataFrame:
        """Example rows as the extract has them (or, if it cannot be read again, the contract's
        values under the extract's column names), indexed by line (or row); ``extra``:
        {name: values} added as columns (e.g. values looked up in another table)."""
        import numpy as np

        ex = self._as_read(frame)
        ex = (frame.rename(columns=self.renames) if ex is None else ex).copy()
        for name, values in (extra or {}).items():
            ex[name] = np.asarray(values)
        ex.index = self.number(frame.index)
        ex.index.name = self.where
        return ex

    def error(self, column: str, rule: str, n_rows: int, examples: pd.DataFrame | None = None,
              detail: str = "", extra: dict | None = None, source_column: str | None = None) -> "DataError":
        """A DataError about this table in the extract's words (``source_column``: the
        extract's name when it is not the contract column's own, e.g. the birth date an
        age was derived from)."""
        return DataError(self.label, column, rule, n_rows,
                         None if examples is None else self.examples(examples, extra), detail,
                         source_column=self.name_of(column) if source_column is None else source_column,
                         where=self.where)
