"""The rule's trade-off: expected wrong terminations and wrongly kept contracts.

Under the empirical-Bayes prior of `decision_risk` each contract has a posterior
probability that its true measure is at or above the threshold. A contract the rule
terminates is wrongly terminated with that probability; a contract it keeps, though it
meets the other two conditions (rating, 22 months, `000` §3) and is in both follow-ups,
is wrongly kept with the complement. Summed over contracts these are the expected
numbers of wrong decisions, for the rule as written and for stricter variants: the
upper confidence bound below the threshold at both follow-ups, a minimum number of
participants.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from romlab.review.config import KEY, ReviewConfig
from romlab.review.decision_risk import LEVEL_PROFILE, RISK_PRIOR, decision_risk
from romlab.review.eb_prior import PRIOR_FIT
from romlab.review.measure import follow_ups, review_months
from romlab.review.uncertainty import CONFIDENCE, WEIGHTED_METHOD, intervals

__all__ = ["MIN_PARTICIPANTS", "TRADEOFF_COLUMNS", "variant_lists", "rule_tradeoff"]

#: The variant's minimum number of participants, at each follow-up (the smallest size at
#: which a normal approximation of a share near 20 % is customary, n·p ≥ 5 with room).
MIN_PARTICIPANTS = 30
#: Columns of `rule_tradeoff` (Swedish, for the reader).
TRADEOFF_COLUMNS = ["Avtal som hävs", "Förväntat antal felaktigt hävda", "Förväntat antal felaktigt behållna",
                    "Förväntat antal felaktiga beslut", "Andel felaktigt hävda av hävda"]


def variant_lists(dr: pd.DataFrame, upper_1, upper_2, cfg: ReviewConfig,
                  min_participants: int = MIN_PARTICIPANTS) -> dict[str, np.ndarray]:
    """{Swedish variant label: terminated (bool per row of `dr`)} and, under the key
    ``"_population"``, the contracts a variant could terminate (the other two conditions
    met, in both follow-ups). ``upper_k``: each row's upper confidence bound at follow-up k."""
    pct = f"{cfg.threshold * 100:g} %"
    other = (dr["cond_rating"] & dr["cond_active"] & dr["in_follow_up_1"] & dr["in_follow_up_2"]).to_numpy(bool)
    rule = dr["meets_all"].to_numpy(bool)
    upper = (np.asarray(upper_1, float) < cfg.threshold) & (np.asarray(upper_2, float) < cfg.threshold)
    big = (dr["participants_1"].to_numpy() >= min_participants) & (dr["participants_2"].to_numpy() >= min_participants)
    return {"Regeln som skriven": rule,
            f"Övre konfidensgräns under {pct}": other & upper,
            f"Minst {min_participants} deltagare": rule & big,
            "_population": other}


def rule_tradeoff(data, first_month: Any, second_month: Any = None, cfg: ReviewConfig | None = None,
                  measure: str = "weighted", confidence: float = CONFIDENCE, method: str = WEIGHTED_METHOD,
                  min_participants: int = MIN_PARTICIPANTS, prior: str = RISK_PRIOR,
                  level_profile: str = LEVEL_PROFILE, fit: str = PRIOR_FIT,
                  risk: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per variant of the rule (index "Variant", Swedish labels): contracts
    terminated, the expected numbers wrongly terminated (Σ over the terminated of
    P(true ≥ threshold | data)) and wrongly kept (Σ over the population not terminated of
    P(true < threshold | data)), their sum and the expected share wrongly terminated.

    Variants (`variant_lists`): the rule as written (all three conditions); the upper
    bound of the ``confidence`` interval below the threshold at both follow-ups (the
    weighted measure's interval by ``method``, or Wilson's for ``measure="unweighted"``)
    with the other two conditions; the rule and at least ``min_participants`` at both.
    The posterior is `decision_risk`'s (``prior``, ``level_profile``, ``fit``), or `risk`
    when the caller has it already (`decision_risk` of the same review, not computed again). ``attrs``:
    the months, the fitted prior, and the population's size and expected number with a
    true measure below the threshold.
    """
    src = follow_ups(data, cfg)
    cfg = cfg or src.cfg
    m1, m2 = review_months(first_month, second_month)
    dr = risk if risk is not None else decision_risk(src, m1, m2, cfg, measure=measure, prior=prior,
                                                     level_profile=level_profile, fit=fit)
    col = "upper" if measure == "weighted" else "wilson_upper"
    uppers = []
    for m in (m1, m2):
        iv = intervals(src, m, cfg, confidence, method)[[*KEY, col]]
        uppers.append(dr[KEY].merge(iv, on=KEY, how="left")[col].to_numpy(float))
    lists = variant_lists(dr, uppers[0], uppers[1], cfg, min_participants)
    pop = lists.pop("_population")
    above = dr["p_true_at_or_above"].fillna(0).to_numpy(float)
    rows = []
    for name, on in lists.items():
        wrong_on = float(above[on].sum())
        wrong_off = float((1 - above)[pop & ~on].sum())
        rows.append([name, int(on.sum()), wrong_on, wrong_off, wrong_on + wrong_off,
                     wrong_on / on.sum() if on.any() else np.nan])
    out = pd.DataFrame(rows, columns=["Variant", *TRADEOFF_COLUMNS]).set_index("Variant")
    out.attrs.update({"months": (m1, m2), "prior": dr.attrs["prior"], "measure": measure,
                      "population": int(pop.sum()), "expected_below_in_population": float((1 - above)[pop].sum()),
                      "confidence": confidence, "method": method})
    return out


def tradeoff_table(tr: pd.DataFrame) -> pd.DataFrame:
    """`rule_tradeoff` as a reader reads it: the variant as a column, expected numbers with
    one decimal and the share of the terminated in percent, decimal commas ("–" where no
    contract is terminated)."""
    out = tr.reset_index()
    for col in out.columns[2:]:
        share = col == TRADEOFF_COLUMNS[-1]
        out[col] = out[col].map(lambda v, share=share: "–" if pd.isna(v) else
                                (f"{v * 100:.0f} %" if share else f"{v:.1f}").replace(".", ","))
    out[out.columns[1]] = out[out.columns[1]].astype(int).astype(str)
    return out
