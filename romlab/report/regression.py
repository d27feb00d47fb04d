"""Linear regression with fixed effects and robust or clustered standard errors.

`fit(data, outcome, regressors, fixed_effects, cov_type, cluster, engine=...)` estimates

    outcome = constant + regressors·b + fixed effects + error

by ordinary least squares, the way Stata's ``regress y x i.a i.b i.a#i.b, robust``
does (the report's Tabell 18, §5.2.2, is Stata output, ``b/se``, with robust standard
errors by its note):

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

Engines (``engine=``), both returning a `RegressionResult` over the same parameters:

- ``"romlab"`` (default): a sparse design (dummies are one-hot) solved through its
  normal equations (a Cholesky factor, one step of iterative refinement), the robust
  "meat" one sparse product; several times faster than statsmodels and linearmodels
  with the same estimates (`benchmarks/bench_regression.py`).
- ``"linearmodels"``: the same design (constant, regressors, the dummies kept) handed
  densely to linearmodels' OLS (``IV2SLS(y, x, None, None)``) with ``debiased=True``,
  whose factors are Stata's: N/(N − k) "robust", G(N − 1)/((G − 1)(N − k))
  "clustered", SSR/(N − k) "unadjusted" (HC0: "robust", not debiased). Coefficients,
  covariance and residuals are linearmodels'; t, p, stars and R² follow the rules above
  (linearmodels' own p-values use N − k degrees of freedom also when clustered). Its
  results object is ``RegressionResult.native``.

  Not ``AbsorbingLS``: absorbing the effects reports the mean as constant (Stata
  ``areg``), not Tabell 18's base-level ``Konstant`` with its standard error, and its
  ``debiased`` factor counts every absorbed dummy column (an upper bound of their rank),
  more than Stata when effects are collinear (window × level spans window and level;
  start months almost nest in windows). The slopes agree (see `model_frame`).

`model_frame` gives the estimation sample as a frame any library takes and `formula`
its statsmodels or pyfixest formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.linalg as sla
import scipy.sparse as sp
from scipy import special

__all__ = ["CONSTANT", "COV_TYPES", "ENGINES", "STAR_LEVELS", "RegressionResult", "fit",
           "formula", "frame_column", "model_frame", "stars"]

#: Accepted covariance types (aliases map to the canonical name).
COV_TYPES: dict[str, str] = {
    "HC1": "HC1", "robust": "HC1", "hc1": "HC1",
    "HC0": "HC0", "hc0": "HC0",
    "nonrobust": "nonrobust", "classical": "nonrobust",
    "cluster": "cluster", "clustered": "cluster",
}

#: The solvers `fit` can use (see the module docstring).
ENGINES: tuple[str, ...] = ("romlab", "linearmodels")

#: linearmodels' ``cov_type`` and ``debiased`` for each canonical covariance type.
LINEARMODELS_COV: dict[str, tuple[str, bool]] = {
    "HC1": ("robust", True), "HC0": ("robust", False),
    "nonrobust": ("unadjusted", True), "cluster": ("clustered", True),
}

#: Significance levels of one, two and three stars (Tabell 18's note).
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


def frame_column(term: FixedEffect) -> str:
    """The `model_frame` column of a fixed-effect term: the column itself, or the
    columns of an interaction joined by ``_x_`` (``("window", "level")`` →
    ``"window_x_level"``), a name formulas accept."""
    return term if isinstance(term, str) else "_x_".join(term)


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
    ``engine`` names the solver (`ENGINES`); ``native`` holds that engine's own results
    object (linearmodels' ``OLSResults``; None for romlab's solver).
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
    engine: str = "romlab"
    native: object = field(default=None, repr=False, compare=False)

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
        """The table as printed (Stata ``b/se``), in Swedish: per term a coefficient row
        with stars and a standard-error row in parentheses, then one "Ja" row per
        fixed-effect term, R², justerat R² and the number of observations; decimal comma.
        One text column named after the outcome."""
        ct = self.coef_table()
        rows, vals = [], []
        for r in ct.itertuples():  # the terms (a dozen), not the data's rows
            rows += [r.label, ""]
            if np.isnan(r.coef):
                vals += ["(utelämnad)", ""]
            else:
                vals += [_decimal(r.coef, decimals) + "*" * int(r.stars), f"({_decimal(r.se, decimals)})"]
        for term in self.fixed_effects:
            rows.append(f"Kontroll för {self.labels.get(_term_name(term), _term_name(term))}")
            vals.append("Ja")
        rows += ["R²", "Justerat R²", "Antal observationer"]
        vals += [_decimal(self.rsquared, 4), _decimal(self.rsquared_adj, 4), f"{self.nobs:,}".replace(",", " ")]
        return pd.DataFrame({self.labels.get(self.outcome, self.outcome): vals}, index=pd.Index(rows, name="Variabler"))

    def _footer(self) -> str:
        cluster = self.labels.get(self.cluster, self.cluster)
        cov = {"HC1": "robusta standardfel (HC1)", "HC0": "robusta standardfel (HC0)",
               "nonrobust": "klassiska standardfel",
               "cluster": f"standardfel klustrade på {cluster} ({self.n_clusters} kluster)"}[self.cov_type]
        legend = ", ".join(f"{'*' * (3 - i)} p<{_decimal(p, 2)}" for i, p in enumerate(sorted(STAR_LEVELS)))
        return (f"Koefficienter ({cov} inom parentes). {legend}. "
                f"Parametrar: {self.n_params}; utelämnade (kolinjära): {len(self.omitted)}; "
                f"rader utan värde: {self.n_dropped}.")

    def summary(self, decimals: int = 2) -> str:
        """Plain-text summary (deterministic); also `str` and `repr`."""
        return self.summary_frame(decimals).to_string() + "\n" + self._footer()

    __str__ = __repr__ = summary

    def _repr_html_(self) -> str:
        """`summary_frame` and the footer as HTML (`romlab.publication.html_table`: the
        terms as a stub column, no pandas index), imported when the model is shown."""
        from romlab.publication import html_table

        return html_table.table_html(self.summary_frame(), note=self._footer(), source="", anchor="modell")


def _decimal(value: float, decimals: int) -> str:
    """A number with `decimals` decimals and a decimal comma ("0,12", "-0,03")."""
    return f"{value:.{decimals}f}".replace(".", ",")


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

def _check(data: pd.DataFrame, outcome: str, regressors: Sequence[str], fixed_effects: Sequence[FixedEffect],
           cov_type: str, cluster: str | None, engine: str) -> tuple[str, list[str], list[FixedEffect], list[str]]:
    """Canonical covariance type, regressors, fixed-effect terms and the columns the
    model reads; ValueError / KeyError for an unknown option or a missing column."""
    cov_key = COV_TYPES.get(cov_type)
    if cov_key is None:
        raise ValueError(f"cov_type {cov_type!r} unknown; use one of {sorted(set(COV_TYPES))}")
    if cov_key == "cluster" and not cluster:
        raise ValueError("cov_type='cluster' needs cluster=<column>")
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r} unknown; use one of {list(ENGINES)}")
    regressors = list(regressors)
    fixed_effects = [fe if isinstance(fe, str) else tuple(fe) for fe in fixed_effects]
    needed = [outcome, *regressors, *(c for fe in fixed_effects for c in _term_columns(fe))]
    if cov_key == "cluster":
        needed.append(cluster)
    missing = sorted({c for c in needed if c not in data.columns})
    if missing:
        raise KeyError(f"fit: column(s) {missing} not in data")
    return cov_key, regressors, fixed_effects, list(dict.fromkeys(needed))


def _solve_romlab(y: np.ndarray, zk: sp.csc_matrix, r: np.ndarray, cov_key: str,
                  gcodes: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, None]:
    """Coefficients, covariance and residuals from the Cholesky factor ``r`` of the
    kept columns' Gram matrix (module docstring: conventions)."""
    n, k = zk.shape

    def solve(rhs):
        return sla.cho_solve((r, False), rhs, check_finite=False)

    b = solve(zk.T @ y)
    e = y - zk @ b
    b = b + solve(zk.T @ e)  # one step of iterative refinement
    e = y - zk @ b
    bread = solve(np.eye(k))
    df_resid = n - k
    if cov_key == "nonrobust":
        cov = bread * (float(e @ e) / df_resid)
    elif cov_key in ("HC0", "HC1"):
        ze = zk.multiply(e[:, None]).tocsc()
        cov = bread @ (ze.T @ ze).toarray() @ bread
        if cov_key == "HC1":
            cov *= n / df_resid
    else:
        g = int(gcodes.max()) + 1
        c = sp.csr_matrix((np.ones(n), (gcodes, np.arange(n))), shape=(g, n))
        s = c @ zk.multiply(e[:, None]).tocsc()
        s = s.toarray() if sp.issparse(s) else np.asarray(s)
        cov = bread @ (s.T @ s) @ bread * (g / (g - 1) * (n - 1) / df_resid)
    return b, (cov + cov.T) / 2, e, None


def _solve_linearmodels(y: np.ndarray, zk: sp.csc_matrix, names: list[str], cov_key: str,
                        gcodes: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, object]:
    """Coefficients, covariance, residuals and the results object of linearmodels' OLS
    on the dense design (module docstring: the covariance options)."""
    # imported on use: a notebook that never asks pays nothing for linearmodels
    from linearmodels.iv import IV2SLS

    x = pd.DataFrame(zk.toarray(), columns=names)
    lm_cov, debiased = LINEARMODELS_COV[cov_key]
    kw = {"clusters": gcodes} if cov_key == "cluster" else {}
    res = IV2SLS(pd.Series(y, name="y"), x, None, None).fit(cov_type=lm_cov, debiased=debiased, **kw)
    cov = res.cov.to_numpy()
    return res.params.to_numpy(), (cov + cov.T) / 2, res.resids.to_numpy(), res


def fit(data: pd.DataFrame, outcome: str, regressors: Sequence[str],
        fixed_effects: Sequence[FixedEffect] = (), cov_type: str = "HC1",
        cluster: str | None = None, labels: dict[str, str] | None = None,
        engine: str = "romlab") -> RegressionResult:
    """OLS of ``outcome`` on a constant, ``regressors`` and ``fixed_effects`` dummies.

    Parameters
    ----------
    data : one row per observation.
    outcome : column (bool or number), e.g. ``"has_result"``.
    regressors : columns (bool or number), in the order they are shown.
    fixed_effects : columns or tuples of columns (interactions), each a set of dummies
        with the first value in sort order as base, e.g.
        ``["level", "window", ("window", "level"), "start_month"]`` (Tabell 18).
    cov_type : ``"HC1"``/``"robust"`` (default), ``"HC0"``, ``"nonrobust"`` or
        ``"cluster"`` (then give ``cluster``, e.g. ``"provider_id"``).
    labels : {column or term name: label} for the printed table.
    engine : ``"romlab"`` (default, the fast sparse solver) or ``"linearmodels"``.

    Returns a `RegressionResult`. See the module docstring for the conventions.
    """
    cov_key, regressors, fixed_effects, cols = _check(data, outcome, regressors, fixed_effects,
                                                      cov_type, cluster, engine)
    complete = data[cols].notna().all(axis=1).to_numpy()
    df = data.loc[complete, cols]
    n = len(df)
    y = _as_float(df[outcome])
    z, names = _design(df, regressors, fixed_effects)
    keep, r = _independent_columns((z.T @ z).toarray())
    k = len(keep)
    if n <= k:
        raise ValueError(f"fit: {n} complete observations for {k} parameters")
    kept = [names[i] for i in keep]
    gcodes = _codes(df, [cluster])[0] if cov_key == "cluster" else None
    if engine == "romlab":
        b, cov, e, native = _solve_romlab(y, z[:, keep], r, cov_key, gcodes)
    else:
        b, cov, e, native = _solve_linearmodels(y, z[:, keep], kept, cov_key, gcodes)
    n_clusters = None if gcodes is None else int(gcodes.max()) + 1
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = b / se
    df_resid = n - k
    p = 2 * special.stdtr((n_clusters - 1) if n_clusters else df_resid, -np.abs(t))
    ssr = float(e @ e)
    tss = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - ssr / tss if tss > 0 else float("nan")
    idx = pd.Index(kept)
    return RegressionResult(
        outcome=outcome, regressors=regressors, fixed_effects=fixed_effects, cov_type=cov_key,
        cluster=cluster if cov_key == "cluster" else None,
        params=pd.Series(b, index=idx), bse=pd.Series(se, index=idx),
        tvalues=pd.Series(t, index=idx), pvalues=pd.Series(p, index=idx),
        cov=pd.DataFrame(cov, index=idx, columns=idx), nobs=n, n_params=k, df_resid=df_resid,
        rsquared=r2, rsquared_adj=1 - (1 - r2) * (n - 1) / df_resid, ssr=ssr, n_clusters=n_clusters,
        n_dropped=int((~complete).sum()), omitted=[names[i] for i in sorted(set(range(len(names))) - set(keep))],
        labels=dict(labels or {}), engine=engine, native=native,
    )


# --------------------------------------------------------------------------- other libraries

def model_frame(data: pd.DataFrame, outcome: str, regressors: Sequence[str],
                fixed_effects: Sequence[FixedEffect] = (), cluster: str | None = None) -> pd.DataFrame:
    """The model's estimation sample as a frame statsmodels, linearmodels or pyfixest take.

    The rows of ``data`` that `fit` uses (complete in every column below; ``data``'s
    index is kept) with columns: ``outcome`` and ``regressors`` as float (True → 1.0);
    a categorical column per column of the fixed-effect terms and per interaction
    (`frame_column`: ``"level"``, ``"window_x_level"``, …) whose categories are the
    observed values as text in sort order, so the first is `fit`'s base level (months
    as ``"2020-05"``, an interaction as ``"1×A"``); ``cluster`` as a categorical
    column when given.

    Tabell 18 (report §5.2.2) on the output of `romlab.report.outcomes.outcomes`::

        from romlab.report import regression, results
        from romlab.report.classify import REGRESSOR_LABELS
        X = list(REGRESSOR_LABELS)
        FE = results.TABELL_18_FIXED_EFFECTS
        frame = regression.model_frame(out[out["in_windows"]], "has_result", X, FE,
                                       cluster="provider_id")

    statsmodels (`fit`'s coefficients and HC1 standard errors; clustered, its factor
    counts every design column, the redundant ones too, where `fit` counts the rank)::

        import statsmodels.formula.api as smf
        f = regression.formula("has_result", X, FE)
        smf.ols(f, frame).fit(cov_type="HC1")
        smf.ols(f, frame).fit(cov_type="cluster", cov_kwds={"groups": frame["provider_id"].cat.codes})

    linearmodels, the fixed effects absorbed (the same slopes; its constant is the
    mean, and ``debiased=True`` counts every absorbed dummy column)::

        from linearmodels import AbsorbingLS
        fe = [regression.frame_column(t) for t in FE]
        AbsorbingLS(frame["has_result"], frame[X].assign(const=1.0), absorb=frame[fe]).fit(
            cov_type="clustered", clusters=frame["provider_id"].cat.codes, debiased=True)

    pyfixest (absorbed; its small-sample options are ``ssc``)::

        import pyfixest as pf
        pf.feols(regression.formula("has_result", X, FE, library="pyfixest"), frame,
                 vcov={"CRV1": "provider_id"})
    """
    _, regressors, fixed_effects, cols = _check(data, outcome, regressors, fixed_effects,
                                                "cluster" if cluster else "HC1", cluster, "romlab")
    complete = data[cols].notna().all(axis=1).to_numpy()
    df = data.loc[complete, cols]
    frame = pd.DataFrame({c: _as_float(df[c]) for c in dict.fromkeys([outcome, *regressors])}, index=df.index)
    terms = [x for t in fixed_effects for x in (*_term_columns(t), t)]  # an interaction after its columns
    for term in dict.fromkeys([*terms, *([cluster] if cluster else [])]):
        codes, labels = _codes(df, _term_columns(term))
        frame[frame_column(term)] = pd.Categorical.from_codes(codes, categories=labels)
    return frame


def formula(outcome: str, regressors: Sequence[str], fixed_effects: Sequence[FixedEffect] = (),
            library: str = "statsmodels") -> str:
    """The model as a formula over `model_frame`'s columns: ``"statsmodels"`` (patsy:
    ``y ~ x1 + C(level) + C(window) + C(window):C(level)``, dummies with the first
    category as base, as `fit`) or ``"pyfixest"`` (``y ~ x1 | level + window_x_level``,
    the fixed effects absorbed).

    An interaction is written ``C(a):C(b)`` for statsmodels, not as its combined column:
    patsy then codes it against the main effects, and the design has few redundant
    columns. statsmodels solves by a pseudo-inverse whose cut-off lets a near-zero
    singular value through when there are many (Tabell 18 at full scale with the
    combined column: 6 redundant columns, the constant off by 0.03)."""
    rhs = " + ".join(regressors) if regressors else "1"
    terms = [t if isinstance(t, str) else tuple(t) for t in fixed_effects]
    if library == "statsmodels":
        return f"{outcome} ~ {rhs}" + "".join(
            f" + C({t})" if isinstance(t, str) else " + " + ":".join(f"C({c})" for c in t) for t in terms)
    if library == "pyfixest":
        return f"{outcome} ~ {rhs}" + (f" | {' + '.join(frame_column(t) for t in terms)}" if terms else "")
    raise ValueError(f"library {library!r} unknown; use 'statsmodels' or 'pyfixest'")
