"""The funnel plot of a follow-up: each contract's result measure against its number of
participants, with control limits around the 20 % threshold.

The quality condition compares each contract's measure with 20 % (`000` §3 condition 2,
§3.2). A contract's measure rests on its own participants, often a few dozen, so a small
contract falls below 20 % by chance far more often than a large one. A funnel plot
(Spiegelhalter, "Funnel plots for comparing institutional performance", *Statistics in
Medicine* 24 (2005) 1185–1202; the standard display of institutions against a target in
health-care performance statistics) draws the measure against the number of cases, the
target as a horizontal line, and the limits within which a unit whose true rate *is*
the target falls with probability 95 % and 99.8 % ("2 and 3 standard deviations"). A
contract below the 99.8 % lower limit is below 20 % by more than chance explains; one
between the lines is not distinguishable from a contract at 20 %.

Control limits (`control_limits`), two-sided, for a share with target θ = ``cfg.threshold``
at n participants:

- ``"binomial"`` (default, `LIMIT_METHOD`): exact binomial limits with Spiegelhalter's
  interpolation (2005, Appendix A.1.1): r_p = the p-quantile of Binomial(n, θ) (the
  least r with P(R ≤ r) ≥ p, ``scipy.stats.binom.ppf``), α = (P(R ≤ r_p) − p) /
  (P(R ≤ r_p) − P(R ≤ r_p − 1)), limit = (r_p − α) / n; i.e. the p-quantile of the
  distribution function drawn as straight lines between the integers, so the limits are
  smooth in n instead of steps. p = 0.025 / 0.975 (95 %) and 0.001 / 0.999 (99.8 %).
  Limits are clipped to [0, 1] (a lower limit below 0 means no count is low enough).
- ``"normal"``: θ ± z·√(θ(1 − θ)/n), z = 1.960 (95 %) and 3.090 (99.8 %).

The limits are those of an unweighted share (`funnel_data` can plot any share column).
The review's measure weighs each result by its level (`000` §3.2, A51: A 0.69, B 1,
C 1.31); with those weights and RoM 2's level mix (default data, 2025-03: A 25 / B 40 /
C 35 %) the variance of the weighted measure is the mean squared weight (≈ 1.12) times
the share's, so limits for the weighted measure would lie some 6 % further from the line
than drawn: a contract just outside a drawn limit is a borderline case.

Disclosure: contracts with fewer than ``cfg.min_cell`` participants (10, A65: figures use
contracts with at least 10 participants) are left out of the data and the figure, and a
note says how many. Figures are matplotlib Figures not attached to pyplot (as
`romlab.review.figures`); `save` writes PNG and SVG without run-dependent metadata, the
SVG's element ids salted with a fixed string (`romlab.report.results_figures.save`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from romlab.review.config import KEY, ReviewConfig
from romlab.review.export import hidden

__all__ = ["LIMIT_METHOD", "LIMIT_LEVELS", "MAX_GRID_POINTS", "ZONES", "FunnelData", "control_limits",
           "funnel_data", "funnel_summary", "listed_keys", "plot_funnel", "save"]

#: How the control limits are computed: "binomial" (exact, Spiegelhalter's interpolation)
#: or "normal" (the normal approximation). Exact by default: with 10–50 participants and
#: a target of 20 % the normal approximation puts the lower 99.8 % limit below 0 and is
#: too symmetric (the binomial's lower tail is shorter).
LIMIT_METHOD = "binomial"
#: The two coverages of the limits: 95 % and 99.8 % (Spiegelhalter 2005: "2 and 3 SD").
LIMIT_LEVELS: tuple[float, float] = (0.95, 0.998)
#: Most points of the grid of n the limit lines are drawn through: every integer from the
#: smallest to the largest contract shown when that is fewer, else this many integers
#: spaced evenly on a log scale (the limits change fastest at small n).
MAX_GRID_POINTS = 2000
#: Where a contract lies against the limits, low to high, with its Swedish label.
ZONES: dict[int, str] = {
    -2: "Under nedre 99,8 %-gränsen",
    -1: "Under nedre 95 %-gränsen",
    0: "Inom 95 %-gränserna",
    1: "Över övre 95 %-gränsen",
    2: "Över övre 99,8 %-gränsen",
}

#: Colours and styles (colour-blind safe; the 20 % line black as in `figures`).
_COLOURS = {"contract": "#7f8c8d", "listed": "#c0392b", 0.95: "#0072B2", 0.998: "#0072B2"}
_STYLES = {0.95: "--", 0.998: ":"}


def _level_suffix(level: float) -> str:
    """Column suffix of a coverage: 0.95 → "95", 0.998 → "998"."""
    return f"{level * 100:g}".replace(".", "")


def _level_label(level: float) -> str:
    """Swedish label of a coverage: 0.95 → "95 %", 0.998 → "99,8 %"."""
    return f"{level * 100:g}".replace(".", ",") + " %"


def control_limits(n, target: float, level: float, method: str = LIMIT_METHOD) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided control limits (lower, upper) of a share at ``n`` cases around ``target``
    with coverage ``level`` (0.95: the 2.5 % and 97.5 % points). ``method``:
    ``"binomial"`` (exact, Spiegelhalter's interpolation) or ``"normal"`` (see the module
    docstring). ``n`` a number or an array of whole numbers ≥ 1; n < 1 gives NaN.
    Both limits clipped to [0, 1]."""
    from scipy import stats

    if not 0 < level < 1:
        raise ValueError(f"control_limits: level must be in (0, 1), got {level}")
    if not 0 < target < 1:
        raise ValueError(f"control_limits: target must be in (0, 1), got {target}")
    n = np.asarray(n, dtype=float)
    valid = n >= 1
    nn = np.where(valid, n, 1.0)
    tail = (1 - level) / 2
    if method == "normal":
        half = stats.norm.ppf(1 - tail) * np.sqrt(target * (1 - target) / nn)
        lower, upper = target - half, target + half
    elif method == "binomial":
        if np.any(valid & (nn != np.round(nn))):
            raise ValueError("control_limits: the binomial limits need whole numbers of cases")

        def quantile(p: float) -> np.ndarray:
            r = stats.binom.ppf(p, nn, target)
            f_r = stats.binom.cdf(r, nn, target)
            f_below = stats.binom.cdf(r - 1, nn, target)
            alpha = (f_r - p) / (f_r - f_below)
            return (r - alpha) / nn

        lower, upper = quantile(tail), quantile(1 - tail)
    else:
        raise ValueError(f"control_limits: method must be 'binomial' or 'normal', got {method!r}")
    lower = np.where(valid, np.clip(lower, 0.0, 1.0), np.nan)
    upper = np.where(valid, np.clip(upper, 0.0, 1.0), np.nan)
    return lower, upper


def listed_keys(review: pd.DataFrame | None) -> pd.MultiIndex:
    """The contracts (provider_id, delivery_area) on the review list: the rows of a review
    (`conditions.review`) that meet all three conditions (``meets_all``), or every row of
    any other frame with the two key columns. None → no contract."""
    if review is None:
        return pd.MultiIndex.from_arrays([[], []], names=KEY)
    missing = [c for c in KEY if c not in review.columns]
    if missing:
        raise KeyError(f"the review list has no column(s) {missing}: give a review (conditions.review) or a frame "
                       f"with provider_id and delivery_area")
    t = review.loc[review["meets_all"].astype(bool)] if "meets_all" in review.columns else review
    return pd.MultiIndex.from_frame(t[KEY].astype(str))


@dataclass
class FunnelData:
    """A follow-up's funnel: contracts, limit lines and what was left out."""

    #: publication month of the follow-up ("" if the frame does not say)
    month: str
    #: one row per contract shown (in the follow-up, at least ``min_cell`` participants),
    #: sorted by provider and area: provider_id, delivery_area, provider_name,
    #: participants, measure (the plotted column, a share), lower_95, upper_95,
    #: lower_998, upper_998 (limits at the contract's own n), zone (−2 … 2, `ZONES`),
    #: zone_label (Swedish), on_list (on the review list)
    contracts: pd.DataFrame
    #: the limit lines: n (the grid), target, lower_95, upper_95, lower_998, upper_998
    limits: pd.DataFrame
    #: contracts in the follow-up left out for having fewer than ``min_cell`` participants
    left_out: int
    #: of which on the review list
    left_out_listed: int
    min_cell: int
    target: float
    method: str
    levels: tuple[float, ...] = field(default=LIMIT_LEVELS)
    #: the measure column plotted
    column: str = "measure"

    @property
    def note(self) -> str:
        """The figure's note (Swedish, two lines): the method of the limits and what is
        left out."""
        how = ("exakta binomialgränser (Spiegelhalter 2005)" if self.method == "binomial"
               else "normalapproximation")
        levels = " och ".join(_level_label(lv) for lv in self.levels)
        text = (f"Kontrollgränser ({levels}) kring {self.target * 100:g} % för en oviktad andel, {how}.\n"
                f"Avtal med färre än {self.min_cell} deltagare visas inte: {self.left_out} avtal")
        if self.left_out_listed:
            text += f", varav {self.left_out_listed} på granskningslistan"
        return text + "."


def _grid(lo: int, hi: int, max_points: int = MAX_GRID_POINTS) -> np.ndarray:
    lo, hi = max(int(lo), 1), max(int(hi), 1)
    if hi - lo + 1 <= max_points:
        return np.arange(lo, hi + 1, dtype=np.int64)
    return np.unique(np.round(np.geomspace(lo, hi, max_points)).astype(np.int64))


def funnel_data(fu: pd.DataFrame, cfg: ReviewConfig | None = None, review: pd.DataFrame | None = None,
                method: str = LIMIT_METHOD, levels: tuple[float, ...] = LIMIT_LEVELS, column: str = "measure",
                grid: np.ndarray | None = None) -> FunnelData:
    """The funnel of one follow-up (`measure.follow_up` / `FollowUps.follow_up`).

    Contracts in the follow-up (``in_follow_up``) with at least ``cfg.min_cell``
    participants (A65), each with its ``participants`` (n), its ``column`` (default the
    review's ``measure``; any share column of ``fu``, e.g. a risk-adjusted measure merged
    onto it) and the control limits at its own n around ``cfg.threshold`` (`control_limits`
    with ``method`` and ``levels``). ``review``: a review (`conditions.review`) or a list
    of contracts (`listed_keys`) whose contracts are marked ``on_list``. ``grid``: the n
    the limit lines are computed at (default: every whole number from the smallest to
    the largest n shown, or a log-spaced subset, `MAX_GRID_POINTS`). Returns `FunnelData`.
    """
    cfg = cfg or ReviewConfig()
    need = [*KEY, "in_follow_up", "participants", column]
    missing = [c for c in need if c not in fu.columns]
    if missing:
        raise KeyError(f"funnel_data: the follow-up has no column(s) {missing}")
    if len(levels) != 2:
        raise ValueError(f"funnel_data: two coverages are drawn (inner, outer), got {levels}")
    inner, outer = sorted(levels)
    t = fu.loc[fu["in_follow_up"].astype(bool) & fu[column].notna()]
    small = hidden(t["participants"], cfg.min_cell)
    listed = listed_keys(review)
    t_keys = pd.MultiIndex.from_frame(t[KEY].astype(str))
    on_list = t_keys.isin(listed)
    shown = t.loc[~small.to_numpy()]
    out = pd.DataFrame({
        "provider_id": shown["provider_id"].astype(str),
        "delivery_area": shown["delivery_area"].astype(str),
        "provider_name": (shown["provider_name"] if "provider_name" in shown else shown["provider_id"]).astype(str),
        "participants": shown["participants"].astype("int64"),
        "measure": shown[column].astype(float),
    })
    n = out["participants"].to_numpy()
    zone = np.zeros(len(out), dtype=np.int64)
    for lv in (inner, outer):
        lo, hi = control_limits(n, cfg.threshold, lv, method)
        s = _level_suffix(lv)
        out[f"lower_{s}"], out[f"upper_{s}"] = lo, hi
        zone += (out["measure"].to_numpy() < lo).astype(np.int64) * -1
        zone += (out["measure"].to_numpy() > hi).astype(np.int64)
    out["zone"] = zone
    out["zone_label"] = out["zone"].map(ZONES)
    out["on_list"] = on_list[~small.to_numpy()]
    out = out.sort_values(KEY, kind="stable").reset_index(drop=True)

    if grid is None:
        grid = _grid(n.min(), n.max()) if len(n) else np.arange(cfg.min_cell or 1, 101, dtype=np.int64)
    grid = np.asarray(grid, dtype=np.int64)
    limits = pd.DataFrame({"n": grid, "target": cfg.threshold})
    for lv in (inner, outer):
        lo, hi = control_limits(grid, cfg.threshold, lv, method)
        s = _level_suffix(lv)
        limits[f"lower_{s}"], limits[f"upper_{s}"] = lo, hi
    return FunnelData(month=str(fu.attrs.get("publication_month", "")), contracts=out, limits=limits,
                      left_out=int(small.sum()), left_out_listed=int((small.to_numpy() & on_list).sum()),
                      min_cell=cfg.min_cell, target=cfg.threshold, method=method, levels=(inner, outer),
                      column=column)


def funnel_summary(fd: FunnelData) -> pd.DataFrame:
    """Contracts shown per zone of the funnel (Swedish headings): all of them and those
    on the review list, low zones first; the last row counts those left out."""
    c = fd.contracts
    zones = pd.Index(list(ZONES), name="zone")
    out = pd.DataFrame({
        "Läge i trattdiagrammet": [ZONES[z] for z in zones],
        "Avtal": c.groupby("zone").size().reindex(zones, fill_value=0).to_numpy(),
        "Varav på granskningslistan": c.loc[c["on_list"]].groupby("zone").size().reindex(zones, fill_value=0)
        .to_numpy(),
    })
    left = pd.DataFrame({"Läge i trattdiagrammet": [f"Visas inte (färre än {fd.min_cell} deltagare)"],
                         "Avtal": [fd.left_out], "Varav på granskningslistan": [fd.left_out_listed]})
    return pd.concat([out, left], ignore_index=True).set_index("Läge i trattdiagrammet")


def plot_funnel(fu: pd.DataFrame | FunnelData, review: pd.DataFrame | None = None, cfg: ReviewConfig | None = None,
                method: str = LIMIT_METHOD, column: str = "measure", title: str | None = None):
    """The funnel plot of a follow-up: x = number of participants, y = the measure in
    percent, the 20 % line, the 95 % and 99.8 % control limits, the contracts on the
    review list (``review``, `listed_keys`) as red diamonds ("På granskningslistan"),
    the others as grey dots; the note (`FunnelData.note`) under the plot. ``fu`` a
    follow-up (then `funnel_data` with ``cfg``, ``method``, ``column``) or its
    `FunnelData`. Drawn in a fixed order (lines, contracts by key, listed contracts
    last). Returns a matplotlib Figure not attached to pyplot."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    fd = fu if isinstance(fu, FunnelData) else funnel_data(fu, cfg, review, method=method, column=column)
    fig = Figure(figsize=(9.0, 5.5), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    lim = fd.limits
    ax.axhline(fd.target * 100, color="black", linewidth=1.2, label=f"Gräns {fd.target * 100:g} %", zorder=2)
    for lv in fd.levels:
        s = _level_suffix(lv)
        ax.plot(lim["n"], lim[f"lower_{s}"] * 100, color=_COLOURS[lv], linestyle=_STYLES[lv], linewidth=1.1,
                label=f"Kontrollgränser {_level_label(lv)}", zorder=2)
        ax.plot(lim["n"], lim[f"upper_{s}"] * 100, color=_COLOURS[lv], linestyle=_STYLES[lv], linewidth=1.1,
                zorder=2)
    c = fd.contracts
    rest, listed = c.loc[~c["on_list"]], c.loc[c["on_list"]]
    ax.scatter(rest["participants"], rest["measure"] * 100, s=16, color=_COLOURS["contract"], alpha=0.7,
               linewidths=0, label="Avtal", zorder=3)
    ax.scatter(listed["participants"], listed["measure"] * 100, s=46, marker="D", color=_COLOURS["listed"],
               edgecolors="black", linewidths=0.6, label="På granskningslistan", zorder=4)
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_ylim(0, max(60.0, float(np.ceil(c["measure"].max() * 20) * 5) if len(c) else 60.0))
    ax.set_xlim(left=0)
    ax.set_xlabel("Antal deltagare")
    ax.set_ylabel("Resultatmått (%)" if fd.column == "measure" else f"{fd.column} (%)")
    ax.set_title(title or f"Resultatmått mot antal deltagare, uppföljning {fd.month}", loc="left", fontsize=11)
    ax.grid(alpha=0.3)
    # the note under the axis label, inside the axes' layout box (constrained layout
    # makes room for it), the legend below it
    ax.annotate(fd.note, xy=(0, 0), xycoords="axes fraction", xytext=(0, -34), textcoords="offset points",
                fontsize=8, ha="left", va="top", annotation_clip=False)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", frameon=False, ncols=min(len(labels), 5), fontsize=9)
    return fig


def save(fig, name: str, folder: str | Path = "") -> list[Path]:
    """Write ``fig`` as ``<folder>/<name>.png`` and ``.svg`` without run-dependent
    metadata, the SVG's ids salted with a fixed string (`romlab.report.results_figures.save`,
    imported on use); nothing when ``folder`` is empty. Returns the files written."""
    if not folder:
        return []
    from romlab.report.results_figures import save as save_figure

    return save_figure(fig, name, folder)
