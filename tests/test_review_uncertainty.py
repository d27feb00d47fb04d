"""The uncertainty of the provider review: confidence intervals (romlab.review.uncertainty),
empirical-Bayes priors and shrinkage (eb_prior, shrinkage), the risk of a wrong decision
(decision_risk) and the rule's trade-off (tradeoff).

Hand-worked values use z = Φ⁻¹(0.975) = 1.959963985, z² = 3.841458821; the formula each
comes from is in the test's comment, worked with a calculator, not with romlab's code.
The simulations draw contracts with sizes like the default data's follow-ups (lognormal,
median 95, mean about 126 participants, as follow-up 2025-03) and two follow-ups two
months apart that share 10 of their 12 start months; every generator is seeded.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from romlab import paths
from romlab.dataset.load import load
from romlab.review import ReviewConfig, eb_prior, shrinkage, tradeoff, uncertainty
from romlab.review import decision_risk as dr
from romlab.review.config import DEFAULT_LEVEL_WEIGHTS
from romlab.review.measure import FollowUps

Z = 1.959963984540054
W = np.array([DEFAULT_LEVEL_WEIGHTS[lv] for lv in "ABC"])


# --------------------------------------------------------------------------- intervals by hand

@pytest.mark.parametrize("x, n, lower, upper", [
    # Wilson: centre (p + z²/2n)/(1 + z²/n), half z/(1 + z²/n)·√(p(1−p)/n + z²/4n²)
    (0, 10, 0.0, 0.2775327999),       # p = 0: upper = z²/(n + z²) = 3.841459/13.841459
    (10, 10, 0.7224672001, 1.0),      # p = 1: lower = n/(n + z²) = 10/13.841459
    (1, 1, 0.2065493144, 1.0),        # n = 1, p = 1: lower = 1/(1 + z²) = 1/4.841459
    (3, 12, 0.0889416684, 0.5323053349),  # centre 0.410061/1.320122 = 0.310623, half 1.484683·0.149312
])
def test_wilson_by_hand(x, n, lower, upper):
    lo, hi = uncertainty.wilson(x, n)
    assert lo == pytest.approx(lower, abs=1e-9) and hi == pytest.approx(upper, abs=1e-9)


@pytest.mark.parametrize("x, n, lower, upper", [
    (0, 10, 0.0, 0.3084971078),       # upper = 1 − 0.025^(1/10)
    (10, 10, 0.6915028922, 1.0),      # lower = 0.025^(1/10)
    (1, 1, 0.025, 1.0),               # lower = 0.025^(1/1)
    (3, 12, 0.0548606, 0.5718585),    # solved from the binomial tails below
])
def test_exact_interval_by_hand(x, n, lower, upper):
    lo, hi = uncertainty.exact(x, n)
    assert lo == pytest.approx(lower, abs=1e-6) and hi == pytest.approx(upper, abs=1e-6)


def _tail_root(f, target):
    """Bisection for f(p) = target on (0, 1), f increasing."""
    a, b = 0.0, 1.0
    for _ in range(200):
        m = (a + b) / 2
        a, b = (m, b) if f(m) < target else (a, m)
    return (a + b) / 2


@pytest.mark.parametrize("x, n", [(3, 12), (1, 7), (5, 9), (17, 40)])
def test_exact_interval_against_binomial_tails(x, n):
    """Clopper–Pearson by definition (a second implementation, math.comb): the lower
    bound solves P(X ≥ x | p) = 0.025, the upper P(X ≤ x | p) = 0.025."""
    def sf(p):
        return sum(math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(x, n + 1))

    def cdf(p):
        return sum(math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(x + 1))

    lo, hi = uncertainty.exact(x, n)
    assert lo == pytest.approx(_tail_root(sf, 0.025), abs=1e-9)
    assert hi == pytest.approx(_tail_root(lambda p: -cdf(p), -0.025), abs=1e-9)


def test_no_participants_no_interval():
    for f in (uncertainty.wilson, uncertainty.exact):
        lo, hi = f(0, 0)
        assert np.isnan(lo) and np.isnan(hi)
    with pytest.raises(ValueError):
        uncertainty.wilson(3, 2)


# levels A, B, C with weights 0.5, 1, 1.5: A 2 participants (1 result), B 4 (1), C 4 (2)
HAND_N, HAND_X, HAND_W = [[2, 4, 4]], [[1, 1, 2]], [0.5, 1.0, 1.5]


def test_weighted_delta_interval_by_hand():
    # m = (0.5·1 + 1·1 + 1.5·2)/10 = 0.45; V = (2·0.25·0.25 + 4·1·0.1875 + 4·2.25·0.25)/100
    # = 3.125/100 = 0.03125; 0.45 ± z·0.1767767
    lo, hi = uncertainty.weighted_interval(HAND_N, HAND_X, HAND_W, method="delta")
    assert lo[0] == pytest.approx(0.1035240439, abs=1e-9) and hi[0] == pytest.approx(0.7964759561, abs=1e-9)


def test_weighted_delta_fallback_at_zero_by_hand():
    # A: 0 of 2 → p̃ = (0 + z²/2)/(2 + z²) = 1.920729/5.841459 = 0.3288099, p̃(1 − p̃) = 0.2206941;
    # m = (0 + 1 + 3)/10 = 0.4; V = (2·0.25·0.2206941 + 0.75 + 2.25)/100 = 0.0311034697
    lo, hi = uncertainty.weighted_interval(HAND_N, [[0, 1, 2]], HAND_W, method="delta")
    assert lo[0] == pytest.approx(0.0543373058, abs=1e-9) and hi[0] == pytest.approx(0.7456626942, abs=1e-9)


def test_weighted_delta_one_participant_by_hand():
    # one C participant with a result, weight 1.5: p̃ = (1 + z²/2)/(1 + z²) = 0.6032747,
    # V = 2.25·p̃(1 − p̃) = 0.5385023; lower 1.5 − z·0.7338271; upper clipped to w̄ = 1.5
    lo, hi = uncertainty.weighted_interval([[0, 0, 1]], [[0, 0, 1]], HAND_W, method="delta")
    assert lo[0] == pytest.approx(0.0617252277, abs=1e-9) and hi[0] == pytest.approx(1.5)


def test_weighted_kish_wilson_interval_by_hand():
    # Σw = 2·0.5 + 4 + 4·1.5 = 11, Σw² = 0.5 + 4 + 9 = 13.5, n_K = 121/13.5 = 8.962963,
    # q = 4.5/11 = 0.4090909, x_K = 3.6666667; Wilson(3.6666667, 8.962963) × w̄ = 1.1
    lo, hi = uncertainty.weighted_interval(HAND_N, HAND_X, HAND_W, method="kish_wilson")
    assert lo[0] == pytest.approx(0.1822543558, abs=1e-9) and hi[0] == pytest.approx(0.7777477105, abs=1e-9)


def test_weighted_interval_with_equal_weights_is_wilson_and_defined_at_the_edges():
    n = [[3, 5, 2], [0, 10, 0], [1, 0, 0], [4, 4, 4]]
    x = [[1, 2, 0], [0, 10, 0], [0, 0, 0], [0, 0, 0]]
    lo, hi = uncertainty.weighted_interval(n, x, [1, 1, 1])
    wlo, whi = uncertainty.wilson(np.sum(x, axis=1), np.sum(n, axis=1))
    np.testing.assert_allclose(lo, wlo, atol=1e-12)
    np.testing.assert_allclose(hi, whi, atol=1e-12)
    assert hi[3] == pytest.approx(3.841458821 / (12 + 3.841458821))  # 0 of 12: z²/(n + z²)
    with pytest.raises(ValueError, match="method"):
        uncertainty.weighted_interval(n, x, [1, 1, 1], method="bootstrap")


# --------------------------------------------------------------------------- the exact joint probability

@pytest.mark.parametrize("n, k", [(10, 1), (12, 2), (5, 0), (1, 0), (0, -1), (15, 2), (16, 3)])
def test_below_count(n, k):
    # the largest count with count/n < 20 %: 2/10 is not below, 3/15 is not, 3/16 is
    assert dr.below_count(n)[()] == k


def _brute_force(n1, n2, ns, p, t=0.20):
    """Every outcome of the n1 + n2 − ns participants (the first ns shared), enumerated."""
    total = 0.0
    m = n1 + n2 - ns
    for y in itertools.product((0, 1), repeat=m):
        prob = math.prod(p if v else 1 - p for v in y)
        shared, only1, only2 = sum(y[:ns]), sum(y[ns:n1]), sum(y[n1:])
        if (shared + only1) / n1 < t and (shared + only2) / n2 < t:
            total += prob
    return total


@pytest.mark.parametrize("n1, n2, ns, p", [
    (5, 6, 4, 0.2), (6, 6, 0, 0.25), (5, 5, 5, 0.2), (10, 11, 8, 0.15), (7, 12, 7, 0.3), (1, 3, 1, 0.2),
])
def test_joint_probability_against_enumeration(n1, n2, ns, p):
    assert dr.prob_both_below(n1, n2, ns, p)[0] == pytest.approx(_brute_force(n1, n2, ns, p), abs=1e-12)


def test_joint_probability_is_vectorised_and_checks_its_arguments():
    got = dr.prob_both_below([5, 6, 10], [6, 6, 11], [4, 0, 8], [0.2, 0.25, 0.15])
    want = [_brute_force(5, 6, 4, 0.2), _brute_force(6, 6, 0, 0.25), _brute_force(10, 11, 8, 0.15)]
    np.testing.assert_allclose(got, want, atol=1e-12)
    with pytest.raises(ValueError, match="n_shared"):
        dr.prob_both_below(5, 6, 6, 0.2)


@pytest.mark.parametrize("h, k, rho", [(0, 0, 0.913), (0, 0, -0.5), (0, 1.2, 0.5), (0, -1.2, 0.5), (1.2, 0, -0.3),
                                       (-1, -2, 0.99), (0.3, -0.4, 0.7), (2, 2, 0.2), (-3, 1, 0.0)])
def test_bivariate_normal_against_scipy(h, k, rho):
    want = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([h, k])
    assert dr.bivariate_normal_cdf(h, k, rho)[()] == pytest.approx(want, abs=1e-7)


def test_weighted_normal_approximation_by_hand():
    # 100 participants in B at both, true rate 25 %: mean 0.25, sd √(0.25·0.75/100) = 0.0433013,
    # h = −0.05/0.0433013 = −1.1547005, Φ(h) = 0.1241065. No one shared: Φ(h)²; all shared: Φ(h)
    n, p = [[0, 100, 0]], [[0.25, 0.25, 0.25]]
    assert dr.prob_both_below_weighted(n, n, [[0, 0, 0]], p, W)[0] == pytest.approx(0.1241065 ** 2, abs=1e-7)
    assert dr.prob_both_below_weighted(n, n, n, p, W)[0] == pytest.approx(0.1241065, abs=1e-7)


def test_paired_counts_by_hand():
    part1 = pd.DataFrame({"participation_id": [1, 2, 3, 4], "provider_id": "P1", "delivery_area": "R1",
                          "level": ["A", "B", "B", "C"], "value": [1.0, 0.0, 0.0, 1.0]})
    part2 = pd.DataFrame({"participation_id": [2, 3, 4, 5, 6], "provider_id": "P1", "delivery_area": "R1",
                          "level": ["B", "B", "C", "C", "A"], "value": [1.0, 0.0, 1.0, 0.0, 0.0]})
    row = dr.paired_counts(part1, part2).iloc[0]
    assert [row[f"n1_{lv}"] for lv in "ABC"] == [1, 2, 1]
    assert [row[f"n2_{lv}"] for lv in "ABC"] == [1, 2, 2]
    assert [row[f"s_{lv}"] for lv in "ABC"] == [0, 2, 1]
    assert [row[f"u_{lv}"] for lv in "ABC"] == [2, 2, 2]
    # pooled results: participation 1 from the first follow-up, 2's later result counts
    assert [row[f"y_{lv}"] for lv in "ABC"] == [1, 1, 1]


# --------------------------------------------------------------------------- priors

def test_grid_prior_posterior_by_hand():
    # prior ½ at 0.1 and ½ at 0.3; 2 results of 10: 0.1²·0.9⁸ = 0.0043046721, 0.3²·0.7⁸ =
    # 0.0051883209 → P(θ ≥ 0.2) = 0.0051883209/0.0094929930 = 0.5465422, mean 0.1 + 0.2·that
    pr = eb_prior.Prior("grid", grid=np.array([0.1, 0.3]), weights=np.array([0.5, 0.5]))
    assert pr.prob_at_or_above([2], [10], 0.2)[0] == pytest.approx(0.5465422, abs=1e-7)
    assert pr.posterior_mean([2], [10])[0] == pytest.approx(0.2093084, abs=1e-7)
    assert pr.quantile([2], [10], 0.5)[0] == pytest.approx(0.3)
    beta = eb_prior.Prior("beta", a=2.0, b=8.0)
    assert beta.posterior_mean(1, 10) == pytest.approx(3 / 20)  # (a + x)/(a + b + n)


def test_beta_prior_recovers_a_known_prior():
    rng = np.random.default_rng(5)
    n = rng.integers(20, 200, 3000)
    x = rng.binomial(n, rng.beta(20, 60, 3000))
    for method in ("ml", "moments"):
        a, b = eb_prior.fit_beta_prior(x, n, method)
        assert a / (a + b) == pytest.approx(0.25, abs=0.005)
        assert a + b == pytest.approx(80, rel=0.25)
    with pytest.raises(ValueError, match="two contracts"):
        eb_prior.fit_beta_prior([1], [5])


# --------------------------------------------------------------------------- on the sample

@pytest.fixture(scope="module")
def sample():
    return FollowUps(load(paths.SAMPLE))


def test_intervals_keep_the_follow_up_and_contain_the_measure(sample):
    fu = sample.follow_up("2025-03")
    iv = uncertainty.intervals(sample, "2025-03")
    pd.testing.assert_frame_equal(iv[["provider_id", "delivery_area"]], fu[["provider_id", "delivery_area"]])
    np.testing.assert_allclose(iv["measure"], fu["measure"])
    has = iv["participants"] > 0
    s = iv.loc[has]
    for lo, hi, col in (("wilson_lower", "wilson_upper", "share"), ("exact_lower", "exact_upper", "share"),
                        ("lower", "upper", "measure")):
        assert (s[lo] <= s[col] + 1e-12).all() and (s[col] <= s[hi] + 1e-12).all()
    assert iv.loc[~has, ["lower", "upper", "wilson_lower"]].isna().all().all()
    assert (iv["upper_below_threshold"] == (iv["upper"] < 0.2)).all()
    plain = uncertainty.intervals(sample, "2025-03", ReviewConfig(level_weights={"A": 1, "B": 1, "C": 1}))
    np.testing.assert_allclose(plain["upper"], plain["wilson_upper"], atol=1e-12)


def test_shrinkage_view(sample):
    sh = shrinkage.shrinkage(sample, "2025-03", measure="unweighted")
    inside = sh["in_follow_up"]
    s = sh.loc[inside]
    mean = sh.attrs["prior_mean"]
    # the posterior mean lies between the contract's share and the prior mean
    assert ((s["shrunk"] - s["raw"]) * (s["shrunk"] - mean) <= 1e-12).all()
    assert s["own_weight"].between(0, 1).all() and sh.loc[~inside, "shrunk"].isna().all()
    assert (s["shrunk_lower"] <= s["shrunk"]).all() and (s["shrunk"] <= s["shrunk_upper"]).all()
    assert "aldrig regeln" in shrinkage.SHRINKAGE_CAVEAT and sh.attrs["caveat"] == shrinkage.SHRINKAGE_CAVEAT


def test_decision_risk_and_tradeoff_on_the_sample(sample):
    from romlab.review import review

    rv = review(sample, "2025-03")
    risk = dr.decision_risk(sample, "2025-03")
    pd.testing.assert_frame_equal(risk[["provider_id", "delivery_area"]], rv[["provider_id", "delivery_area"]])
    both = risk["in_follow_up_1"] & risk["in_follow_up_2"]
    probs = ["p_terminate_at_threshold", "p_terminate_at_threshold_unweighted", "p_as_low_at_threshold",
             "p_kept_at_reverse_rate"]
    assert risk.loc[both, probs].apply(lambda c: c.between(0, 1)).all().all()
    assert risk.loc[~both, probs].isna().all().all()
    assert (risk["shared"] <= risk[["participants_1", "participants_2"]].min(axis=1)).all()
    np.testing.assert_allclose(risk["risk_of_wrong_termination"], risk["p_true_at_or_above"])
    boundary = dr.decision_risk(sample, "2025-03", risk="boundary", prior="beta")
    np.testing.assert_allclose(boundary["risk_of_wrong_termination"], boundary["p_terminate_at_threshold"])

    table = tradeoff.rule_tradeoff(sample, "2025-03")
    assert list(table.index) == ["Regeln som skriven", "Övre konfidensgräns under 20 %", "Minst 30 deltagare"]
    rule, upper, big = (table.iloc[i] for i in range(3))
    assert rule["Avtal som hävs"] == int(rv["meets_all"].sum())
    # both variants terminate a subset of the rule's contracts: fewer wrong terminations, more kept
    for v in (upper, big):
        assert v["Avtal som hävs"] <= rule["Avtal som hävs"]
        assert v["Förväntat antal felaktigt hävda"] <= rule["Förväntat antal felaktigt hävda"] + 1e-9
        assert v["Förväntat antal felaktigt behållna"] >= rule["Förväntat antal felaktigt behållna"] - 1e-9


# --------------------------------------------------------------------------- simulation

def _contracts(rng, k, levels=False):
    """Sizes like the default data's (lognormal, median 95, σ 0.75, 5–750 a year) and
    per-contract Poisson starts over 14 months: follow-up 1 counts months 0–11,
    follow-up 2 months 2–13, so 10 months are shared. Returns (only1, shared, only2),
    each (contracts,) or with levels (contracts, 3) in the mix A 25 / B 40 / C 35 %."""
    size = np.clip(np.round(rng.lognormal(np.log(95), 0.75, k)), 5, 750)
    if levels:
        m = rng.poisson((size / 12)[:, None, None] * np.array([0.25, 0.40, 0.35]), (k, 14, 3))
    else:
        m = rng.poisson((size / 12)[:, None], (k, 14))
    o1, sh, o2 = m[:, :2].sum(1), m[:, 2:12].sum(1), m[:, 12:].sum(1)
    keep = (o1 + sh).reshape(k, -1).sum(1) * (sh + o2).reshape(k, -1).sum(1) > 0
    return o1[keep], sh[keep], o2[keep]


def _within_mc_error(observed, predicted):
    """|O − E| within 3 standard errors of a sum of independent Bernoulli draws."""
    return abs(observed.sum() - predicted.sum()) <= 3 * np.sqrt((predicted * (1 - predicted)).sum())


def test_simulated_wrong_terminations_and_interval_coverage():
    """The issue's simulation: true rates around 20 %, two follow-ups sharing
    participants. (a) the exact P(wrong termination) agrees with the simulated frequency,
    in all and by size; (b) Wilson's 95 % intervals cover the true rate in 95 ± 2 %."""
    rng = np.random.default_rng(2025)
    o1, sh, o2 = _contracts(rng, 2000)
    n1, n2 = o1 + sh, sh + o2
    reps = 20
    p = rng.uniform(0.12, 0.30, (reps, len(sh)))
    xs, x1, x2 = rng.binomial(sh, p), rng.binomial(o1, p), rng.binomial(o2, p)
    listed = ((xs + x1) / n1 < 0.2) & ((xs + x2) / n2 < 0.2)
    pred = dr.prob_both_below(*np.broadcast_arrays(n1, n2, sh), p).reshape(p.shape)
    ok = p >= 0.2
    assert ok.sum() > 10_000 and listed[ok].sum() > 1_000
    assert _within_mc_error(listed[ok], pred[ok])             # wrongly terminated
    assert _within_mc_error(~listed[~ok], 1 - pred[~ok])      # wrongly kept
    for small, big in ((0, 30), (30, 100), (100, 10_000)):
        band = ok & ((n2 >= small) & (n2 < big))[None, :]
        assert _within_mc_error(listed[band], pred[band])
    for x, n in ((xs + x2, n2), (xs + x1, n1)):
        lo, hi = uncertainty.wilson(x, n)
        assert 0.93 <= ((lo <= p) & (p <= hi)).mean() <= 0.97


def test_simulated_weighted_measure():
    """The weighted measure (default weights, per-level rates in the national profile):
    the bivariate normal's predicted wrong terminations within 10 % (and Monte Carlo error)
    of the simulated ones, and the default weighted interval's coverage 95 ± 2 %."""
    rng = np.random.default_rng(2026)
    o1, sh, o2 = _contracts(rng, 2000, levels=True)
    n1, n2, u = o1 + sh, sh + o2, o1 + sh + o2
    reps, profile = 10, np.array([1.18, 1.01, 0.86])
    theta = rng.uniform(0.12, 0.30, (reps, len(sh)))
    p = np.clip((theta * u.sum(1) / (u * W * profile).sum(1))[..., None] * profile, 0, 1)
    xs, x1, x2 = rng.binomial(sh, p), rng.binomial(o1, p), rng.binomial(o2, p)
    m1, m2 = ((xs + x1) * W).sum(-1) / n1.sum(1), ((xs + x2) * W).sum(-1) / n2.sum(1)
    listed = (m1 < 0.2) & (m2 < 0.2)

    def rep(a):
        return np.broadcast_to(a, (reps, *a.shape)).reshape(-1, 3)

    pred = dr.prob_both_below_weighted(rep(n1), rep(n2), rep(sh), p.reshape(-1, 3), W).reshape(theta.shape)
    ok = theta >= 0.2
    obs, exp = listed[ok].sum(), pred[ok].sum()
    assert abs(obs - exp) <= 0.10 * exp + 3 * np.sqrt((pred * (1 - pred))[ok].sum())
    truth = (n2 * W * p).sum(-1) / n2.sum(1)
    lo, hi = uncertainty.weighted_interval(rep(n2), (xs + x2).reshape(-1, 3), W)
    assert 0.93 <= ((lo.reshape(truth.shape) <= truth) & (truth <= hi.reshape(truth.shape))).mean() <= 0.97


def test_posterior_expected_wrong_terminations_are_calibrated():
    """Σ P(true ≥ 20 % | data) over the terminated contracts against the number that truly
    are ≥ 20 %, true rates from a mixture (96 % around 31 %, 4 % weak around 15 %): under
    the true prior within Monte Carlo error; under the fitted grid prior within 10 %; the
    beta prior, unimodal, overstates it by far (why the grid prior is the default)."""
    rng = np.random.default_rng(7)
    o1, sh, o2 = _contracts(rng, 1200)
    n1, n2, u = o1 + sh, sh + o2, o1 + sh + o2
    grid = (np.arange(eb_prior.GRID_SIZE) + 0.5) / eb_prior.GRID_SIZE
    true_w = 0.96 * stats.norm.pdf(grid, 0.31, 0.03) + 0.04 * stats.norm.pdf(grid, 0.15, 0.03)
    truth = eb_prior.Prior("grid", grid=grid, weights=true_w / true_w.sum())
    got = {"true": [], "grid": [], "beta": []}
    wrong = []
    for _ in range(4):
        p = rng.choice(grid, size=len(u), p=truth.weights)
        xs, x1, x2 = rng.binomial(sh, p), rng.binomial(o1, p), rng.binomial(o2, p)
        listed = ((xs + x1) / n1 < 0.2) & ((xs + x2) / n2 < 0.2)
        y = xs + x1 + x2
        wrong.append(listed & (p >= 0.2))
        for name, pr in (("true", truth), ("grid", eb_prior.fit_prior(y, u, "grid")),
                         ("beta", eb_prior.fit_prior(y, u, "beta"))):
            got[name].append(np.where(listed, pr.prob_at_or_above(y, u, 0.2), 0.0))
    wrong = np.concatenate(wrong)
    post = {k: np.concatenate(v) for k, v in got.items()}
    assert wrong.sum() > 50
    assert _within_mc_error(wrong, post["true"])
    assert abs(wrong.sum() - post["grid"].sum()) <= 0.10 * wrong.sum() + 3 * np.sqrt(
        (post["grid"] * (1 - post["grid"])).sum())
    assert post["beta"].sum() > 1.5 * wrong.sum()
