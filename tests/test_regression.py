"""romlab.report.regression against statsmodels, linearmodels and hand computations (Stata's
conventions): both engines (romlab's sparse solver, linearmodels' OLS) on hand-made data
with hand-worked answers and on Tabell 18 (report §5.2.2) on the committed sample, and the
model frame handed to statsmodels and linearmodels' AbsorbingLS."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

import romlab
from romlab import paths
from romlab.report import outcomes, regression, results
from romlab.report.classify import REGRESSOR_LABELS

ENGINES = regression.ENGINES


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    n = 4000
    d = pd.DataFrame({
        "x1": rng.random(n) < 0.5, "x2": rng.random(n) < 0.3, "x3": rng.normal(size=n),
        "lev": rng.choice(list("ABC"), n), "win": rng.integers(1, 4, n),
    })
    # start months nest in windows: collinear with the window dummies, as in Tabell 18
    d["month"] = d["win"] * 10 + rng.integers(0, 4, n)
    d["prov"] = rng.integers(0, 40, n)
    p = 0.3 + 0.05 * d["x1"] - 0.04 * d["x2"] + 0.02 * (d["lev"] == "A") + 0.01 * d["win"]
    d["y"] = (rng.random(n) < p).astype(float)
    return d


FORMULA = "y ~ x1 + x2 + x3 + C(lev) + C(win) + C(win):C(lev) + C(month)"
FE = ["lev", "win", ("win", "lev"), "month"]
SM_NAMES = {"x1": "x1[T.True]", "x2": "x2[T.True]", "x3": "x3", "Konstant": "Intercept"}


def _sm(data, **fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return smf.ols(FORMULA, data=data).fit(**fit)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cov, sm_cov", [("HC1", "HC1"), ("robust", "HC1"), ("HC0", "HC0"),
                                          ("nonrobust", "nonrobust")])
def test_equals_statsmodels(data, cov, sm_cov, engine):
    r = regression.fit(data, "y", ["x1", "x2", "x3"], FE, cov_type=cov, engine=engine)
    m = _sm(data, cov_type=sm_cov)
    for ours, theirs in SM_NAMES.items():
        assert r.params[ours] == pytest.approx(m.params[theirs], abs=1e-10)
        assert r.bse[ours] == pytest.approx(m.bse[theirs], abs=1e-10)
    assert r.nobs == m.nobs and r.df_resid == m.df_resid
    assert r.rsquared == pytest.approx(m.rsquared, abs=1e-12)
    assert r.rsquared_adj == pytest.approx(m.rsquared_adj, abs=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_collinear_dummies_are_omitted_in_order(data, engine):
    r = regression.fit(data, "y", ["x1", "x2", "x3"], FE, engine=engine)
    # window × level adds nothing beyond its two main effects but the 4 interaction cells;
    # 3 windows of 4 months each: one month per window after the first is collinear
    assert r.n_params == 1 + 3 + 2 + 2 + 4 + 11 - 2
    # as Stata: a column is dropped when it adds nothing to the columns before it
    assert r.omitted == ["win×lev=2×C", "win×lev=3×A", "win×lev=3×B", "win×lev=3×C", "month=23", "month=33"]
    assert set(r.params.index).isdisjoint(r.omitted)


@pytest.mark.parametrize("engine", ENGINES)
def test_constant_is_the_fit_at_the_base_levels(engine):
    """Noise-free data: y = 1 + 2·x + 0.5·[lev B] + 0.25·[month m2]; the constant is the
    value at the base levels (A, first month) with x = 0, as Stata reports it."""
    d = pd.DataFrame({"x": [0, 1, 2, 0, 1, 2, 0, 1, 2, 3], "lev": list("AABBAABBAB"),
                      "month": ["m1", "m1", "m1", "m2", "m2", "m2", "m3", "m3", "m3", "m1"]})
    d["y"] = 1 + 2 * d["x"] + 0.5 * (d["lev"] == "B") + 0.25 * (d["month"] == "m2")
    r = regression.fit(d, "y", ["x"], ["lev", "month"], cov_type="nonrobust", engine=engine)
    assert r.params["Konstant"] == pytest.approx(1.0)
    assert r.params["x"] == pytest.approx(2.0)
    assert r.params["lev=B"] == pytest.approx(0.5)
    assert r.params["month=m2"] == pytest.approx(0.25)
    assert r.rsquared == pytest.approx(1.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_cluster_covariance_is_statas_cr1(data, engine):
    r = regression.fit(data, "y", ["x1", "x2", "x3"], ["lev"], cov_type="cluster", cluster="prov", engine=engine)
    x = np.column_stack([np.ones(len(data)), data[["x1", "x2", "x3"]].astype(float),
                         (data["lev"] == "B").astype(float), (data["lev"] == "C").astype(float)])
    y = data["y"].to_numpy()
    b = np.linalg.lstsq(x, y, rcond=None)[0]
    e = y - x @ b
    bread = np.linalg.inv(x.T @ x)
    g = data["prov"].to_numpy()
    s = np.vstack([(x[g == k] * e[g == k, None]).sum(axis=0) for k in np.unique(g)])
    n, k, G = len(y), x.shape[1], len(np.unique(g))
    v = bread @ (s.T @ s) @ bread * G / (G - 1) * (n - 1) / (n - k)
    assert r.bse[["Konstant", "x1", "x2", "x3"]].to_numpy() == pytest.approx(np.sqrt(np.diag(v))[:4], abs=1e-12)
    assert r.n_clusters == 40
    # p-values from t with G − 1 degrees of freedom, as Stata
    t = r.params["x1"] / r.bse["x1"]
    assert r.pvalues["x1"] == pytest.approx(2 * stats.t.sf(abs(t), G - 1))


def test_no_fixed_effects_equals_plain_ols(data):
    r = regression.fit(data, "y", ["x1", "x3"], cov_type="HC1")
    m = sm.OLS(data["y"], sm.add_constant(data[["x1", "x3"]].astype(float))).fit(cov_type="HC1")
    assert r.params.to_numpy() == pytest.approx(m.params.to_numpy(), abs=1e-12)
    assert r.bse.to_numpy() == pytest.approx(m.bse.to_numpy(), abs=1e-12)


def test_missing_rows_are_dropped_and_counted(data):
    d = data.copy()
    d["x3"] = d["x3"].mask(d.index % 10 == 0)
    d["lev"] = d["lev"].mask(d.index % 25 == 1)
    r = regression.fit(d, "y", ["x1", "x3"], ["lev"])
    assert r.nobs == len(d) - (d.index % 10 == 0).sum() - (d.index % 25 == 1).sum()
    assert r.n_dropped == len(d) - r.nobs


def test_stars():
    assert regression.stars([0.2, 0.09, 0.04, 0.009, np.nan]).tolist() == [0, 1, 2, 3, 0]
    assert regression.stars([0.1, 0.05, 0.01]).tolist() == [0, 1, 2]  # strict inequalities


def test_summary_is_deterministic_and_labelled(data):
    labels = {"x1": "Kvinna", "y": "Har R2", "lev": "nivå"}
    r = regression.fit(data, "y", ["x1", "x2"], ["lev"], labels=labels)
    text = r.summary()
    assert text == regression.fit(data, "y", ["x1", "x2"], ["lev"], labels=labels).summary()
    assert "Kvinna" in text and "Kontroll för nivå" in text and "Antal observationer" in text
    assert re.search(r"0,\d\d\*{0,3}\n\s+\(0,\d\d\)", text)  # decimal comma
    assert not re.search(r"R-squared|Observations|\d\.\d", text)
    assert not re.search(r"0x[0-9a-f]{6,}|\d{4}-\d\d-\d\d \d\d:|seconds", text)
    html = r._repr_html_()
    assert "<table" in html and "Kvinna" in html and 'class="dataframe"' not in html and "Justerat R²" in html
    frame = r.summary_frame()
    assert frame.columns.tolist() == ["Har R2"]
    assert frame.loc["R²"].item() == f"{r.rsquared:.4f}".replace(".", ",")
    ct = r.coef_table()
    assert ct["term"].tolist() == ["x1", "x2", "Konstant"]


def test_errors(data):
    with pytest.raises(ValueError, match="cov_type"):
        regression.fit(data, "y", ["x1"], cov_type="HC3")
    with pytest.raises(ValueError, match="cluster"):
        regression.fit(data, "y", ["x1"], cov_type="cluster")
    with pytest.raises(KeyError, match="nope"):
        regression.fit(data, "y", ["nope"])
    with pytest.raises(ValueError, match="engine"):
        regression.fit(data, "y", ["x1"], engine="stata")
    with pytest.raises(ValueError, match="library"):
        regression.formula("y", ["x1"], library="R")


# --------------------------------------------------------------------------- the engines agree

def _two_groups() -> pd.DataFrame:
    """Six rows, a constant and one dummy: group 0 has y 1, 2, 3 (mean 2, residuals −1, 0,
    1), group 1 has y 2, 4, 6 (mean 4, residuals −2, 0, 2); clusters pair rows 1–4, 2–5,
    3–6. Worked by hand: Z'Z = [[6, 3], [3, 3]], (Z'Z)⁻¹ = [[1/3, −1/3], [−1/3, 2/3]]."""
    return pd.DataFrame({"x": [0, 0, 0, 1, 1, 1], "y": [1.0, 2, 3, 2, 4, 6], "g": ["a", "b", "c", "a", "b", "c"]})


#: Hand-worked variances (constant, slope) per covariance type.
#: HC0: Σ e²/n_g² per group → 2/9 and 2/9 + 8/9; HC1: × n/(n − k) = 6/4;
#: classical: s² = SSR/(n − k) = 10/4, × (1/3, 1/3 + 1/3);
#: clustered: cluster score sums (−3, −2), (0, 0), (3, 2) → bread·meat·bread = 2/9 in
#: every cell, × G/(G − 1)·(n − 1)/(n − k) = 3/2 · 5/4.
HAND_VAR = {
    "HC0": (2 / 9, 10 / 9),
    "HC1": (2 / 9 * 1.5, 10 / 9 * 1.5),
    "nonrobust": (2.5 / 3, 2.5 * 2 / 3),
    "cluster": (2 / 9 * 15 / 8, 2 / 9 * 15 / 8),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cov", list(HAND_VAR))
def test_hand_made_case_both_engines(engine, cov):
    r = regression.fit(_two_groups(), "y", ["x"], cov_type=cov, cluster="g" if cov == "cluster" else None,
                       engine=engine)
    assert r.engine == engine
    assert r.params[["Konstant", "x"]].to_numpy() == pytest.approx([2.0, 2.0], abs=1e-12)
    assert r.bse[["Konstant", "x"]].to_numpy() == pytest.approx(np.sqrt(HAND_VAR[cov]), abs=1e-12)
    assert r.ssr == pytest.approx(10.0) and r.rsquared == pytest.approx(1 - 10 / 16)  # TSS: Σ(y − 3)² = 16
    dof = 2 if cov == "cluster" else 4  # G − 1 clustered, else N − k
    assert r.pvalues["x"] == pytest.approx(2 * stats.t.sf(2 / np.sqrt(HAND_VAR[cov][1]), dof), abs=1e-12)


def test_native_linearmodels_result_is_kept(data):
    r = regression.fit(data, "y", ["x1", "x3"], ["lev"], engine="linearmodels")
    assert r.native.params.index.tolist() == r.params.index.tolist()
    assert r.rsquared == pytest.approx(r.native.rsquared, abs=1e-12)
    assert r.rsquared_adj == pytest.approx(r.native.rsquared_adj, abs=1e-12)
    # with a robust covariance linearmodels' p-values use t(N − k), as Stata and romlab
    assert r.pvalues.to_numpy() == pytest.approx(r.native.pvalues.to_numpy(), abs=1e-12)
    assert regression.fit(data, "y", ["x1"]).native is None
    # the summary does not name the engine: the printed table is the same whichever solved it
    assert r.summary() == regression.fit(data, "y", ["x1", "x3"], ["lev"]).summary()


CFG = romlab.RunConfig.for_period("2023-10")
X18 = list(REGRESSOR_LABELS)
FE18 = results.TABELL_18_FIXED_EFFECTS


@pytest.fixture(scope="module")
def sample_out():
    """The committed sample's outcomes for 2023-10 (Tabell 18's population: ``in_windows``)."""
    return outcomes.outcomes(romlab.load(paths.SAMPLE, as_of=CFG.data_cutoff), CFG)


@pytest.mark.parametrize("cov, cluster", [("HC1", None), ("cluster", "provider_id"), ("nonrobust", None)])
def test_engines_agree_on_tabell_18(sample_out, cov, cluster):
    """Tabell 18 on the sample (2 795 starters, 49 parameters, 6 collinear dummies):
    coefficients to 1e-8 and standard errors to 1e-6 (measured: about 1e-14)."""
    a = results.fit_tabell_18(sample_out, CFG, cov_type=cov, cluster=cluster)
    b = results.fit_tabell_18(sample_out, CFG, cov_type=cov, cluster=cluster, engine="linearmodels")
    assert (a.engine, b.engine) == ("romlab", "linearmodels")
    assert b.params.index.tolist() == a.params.index.tolist() and b.omitted == a.omitted
    assert a.nobs == b.nobs == int(sample_out["in_windows"].sum()) and a.n_clusters == b.n_clusters
    assert np.abs(b.params - a.params).max() < 1e-8
    assert np.abs(b.bse - a.bse).max() < 1e-6
    assert np.abs(b.pvalues - a.pvalues).max() < 1e-6
    assert b.rsquared == pytest.approx(a.rsquared, abs=1e-12)
    assert b.rsquared_adj == pytest.approx(a.rsquared_adj, abs=1e-12)
    assert b.summary_frame().equals(a.summary_frame())


# --------------------------------------------------------------------------- the frame for other libraries

def test_model_frame_columns_and_bases(data):
    d = data.copy()
    d.loc[3, "x3"] = np.nan
    f = regression.model_frame(d, "y", ["x1", "x3"], ["lev", ("win", "lev")], cluster="prov")
    assert f.columns.tolist() == ["y", "x1", "x3", "lev", "win", "win_x_lev", "prov"]
    assert f["win"].cat.categories.tolist() == ["1", "2", "3"]
    assert len(f) == len(d) - 1 and 3 not in f.index and f.index.equals(d.index.drop(3))
    assert f["x1"].dtype == float and set(f["x1"].unique()) <= {0.0, 1.0}
    assert f["lev"].cat.categories.tolist() == ["A", "B", "C"]
    assert f["win_x_lev"].cat.categories[:4].tolist() == ["1×A", "1×B", "1×C", "2×A"]
    assert f["prov"].cat.categories[:3].tolist() == ["0", "1", "2"] and f["prov"].cat.categories.size == 40
    assert f.loc[0, "win_x_lev"] == f"{d.loc[0, 'win']}×{d.loc[0, 'lev']}"
    g = regression.model_frame(d, "y", [], FE)  # an interaction after its columns, in the terms' order
    assert g.columns.tolist() == ["y", "lev", "win", "win_x_lev", "month"]


def test_formula():
    fe = ["level", ("window", "level")]
    assert regression.formula("y", ["a", "b"], fe) == "y ~ a + b + C(level) + C(window):C(level)"
    assert regression.formula("y", ["a", "b"], fe, library="pyfixest") == "y ~ a + b | level + window_x_level"
    assert regression.formula("y", ["a"]) == "y ~ a"


@pytest.fixture(scope="module")
def frame18(sample_out):
    return regression.model_frame(sample_out[sample_out["in_windows"]], "has_result", X18, FE18,
                                  cluster="provider_id")


def test_model_frame_in_statsmodels_is_tabell_18(sample_out, frame18):
    """statsmodels' formula API on the frame with `regression.formula`: Tabell 18's
    coefficients and HC1 standard errors to 1e-10. Clustered, statsmodels' factor counts
    every design column (50: patsy's coding leaves one redundant) where Stata and romlab
    count the 49 parameters estimated."""
    a = results.fit_tabell_18(sample_out, CFG)
    c = results.fit_tabell_18(sample_out, CFG, cov_type="cluster", cluster="provider_id")
    terms, sm_terms = [*X18, "Konstant"], [*X18, "Intercept"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rank deficiency: start months nest in windows
        model = smf.ols(regression.formula("has_result", X18, FE18), frame18)
        m = model.fit(cov_type="HC1")
        mc = model.fit(cov_type="cluster", cov_kwds={"groups": frame18["provider_id"].cat.codes})
    assert m.params[sm_terms].to_numpy() == pytest.approx(a.params[terms].to_numpy(), abs=1e-10)
    assert m.bse[sm_terms].to_numpy() == pytest.approx(a.bse[terms].to_numpy(), abs=1e-10)
    n, p = len(frame18), model.exog.shape[1]
    assert (p, c.n_params) == (50, 49)
    fix = np.sqrt((n - p) / (n - c.n_params))
    assert (mc.bse[sm_terms] * fix).to_numpy() == pytest.approx(c.bse[terms].to_numpy(), abs=1e-10)


@pytest.mark.parametrize("cov, lm_cov", [("HC1", "robust"), ("cluster", "clustered")])
def test_model_frame_in_absorbing_ls(sample_out, frame18, cov, lm_cov):
    """linearmodels' AbsorbingLS on the frame, the four fixed-effect terms absorbed: the
    same slopes (1e-10); with ``debiased=True`` its factor counts every absorbed dummy
    column (df_model 55 against 49), so its standard errors are romlab's times
    √((N − 49)/(N − 55)) (to 1e-8: the effects are absorbed iteratively, pyhdfe, to a
    tolerance; measured 3e-10); its constant is the mean, not the base level's."""
    from linearmodels import AbsorbingLS

    r = results.fit_tabell_18(sample_out, CFG, cov_type=cov, cluster="provider_id" if cov == "cluster" else None)
    fe = [regression.frame_column(t) for t in FE18]
    kw = {"clusters": frame18["provider_id"].cat.codes} if cov == "cluster" else {}
    m = AbsorbingLS(frame18["has_result"], frame18[X18].assign(const=1.0), absorb=frame18[fe]).fit(
        cov_type=lm_cov, debiased=True, **kw)
    assert m.params[X18].to_numpy() == pytest.approx(r.params[X18].to_numpy(), abs=1e-10)
    n = len(frame18)
    assert (m.df_model, r.n_params) == (55, 49)
    fix = np.sqrt((n - m.df_model) / (n - r.n_params))
    assert (m.std_errors[X18] * fix).to_numpy() == pytest.approx(r.bse[X18].to_numpy(), abs=1e-8)
    assert abs(m.params["const"] - r.params["Konstant"]) > 1e-3


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.SingularMatrixWarning")
def test_tabell_18_frame_fits_to_the_same_coefficients():
    """The model frame a researcher takes away gives Tabell 18's coefficients with
    statsmodels' formula interface (`regression.formula`)."""
    import statsmodels.formula.api as smf

    from romlab.dataset.load import load
    from romlab.report import outcomes as outcome_rows
    from romlab.report import regression as reg
    from romlab.report import results
    from romlab.report.classify import REGRESSOR_LABELS
    from romlab.run.config import RunConfig

    cfg = RunConfig.for_period("2023-10")
    out = outcome_rows.outcomes(load(paths.SAMPLE, as_of=cfg.data_cutoff), cfg)
    frame = results.tabell_18_frame(out, cfg)
    ours = results.fit_tabell_18(out, cfg)
    f = reg.formula("has_result", list(REGRESSOR_LABELS), results.TABELL_18_FIXED_EFFECTS)
    sm = smf.ols(f, data=frame).fit(cov_type="HC1")
    for term in REGRESSOR_LABELS:
        assert sm.params[term] == pytest.approx(ours.params[term], abs=1e-10)
