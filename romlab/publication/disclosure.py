"""Disclosure control for shown and exported tables.

- `show`: a protected table for display, a suppressed cell (NA) shown as '..'.
- `primary`: the threshold rule on a count of persons (fewer than ``min_cell``).
- `protect_cells`: primary **and complementary** suppression of linked cells, with
  protection intervals. A *cell* is a population (e.g. window 2, level A, women); every
  count it publishes (its persons, the persons with a result, with work, …: a
  `counts.CountModel`) is hidden or shown with it.

  *Primary*: a cell is hidden when any count it publishes, or any count's complement
  (the persons without the result: ``of`` − count), is below ``min_cell`` (assumption
  A75; the report's own threshold rule, A14, applied to numerators as well as persons).
  Those counts are *sensitive*.

  *Protection interval* (A76): every sensitive count must keep, against an attacker
  who knows everything the run publishes and how the cells add up
  (`intervals.intervals`), an interval of possible values at least ``width`` wide
  (default ``min_cell``: the attacker cannot narrow a count below the threshold's
  width).

  *Complementary suppression* (A77): the primary cells are taken in report order; for
  each, the cheapest published cells are hidden with it (`intervals.cheapest_cover`: a
  linear programme solved by HiGHS that minimises the persons hidden) so that its
  sensitive counts can move by ``width`` both ways while every published number stays
  as published. Hiding more never narrows an interval, so the pattern protects every
  sensitive count once all are done; `audit` checks it with the attacker's programme.
  The pattern depends only on the counts and the cells' fixed order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from romlab.publication.counts import CountModel

if TYPE_CHECKING:  # the solver's module (scipy, HiGHS) is imported where cells are protected, so
    # that a notebook showing protected tables does not pay for it
    from romlab.publication.intervals import Attacker, System

#: Mark shown in place of a suppressed cell (as in Statistics Sweden's tables).
SUPPRESSED = ".."

#: Rules of the internal suppression log (Swedish, as the log shows them).
PRIMARY, SECONDARY, CONSISTENCY = "primär", "sekundär", "konsekvent mellan körningar"


def show(table: pd.DataFrame, decimals: int = 0) -> pd.DataFrame:
    """Format a suppressed table for display: NA → '..', numbers with fixed decimals."""
    fmt = f"{{:,.{decimals}f}}"
    return table.apply(lambda col: col.map(lambda v: SUPPRESSED if pd.isna(v) else fmt.format(v).replace(",", " ")))


def primary(persons: pd.Series, min_cell: int) -> pd.Series:
    """True where a number resting on ``persons`` persons falls under the threshold rule
    (fewer than ``min_cell``; NA counts as large)."""
    n = pd.to_numeric(persons, errors="coerce").astype("float64")
    return (n < min_cell).fillna(False).astype(bool)


# --------------------------------------------------------------------------- linked cells

@dataclass
class Protection:
    """The suppression pattern of a set of cells and what it protects.

    ``cells``: per cell (report order) ``suppressed``, ``rule`` (`PRIMARY`,
    `SECONDARY`, `CONSISTENCY`, or '' when shown), ``protects`` (the primary cell a
    complement was chosen for), ``persons`` (its count of persons, NA if it has none).
    ``sensitive``: the counts given a protection interval (the sensitive counts and
    every count of a `forced` cell), with value and the attacker's interval ``low``,
    ``high`` as checked (see `audit`); ``unprotectable``: those
    an earlier release already pins (`known`), which no pattern can protect.
    ``system``/``unknown``: the model as the attacker sees it (for `audit`)."""

    cells: pd.DataFrame
    sensitive: pd.DataFrame
    unprotectable: pd.DataFrame
    system: System
    unknown: np.ndarray
    width: float
    attacker: Attacker | None = None


def sensitive_counts(model: CountModel, min_cell: int) -> pd.Series:
    """True per count (row of ``model.counts``) below ``min_cell``, or whose complement
    (the count it is a share of, minus it) is (A75)."""
    c = model.counts
    value = pd.to_numeric(c["value"], errors="coerce").astype(float)
    of_value = pd.Series(pd.MultiIndex.from_frame(c[["cell", "of"]]).map(
        dict(zip(pd.MultiIndex.from_frame(c[["cell", "quantity"]]), value))), index=c.index).astype(float)
    return ((value < min_cell) | ((of_value - value) < min_cell)).fillna(False).to_numpy(bool)


def protect_cells(model: CountModel, min_cell: int, width: float | None = None, forced: Iterable[str] = (),
                  known: pd.Series | None = None) -> Protection:
    """Primary and complementary suppression of the cells of `model` (see the module
    docstring). `width`: the protection interval (default ``min_cell``). `forced`: cells
    to hide in any case (rule `CONSISTENCY`: hidden by an earlier release or another
    period of the batch). `known`: counts earlier releases published, indexed
    (cell, quantity), a pair possibly more than once: where one equals the count now,
    the attacker knows it, so it is never counted on to hide anything. Raises nothing for a count `known` pins: it is
    listed in ``unprotectable``. Longer than most functions here: the primary rule, the
    attacker and the rounds of complementary suppression share one state (the cells
    hidden so far), which stays in one place."""
    from romlab.publication.intervals import Attacker, Infeasible, System, cheapest_cover

    width = float(min_cell if width is None else width)
    system = System.of(model)
    cells = system.cells
    sens = sensitive_counts(model, min_cell) if min_cell > 0 else np.zeros(len(system.var), bool)
    hidden = np.zeros(len(cells), bool)
    rule = np.full(len(cells), "", dtype=object)
    protects = np.full(len(cells), "", dtype=object)
    forced_mask = cells.isin(list(forced))
    rule[forced_mask] = CONSISTENCY
    prim = np.zeros(len(cells), bool)
    np.logical_or.at(prim, system.cell_of, sens)
    rule[prim] = PRIMARY
    hidden |= prim | forced_mask
    fixed = _pinned(system, known)
    cost = _persons(model, cells)
    attacker = Attacker(system, hidden[system.cell_of] & ~fixed)
    low, high = np.full(len(system.var), np.nan), np.full(len(system.var), np.nan)

    def protected(targets: np.ndarray) -> bool:
        """Every target's interval at least `width` under the cells hidden so far
        (stops at the first that is not); each interval checked is recorded."""
        attacker.set_unknown(hidden[system.cell_of] & ~fixed)
        for t in targets:
            low[t], high[t] = attacker.interval(t)
            if high[t] - low[t] < width - 1e-6:
                return False
        return True

    # a cell hidden by an earlier release or another period is protected as its own
    # small counts are: if it could be worked out here, the release that hid it to
    # protect another cell would lose that protection (every count of it is a target)
    target = sens | (forced_mask[system.cell_of] & ~prim[system.cell_of])
    stuck = []
    for i in np.flatnonzero(prim | forced_mask):
        own = target & (system.cell_of == i)
        stuck += list(np.flatnonzero(own & fixed))
        targets = np.flatnonzero(own & ~fixed)
        for _ in range(_MAX_COVERS):
            if protected(targets):
                break
            try:
                add = cheapest_cover(system, hidden, fixed, cost, i, targets, width)
            except Infeasible:
                stuck += list(targets)
                break
            new = add[~hidden[add]]
            if not len(new):  # the programme's tolerance: nothing left to add
                raise RuntimeError(f"{cells[i]}: complementary suppression found nothing to add "
                                   f"but the interval is still narrower than {width:g}")
            hidden[new] = True
            rule[new] = SECONDARY
            protects[new] = cells[i]
        else:
            raise RuntimeError(f"{cells[i]}: not protected after {_MAX_COVERS} rounds of complementary suppression")
    unknown = hidden[system.cell_of] & ~fixed
    out = pd.DataFrame({"suppressed": hidden, "rule": rule, "protects": protects,
                        "persons": np.where(cost >= 0, cost, np.nan)},
                       index=cells)
    stuck = np.unique(np.asarray(stuck, dtype=int))
    svar = np.setdiff1d(np.flatnonzero(target & ~fixed), stuck)
    sensitive = pd.DataFrame({"value": system.x[svar], "low": low[svar], "high": high[svar]}, index=system.var[svar])
    attacker.set_unknown(unknown)
    return Protection(out, sensitive, pd.DataFrame({"value": system.x[stuck]}, index=system.var[stuck]), system,
                      unknown, width, attacker)


def _pinned(system: "System", known: pd.Series | None) -> np.ndarray:
    """The counts of `system` an earlier release published with the value they have now
    (`known`, indexed (cell, quantity), a pair possibly more than once: several releases
    may show a cell with different counts): the attacker knows them."""
    fixed = np.zeros(len(system.var), bool)
    if known is not None and len(known):
        kv = pd.Series(known)
        pos = system.var.get_indexer(kv.index)
        ok = pos >= 0
        same = np.abs(kv.to_numpy(float)[ok] - system.x[pos[ok]]) < 0.5
        fixed[pos[ok][same]] = True
    return fixed


#: Rounds of complementary suppression for one cell before giving up (one suffices but
#: for the solver's tolerances).
_MAX_COVERS = 3


def _persons(model: CountModel, cells: pd.Index) -> np.ndarray:
    """Each cell's persons (the cost of hiding it); −1 where the cell has none."""
    c = model.counts
    p = c[c["quantity"] == "persons"].set_index("cell")["value"]
    return pd.to_numeric(p.reindex(cells), errors="coerce").fillna(-1).to_numpy(float)


def audit(protection: Protection, final: bool = False) -> pd.DataFrame:
    """The attacker's interval of every sensitive count: ``value``, ``low``, ``high``,
    ``width`` (high − low) and ``protected`` (width ≥ the protection interval).

    By default the intervals `protect_cells` checked as it went, each under the cells
    hidden by then: hiding more only widens an interval (the attacker loses equations),
    so each is a lower bound of the final width and the check holds for the final
    pattern. ``final=True`` solves the attacker's programme again on the final pattern
    (`intervals.intervals`; what the tests do)."""
    from romlab.publication.intervals import intervals

    s = protection.sensitive
    if final:
        targets = protection.system.var.get_indexer(s.index)
        iv = intervals(protection.system, protection.unknown, targets, protection.attacker)
        s = s.drop(columns=["low", "high"]).join(iv)
    out = s.copy()
    out["width"] = out["high"] - out["low"]
    out["protected"] = (out["width"] >= protection.width - 1e-6).to_numpy(bool)
    return out
