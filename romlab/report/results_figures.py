"""Figur 1 and Figur 2 of the report's §5.1.1, drawn with matplotlib (seaborn's lineplot
drew them once; a line per level needs no more, and a notebook showing them then imports
neither seaborn nor scipy.stats, 0.7 s of CPU in every run).

Each function takes the figure's data from `romlab.report.results` (`figur_1_data`,
`figur_2_data`) and returns a matplotlib ``Figure`` (`ReportFigure`: built without
pyplot, so no global state is touched, and shown by a notebook as one inline PNG;
`save` writes it as the run's PNG and SVG files): one line per level with its
95 % confidence band, the total as a dashed grey line, the window boundaries as pink
vertical lines (§5.1.1: "De rosa strecken"), a percent axis and Swedish labels. Suppressed points
(too few participants) are left out of the lines.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from romlab.dataset import codes
from romlab.report.classify import WINDOW_LABELS
from romlab.report.results import TOTAL, window_boundaries

#: Colours per level (colour-blind safe), the total and the window lines.
LEVEL_COLOURS = {"Nivå A": "#0072B2", "Nivå B": "#E69F00", "Nivå C": "#009E73"}
TOTAL_COLOUR = "#555555"
WINDOW_COLOUR = "#E75480"  # "rosa strecken" (§5.1.1, on Figur 1)

FIGUR_1_TITLE = ("Figur 1: Andel deltagare som uppnådde målet med tjänsten över tid och per nivå\n"
                 "(av samtliga deltagare vilka vi kan följa minst 18 månader sedan start av tjänst)")
FIGUR_2_TITLE = ("Figur 2: Andel arbetssökande som leverantören rapporterar har påbörjat arbete\n"
                 "eller studier under tjänstens första sex månader")


class ReportFigure(Figure):
    """A matplotlib Figure that a notebook shows as one inline PNG (``_repr_png_``),
    whatever the backend; the PNG carries no software or date metadata."""

    #: The PNG last rendered (`png`), kept while the figure is unchanged (matplotlib's
    #: ``stale``): a run's notebook writes the file and shows the figure from one drawing.
    _png: bytes | None = None

    def png(self) -> bytes:
        """The figure as PNG bytes, without software or date metadata."""
        if self._png is None or self.stale:
            buf = io.BytesIO()
            self.savefig(buf, format="png", metadata=FILE_FORMATS["png"])
            self._png = buf.getvalue()
        return self._png

    def _repr_png_(self) -> bytes:
        return self.png()


def share_lines(ax, d: pd.DataFrame, band: bool = True) -> None:
    """A share by start month as Figur 1 draws it: one line per level with its 95 %
    band (``ci_low``, ``ci_high``) and the total (level "ABC") as a dashed grey line."""
    d = d.assign(Nivå=d["level"].map(lambda lv: "Totalt" if lv == TOTAL else codes.LEVELS[lv]))
    levels = d[d["level"] != TOTAL]
    if band:
        for name, part in levels.groupby("Nivå", sort=True):
            part = part.sort_values("start_month", kind="stable")  # one row per month
            ax.fill_between(part["start_month"], part["ci_low"] / 100, part["ci_high"] / 100,
                            color=LEVEL_COLOURS[name], alpha=0.15, linewidth=0)
    level_lines(ax, levels)
    total = d[d["level"] == TOTAL].sort_values("start_month", kind="stable")
    if len(total):
        ax.plot(total["start_month"], total["value"] / 100, color=TOTAL_COLOUR, linestyle="--", linewidth=1.2,
                label="Totalt")


def level_lines(ax, levels: pd.DataFrame) -> None:
    """One line per level ("Nivå" column, in the legend's order), a point per start month
    with its share (``value`` in percent); hidden points left out of the line."""
    for name, colour in LEVEL_COLOURS.items():
        part = levels[(levels["Nivå"] == name) & levels["value"].notna()].sort_values("start_month", kind="stable")
        if len(part):
            ax.plot(part["start_month"], part["value"] / 100, color=colour, marker="o", markersize=4,
                    markeredgecolor="white", markeredgewidth=0.75, linewidth=1.5, label=name)


def _draw(data: pd.DataFrame, title: str, ylabel: str, band: bool = True) -> ReportFigure:
    fig = ReportFigure(figsize=(10, 5.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    d = data.copy()
    share_lines(ax, d, band)
    first, last = d["start_month"].min(), d["start_month"].max()
    if pd.notna(first):
        for row in window_boundaries(first, last + pd.offsets.MonthEnd(0)).itertuples():
            ax.axvline(row.first_day, color=WINDOW_COLOUR, linewidth=1.5)
            ax.annotate(WINDOW_LABELS[row.window], (row.first_day, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(3, -12), textcoords="offset points", color=WINDOW_COLOUR, fontsize=9)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.set_xlabel("Startmånad i tjänsten")
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=11)
    # the legend below the plot, where no line or window mark can cross it; its labels
    # name the level ("Nivå A"), so it needs no title
    handles, labels = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    if labels:  # none when every point is hidden
        fig.legend(handles, labels, loc="outside lower center", frameon=False, ncols=len(labels))
    ax.grid(axis="y", alpha=0.3)
    return fig


#: The files a figure is written as, with the metadata left out of each (no software
#: name, no date: the same bytes on every run).
FILE_FORMATS = {"svg": {"Date": None, "Creator": None}, "png": {"Software": None}}  # the PNG last: the figure
# is shown from the PNG drawn for the file (`ReportFigure.png`)

#: The SVG's settings: text kept as text (``svg.fonttype`` none: a reader can edit the
#: labels, and a browser draws them in the same font family) and element ids salted with
#: a fixed string (matplotlib salts them at random otherwise).
SVG_SETTINGS = {"svg.fonttype": "none", "svg.hashsalt": "romlab"}


def save(fig: Figure, name: str, folder: str | Path = "") -> list[Path]:
    """Write `fig` as ``<folder>/<name>.png`` and ``.svg`` (`FILE_FORMATS`); nothing when
    `folder` is empty (a notebook opened by hand). Returns the files written; the SVG with
    `SVG_SETTINGS`."""
    if not folder:
        return []
    written = []
    for ext, meta in FILE_FORMATS.items():
        path = Path(folder) / f"{name}.{ext}"
        if ext == "png" and isinstance(fig, ReportFigure):
            path.write_bytes(fig.png())  # the bytes the notebook shows
        else:
            with matplotlib.rc_context(SVG_SETTINGS):
                fig.savefig(path, format=ext, metadata=meta)
        written.append(path)
    return written


def figur_1(data: pd.DataFrame, band: bool = True, save_to: str | Path = "") -> ReportFigure:
    """Figur 1 (§5.1.1): percent with R2 by start month and level, the 18-month
    population, window boundaries marked. ``data`` from `results.figur_1_data`;
    written to the folder `save_to` as ``figur_1.png``/``.svg`` when given (`save`: a
    run's notebook draws the figure once, for the page and the files)."""
    fig = _draw(data, FIGUR_1_TITLE, "Andel med resultat (R2)", band)
    save(fig, "figur_1", save_to)
    return fig


def figur_2(data: pd.DataFrame, band: bool = True, save_to: str | Path = "") -> ReportFigure:
    """Figur 2 (§5.1.1): percent whose provider reports (R1) that work or
    studies began within six months, by start month and level. ``data`` from
    `results.figur_2_data`; written to `save_to` as ``figur_2.png``/``.svg`` when given."""
    fig = _draw(data, FIGUR_2_TITLE, "Andel med R1 inom sex månader", band)
    save(fig, "figur_2", save_to)
    return fig


#: The report's figures by name: the function drawing each from its data.
FIGURES = {"figur_1": figur_1, "figur_2": figur_2}
