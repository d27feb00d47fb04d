"""Shrinkage as a view: beta-binomial (empirical Bayes) estimates beside the raw measure.

Small contracts' measures scatter by chance; shrinkage pulls each towards the mean of
all contracts by as much as its size leaves unexplained, the usual guard against ranking
small units on noise. It is a view, never the rule: the quality conditions (`000` §3)
apply to the measure as published, and shrinkage pulls unusual small providers to the
middle (`SHRINKAGE_CAVEAT`, to show beside it).

Model (`eb_prior`): contract c's true rate θ_c ~ Beta(a, b) across contracts, its results
x_c ~ Bin(n_c, θ_c), the posterior Beta(a + x_c, b + n_c − x_c); the prior fitted by
maximum likelihood over the contracts of the follow-up. ``prior="grid"`` gives the same
view under the nonparametric grid prior instead. For the weighted measure (the rule's)
the counts are Kish's effective counts of the weighted share, put back on the measure's
scale by the contract's mean weight.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from romlab.review.config import KEY, ReviewConfig
from romlab.review.eb_prior import PRIOR_FIT, effective_counts, fit_prior
from romlab.review.uncertainty import CONFIDENCE, counts_frame, level_array, weight_array

__all__ = ["SHRINKAGE_PRIOR", "SHRINKAGE_CAVEAT", "LABELS", "shrinkage"]

#: The prior of the view: "beta" (the beta-binomial model, default) or "grid" (`eb_prior`).
SHRINKAGE_PRIOR = "beta"
#: The caveat to show beside shrunk estimates (Swedish, for the reader).
SHRINKAGE_CAVEAT = (
    "Krympta skattningar (empirisk Bayes, beta-binomial) drar avtal med få deltagare mot "
    "genomsnittet för alla avtal: ett litet avtal med ovanligt låga eller höga resultat ser "
    "därför mer genomsnittligt ut än det är. Skattningarna är en vy för att jämföra avtal "
    "rättvisare, aldrig regeln: kvalitetsvillkoren tillämpas på det faktiska resultatmåttet.")
#: Swedish headings of the columns a reader sees.
LABELS = {"raw": "Resultatmått", "shrunk": "Krympt resultatmått", "shrunk_lower": "Krympt, nedre gräns",
          "shrunk_upper": "Krympt, övre gräns", "own_weight": "Vikt för egna data"}


def shrinkage(data, publication_month: Any, cfg: ReviewConfig | None = None, measure: str = "weighted",
              confidence: float = CONFIDENCE, prior: str = SHRINKAGE_PRIOR, fit: str = PRIOR_FIT) -> pd.DataFrame:
    """Empirical-Bayes estimates beside the raw measure: a view, never the rule
    (`SHRINKAGE_CAVEAT`).

    `data`: a Dataset or a `FollowUps`. The prior (``prior``, `eb_prior.fit_prior`) is
    fitted over the contracts in the follow-up; ``measure``: "weighted" (the rule's
    measure, default) or "unweighted" (the share), see `eb_prior.effective_counts`. One
    row per contract of `measure.follow_up` (same order): KEY, ``in_follow_up``,
    ``participants``, ``raw`` (the measure), ``shrunk`` (posterior mean),
    ``shrunk_lower``/``shrunk_upper`` (equal-tailed ``confidence`` posterior interval),
    ``own_weight`` (beta prior only: n / (n + a + b), the weight of the contract's own
    data in the posterior mean). NaN outside the follow-up. ``attrs``: the follow-up's,
    ``prior`` (the `eb_prior.Prior`), ``prior_mean`` and ``prior_sd`` (of the share),
    ``measure``, ``caveat``.
    """
    fr, cfg = counts_frame(data, publication_month, cfg)
    x, n, scale = effective_counts(level_array(fr, "n"), level_array(fr, "x"), weight_array(cfg), measure)
    inside = fr["in_follow_up"].to_numpy(bool) & (n > 0)
    pr = fit_prior(x[inside], n[inside], prior, fit)
    tail = (1 - confidence) / 2
    out = fr[[*KEY, "in_follow_up", "participants"]].copy()
    raw = fr["measure"] if measure == "weighted" else fr["results"] / fr["participants"].where(fr["participants"] > 0)
    out["raw"] = raw.to_numpy(float)
    cols = {"shrunk": pr.posterior_mean, "shrunk_lower": lambda x, n: pr.quantile(x, n, tail),
            "shrunk_upper": lambda x, n: pr.quantile(x, n, 1 - tail)}
    for col, f in cols.items():
        values = np.full(len(fr), np.nan)
        values[inside] = scale[inside] * f(x[inside], n[inside])
        out[col] = values
    out["own_weight"] = np.where(inside, n / (n + pr.a + pr.b), np.nan)
    out.loc[~inside, "raw"] = np.nan
    out.attrs.update({**fr.attrs, "prior": pr, "prior_mean": pr.mean, "prior_sd": pr.sd, "measure": measure,
                      "caveat": SHRINKAGE_CAVEAT})
    return out


def shrinkage_table(sh: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """`shrinkage` as a reader sees it: the contracts in the follow-up, Swedish headings
    (`LABELS`), percent with one decimal; contracts with fewer than ``min_cell``
    participants shown as ``..`` (A65), the largest shrinkage first."""
    from romlab.review.export import SUPPRESSED, count_shown, hidden, percent

    cfg = cfg or ReviewConfig()
    t = sh.loc[sh["in_follow_up"].astype(bool)]
    t = t.assign(_pull=(t["shrunk"] - t["raw"]).abs()).sort_values(["_pull", *KEY], ascending=[False, True, True],
                                                                     kind="stable")
    small = hidden(t["participants"], cfg.min_cell)
    out = pd.DataFrame({"Leverantörs-id": t["provider_id"], "Leveransområde": t["delivery_area"],
                        "Antal deltagare": count_shown(t["participants"], cfg.min_cell)})
    for col in ("raw", "shrunk", "shrunk_lower", "shrunk_upper"):
        out[LABELS[col]] = percent(t[col]).mask(small, SUPPRESSED)
    return out.reset_index(drop=True)
