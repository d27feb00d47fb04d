"""Expected against actual as a reader sees it: the contracts that leave or join the review
list under the risk-adjusted measure, the summary, the expected-measure table and the
figure (`romlab.review.risk_adjust` computes them). Swedish headings; contracts with
fewer than ``min_cell`` participants shown as ``..`` (A65)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.review.config import KEY, ReviewConfig
from romlab.review.export import SUPPRESSED, count_shown, hidden, percent


def list_changes(rva: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """The contracts that leave or join the review list when condition 2 uses the
    risk-adjusted measure (`adjusted_conditions`), Swedish headings: "Förändring"
    ("Faller bort" first, then "Tillkommer"), provider, area, participants at the second
    follow-up, and at both follow-ups the measure, the expected measure, actual/expected
    and the risk-adjusted measure; a contract's figures at a follow-up with fewer than
    ``min_cell`` participants are suppressed (``..``), "–" where it is not in that
    follow-up. Sorted by change, provider and area."""
    cfg = cfg or ReviewConfig()
    m1, m2 = rva.attrs.get("months", ("1", "2"))
    t = rva.loc[rva["list_change"] != ""]
    t = t.assign(_o=t["list_change"].map({"Faller bort": 0, "Tillkommer": 1})).sort_values(
        ["_o", "provider_id", "delivery_area"], kind="stable")

    def shown(col, k, as_ratio=False):
        v = t[f"{col}_{k}"] if f"{col}_{k}" in t else pd.Series(np.nan, index=t.index)
        text = v.map(lambda x: f"{x:.2f}".replace(".", ",") if pd.notna(x) else "") if as_ratio else percent(v)
        return text.mask(hidden(t[f"participants_{k}"], cfg.min_cell), SUPPRESSED).where(t[f"in_follow_up_{k}"], "–")

    out = pd.DataFrame({
        "Förändring": t["list_change"],
        "Leverantör": t["provider_name"].fillna(t["provider_id"]) if "provider_name" in t else t["provider_id"],
        "Leveransområde": t["delivery_area"],
        f"Deltagare {m2}": count_shown(t["participants_2"], cfg.min_cell),
    })
    for k, m in ((1, m1), (2, m2)):
        out[f"Resultatmått {m}"] = shown("measure", k)
        out[f"Förväntat resultatmått {m}"] = shown("expected_measure", k)
        out[f"Faktiskt/förväntat {m}"] = shown("oe", k, as_ratio=True)
        out[f"Riskjusterat resultatmått {m}"] = shown("risk_adjusted_measure", k)
    return out.reset_index(drop=True)


def adjusted_summary(rva: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """Counts of the raw and the risk-adjusted condition (Swedish): below the threshold at
    both follow-ups, on the list (all three conditions), joining and leaving."""
    cfg = cfg or ReviewConfig()
    pct = f"{cfg.threshold * 100:g} %"
    rows = [
        (f"Resultatmått under {pct} vid båda", int(rva["cond_measure"].sum())),
        (f"Riskjusterat resultatmått under {pct} vid båda", int(rva["cond_measure_adjusted"].sum())),
        ("På granskningslistan (resultatmått)", int(rva["meets_all"].sum())),
        ("På granskningslistan (riskjusterat resultatmått)", int(rva["meets_all_adjusted"].sum())),
        ("Faller bort med riskjustering", int((rva["list_change"] == "Faller bort").sum())),
        ("Tillkommer med riskjustering", int((rva["list_change"] == "Tillkommer").sum())),
    ]
    return pd.DataFrame(rows, columns=["Avtal", "Antal"]).set_index("Avtal")


# --------------------------------------------------------------------------- shown

def expected_table(ea: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """A follow-up's expected against actual as shown (Swedish headings), one row per
    contract in the follow-up sorted by provider and area: participants, "Resultatmått",
    "Förväntat resultatmått", "Faktiskt/förväntat" with its interval ("F/F KI nedre",
    "F/F KI övre") and "Riskjusterat resultatmått"; suppressed (``..``) for contracts
    with fewer than ``min_cell`` participants."""
    cfg = cfg or ReviewConfig()
    t = ea.loc[ea["in_follow_up"].astype(bool)].sort_values(KEY, kind="stable")
    small = hidden(t["participants"], cfg.min_cell)

    def ratio(s):
        return s.map(lambda x: f"{x:.2f}".replace(".", ",") if pd.notna(x) else "").mask(small, SUPPRESSED)

    out = pd.DataFrame({
        "Leverantör": t["provider_name"].fillna(t["provider_id"]),
        "Leveransområde": t["delivery_area"],
        "Deltagare": count_shown(t["participants"], cfg.min_cell),
        "Resultatmått": percent(t["measure"]).mask(small, SUPPRESSED),
        "Förväntat resultatmått": percent(t["expected_measure"]).mask(small, SUPPRESSED),
        "Faktiskt/förväntat": ratio(t["oe"]),
        "F/F KI nedre": ratio(t["oe_low"]),
        "F/F KI övre": ratio(t["oe_high"]),
        "Riskjusterat resultatmått": percent(t["risk_adjusted_measure"]).mask(small, SUPPRESSED),
    })
    return out.reset_index(drop=True)


def plot_expected_vs_actual(ea: pd.DataFrame, review: pd.DataFrame | None = None, cfg: ReviewConfig | None = None):
    """Actual measure (y, percent) against expected measure (x) per contract in the
    follow-up with at least ``min_cell`` participants (A65; a note says how many are left
    out), the line actual = expected, the 20 % line, contracts on the review list
    (``review``, `funnel.listed_keys`) as red diamonds. Returns a matplotlib Figure not
    attached to pyplot."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    from romlab.review.funnel import listed_keys

    cfg = cfg or ReviewConfig()
    t = ea.loc[ea["in_follow_up"].astype(bool) & ea["expected_measure"].notna()]
    small = hidden(t["participants"], cfg.min_cell).to_numpy()
    listed = pd.MultiIndex.from_frame(t[KEY].astype(str)).isin(listed_keys(review))
    shown = t.loc[~small].assign(_on=listed[~small]).sort_values(KEY, kind="stable")
    fig = Figure(figsize=(7.0, 6.0), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    x, y = shown["expected_measure"] * 100, shown["measure"] * 100
    top = float(np.ceil(max(60.0, x.max() if len(x) else 0, y.max() if len(y) else 0) / 10) * 10)
    ax.plot([0, top], [0, top], color="#555555", linewidth=1.0, linestyle="--", label="Faktiskt = förväntat",
            zorder=2)
    ax.axhline(cfg.threshold * 100, color="black", linewidth=1.2, label=f"Gräns {cfg.threshold * 100:g} %", zorder=2)
    rest, on = shown.loc[~shown["_on"]], shown.loc[shown["_on"]]
    ax.scatter(rest["expected_measure"] * 100, rest["measure"] * 100, s=16, color="#7f8c8d", alpha=0.7, linewidths=0,
               label="Avtal", zorder=3)
    ax.scatter(on["expected_measure"] * 100, on["measure"] * 100, s=46, marker="D", color="#c0392b",
               edgecolors="black", linewidths=0.6, label="På granskningslistan", zorder=4)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("Förväntat resultatmått (%)")
    ax.set_ylabel("Resultatmått (%)")
    ax.set_title(f"Faktiskt mot förväntat resultatmått, uppföljning {ea.attrs.get('publication_month', '')}",
                 loc="left", fontsize=11)
    ax.grid(alpha=0.3)
    note = (f"Förväntat: linjär sannolikhetsmodell på deltagarnas egenskaper (utan lokal arbetsmarknad).\n"
            f"Avtal med färre än {cfg.min_cell} deltagare visas inte: {int(small.sum())} avtal.")
    ax.annotate(note, xy=(0, 0), xycoords="axes fraction", xytext=(0, -34), textcoords="offset points", fontsize=8,
                ha="left", va="top", annotation_clip=False)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", frameon=False, ncols=2, fontsize=9)
    return fig
