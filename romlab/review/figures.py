"""One follow-up seen through its ratings: tables and figures for the review's notebook.

The document says rating and result measure usually agree strongly (`000` §3.3:
"oftast starkt"); `rating_agreement` and `rating_table` show how strongly here, and the
figures show the measure's distribution against the 20 % line (§3 condition 2). Only
contracts whose measure may be shown count (at least ``min_cell`` participants,
`export.hidden`; A65). Figures are matplotlib Figures not attached to pyplot;
`as_png` renders one for a notebook with no run-dependent metadata.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.review.config import ReviewConfig
from romlab.review.export import hidden

__all__ = ["rating_agreement", "rating_table", "as_png", "plot_measure_distribution", "plot_rating_vs_measure"]

RATING_ORDER = ["1", "2", "3", "4", "Inget betyg"]


def _shown_contracts(fu: pd.DataFrame, cfg: ReviewConfig) -> pd.DataFrame:
    return fu.loc[fu["in_follow_up"] & ~hidden(fu["participants"], cfg.min_cell)]


def _rating_label(s: pd.Series) -> pd.Series:
    return s.map(lambda v: "Inget betyg" if pd.isna(v) else f"{int(v)}")


def rating_agreement(fu: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """How strongly rating and result measure agree (`000` §3.3: "oftast starkt"):
    Spearman's rank correlation between stars (1–4) and the measure over the rated
    contracts in the follow-up with at least ``min_cell`` participants, with its
    p-value; and the share of unrated contracts below 20 % for comparison."""
    from scipy.stats import spearmanr

    cfg = cfg or ReviewConfig()
    t = _shown_contracts(fu, cfg)
    rated = t.loc[t["rating"].notna()]
    if len(rated) >= 3 and rated["rating"].nunique() > 1:
        res = spearmanr(rated["rating"].astype(float), rated["measure"])
        rho, pval = float(res.statistic), float(res.pvalue)
    else:
        rho = pval = float("nan")
    return pd.DataFrame({
        "Mått": ["Avtal med betyg (minst %d deltagare)" % cfg.min_cell, "Spearmans rangkorrelation",
                 "p-värde", "Avtal utan betyg (minst %d deltagare)" % cfg.min_cell],
        "Värde": [f"{len(rated)}", "–" if np.isnan(rho) else f"{rho:.2f}".replace(".", ","),
                  "–" if np.isnan(pval) else ("< 0,001" if pval < 0.001 else f"{pval:.3f}".replace(".", ",")),
                  f"{int(t['rating'].isna().sum())}"],
    }).set_index("Mått")


def rating_table(fu: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """Result measure by rating (Swedish headings): contracts, median and quartiles of
    the measure, share below the threshold, over the contracts in the follow-up with at
    least ``min_cell`` participants. Rows with fewer than ``min_cell`` contracts still
    show (contracts are not persons), but a rating group of fewer than 3 shows no
    quartiles."""
    cfg = cfg or ReviewConfig()
    t = _shown_contracts(fu, cfg).assign(Betyg=lambda d: _rating_label(d["rating"]))
    g = t.groupby("Betyg")["measure"]
    out = pd.DataFrame({
        "Avtal": g.size(),
        "Median (%)": g.median() * 100,
        "Nedre kvartil (%)": g.quantile(0.25) * 100,
        "Övre kvartil (%)": g.quantile(0.75) * 100,
        f"Andel under {cfg.threshold * 100:g} % (%)": t.groupby("Betyg")["below_threshold"].mean() * 100,
    }).reindex([r for r in RATING_ORDER if r in set(t["Betyg"])])
    out.loc[out["Avtal"] < 3, ["Nedre kvartil (%)", "Övre kvartil (%)"]] = np.nan
    return out.round(1)


def _figure(width=8.0, height=4.0):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def as_png(fig):
    """A figure as a PNG image for a notebook (``IPython.display.Image``), rendered
    without run-dependent metadata so re-executing gives the same bytes."""
    import io

    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return Image(data=buf.getvalue(), format="png")


def plot_measure_distribution(fu: pd.DataFrame, cfg: ReviewConfig | None = None):
    """Histogram of the result measure (percent) over the contracts in the follow-up with
    at least ``min_cell`` participants, by whether they are rated 1 or unrated, with the
    20 % line. Returns a matplotlib Figure (not attached to pyplot)."""
    import seaborn as sns

    cfg = cfg or ReviewConfig()
    t = _shown_contracts(fu, cfg)
    d = pd.DataFrame({"Resultatmått (%)": t["measure"] * 100,
                      "Betyg": np.where(t["rating_ok"], "1 eller inget", "2–4")})
    fig = _figure()
    ax = fig.add_subplot()
    if len(d):
        top = max(60.0, float(np.ceil(d["Resultatmått (%)"].max() / 2.5) * 2.5))
        sns.histplot(d, x="Resultatmått (%)", hue="Betyg", hue_order=["2–4", "1 eller inget"], multiple="stack",
                     bins=np.arange(0, top + 2.5, 2.5), ax=ax, palette=["#9ab8d6", "#c0392b"])
    ax.axvline(cfg.threshold * 100, color="black", linestyle="--", linewidth=1.2)
    ax.text(cfg.threshold * 100, ax.get_ylim()[1] * 0.95, f" {cfg.threshold * 100:.0f} %", va="top")
    ax.set_ylabel("Antal avtal")
    ax.set_title(f"Resultatmått per avtal, publicering {fu.attrs.get('publication_month', '')} "
                 f"(avtal med minst {cfg.min_cell} deltagare)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_rating_vs_measure(fu: pd.DataFrame, cfg: ReviewConfig | None = None):
    """Box plot of the result measure (percent) by rating (1–4, none), with the 20 % line.
    Returns a matplotlib Figure."""
    import seaborn as sns

    cfg = cfg or ReviewConfig()
    t = _shown_contracts(fu, cfg)
    d = pd.DataFrame({"Resultatmått (%)": t["measure"] * 100, "Betyg": _rating_label(t["rating"])})
    order = [r for r in RATING_ORDER if r in set(d["Betyg"])]
    fig = _figure(7.0, 4.0)
    ax = fig.add_subplot()
    if len(d):
        sns.boxplot(d, x="Betyg", y="Resultatmått (%)", order=order, ax=ax, color="#9ab8d6", fliersize=3)
    ax.axhline(cfg.threshold * 100, color="black", linestyle="--", linewidth=1.2)
    ax.set_title(f"Betyg och resultatmått, publicering {fu.attrs.get('publication_month', '')}", fontsize=10)
    fig.tight_layout()
    return fig
