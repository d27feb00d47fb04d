"""The results of the synthetic participants: who reaches work or studies, and which.

- `result_probability`, `studies_probability`: each participant's probability of a
  final result (RoM 1 R2, RoM 2 3-month result) and of studies rather than work, from
  the start period × level shares and Tabell 18's group effects (`group_design`);
- `stay_survival`: the share of stays not interrupted before a result can count;
- `draw_outcomes`: the draws, from their own stream (`draws.outcome_rng`), so that they
  neither depend on nor shift any other draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab import months

from .draws import centred, day, outcome_rng, systematic


def group_design(g: dict) -> pd.DataFrame:
    """Indicators of the groups the result model uses (Tabell 18's regressors; reference
    domestic-born man, under 25, registered at most a year, below upper secondary)."""
    return pd.DataFrame({
        "woman": g["woman"], "born_abroad": g["born_abroad"],
        "born_abroad_woman": g["woman"] & g["born_abroad"], "disability": g["disability"],
        "upper_secondary": ~g["below_upper"], "age_25_55": g["age_group"] == 1,
        "age_55_plus": g["age_group"] == 2, "reg_1_2y": g["reg_group"] == 1,
        "reg_2_3y": g["reg_group"] == 2, "reg_3_4y": g["reg_group"] == 3,
        "reg_over_4y": g["reg_group"] == 4,
    }).astype(float)


def _period_cells(p, window: np.ndarray, level: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell key (start period × level) and the cell's final R2 share: the window's
    share (``R2_SHARE``) or, for starts in one of ``R2_SHARE_PERIODS``, that period's."""
    lv = np.searchsorted(np.array(list("ABC")), level)
    table = np.array([[p.R2_SHARE[w][x] for x in "ABC"] for w in sorted(p.R2_SHARE)])
    wpos = np.searchsorted(np.array(sorted(p.R2_SHARE)), window)
    base = table[wpos, lv]
    period = window.astype(int) * 10
    for i, (first, last, shares) in enumerate(p.R2_SHARE_PERIODS):  # a few periods
        m = (start >= day(first)) & (start <= day(last))
        base[m] = np.array([shares[x] for x in "ABC"])[lv[m]]
        period[m] = 1000 + 10 * i
    return period + lv, base


def result_probability(p, g: dict, window: np.ndarray, level: np.ndarray,
                        quality: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Final R2 (RoM 2: 3-month result) probability: the start period × level share
    (`_period_cells`) plus the Tabell 18 effects of the groups (``R2_EFFECTS``, plus
    ``R2_EFFECTS_CELL`` in the window × level cells it names), the
    start month's shift (``R2_START_MONTH_SHIFT``) and the contract's quality, these
    three centred within the cell so that the cell keeps its share."""
    e = p.R2_EFFECTS
    x = group_design(g)
    key, base = _period_cells(p, window, level, start)
    month = start.astype("datetime64[M]")
    shift = np.zeros(len(start))
    for m, s in p.R2_START_MONTH_SHIFT.items():
        shift[month == np.datetime64(m, "M")] += s
    effects = x.to_numpy() @ np.array([e[c] for c in x.columns])
    for (w, lv), extra in p.R2_EFFECTS_CELL.items():  # a few window × level cells
        m = (window == w) & (level == lv)
        effects[m] += x.to_numpy()[m] @ np.array([extra.get(c, 0.0) for c in x.columns])
    lin = centred(effects + shift + quality, key)
    return np.clip(base + lin, 0.01, 0.95)


def studies_probability(p, g: dict, window: np.ndarray, level: np.ndarray, start: np.ndarray,
                         p_res: np.ndarray) -> np.ndarray:
    """Probability that a result is studies rather than work: the window × level share of
    studies among results (1 − ``WORK_SHARE_OF_RESULTS``, or ``WORK_SHARE_PERIODS`` for
    starts in one of its periods) plus the groups' effects (``STUDIES_EFFECTS``),
    centred within the cell over the expected results."""
    lv = np.searchsorted(np.array(list("ABC")), level)
    table = np.array([[1 - p.WORK_SHARE_OF_RESULTS[w][x] for x in "ABC"] for w in sorted(p.WORK_SHARE_OF_RESULTS)])
    base = table[np.searchsorted(np.array(sorted(p.WORK_SHARE_OF_RESULTS)), window), lv]
    key = window.astype(int) * 10 + lv
    for i, (first, last, shares) in enumerate(p.WORK_SHARE_PERIODS):  # a few periods
        m = (start >= day(first)) & (start <= day(last))
        base[m] = 1 - np.array([shares[x] for x in "ABC"])[lv[m]]
        key[m] = 1000 + 10 * i + lv[m]
    x = group_design(g)
    lin = x.to_numpy() @ np.array([p.STUDIES_EFFECTS[c] for c in x.columns])
    lin = centred(lin, key, weights=p_res)
    return np.clip(base + lin, 0.005, 0.995)


def stay_survival(p, days: np.ndarray) -> np.ndarray:
    """P(the stay has not been interrupted more than 61 days before day ``days``): a
    result counts only if the work or studies began at most two months after the end
    (report §3.4), and an interruption ends the stay (the dropout model of
    `participants.stay_ends`: an exponential hazard plus a share who leave early)."""
    k = np.maximum(days - 61, 0).astype(float)
    expo = np.exp(-k * p.DROPOUT_HAZARD_PER_MONTH / 30.4)
    p_early = getattr(p, "P_EARLY_DROPOUT", 0.0)
    if p_early:
        lo, hi = p.EARLY_DROPOUT_DAYS  # integers in [lo, hi)
        early = np.clip((hi - np.maximum(k, lo)) / (hi - lo), 0, 1)
        return (1 - p_early) * expo + p_early * early
    return expo


def draw_outcomes(rng, p, g: dict, window: np.ndarray, level: np.ndarray, quality: np.ndarray,
                  start: np.ndarray, gen: np.ndarray) -> dict[str, np.ndarray]:
    """The result draws of every participant, from their own stream (stream 1 of
    `outcome_rng`): ``delay`` (days from start to work or studies), ``has_final`` (a
    final result: R2 in RoM 1, the 3-month result in RoM 2), ``has_r1`` (a first result)
    and ``work`` (work rather than studies).

    ``has_final`` is drawn so that the share surviving the stay rule (work or studies
    begun by two months after the end, `stay_survival`) and the agency's approval is the
    result probability; systematic per start month × level, so cell shares carry
    little noise."""
    orng = outcome_rng(rng, 1)
    n = len(start)
    p_res = result_probability(p, g, window, level, quality, start)
    max_delay = p.MAX_STAY_DAYS + 61
    delay = orng.gamma(p.R1_DELAY_GAMMA[0], p.R1_DELAY_GAMMA[1], n)
    too_late = delay > max_delay
    delay[too_late] = orng.random(too_late.sum()) * max_delay
    delay = delay.astype(int)
    survive = stay_survival(p, delay)
    keep = survive * np.where(gen == 1, 1 - p.P_R2_REJECTED, 1.0)
    strata = months.index(start) * 3 + np.searchsorted(np.array(list("ABC")), level)
    groups = (((g["woman"] * 2 + g["born_abroad"]) * 2 + g["disability"]) * 2 + g["below_upper"]) * 15 \
        + g["age_group"] * 5 + g["reg_group"]
    has_final = systematic(orng, np.clip(p_res / keep, 0, 1), strata, groups)
    p_r1_only = np.clip(p_res * (1 / p.R1_TO_R2 - 1) / (1 - p_res) / survive, 0, 1)
    has_r1 = has_final | (orng.random(n) < p_r1_only)
    studies = studies_probability(p, g, window, level, start, p_res)
    work = orng.random(n) >= studies
    work[has_final] = ~systematic(orng, studies[has_final], strata[has_final], groups[has_final])
    return {"delay": delay, "has_final": has_final, "has_r1": has_r1, "work": work}
