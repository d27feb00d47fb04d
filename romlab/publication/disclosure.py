"""Disclosure control for shown and exported tables.

Two parts:

- `show`: a protected table for display, a suppressed cell (NA) shown as '..'.
- `protect_cells`: primary **and secondary** suppression over a set of linked cells.
  A *cell* is a population (e.g. window 2, level A, women) whose additive quantities
  (persons, persons with a result, report-months, hours) lie behind one or more
  published numbers; a *constraint* says that a margin cell is the sum of its member
  cells (the same for every additive quantity). A suppressed cell is *recoverable* when
  the published cells and the constraints determine it exactly, i.e. when its unit
  vector lies in the row space of the constraint matrix restricted to the suppressed
  cells (`recoverable`). Secondary suppression adds complementary cells, cheapest
  first, until no suppressed cell is recoverable; the pattern depends only on the
  cells' sizes and their fixed order, so equal inputs give equal patterns. Interval
  (non-negativity) bounds are not used (assumption A70).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Mark shown in place of a suppressed cell (as in Statistics Sweden's tables).
SUPPRESSED = ".."

#: Rules of the suppression log (Swedish, as shown in the run folder).
PRIMARY, SECONDARY, CONSISTENCY = "primär", "sekundär", "konsekvent mellan perioder"

#: Numerical tolerance of the null-space test.
TOL = 1e-9


def show(table: pd.DataFrame, decimals: int = 0) -> pd.DataFrame:
    """Format a suppressed table for display: NA → '..', numbers with fixed decimals."""
    fmt = f"{{:,.{decimals}f}}"
    return table.apply(lambda col: col.map(lambda v: SUPPRESSED if pd.isna(v) else fmt.format(v).replace(",", " ")))


# --------------------------------------------------------------------------- linked cells

def constraint_matrix(cells: pd.Index, constraints: pd.DataFrame) -> np.ndarray:
    """Dense matrix, one row per constraint and one column per cell of `cells`, with the
    constraint's coefficients (+1 member, −1 margin). `constraints` has columns
    ``constraint``, ``cell``, ``coef``; a cell not in `cells` is an error."""
    if constraints.empty:
        return np.zeros((0, len(cells)))
    missing = ~constraints["cell"].isin(cells)
    if missing.any():
        raise ValueError(f"constraints name {int(missing.sum())} unknown cell(s), e.g. "
                         f"{constraints.loc[missing, 'cell'].head(3).tolist()}")
    rows = pd.Index(pd.unique(constraints["constraint"]))
    a = np.zeros((len(rows), len(cells)))
    np.add.at(a, (rows.get_indexer(constraints["constraint"]), cells.get_indexer(constraints["cell"])),
              constraints["coef"].to_numpy(dtype=float))
    return a


def recoverable(a: np.ndarray, suppressed: np.ndarray) -> np.ndarray:
    """Boolean per cell: suppressed and exactly determined by the published cells and
    the constraints ``a @ x = 0`` (a column of `constraint_matrix` per cell).

    The unknowns are the suppressed cells; cell i is determined iff every solution of
    ``a[:, S] @ y = 0`` has ``y_i = 0``, i.e. iff row i of the null space of ``a[:, S]``
    is zero."""
    from scipy.linalg import null_space

    out = np.zeros(len(suppressed), bool)
    s = np.flatnonzero(suppressed)
    if not len(s):
        return out
    sub = a[:, s]
    sub = sub[np.abs(sub).sum(axis=1) > 0]
    if not len(sub):
        return out
    ns = null_space(sub)
    out[s] = np.linalg.norm(ns, axis=1) < 1e-7 if ns.size else True
    return out


def protect_cells(cells: pd.DataFrame, constraints: pd.DataFrame, min_cell: int,
                  forced: Iterable[str] = ()) -> pd.DataFrame:
    """Primary and secondary suppression of linked cells.

    `cells`: one row per cell, index the cell id, columns ``n`` (persons behind the
    cell; NA counts as large), ``order`` (a fixed priority, e.g. report order) and
    optionally ``cost`` (what hiding the cell loses; default ``n``).
    `constraints`: columns ``constraint``, ``cell``, ``coef`` (+1 member, −1 margin).
    `forced`: cell ids to suppress in any case (rule `CONSISTENCY`, e.g. cells
    suppressed in another period of the batch); ids not among `cells` are ignored.

    Primary: ``n < min_cell``. Secondary: while some suppressed cell is `recoverable`,
    the first such cell (by ``order``) gets a complement: of the published cells that
    are members of a constraint with it, the one with the lowest ``cost`` (then lowest
    ``order``); when it has none left, a member of a constraint of any recoverable cell;
    a margin only when no member is left (in a two-way table this gives the usual
    rectangle of four interior cells). Returns `cells` with ``suppressed``, ``rule``
    ('' when shown) and ``protects`` (the cell a complement was chosen for)."""
    cells = cells.sort_values("order", kind="stable")
    idx = pd.Index(cells.index)
    n = pd.to_numeric(cells["n"], errors="coerce").to_numpy(dtype=float)
    a = constraint_matrix(idx, constraints)
    rule = np.full(len(idx), "", dtype=object)
    protects = np.full(len(idx), "", dtype=object)
    rule[np.isin(idx, list(forced))] = CONSISTENCY
    rule[n < min_cell] = PRIMARY
    c = pd.to_numeric(cells["cost"], errors="coerce").to_numpy(dtype=float) if "cost" in cells else n
    cost = np.where(np.isnan(c), np.inf, c)
    while True:
        sup = rule != ""
        rec = np.flatnonzero(recoverable(a, sup))
        if not len(rec):
            break
        j, i = _complement(a, rec, sup, cost)
        if j is None:
            raise RuntimeError(f"cell {idx[rec[0]]!r} is recoverable and no complementary cell is left")
        rule[j], protects[j] = SECONDARY, idx[i]
    return cells.assign(suppressed=rule != "", rule=rule, protects=protects)


def _complement(a: np.ndarray, rec: np.ndarray, sup: np.ndarray, cost: np.ndarray) -> tuple[int | None, int]:
    """The next complementary cell and the recoverable cell it is for: a published
    member of a constraint of the first recoverable cell, else of any recoverable cell,
    else of any constraint that holds a suppressed cell (the chain through which the
    first one is determined); only then a published margin, in the same order. Cheapest
    first, ties by order."""
    for kind in (1, -1):
        for group in ([rec[0]], rec, np.flatnonzero(sup)):
            rows = (a[:, group] != 0).any(axis=1)
            cand = ((a[rows] == kind).any(axis=0)) & ~sup
            if cand.any():
                j = np.flatnonzero(cand)[np.argmin(cost[cand])]
                shares = (a[:, j] != 0) & rows
                i = next((r for r in rec if (a[shares, r] != 0).any()), rec[0])
                return j, i
    return None, rec[0]
