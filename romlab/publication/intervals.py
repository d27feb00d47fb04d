"""What an attacker can learn about the counts a run hides: linear programmes over
everything the run publishes (solved with HiGHS through `scipy.optimize.linprog`).

The counts of a `counts.CountModel` are the unknowns; a published count is fixed at its
value; the model's relations hold for every quantity (a margin is the sum of its
members), its identities within each cell (R2 = work + studies, …), a count lies between
0 and the count it is a share of. For a hidden count the attacker's *interval* is its
least and greatest value over every table consistent with what is published
(`intervals`). Statistical offices call a hidden count protected when that interval is
at least its *protection interval* wide (here `width`: see `disclosure`).

`System` holds that model as sparse matrices over the (cell, quantity) pairs, split into
the connected parts of the relations (cells never tied together never meet in one
programme); `intervals` solves two programmes per count asked about (least, greatest);
`cheapest_cover` finds the published cells whose hiding lets one cell's sensitive counts
move by `width` (the complementary suppression of `disclosure.protect_cells`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from romlab.publication.counts import CountModel

__all__ = ["System", "Attacker", "intervals", "cheapest_cover", "Infeasible"]

#: Below this a perturbation is zero (counts are integers; HiGHS's tolerances are ~1e-7).
EPS = 1e-6


class Infeasible(RuntimeError):
    """No pattern of hidden cells gives a count its protection interval (what is pinned
    by earlier releases, or fixed, leaves it no room)."""


@dataclass
class System:
    """The model as matrices. ``var``: the (cell, quantity) pairs, ``x`` their true
    values, ``cell_of`` the position of each pair's cell in ``cells``; ``eq``: rows
    that sum to zero (relations per quantity, identities per cell); ``le``: rows ≤ 0
    (a count minus the count it is a share of); ``part``: each cell's connected part."""

    cells: pd.Index
    var: pd.MultiIndex
    x: np.ndarray
    cell_of: np.ndarray
    eq: sparse.csr_matrix
    le: sparse.csr_matrix
    part: np.ndarray

    @classmethod
    def of(cls, model: CountModel) -> "System":
        """The matrices of `model`: relations, identities, shares and bounds between
        cells as rows, then the connected parts. One pass fills the rows in order, so it
        is longer than most functions here."""
        c = model.counts
        cells = model.cells
        var = pd.MultiIndex.from_frame(c[["cell", "quantity"]])
        x = pd.to_numeric(c["value"], errors="coerce").to_numpy(float)
        cell_of = cells.get_indexer(c["cell"])
        at = {key: i for i, key in enumerate(zip(c["cell"], c["quantity"]))}
        quantities = c.groupby("cell", sort=False)["quantity"].agg(frozenset).to_dict()
        rows, cols, vals = [], [], []
        r = 0
        # relations: one row per quantity that every cell of the relation carries
        rel = model.relations[model.relations["cell"].isin(cells)]
        for members, coefs in zip(rel.groupby("constraint", sort=False)["cell"].agg(list),
                                  rel.groupby("constraint", sort=False)["coef"].agg(list)):
            for q in sorted(frozenset.intersection(*(quantities[m] for m in members))):
                rows += [r] * len(members)
                cols += [at[(m, q)] for m in members]
                vals += [float(k) for k in coefs]
                r += 1
        # identities within a cell
        for q, parts_ in model.identities:
            need = {q, *parts_}
            for cell, have in quantities.items():
                if need <= have:
                    rows += [r] * (1 + len(parts_))
                    cols += [at[(cell, q)], *(at[(cell, p)] for p in parts_)]
                    vals += [1.0] + [-1.0] * len(parts_)
                    r += 1
        eq = sparse.csr_matrix((vals, (rows, cols)), shape=(r, len(var)))
        # a count is at most what it is a share of
        of_pos = np.array([at.get((cell, of), -1) for cell, of in zip(c["cell"], c["of"])], dtype=int)
        ok = (c["of"] != "").to_numpy() & (of_pos >= 0)
        k = int(ok.sum())
        bound_cells: list[list[int]] = []
        le_rows, le_cols, le_vals = list(np.r_[np.arange(k), np.arange(k)]), \
            list(np.r_[np.flatnonzero(ok), of_pos[ok]]), list(np.r_[np.ones(k), -np.ones(k)])
        # bounds between cells (Σ coef × count ≤ 0), per quantity, where the true counts keep them
        b = model.bounds[model.bounds["cell"].isin(cells)] if model.bounds is not None else None
        if b is not None and len(b):
            xs = np.nan_to_num(x)
            for members, coefs in zip(b.groupby("bound", sort=False)["cell"].agg(list),
                                      b.groupby("bound", sort=False)["coef"].agg(list)):
                for q in sorted(frozenset.intersection(*(quantities[mb] for mb in members))):
                    pos = [at[(mb, q)] for mb in members]
                    if float(np.dot(coefs, xs[pos])) > 0.5:
                        continue  # the data break it: no bound here
                    le_rows += [k] * len(pos)
                    le_cols += pos
                    le_vals += [float(v) for v in coefs]
                    k += 1
                    bound_cells.append([cell_of[p_] for p_ in pos])
        le = sparse.csr_matrix((le_vals, (le_rows, le_cols)), shape=(k, len(var)))
        # connected parts: cells meeting in a row of `eq`
        # (a bound between cells ties them like a relation)
        links_r = list(rows) + [r + j for j, cs in enumerate(bound_cells) for _ in cs]
        links_c = list(cell_of[cols] if len(cols) else []) + [c_ for cs in bound_cells for c_ in cs]
        cell_rows = sparse.csr_matrix((np.ones(len(links_r)), (links_r, links_c)),
                                      shape=(r + len(bound_cells), len(cells)))
        adj = (cell_rows.T @ cell_rows) + sparse.identity(len(cells), format="csr")
        _, part = connected_components(adj, directed=False)
        return cls(cells, var, x, cell_of, eq, le, part)

    def in_part(self, cell_positions) -> np.ndarray:
        """The variables of the connected part(s) of these cells."""
        parts = np.unique(self.part[np.atleast_1d(cell_positions)])
        return np.flatnonzero(np.isin(self.part[self.cell_of], parts))


def _sub(m: sparse.csr_matrix, cols: np.ndarray) -> sparse.csr_matrix:
    s = m[:, cols]
    return s[np.diff(s.indptr) > 0] if s.shape[0] else s


def _quiet_highs():
    """A `highspy.Highs` with its output off. HiGHS prints its banner from C on the
    first instance of a process; stdout is pointed elsewhere while it is made, so that
    a run's console and a notebook's kernel stay quiet."""
    import os
    import sys

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)  # HiGHS's own default, said aloud: the same answer on every run
    return h


class Attacker:
    """The attacker's linear programme over a `System`, one HiGHS model per connected
    part (made when first asked about), solved again (warm) for each count asked about:
    `interval` gives a count's least and greatest value given what is published;
    `set_unknown` changes what is.

    Variables are the system's counts; a published count has both bounds at its value,
    a hidden one lies in [0, ∞); the rows are the relations and identities (= 0) and the
    shares' bounds (count − what it is a share of ≤ 0)."""

    def __init__(self, system: System, unknown: np.ndarray):
        import highspy

        self.system = system
        self.inf = highspy.kHighsInf
        self.status = highspy.HighsModelStatus
        self.unknown = unknown.copy()
        self.var_part = system.part[system.cell_of]
        self.models: dict[int, tuple[object, np.ndarray]] = {}

    def _bounds(self, unknown: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.nan_to_num(self.system.x[cols])
        u = unknown[cols]
        return np.where(u, 0.0, x), np.where(u, self.inf, x)

    def _model(self, part: int):
        if part not in self.models:
            import highspy

            cols = np.flatnonzero(self.var_part == part)
            eq, le = self.system.eq[:, cols], self.system.le[:, cols]
            eq = eq[np.diff(eq.tocsr().indptr) > 0]
            le = le[np.diff(le.tocsr().indptr) > 0]
            a = sparse.vstack([eq, le]).tocsc()
            lp = highspy.HighsLp()
            lp.num_col_, lp.num_row_ = len(cols), a.shape[0]
            lp.col_cost_ = np.zeros(len(cols))
            lp.col_lower_, lp.col_upper_ = self._bounds(self.unknown, cols)
            lp.row_lower_ = np.r_[np.zeros(eq.shape[0]), np.full(le.shape[0], -self.inf)]
            lp.row_upper_ = np.zeros(a.shape[0])
            lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
            h = _quiet_highs()
            h.passModel(lp)
            self.models[part] = (h, cols)
        return self.models[part]

    def set_unknown(self, unknown: np.ndarray) -> None:
        """What is hidden now (True per count not published)."""
        changed = unknown != self.unknown
        for part, (h, cols) in self.models.items():
            ch = np.flatnonzero(changed[cols])
            if len(ch):
                lo, hi = self._bounds(unknown, cols[ch])
                h.changeColsBounds(len(ch), ch.astype(np.int32), lo, hi)
        self.unknown = unknown.copy()

    def interval(self, var: int) -> tuple[float, float]:
        """The least and greatest value of count `var` (a position in ``system.var``)."""
        if not self.unknown[var]:
            v = float(np.nan_to_num(self.system.x[var]))
            return v, v
        h, cols = self._model(int(self.var_part[var]))
        col = int(np.searchsorted(cols, var))
        out = []
        for sign in (1.0, -1.0):
            h.changeColCost(col, sign)
            h.run()
            st = h.getModelStatus()
            if st == self.status.kOptimal:
                out.append(sign * h.getInfo().objective_function_value)
            elif st in (self.status.kUnbounded, self.status.kUnboundedOrInfeasible) and sign < 0:
                out.append(np.inf)
            else:
                raise RuntimeError(f"interval of {self.system.var[var]}: HiGHS says {st}")
        h.changeColCost(col, 0.0)
        return out[0], out[1]


def intervals(system: System, unknown: np.ndarray, targets: np.ndarray,
              attacker: Attacker | None = None) -> pd.DataFrame:
    """The attacker's interval of each target count: its least and greatest value over
    every table consistent with what is published (`Attacker`). `unknown`: True per
    count not published (hidden, or never shown); the others are fixed at their values.
    Returns ``low``, ``high`` per target (``high`` may be inf), in the order given."""
    targets = np.asarray(targets, dtype=int)
    if attacker is None:
        attacker = Attacker(system, unknown)
    else:
        attacker.set_unknown(unknown)
    bounds = np.array([attacker.interval(t) for t in targets]).reshape(-1, 2)
    idx = system.var[targets] if len(targets) else pd.MultiIndex.from_tuples([], names=["cell", "quantity"])
    return pd.DataFrame({"low": bounds[:, 0], "high": bounds[:, 1]}, index=idx)


def cheapest_cover(system: System, hidden: np.ndarray, fixed: np.ndarray, cost: np.ndarray, cell: int,
                   targets: np.ndarray, width: float) -> np.ndarray:
    """The published cells to hide so that each target count of `cell` can move by
    `width`: two perturbations of the whole table (one up, one down) that keep every
    published count, every relation and every bound, with up − down ≥ `width` on each
    target, found at least cost. A perturbation may touch hidden cells freely and a
    published cell at its `cost` (per unit of the largest change in it, an L1/L∞
    relaxation of "persons hidden"); variables `fixed` (known from an earlier release)
    may not move. Any table the perturbations reach is one the attacker cannot rule
    out, so each target's interval is at least `width` wide once the returned cells
    are hidden too (and stays so when more are hidden). Returns the positions (in
    ``system.cells``) of the published cells to hide; raises `Infeasible`."""
    v = system.in_part(cell)
    v = v[~fixed[v]]
    n = len(v)
    cpos = np.unique(system.cell_of[v])
    local_cell = np.searchsorted(cpos, system.cell_of[v])
    m = len(cpos)
    x = system.x[v]
    eq = system.eq[:, v]
    eq = eq[np.diff(eq.tocsr().indptr) > 0]
    le = system.le[:, v]
    keep = np.diff(le.tocsr().indptr) > 0
    # a row whose `of` is fixed bounds the count alone (its right side carries the fixed value)
    le, le_b = le[keep], -(system.le[keep] @ np.nan_to_num(system.x))
    # variables: pU, nU, pD, nD (n each), t (m): dU = pU − nU, dD = pD − nD
    i_n = sparse.identity(n, format="csr")
    z_eq = sparse.csr_matrix((eq.shape[0], n))
    z_m = sparse.csr_matrix((eq.shape[0], m))
    a_eq = sparse.vstack([sparse.hstack([eq, -eq, z_eq, z_eq, z_m]), sparse.hstack([z_eq, z_eq, eq, -eq, z_m])])
    zl = sparse.csr_matrix((le.shape[0], n))
    zlm = sparse.csr_matrix((le.shape[0], m))
    a_ub = [sparse.hstack([le, -le, zl, zl, zlm]), sparse.hstack([zl, zl, le, -le, zlm])]
    b_ub = [le_b, le_b]
    # |dU_v| ≤ t_c, |dD_v| ≤ t_c  (pU + nU − t ≤ 0)
    to_cell = sparse.csr_matrix((np.ones(n), (np.arange(n), local_cell)), shape=(n, m))
    a_ub += [sparse.hstack([i_n, i_n, sparse.csr_matrix((n, 2 * n)), -to_cell]),
             sparse.hstack([sparse.csr_matrix((n, 2 * n)), i_n, i_n, -to_cell])]
    b_ub += [np.zeros(n), np.zeros(n)]
    # width on each target: dU_t − dD_t ≥ width  →  −pU + nU + pD − nD ≤ −width
    tl = np.searchsorted(v, targets)
    k = len(tl)
    rows = np.repeat(np.arange(k), 4)
    cols = np.c_[tl, n + tl, 2 * n + tl, 3 * n + tl].ravel()
    vals = np.tile([-1.0, 1.0, 1.0, -1.0], k)
    a_ub.append(sparse.csr_matrix((vals, (rows, cols)), shape=(k, 4 * n + m)))
    b_ub.append(np.full(k, -float(width)))
    # bounds: x + d ≥ 0 → n ≤ x (+p); up moves target up, down moves it down
    ub_n = np.where(np.isnan(x), np.inf, x)
    bounds = ([(0, None)] * n + [(0, u) for u in ub_n]) * 2 + [(0, None)] * m
    w = np.where(hidden[cpos], 0.0, np.maximum(cost[cpos], 1.0))
    obj = np.r_[np.zeros(4 * n), w]
    # tie-break towards fewer moves: a tiny cost on every unit moved (deterministic, report order)
    obj[: 4 * n] = 1e-6
    res = linprog(obj, A_ub=sparse.vstack(a_ub).tocsr(), b_ub=np.concatenate(b_ub), A_eq=a_eq.tocsr() if a_eq.shape[0] else None,
                  b_eq=np.zeros(a_eq.shape[0]) if a_eq.shape[0] else None, bounds=bounds, method="highs")
    if res.status != 0:
        raise Infeasible(f"{system.cells[cell]}: {res.message}")
    moved = res.x[4 * n:] > EPS
    return cpos[moved & ~hidden[cpos]]
