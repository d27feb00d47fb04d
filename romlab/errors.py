"""The one error romlab raises for bad input data."""

from __future__ import annotations

import pandas as pd


class DataError(ValueError):
    """Input data break a rule of the data contract.

    The message names the file, the column, the rule, how many rows break it and up to
    five example rows, so that the person who owns the extract can fix it.

    Attributes: ``file`` (path of the file, or ``db.duckdb:table``), ``column`` (contract
    column name; "" when the rule is about the whole file), ``rule`` (see
    ``docs/mapping.md`` for the list), ``n_rows`` (rows that break it), ``examples`` (up to
    five offending rows, all columns, index = 0-based row number in the file) and
    ``detail`` (free text: other rules broken, columns that are there, ...).
    """

    def __init__(self, file: str, column: str, rule: str, n_rows: int,
                 examples: pd.DataFrame | None = None, detail: str = ""):
        self.file = str(file)
        self.column = "" if column is None else str(column)
        self.rule = rule
        self.n_rows = int(n_rows)
        self.examples = (examples.head(5) if examples is not None else pd.DataFrame())
        self.detail = detail
        super().__init__(self._message())

    def __reduce__(self):  # keep the error picklable (multiprocessing, pytest-xdist)
        return (self.__class__, (self.file, self.column, self.rule, self.n_rows, self.examples, self.detail))

    def _head(self) -> str:
        where = f"column '{self.column}' breaks" if self.column else "breaks"
        head = f"{self.file}: {where} rule '{self.rule}'"
        if self.n_rows:  # 0 = a problem with the file as a whole (missing, unreadable)
            head += f" in {self.n_rows} row{'s' if self.n_rows != 1 else ''}"
        return head

    def _message(self) -> str:
        head = self._head()
        if self.detail:
            head += f" ({self.detail})"
        if len(self.examples):
            try:
                ex = self.examples.to_string(max_colwidth=40)
            except Exception:  # pragma: no cover - never let formatting hide the error
                ex = repr(self.examples)
            head += "\nexamples (index = row in file, from 0):\n" + ex
        return head

    def one_line(self) -> str:
        """The message without the example rows, for the command line."""
        ex = ""
        if len(self.examples):
            ex = "; e.g. " + " | ".join(
                ", ".join(f"{k}={v}" for k, v in row.items())
                for row in self.examples.head(2).to_dict("records"))
        return f"DataError: {self._head()}{' (' + self.detail + ')' if self.detail else ''}{ex}"
