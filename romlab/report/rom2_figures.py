"""Figur 1 for Rusta och matcha 2, drawn the way `romlab.report.results_figures` draws Figur 1.

`figur_1(data)` takes the points of `romlab.report.rom2_results.figur_1_data` (the
share with a 3-month and with a 6-month result by start month and level) and returns a
`results_figures.ReportFigure` with **two panels side by side on one percent axis**: the
3-month result on the left, the 6-month result on the right, each with one line per level
and its 95 % confidence band and the total as a dashed grey line (Figur 1's drawing, its
colours and legend). Two panels rather than six lines on one axis: each panel reads as
Figur 1, and the shared axis shows how much lower the 6-month share is. RoM 2 has one
intake window, so there are no window lines. Hidden points are left out of the lines.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.ticker import PercentFormatter

from romlab.report.results_figures import ReportFigure, save, share_lines
from romlab.report.rom2_results import SHARES

FIGUR_1_TITLE = ("Figur 1 (RoM 2): Andel deltagare med resultat efter tre och sex månader över tid och per nivå\n"
                 "(av samtliga deltagare i rusta och matcha 2 vilka vi kan följa minst {months} månader sedan start "
                 "av tjänst)")
PANEL_TITLES = {"result_3m_share": "Resultat efter tre månader", "result_6m_share": "Resultat efter sex månader"}
#: The figure's file name in a run's folder (its table key in the register).
NAME = "rom2_figur_1"


def _panel(ax, d: pd.DataFrame, band: bool) -> None:
    """One result's lines on `ax`, as Figur 1 draws them (`results_figures.share_lines`)."""
    share_lines(ax, d, band)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=2 if d["start_month"].nunique() > 12 else 1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.tick_params(axis="x", labelrotation=45)
    ax.set_xlabel("Startmånad i tjänsten")
    ax.grid(axis="y", alpha=0.3)


def figur_1(data: pd.DataFrame, band: bool = True, save_to: str | Path = "",
            followup_months: int = 20) -> ReportFigure:
    """Figur 1 (RoM 2): the share with a 3-month (left) and a 6-month result (right) by
    start month and level, the followed population (`rom2_results.figur_1_data`);
    written to the folder `save_to` as ``rom2_figur_1.png``/``.svg`` when given
    (`results_figures.save`). ``followup_months``: the follow-up named in the title
    (``cfg.rom2_followup_months``, A84)."""
    fig = ReportFigure(figsize=(11, 5.2), dpi=100, layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    data = data.assign(start_month=pd.to_datetime(data["start_month"]))
    handles, labels = [], []
    for ax, measure in zip(axes, SHARES):
        _panel(ax, data[data["measure"] == measure], band)
        ax.set_title(PANEL_TITLES[measure], loc="left", fontsize=10)
        h, lab = ax.get_legend_handles_labels()
        if len(lab) > len(labels):
            handles, labels = h, lab
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    axes[0].set_ylabel("Andel med resultat")
    axes[1].set_ylabel("")
    axes[0].set_ylim(bottom=0)
    fig.suptitle(FIGUR_1_TITLE.format(months=followup_months), x=0.01, ha="left", fontsize=11)
    if labels:  # none when every point is hidden
        fig.legend(handles, labels, loc="outside lower center", frameon=False, ncols=len(labels))
    save(fig, NAME, save_to)
    return fig


#: The figure by its table key (as `results_figures.FIGURES`).
FIGURES = {NAME: figur_1}
