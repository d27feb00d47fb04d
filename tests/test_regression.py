"""romlab.report.regression against statsmodels and hand computations (Stata's conventions)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from romlab.report import regression


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


@pytest.mark.parametrize("cov, sm_cov", [("HC1", "HC1"), ("robust", "HC1"), ("HC0", "HC0"),
                                          ("nonrobust", "nonrobust")])
def test_equals_statsmodels(data, cov, sm_cov):
    r = regression.fit(data, "y", ["x1", "x2", "x3"], FE, cov_type=cov)
    m = _sm(data, cov_type=sm_cov)
    for ours, theirs in SM_NAMES.items():
        assert r.params[ours] == pytest.approx(m.params[theirs], abs=1e-10)
        assert r.bse[ours] == pytest.approx(m.bse[theirs], abs=1e-10)
    assert r.nobs == m.nobs and r.df_resid == m.df_resid
    assert r.rsquared == pytest.approx(m.rsquared, abs=1e-12)
    assert r.rsquared_adj == pytest.approx(m.rsquared_adj, abs=1e-12)


def test_collinear_dummies_are_omitted_in_order(data):
    r = regression.fit(data, "y", ["x1", "x2", "x3"], FE)
    # window × level adds nothing beyond its two main effects but the 4 interaction cells;
    # 3 windows of 4 months each: one month per window after the first is collinear
    assert r.n_params == 1 + 3 + 2 + 2 + 4 + 11 - 2
    # as Stata: a column is dropped when it adds nothing to the columns before it
    assert r.omitted == ["win×lev=2×C", "win×lev=3×A", "win×lev=3×B", "win×lev=3×C", "month=23", "month=33"]
    assert set(r.params.index).isdisjoint(r.omitted)


def test_constant_is_the_fit_at_the_base_levels():
    """Noise-free data: y = 1 + 2·x + 0.5·[lev B] + 0.25·[month m2]; the constant is the
    value at the base levels (A, first month) with x = 0, as Stata reports it."""
    d = pd.DataFrame({"x": [0, 1, 2, 0, 1, 2, 0, 1, 2, 3], "lev": list("AABBAABBAB"),
                      "month": ["m1", "m1", "m1", "m2", "m2", "m2", "m3", "m3", "m3", "m1"]})
    d["y"] = 1 + 2 * d["x"] + 0.5 * (d["lev"] == "B") + 0.25 * (d["month"] == "m2")
    r = regression.fit(d, "y", ["x"], ["lev", "month"], cov_type="nonrobust")
    assert r.params["Konstant"] == pytest.approx(1.0)
    assert r.params["x"] == pytest.approx(2.0)
    assert r.params["lev=B"] == pytest.approx(0.5)
    assert r.params["month=m2"] == pytest.approx(0.25)
    assert r.rsquared == pytest.approx(1.0)


def test_cluster_covariance_is_statas_cr1(data):
    r = regression.fit(data, "y", ["x1", "x2", "x3"], ["lev"], cov_type="cluster", cluster="prov")
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
    from scipy import stats
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
    assert "Kvinna" in text and "Kontroll för nivå" in text and "Observations" in text
    assert re.search(r"0\.\d\d\*{0,3}\n\s+\(0\.\d\d\)", text)
    assert not re.search(r"0x[0-9a-f]{6,}|\d{4}-\d\d-\d\d \d\d:|seconds", text)
    html = r._repr_html_()
    assert "<table" in html and "Kvinna" in html
    frame = r.summary_frame()
    assert frame.columns.tolist() == ["Har R2"]
    assert frame.loc["R-squared"].item() == f"{r.rsquared:.4f}"
    ct = r.coef_table()
    assert ct["term"].tolist() == ["x1", "x2", "Konstant"]


def test_errors(data):
    with pytest.raises(ValueError, match="cov_type"):
        regression.fit(data, "y", ["x1"], cov_type="HC3")
    with pytest.raises(ValueError, match="cluster"):
        regression.fit(data, "y", ["x1"], cov_type="cluster")
    with pytest.raises(KeyError, match="nope"):
        regression.fit(data, "y", ["nope"])
