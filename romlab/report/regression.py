"""Linear regression with fixed effects and robust or clustered standard errors.

`fit(data, outcome, regressors, fixed_effects, cov_type, cluster)` estimates

    outcome = constant + regressors·b + fixed effects + error

by ordinary least squares, the way Stata's ``regress y x i.a i.b i.a#i.b, robust``
does (the report's Tabell 18 is Stata output, ``b/se``; L2856–2933):

- every fixed-effect term is a set of dummies, one per observed value except the first
  in sort order (Stata's base level); a term may be an interaction of columns
  (``("window", "level")``: one dummy per observed combination except the first);
- the constant is the fitted value of an observation at every base level with every
  regressor 0 (Tabell 18's ``Konstant``);
- columns collinear with earlier ones (constant, then regressors, then fixed-effect
  terms in the order given) are dropped and listed in ``omitted``, as Stata omits them;
- ``cov_type``: ``"HC1"`` (alias ``"robust"``): White's heteroskedasticity-robust
  covariance with the small-sample factor N/(N − k), k = parameters estimated incl.
  the constant (Stata ``, robust``; statsmodels ``cov_type="HC1"``); ``"HC0"`` (no
  factor); ``"nonrobust"`` (classical); ``"cluster"``: clustered on the column
  ``cluster`` with Stata's factor G/(G − 1) · (N − 1)/(N − k) (``vce(cluster …)``;
  statsmodels' default ``use_correction=True``);
- p-values from Student's t with N − k degrees of freedom (G − 1 when clustered), as
  Stata prints them; stars at 0.01 / 0.05 / 0.1 (Tabell 18's note);
- R² is centred, adjusted R² = 1 − (1 − R²)(N − 1)/(N − k) (Stata's ``regress``).

Rows with a missing outcome, regressor, fixed-effect or cluster value are left out
(listwise deletion) and counted in ``n_dropped``.

Speed: the design is a sparse matrix (dummies are one-hot), the model is solved
through its normal equations (a Cholesky factor with one step of iterative
refinement), and the robust "meat" is one sparse product; no formula parsing. On the
full 18-month population this is many times faster than statsmodels' formula API with
the same coefficients and standard errors (`benchmarks/bench_regression.py`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.linalg as sla
import scipy.sparse as sp
from scipy import stats

__all__ = ["fit", "RegressionResult", "COV_TYPES", "STAR_LEVELS", "stars"]

#: Accepted covariance types (aliases map to the canonical name).
COV_TYPES: dict[str, str] = {
    "HC1": "HC1", "robust": "HC1", "hc1": "HC1",
    "HC0": "HC0", "hc0": "HC0",
    "nonrobust": "nonrobust", "classical": "nonrobust",
    "cluster": "cluster", "clustered": "cluster",
}

#: Significance levels of one, two and three stars (Tabell 18 note, L2929–2931).
STAR_LEVELS: tuple[float, float, float] = (0.1, 0.05, 0.01)

#: A column is collinear with the earlier ones when its residual sum of squares after
#: projecting on them is below this share of its own sum of squares.
COLLINEARITY_TOL = 1e-9

CONSTANT = "Konstant"

FixedEffect = str | tuple[str, ...]


def stars(p_values, levels: Sequence[float] = STAR_LEVELS) -> np.ndarray:
    """Number of stars (0–3) per p-value: one below ``levels[0]`` (0.1), two below
    ``levels[1]`` (0.05), three below ``levels[2]`` (0.01). NA → 0."""
    p = np.asarray(pd.to_numeric(pd.Series(p_values), errors="coerce"), dtype=float)
    p = np.where(np.isnan(p), 1.0, p)
    return sum((p < lv).astype(int) for lv in levels)


def _term_name(term: FixedEffect) -> str:
    return term if isinstance(term, str) else "×".join(term)


def _term_columns(term: FixedEffect) -> list[str]:
    return [term] if isinstance(term, str) else list(term)


def _value_text(v) -> str:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m") if v == v.normalize() and v.day == 1 else v.strftime("%Y-%m-%d")
    return str(v)


@dataclass
class RegressionResult:
    """A fitted linear model: coefficients, covariance and fit statistics.

    ``params``, ``bse``, ``tvalues``, ``pvalues`` are Series over the estimated
    parameters (constant, regressors, kept fixed-effect dummies); ``cov`` their
    covariance. ``summary()`` (text) and ``_repr_html_()`` show the constant and the
    regressors, one row per fixed-effect term ("Ja"), R², adjusted R² and N; they hold
    nothing that depends on the run (no timings, dates or memory addresses).
    """

    outcome: str
    regressors: list[str]
    fixed_effects: list[FixedEffect]
    cov_type: str
    cluster: str | None
    params: pd.Series
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame
    nobs: int
    n_params: int
    df_resid: int
    rsquared: float
    rsquared_adj: float
    ssr: float
    n_clusters: int | None = None
    n_dropped: int = 0
    omitted: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    # ---- tables ---------------------------------------------------------------
    def coef_table(self) -> pd.DataFrame:
        """Constant and regressors: ``term``, ``label``, ``coef``, ``se``, ``t``,
        ``p_value``, ``stars``; regressors first (in the order given), constant last
        as in Tabell 18. An omitted regressor has NA estimates."""
        terms = [*self.regressors, CONSTANT]
        out = pd.DataFrame({
            "term": terms,
            "label": [self.labels.get(t, t) for t in terms],
            "coef": self.params.reindex(terms).to_numpy(dtype=float),
            "se": self.bse.reindex(terms).to_numpy(dtype=float),
            "t": self.tvalues.reindex(terms).to_numpy(dtype=float),
            "p_value": self.pvalues.reindex(terms).to_numpy(dtype=float),
        })
        out["stars"] = stars(out["p_value"])
        return out

    def summary_frame(self, decimals: int = 2) -> pd.DataFrame:
        """The table as printed (Stata ``b/se``): per term a coefficient row with stars
        and a standard-error row in parentheses, then one "Ja" row per fixed-effect
        term, R², adjusted R² and N. One text column named after the outcome."""
        ct = self.coef_table()
        fmt = f"{{:.{decimals}f}}"
        rows, vals = [], []
        for r in ct.itertuples():
            rows += [r.label, ""]
            if np.isnan(r.coef):
                vals += ["(utelämnad)", ""]
            else:
                vals += [fmt.format(r.coef) + "*" * int(r.stars), "(" + fmt.format(r.se) + ")"]
        for term in self.fixed_effects:
            rows.append(f"Kontroll för {self.labels.get(_term_name(term), _term_name(term))}")
            vals.append("Ja")
        rows += ["R-squared", "Adjusted R-squared", "Observations"]
        vals += [f"{self.rsquared:.4f}", f"{self.rsquared_adj:.4f}", f"{self.nobs}"]
        frame = pd.DataFrame({self.labels.get(self.outcome, self.outcome): vals},
                             index=pd.Index(rows, name="Variabler"))
        return frame

    def _footer(self) -> str:
        cov = {"HC1": "robusta standardfel (HC1)", "HC0": "robusta standardfel (HC0)",
               "nonrobust": "klassiska standardfel",
               "cluster": f"standardfel klustrade på {self.cluster} ({self.n_clusters} kluster)"}[self.cov_type]
        return (f"Koefficienter ({cov} inom parentes). *** p<0.01, ** p<0.05, * p<0.1. "
                f"Parametrar: {self.n_params}; utelämnade (kolinjära): {len(self.omitted)}; "
                f"rader utan värde: {self.n_dropped}.")

    def summary(self, decimals: int = 2) -> str:
        """Plain-text summary (deterministic)."""
        return self.summary_frame(decimals).to_string() + "\n" + self._footer()

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return self.summary_frame().to_html() + f"<p>{html.escape(self._footer())}</p>"


# --------------------------------------------------------------------------- design

def _codes(frame: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, list[str]]:
    """Integer codes 0..G−1 of the observed combinations of ``cols`` in sort order, and
    their labels."""
    g = frame.groupby(cols if len(cols) > 1 else cols[0], sort=True, observed=True)
    codes = g.ngroup().to_numpy(dtype=np.int64)
    keys = g.size().index
    labels = [("×".join(_value_text(x) for x in k) if isinstance(k, tuple) else _value_text(k)) for k in keys]
    return codes, labels


def _as_float(s: pd.Series) -> np.ndarray:
    if s.dtype == bool or str(s.dtype) == "boolean":
        return s.astype(float).to_numpy()
    return pd.to_numeric(s, errors="raise").astype(float).to_numpy()


def _design(df: pd.DataFrame, regressors: list[str], fixed_effects: list[FixedEffect]
            ) -> tuple[sp.csc_matrix, list[str]]:
    n = len(df)
    dense = np.column_stack([np.ones(n)] + [_as_float(df[c]) for c in regressors]) if n \
        else np.zeros((0, 1 + len(regressors)))
    blocks = [sp.csc_matrix(dense)]
    names = [CONSTANT, *regressors]
    rows = np.arange(n)
    for term in fixed_effects:
        codes, labels = _codes(df, _term_columns(term))
        g = len(labels)
        if g <= 1:
            continue
        keep = codes > 0
        m = sp.csc_matrix((np.ones(int(keep.sum())), (rows[keep], codes[keep] - 1)), shape=(n, g - 1))
        blocks.append(m)
        tn = _term_name(term)
        names += [f"{tn}={lab}" for lab in labels[1:]]
    return sp.hstack(blocks, format="csc"), names


def _independent_columns(gram: np.ndarray, tol: float = COLLINEARITY_TOL) -> tuple[list[int], np.ndarray]:
    """Columns of the Gram matrix kept in order (each not collinear with the kept ones
    before it) and the upper Cholesky factor R of the kept block (G_kk = RᵀR)."""
    p = gram.shape[0]
    keep: list[int] = []
    r = np.zeros((p, p))
    k = 0
    for j in range(p):
        gjj = gram[j, j]
        if gjj <= 0:
            continue
        if k:
            v = sla.solve_triangular(r[:k, :k], gram[keep, j], trans="T", lower=False, check_finite=False)
            d = gjj - v @ v
        else:
            v = np.zeros(0)
            d = gjj
        if d <= tol * gjj:
            continue
        r[:k, k] = v
        r[k, k] = np.sqrt(d)
        keep.append(j)
        k += 1
    return keep, r[:k, :k]


# --------------------------------------------------------------------------- fit

def fit(data: pd.DataFrame, outcome: str, regressors: Sequence[str],
        fixed_effects: Sequence[FixedEffect] = (), cov_type: str = "HC1",
        cluster: str | None = None, labels: dict[str, str] | None = None) -> RegressionResult:
    """OLS of ``outcome`` on a constant, ``regressors`` and ``fixed_effects`` dummies.

    Parameters
    ----------
    data : one row per observation.
    outcome : column (bool or number), e.g. ``"has_r2"``.
    regressors : columns (bool or number), in the order they are shown.
    fixed_effects : columns or tuples of columns (interactions), each a set of dummies
        with the first value in sort order as base, e.g.
        ``["level", "window", ("window", "level"), "start_month"]`` (Tabell 18).
    cov_type : ``"HC1"``/``"robust"`` (default), ``"HC0"``, ``"nonrobust"`` or
        ``"cluster"`` (then give ``cluster``, e.g. ``"provider_id"``).
    labels : {column or term name: label} for the printed table.

    Returns a `RegressionResult`. See the module docstring for the conventions.
    """
    cov_key = COV_TYPES.get(cov_type)
    if cov_key is None:
        raise ValueError(f"cov_type {cov_type!r} unknown; use one of {sorted(set(COV_TYPES))}")
    if cov_key == "cluster" and not cluster:
        raise ValueError("cov_type='cluster' needs cluster=<column>")
    regressors = list(regressors)
    fixed_effects = [fe if isinstance(fe, str) else tuple(fe) for fe in fixed_effects]
    needed = [outcome, *regressors, *(c for fe in fixed_effects for c in _term_columns(fe))]
    if cov_key == "cluster":
        needed.append(cluster)
    missing = sorted({c for c in needed if c not in data.columns})
    if missing:
        raise KeyError(f"fit: column(s) {missing} not in data")
    cols = list(dict.fromkeys(needed))
    complete = data[cols].notna().all(axis=1).to_numpy()
    df = data.loc[complete, cols]
    n = len(df)
    y = _as_float(df[outcome])
    z, names = _design(df, regressors, fixed_effects)

    gram = (z.T @ z).toarray()
    keep, r = _independent_columns(gram)
    k = len(keep)
    if n <= k:
        raise ValueError(f"fit: {n} complete observations for {k} parameters")
    zk = z[:, keep]
    kept_names = [names[i] for i in keep]
    omitted = [names[i] for i in range(len(names)) if i not in set(keep)]

    def solve(rhs):
        return sla.cho_solve((r, False), rhs, check_finite=False)

    b = solve(zk.T @ y)
    e = y - zk @ b
    b = b + solve(zk.T @ e)  # one step of iterative refinement
    e = y - zk @ b
    bread = solve(np.eye(k))
    ssr = float(e @ e)
    df_resid = n - k
    n_clusters = None
    if cov_key == "nonrobust":
        cov = bread * (ssr / df_resid)
    elif cov_key in ("HC0", "HC1"):
        ze = zk.multiply(e[:, None]).tocsc()
        meat = (ze.T @ ze).toarray()
        cov = bread @ meat @ bread
        if cov_key == "HC1":
            cov *= n / df_resid
    else:
        gcodes, _ = _codes(df, [cluster])
        n_clusters = int(gcodes.max()) + 1
        c = sp.csr_matrix((np.ones(n), (gcodes, np.arange(n))), shape=(n_clusters, n))
        s = c @ zk.multiply(e[:, None]).tocsc()
        s = s.toarray() if sp.issparse(s) else np.asarray(s)
        cov = bread @ (s.T @ s) @ bread
        cov *= n_clusters / (n_clusters - 1) * (n - 1) / df_resid
    cov = (cov + cov.T) / 2
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = b / se
    dof = (n_clusters - 1) if n_clusters else df_resid
    p = 2 * stats.t.sf(np.abs(t), dof)
    tss = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - ssr / tss if tss > 0 else float("nan")
    r2_adj = 1 - (1 - r2) * (n - 1) / df_resid
    idx = pd.Index(kept_names)
    return RegressionResult(
        outcome=outcome, regressors=regressors, fixed_effects=fixed_effects, cov_type=cov_key,
        cluster=cluster if cov_key == "cluster" else None,
        params=pd.Series(b, index=idx), bse=pd.Series(se, index=idx),
        tvalues=pd.Series(t, index=idx), pvalues=pd.Series(p, index=idx),
        cov=pd.DataFrame(cov, index=idx, columns=idx), nobs=n, n_params=k, df_resid=df_resid,
        rsquared=r2, rsquared_adj=r2_adj, ssr=ssr, n_clusters=n_clusters,
        n_dropped=int((~complete).sum()), omitted=omitted, labels=dict(labels or {}),
    )
