"""RoM 2's result structure in the synthetic data (issue 16, item 5): 3- and 6-month
results ordered by level, 6-month results a subset of 3-month ones, a job-chance score
that carries information within a level, and no RoM 1 record that depends on any of it."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from romlab.dataset import synth
from romlab.dataset import synth_params as P
from romlab.dataset.synth import rom2

SCALE = 0.25  # about 21 000 RoM 2 starts in FOLLOWED_3M: a fifth of a level holds 800–1 100
#: RoM 2 starts whose 6-month result, if any, is filed and approved by the final
#: cut-off (2025-11-30): work or studies begin at most 365 + 61 days after the start,
#: the 6-month result is filed 182–212 days after that and approved within 25 days,
#: so starts up to early February 2024 are followed in full; whole months.
FOLLOWED = ("2023-05-01", "2024-01-31")
#: The same for the 3-month result (filed 91–121 days after the work or studies begin):
#: starts up to early May 2024.
FOLLOWED_3M = ("2023-05-01", "2024-04-30")


def _params(**changes) -> types.SimpleNamespace:
    ns = types.SimpleNamespace(**{k: v for k, v in vars(P).items() if not k.startswith("__")})
    for k, v in changes.items():
        setattr(ns, k, v)
    return ns


@pytest.fixture(scope="module")
def tables():
    return synth.generate(scale=SCALE)


def _rom2_starts(tables, first: str, last: str) -> pd.DataFrame:
    """RoM 2 participations started from ``first`` to ``last``, with R3M / R6M flags
    (a filed report of that type)."""
    p = tables["participations"]
    p = p[(p["generation"] == 2) & p["start_date"].between(first, last)].copy()
    res = tables["result_reports"]
    for rt in ("R3M", "R6M"):
        p[rt] = p["participation_id"].isin(res.loc[res["result_type"] == rt, "participation_id"])
    return p


@pytest.fixture(scope="module")
def followed(tables):
    """RoM 2 starts followed in full for the 6-month result (FOLLOWED)."""
    return _rom2_starts(tables, *FOLLOWED)


# --------------------------------------------------------------------------- by hand

def test_linear_density_quantile_by_hand():
    """F(u) = u + c (u² − u) / 2. c = 0: u = v. c = 1, v = ½: (u² + u) / 2 = ½, so
    u = (√5 − 1) / 2 = 0.618034. c = −1, v = ½: u − (u² − u)/2 = ½, u² − 3u + 1 = 0,
    u = (3 − √5) / 2 = 0.381966. The ends stay 0 and 1."""
    q = rom2.linear_density_quantile
    assert q(np.array([0.0, 0.3, 1.0]), 0.0) == pytest.approx([0.0, 0.3, 1.0])
    assert q(np.array([0.5]), 1.0) == pytest.approx([0.618034], abs=1e-6)
    assert q(np.array([0.5]), -1.0) == pytest.approx([0.381966], abs=1e-6)
    assert q(np.array([0.0, 1.0]), np.array([2.0, -2.0])) == pytest.approx([0.0, 1.0])
    with pytest.raises(ValueError, match="needs"):
        q(np.array([0.5]), 2.5)


def test_level_bands_by_hand():
    """Scores uniform on 0–0.1 (half) and 0.1–0.3 (half); levels A / B / C = 25 / 25 /
    50 %: C is the lower half (0–0.1), B the next quarter (0.1–0.2), A the top (0.2–0.3)."""
    p = _params(ROM2_JOB_CHANCE_BINS=((0.0, 0.1, 0.3), (7, 7)),
                LEVEL_SHARES_BY_WINDOW={**P.LEVEL_SHARES_BY_WINDOW, 7: (0.25, 0.25, 0.5)})
    bands = rom2.job_chance_bands(p)
    assert bands == {"C": pytest.approx((0.0, 0.1)), "B": pytest.approx((0.1, 0.2)), "A": pytest.approx((0.2, 0.3))}
    with pytest.raises(ValueError, match="ROM2_JOB_CHANCE_BINS"):
        rom2.job_chance_bands(_params(ROM2_JOB_CHANCE_BINS=((0.0, 0.1), (1, 2))))


def test_job_chance_given_the_result_by_bayes():
    """Level B only, 30 % with a result, scores uniform on 0–1 (one bin) so the score is
    its position u. With slope b: E[u | result] = ½ + b/12, E[u | none] = ½ − p b / (12 (1 − p)),
    and the result share of the top fifth minus the bottom fifth's = 0.8 b p = 0.09
    for b = 0.375, p = 0.3; the scores stay uniform over the level."""
    p = _params(ROM2_JOB_CHANCE_BINS=((0.0, 1.0), (1,)),
                LEVEL_SHARES_BY_WINDOW={**P.LEVEL_SHARES_BY_WINDOW, 7: (0.0, 1.0, 0.0)},
                ROM2_JOB_CHANCE_SLOPE=0.375)
    n = 1_000_000
    res = np.arange(n) % 10 < 3
    s = rom2.job_chance(np.random.default_rng(5), p, np.full(n, "B"), res)
    b = 0.375
    assert s[res].mean() == pytest.approx(0.5 + b / 12, abs=0.002)
    assert s[~res].mean() == pytest.approx(0.5 - 0.3 * b / (12 * 0.7), abs=0.002)
    fifth = np.minimum((s * 5).astype(int), 4)
    share = np.bincount(fifth, res, 5) / np.bincount(fifth, minlength=5)
    assert share[4] - share[0] == pytest.approx(0.8 * b * 0.3, abs=0.01)
    assert np.all(np.diff(share) > 0)
    assert np.bincount(fifth, minlength=5) / n == pytest.approx([0.2] * 5, abs=0.005)
    with pytest.raises(ValueError, match="levels must be"):
        rom2.job_chance(np.random.default_rng(5), p, np.array(["B", "D"]), np.array([True, False]))


def test_six_month_shares_by_outcome_and_level_by_hand():
    """One start month: 50 work results in A (share 0.83: 41.5 expected, so 41 or 42
    by systematic sampling) and 40 study results in C (0.73: 29.2, so 29 or 30); the
    positions returned are a subset of those given."""
    n = 200
    level = np.array(["B"] * n, dtype=object)
    work = np.zeros(n, dtype=bool)
    a_work, c_studies = np.arange(0, 100, 2), np.arange(101, 181, 2)
    level[a_work], work[a_work] = "A", True
    level[c_studies] = "C"
    start = np.full(n, np.datetime64("2023-06-12"))
    idx = np.r_[a_work, c_studies]
    six = rom2.six_month(np.random.default_rng(1), P, idx, level, work, start)
    assert set(six) <= set(idx)
    assert int(np.isin(six, a_work).sum()) in (41, 42)
    assert int(np.isin(six, c_studies).sum()) in (29, 30)
    assert rom2.six_month(np.random.default_rng(1), P, idx[:0], level, work, start).size == 0


# --------------------------------------------------------------------------- generated data

def test_results_ordered_by_level_and_near_the_parameters(followed):
    """Among followed RoM 2 starts the 3- and 6-month result shares are ordered A > B > C,
    near R2_SHARE[7] and R2_SHARE[7] × the continuation."""
    g = followed.groupby("level")
    r3, r6 = g["R3M"].mean(), g["R6M"].mean()
    assert r3["A"] > r3["B"] > r3["C"]
    assert r6["A"] > r6["B"] > r6["C"]
    for lv in "ABC":
        assert r3[lv] == pytest.approx(P.R2_SHARE[7][lv], abs=0.02)
        cont = r6[lv] / r3[lv]
        lo, hi = sorted(P.ROM2_R3M_TO_R6M[o][lv] for o in ("studies", "work"))
        assert lo - 0.03 < cont < hi + 0.03
    assert 0.75 <= followed["R6M"].sum() / followed["R3M"].sum() <= 0.85


def test_six_month_results_are_a_subset_of_three_month_results(tables):
    """Per participant: a 6-month result only with a 3-month one, for the same spell
    of work or studies (same event date and outcome), filed at least 3 months later."""
    res = tables["result_reports"]
    r3 = res[res["result_type"] == "R3M"].set_index("participation_id")
    r6 = res[res["result_type"] == "R6M"].set_index("participation_id")
    assert len(r6) and r6.index.is_unique and r3.index.is_unique
    assert r6.index.isin(r3.index).all()
    both = r6.join(r3.add_suffix("_3"))
    assert (both["event_date"] == both["event_date_3"]).all()
    assert (both["outcome"] == both["outcome_3"]).all()
    assert (both["filed_date"] >= both["filed_date_3"] + pd.Timedelta(days=60)).all()


def test_job_chance_rises_with_the_result_within_each_level(tables):
    """Within each level, the 3-month result share of the top fifth of job chances is at
    least 4 points above the bottom fifth's (expected 0.8 × ROM2_JOB_CHANCE_SLOPE × the
    level's share: 9–12 points, each measured ± 2; with no information it would be 0),
    and the 6-month share's at least 2 points."""
    f = _rom2_starts(tables, *FOLLOWED_3M)
    f["fifth"] = f.groupby("level")["job_chance"].rank(method="first", pct=True).mul(5).sub(1e-9).astype(int)
    share = f.groupby(["level", "fifth"])["R3M"].mean().unstack()
    gap = share[4] - share[0]
    assert (gap > 0.04).all(), gap.to_dict()
    f = f[f["start_date"] <= pd.Timestamp(FOLLOWED[1])]
    share = f.groupby(["level", "fifth"])["R6M"].mean().unstack()
    gap = share[4] - share[0]
    assert (gap > 0.02).all(), gap.to_dict()


def test_rom2_job_chance_in_its_own_bands(tables):
    """RoM 2 scores lie in RoM 2's level bounds (C lowest), RoM 1's in JOB_CHANCE_BANDS."""
    p = tables["participations"]
    bands = rom2.job_chance_bands(P)
    for gen, bb in ((2, bands), (1, P.JOB_CHANCE_BANDS)):
        for lv in "ABC":
            jc = p.loc[(p["generation"] == gen) & (p["level"] == lv), "job_chance"]
            assert len(jc) and jc.between(bb[lv][0] - 5e-5, bb[lv][1] + 5e-5).all(), (gen, lv)
    assert bands["C"][1] == pytest.approx(bands["B"][0]) and bands["B"][1] == pytest.approx(bands["A"][0])
    assert 0.15 < bands["C"][1] < 0.20 and 0.28 < bands["A"][0] < 0.33  # seed 004, Bilaga 2


def test_rom1_records_do_not_depend_on_rom2_structure(tables):
    """Every RoM 1 record, and every table not keyed to a participation, is the same with
    RoM 2's structure off (the generator before issue 16); with it off RoM 2's job
    chance carries no information, so the switch does something."""
    off = synth.generate(scale=SCALE, params=_params(ROM2_RESULT_STRUCTURE=False))
    part = tables["participations"]
    rom1 = part.loc[part["generation"] == 1, "participation_id"]
    assert len(rom1)
    for name, df in tables.items():
        other = off[name]
        if "participation_id" in df.columns:
            df = df[df["participation_id"].isin(rom1)].reset_index(drop=True)
            other = other[other["participation_id"].isin(rom1)].reset_index(drop=True)
        pd.testing.assert_frame_equal(df, other, check_exact=True, obj=name)
    r2 = part["generation"] == 2
    assert not part.loc[r2, "job_chance"].equals(off["participations"].loc[r2, "job_chance"])
