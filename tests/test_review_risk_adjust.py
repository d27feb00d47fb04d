"""Expected against actual (romlab.review.risk_adjust): the model on a tiny saturated
design (its expected values are the cell means), actual/expected and its interval worked
by hand, the model's columns, the review list under the risk-adjusted measure on a
hand-made two-follow-up review, and one run on the committed sample."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from romlab import paths
from romlab.dataset.errors import DataError
from romlab.review import ReviewConfig, funnel, measure
from romlab.review import risk_adjust as ra
from romlab.review import risk_adjust_views as views

WEIGHTS = {"A": 0.5, "B": 1.0, "C": 1.5}


# --------------------------------------------------------------------------- the model

def tiny() -> pd.DataFrame:
    """14 participants in four cells level × sex, two contracts.

    cell        values          mean
    A man       1 0 | 0 0       0.25   (K1 | K2)
    A woman       –  | 1 0      0.50
    B man       1 1 0 | 0 0     0.40
    B woman       –  | 0 0 0    0.00
    """
    rows = [("K1", "A", "man", 1), ("K1", "A", "man", 0), ("K1", "B", "man", 1), ("K1", "B", "man", 1),
            ("K1", "B", "man", 0),
            ("K2", "A", "man", 0), ("K2", "A", "man", 0), ("K2", "A", "woman", 1), ("K2", "A", "woman", 0),
            ("K2", "B", "man", 0), ("K2", "B", "man", 0), ("K2", "B", "woman", 0), ("K2", "B", "woman", 0),
            ("K2", "B", "woman", 0)]
    f = pd.DataFrame(rows, columns=["provider_id", "level", "sex", "value"])
    f["delivery_area"] = "R2-01"
    f["value"] = f["value"].astype(float)
    return f


def test_a_saturated_model_expects_the_cell_means():
    m = ra.fit_expected(tiny(), fixed_effects=[("level", "sex")], regressors=())
    cell = m.frame.groupby(["level", "sex"])["expected"].agg(["min", "max"])
    expected = {("A", "man"): 0.25, ("A", "woman"): 0.5, ("B", "man"): 0.4, ("B", "woman"): 0.0}
    for k, v in expected.items():
        assert cell.loc[k, "min"] == pytest.approx(v, abs=1e-12)
        assert cell.loc[k, "max"] == pytest.approx(v, abs=1e-12)
    assert m.clipped == 0
    assert m.result.nobs == 14 and m.result.n_params == 4


def test_an_additive_model_adds_up_within_each_level():
    # level and sex without their interaction: not saturated, but OLS with level dummies
    # makes the expected results add up to the actual ones within each level
    m = ra.fit_expected(tiny(), fixed_effects=["level", "sex"], regressors=())
    sums = m.frame.groupby("level")[["value", "expected"]].sum()
    np.testing.assert_allclose(sums["expected"], sums["value"], atol=1e-12)
    assert not np.allclose(m.frame["expected"], m.frame.groupby(["level", "sex"])["value"].transform("mean"))


def test_actual_against_expected_worked_by_hand():
    m = ra.fit_expected(tiny(), fixed_effects=[("level", "sex")], regressors=())
    per = ra.contract_expected(m.frame, WEIGHTS).set_index("provider_id")
    k1 = per.loc["K1"]
    # K1: actual 0.5·(1 + 0) + 1·(1 + 1 + 0) = 2.5; expected 0.5·(2 · 0.25) + 1·(3 · 0.4) = 1.45
    assert k1["participants"] == 5
    assert k1["actual"] == pytest.approx(2.5)
    assert k1["expected_results"] == pytest.approx(1.45)
    assert k1["measure"] == pytest.approx(0.5)
    assert k1["expected_measure"] == pytest.approx(0.29)
    assert k1["oe"] == pytest.approx(2.5 / 1.45)
    # variance 0.25 · 2 · 0.25 · 0.75 + 1 · 3 · 0.4 · 0.6 = 0.09375 + 0.72 = 0.81375
    assert k1["variance"] == pytest.approx(0.81375)
    half = 1.959964 * math.sqrt(0.81375) / 1.45
    assert k1["oe_low"] == pytest.approx(2.5 / 1.45 - half, abs=1e-6)
    assert k1["oe_high"] == pytest.approx(2.5 / 1.45 + half, abs=1e-6)
    # the overall measure: (0.5 · 2 + 1 · 2) / 14 = 3/14; risk-adjusted = O/E · 3/14
    assert per.attrs["overall"] == pytest.approx(3 / 14)
    assert k1["risk_adjusted_measure"] == pytest.approx(2.5 / 1.45 * 3 / 14)
    k2 = per.loc["K2"]
    # K2: actual 0.5 · 1 = 0.5; expected 0.5·(2 · 0.25 + 2 · 0.5) + 1·(2 · 0.4 + 3 · 0) = 1.55
    assert k2["actual"] == pytest.approx(0.5)
    assert k2["expected_results"] == pytest.approx(1.55)
    # expected and actual add up over the contracts (3.0 each)
    assert per["expected_results"].sum() == pytest.approx(per["actual"].sum())
    # a lower bound below 0 is clipped: K2's 0.32 ∓ 1.96 · √v / 1.55
    v2 = 0.25 * (2 * 0.25 * 0.75 + 2 * 0.25) + 1 * (2 * 0.24)
    assert k2["variance"] == pytest.approx(v2)
    assert k2["oe_low"] == 0.0
    # a level with no weight is an error in the data's words
    with pytest.raises(DataError, match="level_weights"):
        ra.contract_expected(m.frame, {"A": 1.0})


def test_model_columns_group_and_fill_the_characteristics():
    p = pd.DataFrame({
        "participation_id": [1, 2, 3],
        "level": ["A", "C", "B"],
        "start_date": pd.to_datetime(["2023-04-03", "2024-03-29", None]),
        "job_chance": [0.3, np.nan, 0.1],
        "age_at_start": [24, 25, 56],
        "sex": ["woman", None, "man"],
        "born_abroad": [True, False, None],
        "disability": [False, True, False],
        "education": ["compulsory", "post_secondary", None],
        "days_registered": [365, 366, 1461],
    })
    c = ra.model_columns(p)
    assert c["age_group"].tolist() == ["under_25", "25_55", "over_55"]
    assert c["registration_group"].tolist() == ["max_1y", "1_2y", "over_4y"]
    assert c["sex"].tolist() == ["woman", "saknas", "man"]
    assert c["born_abroad"].tolist() == ["ja", "nej", "saknas"]
    assert c["education"].tolist() == ["compulsory", "post_secondary", "saknas"]
    assert c["start_month"].tolist() == ["2023-04", "2024-03", "saknas"]
    assert c["job_chance_missing"].tolist() == ["nej", "ja", "nej"]
    assert c["job_chance_A"].tolist() == [0.3, 0.0, 0.0]
    assert c["job_chance_B"].tolist() == [0.0, 0.0, 0.1]
    assert c["job_chance_C"].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(DataError, match="job_chance"):
        ra.model_columns(p.drop(columns="job_chance"))


def test_predict_gives_unseen_values_the_base():
    m = ra.fit_expected(tiny(), fixed_effects=["level", "sex"], regressors=())
    new = pd.DataFrame({"level": ["A", "B"], "sex": ["other", "man"]})
    pred = ra.predict(m.result, new)
    base = ra.predict(m.result, pd.DataFrame({"level": ["A"], "sex": ["man"]}))
    # "man" is the base of sex (first in sort order): an unseen sex predicts as the base
    assert pred[0] == pytest.approx(base[0])


# --------------------------------------------------------------------------- the list

def two_follow_ups():
    """A hand-made review of seven contracts (conditions 1 and 3 as given) and the
    risk-adjusted measures of its two follow-ups.

    K1 on the list (raw 18 / 19 %); adjusted 20 % (+1e-12, rounds to 20 %) at the first → leaves
    K2 raw 21 / 18 %: not below at both; adjusted 19 / 17 % → joins
    K3 raw 15 / 15 %, adjusted 16 / 16 %: on the list either way
    K4 below at both either way, but rated 2: on neither list
    K5 only in the second follow-up: fails condition 2 either way (A69)
    K6 raw 22 / 25 %, adjusted 19 / 19 %, 8 participants at the second → joins, figures hidden
    K7 raw 30 / 30 %, adjusted 30 / 30 %: no change
    """
    keys = [f"K{i}" for i in range(1, 8)]
    rv = pd.DataFrame({
        "provider_id": keys, "delivery_area": "R2-01", "provider_name": [f"Leverantör {k}" for k in keys],
        "in_follow_up_1": [True, True, True, True, False, True, True],
        "in_follow_up_2": True,
        "participants_1": [50, 60, 70, 80, 0, 12, 40],
        "participants_2": [55, 65, 75, 85, 30, 8, 40],
        "measure_1": [0.18, 0.21, 0.15, 0.10, np.nan, 0.22, 0.30],
        "measure_2": [0.19, 0.18, 0.15, 0.10, 0.12, 0.25, 0.30],
        "cond_rating": [True, True, True, False, True, True, True],
        "cond_active": True,
    })
    rv["cond_measure"] = (rv["measure_1"] < 0.2) & (rv["measure_2"] < 0.2) & rv["in_follow_up_1"]
    rv["meets_all"] = rv["cond_rating"] & rv["cond_measure"] & rv["cond_active"]
    rv.attrs["months"] = ("2025-01", "2025-03")
    ea1 = pd.DataFrame({"provider_id": keys, "delivery_area": "R2-01",
                        "risk_adjusted_measure": [0.2 + 1e-12, 0.19, 0.16, 0.10, np.nan, 0.19, 0.30],
                        "expected_measure": [0.25, 0.31, 0.30, 0.30, np.nan, 0.35, 0.30],
                        "oe": [0.9, 0.6, 0.5, 0.3, np.nan, 0.63, 1.0]})
    ea2 = ea1.assign(risk_adjusted_measure=[0.19, 0.17, 0.16, 0.10, 0.15, 0.19, 0.30])
    return rv, ea1, ea2


def test_the_list_under_the_risk_adjusted_measure():
    rv, ea1, ea2 = two_follow_ups()
    out = ra.adjusted_conditions(rv, ea1, ea2, ReviewConfig())
    assert out["meets_all"].tolist() == [True, False, True, False, False, False, False]
    assert out["cond_measure_adjusted"].tolist() == [False, True, True, True, False, True, False]
    assert out["meets_all_adjusted"].tolist() == [False, True, True, False, False, True, False]
    assert out["list_change"].tolist() == ["Faller bort", "Tillkommer", "", "", "", "Tillkommer", ""]
    s = views.adjusted_summary(out)["Antal"]
    assert s.tolist() == [3, 4, 2, 3, 1, 2]

    ch = views.list_changes(out, ReviewConfig())
    assert ch["Förändring"].tolist() == ["Faller bort", "Tillkommer", "Tillkommer"]
    assert ch["Leverantör"].tolist() == ["Leverantör K1", "Leverantör K2", "Leverantör K6"]
    assert list(ch.columns[:4]) == ["Förändring", "Leverantör", "Leveransområde", "Deltagare 2025-03"]
    assert "Riskjusterat resultatmått 2025-01" in ch and "Faktiskt/förväntat 2025-03" in ch
    k1 = ch.iloc[0]
    assert k1["Resultatmått 2025-01"] == "18,0 %"
    assert k1["Riskjusterat resultatmått 2025-01"] == "20,0 %"
    assert k1["Faktiskt/förväntat 2025-01"] == "0,90"
    # K6: 8 participants at the second follow-up → its figures there and its count hidden
    k6 = ch.iloc[2]
    assert k6["Deltagare 2025-03"] == ".."
    assert k6["Resultatmått 2025-03"] == ".." and k6["Riskjusterat resultatmått 2025-03"] == ".."
    assert k6["Resultatmått 2025-01"] == "22,0 %"


def test_a_follow_up_without_the_adjusted_measure_is_refused():
    rv, ea1, ea2 = two_follow_ups()
    with pytest.raises(KeyError, match="risk_adjusted_measure"):
        ra.adjusted_conditions(rv, ea1.drop(columns="risk_adjusted_measure"), ea2)


# --------------------------------------------------------------------------- generated data

@pytest.fixture(scope="module")
def sample_follow_ups():
    import romlab

    return measure.FollowUps(romlab.load(paths.SAMPLE))


def test_on_the_sample_everything_runs_and_is_sensible(sample_follow_ups):
    fus = sample_follow_ups
    ea = ra.expected_vs_actual(fus, "2025-03")
    assert ea.attrs["model"] is ra.expected_vs_actual(fus, "2025-03").attrs["model"]  # fitted once
    model = ea.attrs["model"]
    assert model.result.nobs == len(fus.prepared("2025-03").participants)
    f = ea.loc[ea["participants"] > 0]
    for col in ("expected_measure", "oe", "oe_low", "oe_high", "risk_adjusted_measure"):
        assert np.isfinite(f[col]).all(), col
    assert f["expected_measure"].between(0, 1.5).all()  # weights up to 1.31 on probabilities in [0, 1]
    assert (f["oe_low"] <= f["oe"]).all() and (f["oe"] <= f["oe_high"]).all()
    # nationally O/E ≈ 1: the weighted expected results add up to the actual ones
    assert f["expected_results"].sum() == pytest.approx((f["measure"] * f["participants"]).sum(), rel=1e-3)

    rva = ra.adjusted_review(fus, "2025-03")
    assert len(rva) == len(ra.adjusted_review(fus, "2025-03"))
    assert set(rva["list_change"]) <= {"", "Tillkommer", "Faller bort"}
    changed = rva["list_change"] != ""
    assert (rva.loc[changed, "meets_all"] != rva.loc[changed, "meets_all_adjusted"]).all()
    assert len(views.list_changes(rva)) == int(changed.sum())
    t = views.expected_table(ea)
    assert len(t) == int(ea["in_follow_up"].sum())
    assert (t.loc[t["Deltagare"] == "..", "Faktiskt/förväntat"] == "..").all()

    fd = funnel.funnel_data(ea, fus.cfg, rva)
    assert (fd.contracts["participants"] >= 10).all()
    assert fd.contracts["on_list"].sum() + fd.left_out_listed == int(
        (rva["meets_all"] & rva["in_follow_up_2"]).sum())
    fig = funnel.plot_funnel(fd)
    assert fig.axes and views.plot_expected_vs_actual(ea, rva).axes
    # the risk-adjusted measure in the funnel
    fd_ra = funnel.funnel_data(ea, fus.cfg, rva, column="risk_adjusted_measure")
    assert np.isfinite(fd_ra.contracts["measure"]).all()


def test_saved_follow_ups_carry_the_characteristics_once_read(sample_follow_ups, tmp_path):
    """A review batch reads the characteristics before it saves the follow-ups: the saved
    copy gives the same expected results without the data; one saved before cannot."""
    fus = sample_follow_ups
    fus.follow_up("2025-01")
    fresh = measure.FollowUps(fus.ds, fus.cfg)
    fresh.follow_up("2025-01")
    with pytest.raises(measure.DataReachError, match="saved without the data"):
        ra.participant_frame(fresh.keep(["2025-01"]), "2025-01")
    frame = ra.participant_frame(fus, "2025-01")
    back = measure.FollowUps.load(fus.keep(["2025-01"]).save(tmp_path / "saved.pkl"))
    pd.testing.assert_frame_equal(ra.participant_frame(back, "2025-01"), frame)
    pd.testing.assert_frame_equal(ra.expected_vs_actual(back, "2025-01"), ra.expected_vs_actual(fus, "2025-01"))