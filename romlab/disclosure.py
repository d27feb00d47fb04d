"""Disclosure control for shown and exported tables.

Primary suppression: a cell based on fewer than `min_cell` persons (or report-months)
is not shown. Secondary suppression across margins is added with the per-period
outputs (issue 7).
"""

from __future__ import annotations

import pandas as pd

#: Mark shown in place of a suppressed cell (as in Statistics Sweden's tables).
SUPPRESSED = ".."


def suppress_small(values: pd.DataFrame, counts: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """`values` with every cell whose `counts` cell is below `min_cell` set to NA.

    `values` and `counts` have the same shape and labels (a count table may be its own
    `counts`). Returns a new frame with nullable dtypes; the original is not changed.
    """
    if not values.index.equals(counts.index) or not values.columns.equals(counts.columns):
        raise ValueError("values and counts must have the same rows and columns")
    return values.astype("Float64" if (values.dtypes == float).any() else "Int64").mask(counts < min_cell)


def show(table: pd.DataFrame, decimals: int = 0) -> pd.DataFrame:
    """Format a suppressed table for display: NA → '..', numbers with fixed decimals."""
    fmt = f"{{:,.{decimals}f}}"
    return table.apply(lambda col: col.map(lambda v: SUPPRESSED if pd.isna(v) else fmt.format(v).replace(",", " ")))
