"""`RawTable`: one table as read from its source, before the mapping and the contract;
what every reader of `romlab.dataset.read_files` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd


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


def note(table: str, file: str, note: str, rows: int) -> dict:
    """One entry of `RawTable.notes`: what was tolerated while reading, and in how many rows."""
    return {"table": table, "file": file, "note": note, "rows": int(rows)}


def skip_empty_rows(df: pd.DataFrame, lines: np.ndarray | None, table: str, file: str, what: str
                    ) -> tuple[pd.DataFrame, np.ndarray | None, list[dict]]:
    """Drop rows whose every field is empty (Excel's empty rows): they are not records, so
    the rows are numbered without them (as generated keys are) while `lines` keeps each
    remaining row's line in the file. Returns the rows, their lines and the note counting
    what was skipped (none when nothing was)."""
    empty = df.isna().all(axis=1).to_numpy() if len(df.columns) else np.zeros(len(df), bool)
    if not empty.any():
        return df, lines, []
    kept = df.loc[~empty].reset_index(drop=True)
    return kept, (None if lines is None else lines[~empty]), [note(table, file, what, int(empty.sum()))]
