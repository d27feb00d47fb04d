"""The risk of a wrong decision: a contract terminated, or kept, by chance.

The measure condition (`000` §3 condition 2) asks for a measure below 20 % at two
consecutive follow-ups. The follow-ups' measurement windows overlap (m0 − 22 … m0 − 11,
two months apart: 10 of the 12 start months are shared, `measure.measurement_window`),
so their measures share participants and are correlated. Model: each participant's
result is a Bernoulli draw with the contract's true rate in its level, independent
between participants, the same draw at both follow-ups (a result approved between the
two cut-offs breaks this: 806 of 67 106 shared participations on the default data,
review 2025-01 + 2025-03), and the contract's true rate is the same in both windows.

- `prob_both_below`: exactly, for the unweighted measure: X_s ~ Bin(n_s, p), X_1 ~
  Bin(n1 − n_s, p), X_2 ~ Bin(n2 − n_s, p) independent, P(X_s + X_1 < t·n1 and X_s + X_2
  < t·n2) = Σ_xs P(X_s = xs) F_1(k1 − xs) F_2(k2 − xs);
- `prob_both_below_weighted`: the weighted measure, approximated by a bivariate normal
  with the covariance of the shared participants (`bivariate_normal_cdf`, Owen's T);
- `decision_risk`: per contract of a review, P(terminated | true measure = 20 %) (the
  worst case of a contract that should be kept: the probability falls as the true
  measure rises) and the posterior P(true ≥ 20 % | data) under an empirical-Bayes prior
  (`eb_prior`), and the reverse errors.

At the boundary the probability hardly depends on the contract's size (0.41–0.46 for the
16 contracts on the default data's list): the measure's mean sits on the line whatever
the size, and the two follow-ups, sharing 10 of 12 start months, are correlated about
0.9, so the second follow-up protects little (independent follow-ups would give 0.25).
The expected wrong terminations of the rule and its variants are in `tradeoff`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from romlab.review.conditions import review
from romlab.review.config import KEY, LEVELS, ReviewConfig
from romlab.review.eb_prior import PRIOR_FIT, effective_counts, fit_prior
from romlab.review.measure import follow_ups, review_months
from romlab.review.uncertainty import level_array, weight_array

__all__ = ["RISK_FOR_EXPORT", "RISK_LABEL", "RISK_PRIOR", "LEVEL_PROFILE", "REVERSE_RATE", "below_count",
           "prob_both_at_most", "prob_both_below", "bivariate_normal_cdf", "prob_both_below_weighted",
           "paired_counts", "decision_risk"]

#: Which probability the export's "Risk för felaktig hävning" carries: "posterior" (default:
#: P(true measure ≥ 20 % | the contract's data), i.e. how likely it is that this
#: termination is wrong) or "boundary" (P(terminated | true measure exactly 20 %), the worst
#: case of a contract that should be kept, about 0.4 for every contract whatever its size).
RISK_FOR_EXPORT = "posterior"
RISK_LABEL = "Risk för felaktig hävning"
#: The empirical-Bayes prior of the posterior: "grid" (default, the nonparametric prior,
#: which keeps a small cluster of weak contracts apart) or "beta" (`eb_prior`).
RISK_PRIOR = "grid"
#: The per-level true rates behind a contract's true weighted measure: "national" (default:
#: in proportion to the national rates of the levels in the review's participants, so a
#: level with higher results nationally has a higher rate in every contract) or "common"
#: (one rate for all levels).
LEVEL_PROFILE = "national"
#: The true rate at which the reverse error is shown: a contract at 15 % that the rule keeps.
REVERSE_RATE = 0.15
#: Rows × columns of one block of the exact sum (memory of the vectorised computation).
_BLOCK = 4_000_000


def below_count(n, threshold: float = 0.20, decimals: int = 9) -> np.ndarray:
    """The largest count k with round(k / n, decimals) < threshold (the rule's test, as
    `measure.aggregate` applies it), elementwise; −1 where no count is below (n = 0)."""
    n = np.asarray(n, dtype=float)
    k0 = np.ceil(threshold * n)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok0 = np.round(k0 / n, decimals) < threshold
        ok1 = np.round((k0 - 1) / n, decimals) < threshold
    k = np.where(ok0, k0, np.where(ok1, k0 - 1, k0 - 2))
    return np.where(n > 0, k, -1).astype(np.int64)


def prob_both_at_most(n1, n2, n_shared, p, k1, k2) -> np.ndarray:
    """P(X_s + X_1 ≤ k1 and X_s + X_2 ≤ k2), X_s ~ Bin(n_s, p), X_1 ~ Bin(n1 − n_s, p), X_2 ~
    Bin(n2 − n_s, p) independent, exactly: Σ over xs = 0 … min(n_s, k1, k2) of Bin(xs; n_s,
    p) · F(k1 − xs; n1 − n_s, p) · F(k2 − xs; n2 − n_s, p); all arguments broadcast
    together; vectorised over contracts in blocks. 0 where k1 or k2 < 0."""
    n1, n2, ns, p, k1, k2 = (a.ravel() for a in np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in
                                                                      (n1, n2, n_shared, p, k1, k2))))
    if np.any((ns < 0) | (ns > np.minimum(n1, n2))):
        raise ValueError("n_shared must lie between 0 and the smaller follow-up's participants")
    k1, k2 = np.floor(k1), np.floor(k2)
    top = np.minimum(ns, np.minimum(k1, k2)).astype(np.int64)
    out = np.zeros(len(n1))
    width = int(top.max(initial=-1)) + 1
    if width <= 0:
        return out
    step = max(1, _BLOCK // width)
    xs = np.arange(width)[None, :]
    for lo in range(0, len(n1), step):
        b1, b2, bs, bp, c1, c2, bt = (a[lo:lo + step, None] for a in (n1, n2, ns, p, k1, k2, top))
        term = (stats.binom.pmf(xs, bs, bp) * stats.binom.cdf(c1 - xs, b1 - bs, bp)
                * stats.binom.cdf(c2 - xs, b2 - bs, bp))
        out[lo:lo + step] = np.where(xs <= bt, term, 0.0).sum(axis=1)
    return out


def prob_both_below(n1, n2, n_shared, p, threshold: float = 0.20, decimals: int = 9) -> np.ndarray:
    """P(the unweighted measure is below ``threshold`` at both follow-ups | true rate p), exactly.

    n1, n2: participants at the two follow-ups, n_shared of them in both; arrays that
    broadcast together (p too). `prob_both_at_most` with k_k = `below_count`(n_k): the
    rule's strict "below", after its rounding to ``decimals``. 0 where a follow-up has no
    participants."""
    return prob_both_at_most(n1, n2, n_shared, p, below_count(n1, threshold, decimals),
                             below_count(n2, threshold, decimals))


def bivariate_normal_cdf(h, k, rho) -> np.ndarray:
    """P(Z1 ≤ h, Z2 ≤ k) for standard normals with correlation rho, elementwise, by Owen's
    T function (`scipy.special.owens_t`; Owen 1956): ½Φ(h) + ½Φ(k) − T(h, a_h) − T(k, a_k)
    − β, a_h = (k − ρh) / (h√(1 − ρ²)), a_k = (h − ρk) / (k√(1 − ρ²)), β = ½ when hk < 0; a
    zero h or k is taken as its limit from above. |ρ| ≥ 1 − 1e−12: the limits Φ(min(h, k))
    (ρ = 1) and max(0, Φ(h) + Φ(k) − 1) (ρ = −1)."""
    h, k, rho = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (h, k, rho)))
    h, k = np.clip(h, -40, 40), np.clip(k, -40, 40)
    # h or k = 0: the formula's limit from above (a zero is moved to the smallest positive
    # number in every term, so h = k = 0 gives ¼ + arcsin(ρ)/2π)
    hh = np.where(h == 0, 1e-300, h)
    kk = np.where(k == 0, 1e-300, k)
    r = np.clip(rho, -1 + 1e-12, 1 - 1e-12)
    s = np.sqrt(1 - r * r)
    with np.errstate(over="ignore", invalid="ignore"):
        t = special.owens_t(hh, (kk - r * hh) / (hh * s)) + special.owens_t(kk, (hh - r * kk) / (kk * s))
    beta = np.where(hh * kk < 0, 0.5, 0.0)
    out = 0.5 * special.ndtr(hh) + 0.5 * special.ndtr(kk) - t - beta
    out = np.where(rho >= 1 - 1e-12, special.ndtr(np.minimum(h, k)), out)
    out = np.where(rho <= -1 + 1e-12, np.maximum(0, special.ndtr(h) + special.ndtr(k) - 1), out)
    return np.clip(out, 0, 1)


def prob_both_below_weighted(n1_l, n2_l, s_l, p_l, weights, threshold=0.20, threshold2=None) -> np.ndarray:
    """P(the weighted measure is below ``threshold`` at the first follow-up and below
    ``threshold2`` (default: the same) at the second | per-level rates p_l), by a
    bivariate normal; no continuity correction (the three weights make the measure's
    lattice fine). The thresholds: one, or one per contract.

    Arrays of shape (contracts, levels): participants per level at each follow-up (n1_l,
    n2_l), shared (s_l), true rates (p_l). With v_l = w_l² p_l (1 − p_l): mean_k = Σ_l w_l
    n_kl p_l / N_k, var_k = Σ_l n_kl v_l / N_k², cov = Σ_l s_l v_l / (N_1 N_2). NaN where a
    follow-up has no participants."""
    n1_l, n2_l, s_l, p_l = (np.atleast_2d(np.asarray(a, dtype=float)) for a in (n1_l, n2_l, s_l, p_l))
    w = np.asarray(weights, dtype=float)
    t1 = np.asarray(threshold, dtype=float)
    t2 = t1 if threshold2 is None else np.asarray(threshold2, dtype=float)
    N1, N2 = n1_l.sum(axis=1), n2_l.sum(axis=1)
    v = w * w * p_l * (1 - p_l)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu1, mu2 = (n1_l * w * p_l).sum(axis=1) / N1, (n2_l * w * p_l).sum(axis=1) / N2
        sd1, sd2 = np.sqrt((n1_l * v).sum(axis=1)) / N1, np.sqrt((n2_l * v).sum(axis=1)) / N2
        rho = (s_l * v).sum(axis=1) / (N1 * N2) / (sd1 * sd2)
        h, k = (t1 - mu1) / sd1, (t2 - mu2) / sd2
    out = bivariate_normal_cdf(np.nan_to_num(h, posinf=40, neginf=-40), np.nan_to_num(k, posinf=40, neginf=-40),
                               np.nan_to_num(rho))
    return np.where((N1 > 0) & (N2 > 0), out, np.nan)


def paired_counts(part1: pd.DataFrame, part2: pd.DataFrame) -> pd.DataFrame:
    """Per contract (KEY) from two follow-ups' `Prepared.participants`, per level
    (suffix _A, _B, _C): ``n1_``, ``n2_`` participants and ``x1_``, ``x2_`` results at
    each follow-up, ``s_`` participants in both (the same participation, contract and
    level), and the pooled data of the two windows: ``u_`` participants (n1 + n2 − s) and
    ``y_`` results (each participation's latest value: the second follow-up's where it is
    in it)."""
    cols = ["participation_id", *KEY, "level"]
    both = part1[cols].merge(part2[cols], on=cols, how="inner")
    only1 = part1.loc[~part1["participation_id"].isin(both["participation_id"])]
    frames = {"n1": part1.assign(v=1.0), "n2": part2.assign(v=1.0), "s": both.assign(v=1.0),
              "x1": part1.assign(v=part1["value"]), "x2": part2.assign(v=part2["value"]),
              "y1": only1.assign(v=only1["value"])}
    wide = []
    for name, f in frames.items():
        g = f.groupby([*KEY, "level"], observed=True)["v"].sum().unstack("level")
        g = g.reindex(columns=list(LEVELS)).fillna(0.0)
        g.columns = [f"{name}_{lv}" for lv in LEVELS]
        wide.append(g)
    out = pd.concat(wide, axis=1).fillna(0.0)
    for lv in LEVELS:
        out[f"u_{lv}"] = out[f"n1_{lv}"] + out[f"n2_{lv}"] - out[f"s_{lv}"]
        out[f"y_{lv}"] = out.pop(f"y1_{lv}") + out[f"x2_{lv}"]
    return out.sort_index().reset_index()


def _level_rates(pc: pd.DataFrame, target: float, weights: np.ndarray, profile: str) -> np.ndarray:
    """Per-level true rates (contracts, levels) whose weighted measure over the contract's
    pooled participants equals ``target``: p_l = c · r_l, r_l = 1 ("common") or the
    level's pooled rate over all contracts / the overall rate ("national")."""
    u = level_array(pc, "u")
    if profile == "common":
        r = np.ones(len(LEVELS))
    elif profile == "national":
        tot_u, tot_y = u.sum(axis=0), level_array(pc, "y").sum(axis=0)
        r = np.where(tot_u > 0, tot_y / np.where(tot_u > 0, tot_u, 1), 0) / (tot_y.sum() / tot_u.sum())
        r = np.where(tot_u > 0, r, 1.0)
    else:
        raise ValueError(f"level_profile must be 'national' or 'common', got {profile!r}")
    with np.errstate(invalid="ignore", divide="ignore"):
        c = target * u.sum(axis=1) / (u * weights * r).sum(axis=1)
    return np.clip(c[:, None] * r[None, :], 0, 1)


def decision_risk(data, first_month: Any, second_month: Any = None, cfg: ReviewConfig | None = None,
                  measure: str = "weighted", prior: str = RISK_PRIOR, level_profile: str = LEVEL_PROFILE,
                  reverse_rate: float = REVERSE_RATE, risk: str = RISK_FOR_EXPORT, fit: str = PRIOR_FIT) -> pd.DataFrame:
    """The risk of a wrong decision for each contract of a review.

    `data`: a Dataset or a `FollowUps`; the months as in `conditions.review`, whose rows
    (and order) this keeps, with KEY, ``participants_1/2``, ``measure_1/2``,
    ``in_follow_up_1/2``, ``cond_rating``, ``cond_measure``, ``cond_active``,
    ``meets_all``, and:

    - ``shared``: participants in both follow-ups; ``pooled``: in either;
    - ``p_terminate_at_threshold``: P(below the threshold at both | true measure = the
      threshold), the worst case of a contract that should be kept; for ``measure``
      "weighted" (the rule's) by `prob_both_below_weighted` with the per-level rates of
      ``level_profile``, for "unweighted" exactly (`prob_both_below`, one rate for all
      levels); ``p_terminate_at_threshold_unweighted``: exactly, for the share;
    - ``p_as_low_at_threshold``: P(measures at or below the observed ones at both | true
      measure = the threshold), a one-sided p-value of "the contract is at the threshold"
      (same method; the unweighted one counts results);
    - ``p_kept_at_reverse_rate``: P(not below at both | true measure = ``reverse_rate``),
      the reverse error (same method);
    - ``p_true_at_or_above``: the posterior P(true measure ≥ threshold | the pooled data of
      both windows) under the empirical-Bayes ``prior`` ("grid", default, or "beta",
      `eb_prior`) fitted over the review's contracts (Kish's effective counts for the
      weighted measure); ``p_true_below`` = 1 − it; ``posterior_mean``;
    - ``risk_of_wrong_termination``: the column ``risk`` names ("posterior" →
      ``p_true_at_or_above``, default; "boundary" → ``p_terminate_at_threshold``).

    The frequentist columns are NaN where a contract is not in both follow-ups, the
    posterior ones where it has no participants. ``attrs``: months, prior (the fitted
    `eb_prior.Prior`), measure, level_profile, reverse_rate, risk, threshold. (Over 60
    lines because this docstring names every column; the body is under 50.)
    """
    if risk not in ("posterior", "boundary"):
        raise ValueError(f"risk must be 'posterior' or 'boundary', got {risk!r}")
    if measure not in ("weighted", "unweighted"):
        raise ValueError(f"measure must be 'weighted' or 'unweighted', got {measure!r}")
    src = follow_ups(data, cfg)
    cfg = cfg or src.cfg
    m1, m2 = review_months(first_month, second_month)
    rv = review(src, m1, m2, cfg)
    pc = paired_counts(src.prepared(m1, cfg).participants, src.prepared(m2, cfg).participants)
    keep = [*KEY, "participants_1", "participants_2", "measure_1", "measure_2", "in_follow_up_1", "in_follow_up_2",
            "cond_rating", "cond_measure", "cond_active", "meets_all"]
    fr = rv[keep].merge(pc, on=KEY, how="left")
    num = [c for c in pc.columns if c not in KEY]
    fr[num] = fr[num].fillna(0.0)
    w, t, dec = weight_array(cfg), cfg.threshold, cfg.round_decimals
    both = (fr["in_follow_up_1"] & fr["in_follow_up_2"]).to_numpy()
    n1, n2, s = (level_array(fr, pre).sum(axis=1) for pre in ("n1", "n2", "s"))
    fr["shared"], fr["pooled"] = s, level_array(fr, "u").sum(axis=1)
    levels = [level_array(fr, pre) for pre in ("n1", "n2", "s")]
    obs = (fr["measure_1"].to_numpy(float), fr["measure_2"].to_numpy(float))

    def below_both(rate: float) -> np.ndarray:
        """P(below the threshold at both | true measure = rate), by ``measure``'s method."""
        if measure == "unweighted":
            return prob_both_below(n1, n2, s, rate, t, dec)
        return prob_both_below_weighted(*levels, _level_rates(fr, rate, w, level_profile), w, t)

    def as_low() -> np.ndarray:
        """P(at or below the observed measures at both | true measure = the threshold)."""
        if measure == "unweighted":
            k1, k2 = (np.round(level_array(fr, pre).sum(axis=1), 9) for pre in ("x1", "x2"))
            return prob_both_at_most(n1, n2, s, t, k1, k2)
        return prob_both_below_weighted(*levels, _level_rates(fr, t, w, level_profile), w, *np.nan_to_num(obs))

    fr["p_terminate_at_threshold"] = np.where(both, below_both(t), np.nan)
    fr["p_terminate_at_threshold_unweighted"] = np.where(both, prob_both_below(n1, n2, s, t, t, dec), np.nan)
    fr["p_as_low_at_threshold"] = np.where(both, as_low(), np.nan)
    fr["p_kept_at_reverse_rate"] = np.where(both, 1 - below_both(reverse_rate), np.nan)
    x, n, scale = effective_counts(level_array(fr, "u"), level_array(fr, "y"), w, measure)
    has = n > 0
    pr = fit_prior(x[has], n[has], prior, fit)
    fr["p_true_at_or_above"], fr["posterior_mean"] = np.nan, np.nan
    fr.loc[has, "p_true_at_or_above"] = pr.prob_at_or_above(x[has], n[has], t / scale[has])
    fr.loc[has, "posterior_mean"] = scale[has] * pr.posterior_mean(x[has], n[has])
    fr["p_true_below"] = 1 - fr["p_true_at_or_above"]
    fr["risk_of_wrong_termination"] = fr["p_true_at_or_above" if risk == "posterior" else "p_terminate_at_threshold"]
    out = fr.drop(columns=num)
    out.attrs.update({"months": (m1, m2), "prior": pr, "measure": measure, "level_profile": level_profile,
                      "reverse_rate": reverse_rate, "risk": risk, "threshold": t})
    return out
