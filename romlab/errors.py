"""The one error romlab raises for bad input data."""

from __future__ import annotations

import pandas as pd


class DataError(ValueError):
    """Input data break a rule of the data contract.

    The message names the file, the column, the rule, how many rows break it and up to
    five example rows, so that the person who owns the extract can fix it.
    """

    def __init__(self, file: str, column: str, rule: str, n_rows: int,
                 examples: pd.DataFrame | None = None, detail: str = ""):
        self.file = str(file)
        self.column = column
        self.rule = rule
        self.n_rows = int(n_rows)
        self.examples = examples if examples is not None else pd.DataFrame()
        self.detail = detail
        super().__init__(self._message())

    def _message(self) -> str:
        head = (f"{self.file}: column '{self.column}' breaks rule '{self.rule}' "
                f"in {self.n_rows} row{'s' if self.n_rows != 1 else ''}")
        if self.detail:
            head += f" ({self.detail})"
        if len(self.examples):
            ex = self.examples.head(5).to_string(max_colwidth=40)
            head += "\nexamples:\n" + ex
        return head

    def one_line(self) -> str:
        """The message without the example rows, for the command line."""
        first = self.examples.head(5)
        ex = ""
        if len(first):
            ex = "; e.g. " + " | ".join(
                ", ".join(f"{k}={v}" for k, v in row.items()) for row in first.head(2).to_dict("records"))
        return (f"DataError: {self.file}: column '{self.column}' breaks rule '{self.rule}' in "
                f"{self.n_rows} row(s){' (' + self.detail + ')' if self.detail else ''}{ex}")
