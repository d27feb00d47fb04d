"""RoM 2's result structure: a job-chance score that tells something within a level, and
which 3-month results go on to 6 months.

- `job_chance_bands(p)`: RoM 2's level bounds on the new assessment tool's score, from
  the score's distribution among participants (``ROM2_JOB_CHANCE_BINS``) and RoM 2's
  level shares (``LEVEL_SHARES_BY_WINDOW[7]``);
- `job_chance(rng, p, level, has_result)`: each RoM 2 participant's score, drawn given
  the level and whether the participant reaches a 3-month result, so that within a
  level the result probability rises with the score (``ROM2_JOB_CHANCE_SLOPE``);
- `six_month(rng, p, ...)`: which 3-month results last 6 months
  (``ROM2_R3M_TO_R6M`` by outcome and level).

Both draws run after everything they condition on has been drawn, each from its own
stream (`draws.outcome_rng` 4 and 5): no other record, and no RoM 1 record in
particular, depends on them.

The score is drawn by Bayes' rule rather than fed into the result draw: the result
draw (`outcomes.draw_outcomes`) is systematic within start month × level strata that
hold RoM 1 and RoM 2 starts alike (April 2023), so any change to a RoM 2 probability
there would move RoM 1 draws. Let u be the score's position in its level (its
quantile among the level's scores, 0–1) and p the level's 3-month result share. The
model is P(result | u) = p (1 + b (u − ½)), b = ``ROM2_JOB_CHANCE_SLOPE``; with u
uniform over the level, Bayes' rule gives the densities of u given a result,
1 + b (u − ½), and given none, 1 − p b (u − ½) / (1 − p): both linear, so each is drawn
by its inverse distribution function in closed form. The score is then the level's
quantile u of the score distribution, so the level's scores keep that distribution and
P(result | score) rises within the level: the top fifth of a level has a result share
0.8 b p above the bottom fifth's.
"""

from __future__ import annotations

import numpy as np

from romlab import months

from .draws import outcome_rng, systematic

#: The window number of RoM 2 starts (`romlab.report.classify.window`).
ROM2_WINDOW = 7
LEVELS = np.array(list("ABC"))


def _score_cdf(p) -> tuple[np.ndarray, np.ndarray]:
    """Knots of the score's distribution function: the bin edges of
    ``ROM2_JOB_CHANCE_BINS`` and the cumulative shares at them (piecewise linear, as
    the score is uniform within a bin)."""
    edges, counts = p.ROM2_JOB_CHANCE_BINS
    edges = np.asarray(edges, dtype=float)
    counts = np.asarray(counts, dtype=float)
    if len(edges) != len(counts) + 1 or np.any(np.diff(edges) <= 0) or np.any(counts <= 0):
        raise ValueError("ROM2_JOB_CHANCE_BINS: need increasing edges and one positive count per bin")
    return edges, np.r_[0.0, np.cumsum(counts)] / counts.sum()


def _level_share_bounds(p) -> dict[str, tuple[float, float]]:
    """Each level's range of cumulative score shares: C the lowest scores, A the
    highest, in RoM 2's level shares (``LEVEL_SHARES_BY_WINDOW[7]``, A / B / C)."""
    a, b, c = p.LEVEL_SHARES_BY_WINDOW[ROM2_WINDOW]
    total = a + b + c
    return {"C": (0.0, c / total), "B": (c / total, (c + b) / total), "A": ((c + b) / total, 1.0)}


def job_chance_bands(p) -> dict[str, tuple[float, float]]:
    """RoM 2's level bounds on the score: {level: (lowest, highest)}, the score
    distribution's quantiles at the level shares (C lowest)."""
    edges, cum = _score_cdf(p)
    return {lv: (float(np.interp(lo, cum, edges)), float(np.interp(hi, cum, edges)))
            for lv, (lo, hi) in _level_share_bounds(p).items()}


def linear_density_quantile(v: np.ndarray, c: np.ndarray | float) -> np.ndarray:
    """Quantile function at ``v`` of the density 1 + c (u − ½) on [0, 1] (|c| ≤ 2): the
    root in [0, 1] of F(u) = u + c (u² − u) / 2 = v, in the form that is stable at c = 0."""
    c = np.broadcast_to(np.asarray(c, dtype=float), np.shape(v))
    if np.any(np.abs(c) > 2):
        raise ValueError("a linear density 1 + c (u - 1/2) on [0, 1] needs |c| <= 2")
    k = 1 - c / 2
    den = k + np.sqrt(k * k + 2 * c * v)  # 0 only at c = 2, v = 0, where u = 0
    return np.divide(2 * v, den, out=np.zeros(np.shape(v)), where=den > 0)


def job_chance(rng, p, level: np.ndarray, has_result: np.ndarray) -> np.ndarray:
    """The assessed job chance of RoM 2 participants (see the module's docstring), given
    each one's ``level`` and whether the participant reaches a 3-month result
    (``has_result``), from its own stream (`outcome_rng` 4); rounded to 4 decimals
    like RoM 1's."""
    orng = outcome_rng(rng, 4)
    n = len(level)
    level = np.asarray(level).astype(str)
    has_result = np.asarray(has_result, dtype=bool)
    lv = np.searchsorted(LEVELS, level)
    if n and (np.any(lv >= len(LEVELS)) or np.any(LEVELS[np.minimum(lv, 2)] != level)):
        raise ValueError(f"levels must be A, B or C, got {sorted(set(level) - set(LEVELS))}")
    b = float(p.ROM2_JOB_CHANCE_SLOPE)
    share = np.bincount(lv, has_result, 3) / np.maximum(np.bincount(lv, minlength=3), 1)
    c0 = -share * b / np.maximum(1 - share, 1e-12)  # slope of the density given no result
    c = np.where(has_result, b, c0[lv])
    u = linear_density_quantile(orng.random(n), c)
    bounds = _level_share_bounds(p)
    lo = np.array([bounds[x][0] for x in LEVELS])[lv]
    hi = np.array([bounds[x][1] for x in LEVELS])[lv]
    edges, cum = _score_cdf(p)
    return np.round(np.interp(lo + u * (hi - lo), cum, edges), 4)


def six_month(rng, p, idx: np.ndarray, level: np.ndarray, work: np.ndarray,
              start: np.ndarray) -> np.ndarray:
    """Which of the 3-month results ``idx`` (positions of participants) last 6 months:
    share ``ROM2_R3M_TO_R6M[outcome][level]``, systematic per start month × level ×
    outcome (little sampling noise in a cell's share), from its own stream
    (`outcome_rng` 5). Returns the positions that do, a subset of ``idx`` in its order."""
    orng = outcome_rng(rng, 5)
    idx = np.asarray(idx)
    if not len(idx):
        return idx
    lv = np.searchsorted(LEVELS, np.asarray(level).astype(str)[idx])
    w = np.asarray(work, dtype=bool)[idx]
    table = np.array([[p.ROM2_R3M_TO_R6M[o][x] for x in LEVELS] for o in ("studies", "work")])
    prob = table[w.astype(int), lv]
    strata = (months.index(np.asarray(start).astype("datetime64[D]")[idx]) * 3 + lv) * 2 + w
    return idx[systematic(orng, prob, strata)]
