"""An independent attacker on what runs publish: an LP over every published number.

Written from the report's structure (§3.3 windows, §5 Tabell 14–23, Figur 1–2, §4 Tabell
5–13 and A 1; RoM 2's support and results tables of issue 16) and from the files a run
folder hands on, never from
`romlab.publication.protection` or `disclosure`, so that it checks the protection's
declarations as well as its pattern. ``lp_attack(releases)`` reads each release (a run
folder), writes every count the releases rest on as an LP variable and every published
number and structural relation as a constraint, and gives each count an attacker cannot
read directly its interval [low, high]: its min and max over the LP, with HiGHS (through
SciPy). To keep that fast (`_solve`): counts joined by x = y become one, published and
singly-determined counts are substituted, the rest splits into connected parts; in each,
bounds propagated row by row are valid for the LP and a feasible point that attains one
proves it optimal, so an LP is solved only for the bounds no point seen so far attains,
each from the previous optimal basis where SciPy's HiGHS bindings allow (`_LP`).

Variables, per release and population cell (ids as in the suppression log):

- ``P|w|lv|group`` (window population, Tabell 15–22; group "Alla" for Tabell 15, 19, 20):
  ``n`` persons, ``r2`` with a result (R2), ``work``, ``studies``;
- ``Q|lv`` (18-month population, Tabell 14, 23, lv A, B, C, ABC): ``n``, ``r2``,
  ``work``, ``studies``, ``sub`` (subsidised work), ``unsub_all`` (unsubsidised, column 1 of
  Tabell 23: unmatched work counted as unsubsidised), ``unsub_id`` (column 2); ``E|ABC|col``
  the jobs counted in a column of Tabell 23 (``n``) and the unsubsidised among them
  (``unsub``);
- ``F1|YYYY-MM|lv`` (Figur 1: ``n``, ``r2``) and ``F2|YYYY-MM|lv`` (Figur 2: ``n``, ``sig``
  with an R1 signal within six months), lv A, B, C and ABC (the dashed total);
- ``S|…`` (support tables: Tabell 5's adjusted sample ``S|5|Alla``, Tabell 7–11 groups,
  Tabell 12 levels, Tabell 13 registration time × level, Tabell A 1 columns × level):
  ``n`` persons and, where published, ``obs`` report-months;
- ``O|row|col`` (§3.3 starts by window × level, from the ``00_data`` notebook when the run
  holds it): ``n``;
- RoM 2 (issue 16): ``R2Q|lv`` (the followed population, lv A, B, C, ABC: Tabell 14 and 19
  (RoM 2), nyckeltal.json's "rom2", Tabell 18 (RoM 2)'s observations): ``n``, ``r3m`` /
  ``r6m`` (with a 3- / 6-month result), ``r3m6m`` (with both), ``work3m``,
  ``studies3m``, ``work6m``, ``studies6m``; ``R2G|lv|group`` (Tabell 16 (RoM 2)),
  ``R2J|lv|band`` (the job-chance bands) and ``R2F|YYYY-MM|lv`` (Figur 1 (RoM 2), from
  figurer.csv or its SVG's two panels): ``n``, ``r3m``, ``r6m``; ``S2|…`` RoM 2's
  support sample as ``S|…``; ``S2J|month|generation`` (RoM 1 beside RoM 2): ``n``,
  ``obs`` (report-months after trimming), ``obs_all`` (before).

Constraints: every published n, share (value × denominator / 100 = numerator: the CSV
holds full precision, so numerators are exact), the key figures, the figures' points
(`svg_readback`: exact (num, n) per level point, the total's share as an exact
fraction), the log's primary / secondary labels; the structure: each comparison of
Tabell 16 splits its window × level cell (foreign-born women + men = foreign-born) for
every quantity, window × level cells add up to the key figures' window total, levels add
up to ABC, Figur 1's months add up to Tabell 14, Figur 2's persons equal Figur 1's in
the months both show, start months bound the windows they overlap (§3.3's dates),
R2 = work + studies, work = subsidised + unsubsidised (column 1), 0 ≤ numerator ≤
denominator; Tabell 17's flags against a hidden level-A cell (linear in its counts). RoM
2: levels add up to ABC for every count, a result is work or studies, the persons with
both results are at most either and at least their sum less the persons, each
comparison of Tabell 16 (RoM 2) splits its level (foreign-born women + men =
foreign-born), the job-chance bands split their level, Figur 1 (RoM 2)'s levels add up
to the month's total and its months (the manifest's followed start months) to Tabell 14
(RoM 2)'s level; RoM 2's support tables as RoM 1's; marks of Tabell 16 (RoM 2) against a
hidden reference as Tabell 16's. Assumptions that hold on the sample but not whatever
the data are off unless asked for (`ASSUMPTIONS`).
Significance marks against a hidden cell are findings, and a second pass narrows the
hidden cell's counts to the integer pairs whose z-test agrees with the mark. Several
releases (`_link_releases`): two releases of one period from the same data share every
count; otherwise the cells of a block (a window × level, a month, the 18-month
population, the support sample, a starts row) are the same population in two releases
when the persons both know agree, the block's margin included; then each count of one
pins the same count hidden in the other.

Where the report leaves the attacker a choice, the attacker takes the one that is valid
whatever the protection does: a primary label on a window × level cell bounds its R2
count (Tabell 20 shows results as its n); an absent mark or flag counts only when the
release shows one that only a hidden cell explains; a missing figure point is not taken
to be small. The attacker is checked against the truth in ``test_attack_lp.py``: every
count of the unprotected tables lies in its interval.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import svg_readback
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components
from scipy.special import ndtr

from romlab.dataset.errors import DataError
from romlab.report.classify import LABELS, WINDOWS, comparison_rows

__all__ = ["LEVELS", "Release", "build_model", "lp_attack", "read_release", "violations", "z_test_significant"]

LEVELS = ("A", "B", "C")
TOTAL = "ABC"
#: The service started in May 2020 (the report's §3): the window population's first start.
SERVICE_START = "2020-05"
#: Quantities of each kind of cell.
QUANTITIES = {
    "P": ("n", "r2", "work", "studies"),
    "Q": ("n", "r2", "work", "studies", "sub", "unsub_all", "unsub_id"),
    "E": ("n", "unsub"),
    "F1": ("n", "r2"),
    "F2": ("n", "sig"),
    "S": ("n", "obs"),
    "O": ("n",),
    # RoM 2 (issue 16): the followed population's levels, Tabell 16's groups, the job-chance
    # bands and Figur 1's start months; the support sample and the RoM 1 / RoM 2 months
    "R2Q": ("n", "r3m", "r6m", "r3m6m", "work3m", "studies3m", "work6m", "studies6m"),
    "R2G": ("n", "r3m", "r6m"),
    "R2J": ("n", "r3m", "r6m"),
    "R2F": ("n", "r3m", "r6m"),
    "S2": ("n", "obs"),
    "S2J": ("n", "obs", "obs_all"),
}
#: Tabell 23's columns (§5.3.2): all result reports / identified ones.
T23_ALL, T23_ID = "Alla resultatrapporter", "Rapporter identifierade med säkerhet"
#: (table, measure) → (numerator, denominator) of a published share.
SHARES = {
    ("14", "r2_share"): ("r2", "n"), ("14", "work_share"): ("work", "n"),
    ("14", "education_share"): ("studies", "n"),
    ("15", "r2_share"): ("r2", "n"), ("16", "r2_share"): ("r2", "n"), ("17", "r2_share"): ("r2", "n"),
    ("19", "work_share"): ("work", "n"), ("19", "education_share"): ("studies", "n"),
    ("20", "work_share_of_results"): ("work", "r2"),
    ("21", "work_share"): ("work", "n"), ("22", "education_share"): ("studies", "n"),
    ("23", "subsidised_work_share"): ("sub", "n"),
    ("23", "unsubsidised_share_of_employment"): ("unsub", "n"),
    ("headline", "r2_share"): ("r2", "n"),
    ("headline", "work_share_of_results"): ("work", "r2"),
    ("headline", "education_share_of_results"): ("studies", "r2"),
    ("headline", "unsubsidised_share_of_employment_low"): ("unsub", "n"),
    ("headline", "unsubsidised_share_of_employment_high"): ("unsub", "n"),
    # RoM 2: shares of persons with a 3- / 6-month result, continuation (both of the
    # 3-month results), work and studies of each result (Tabell 14, 16, 19 (RoM 2), the
    # job-chance table)
    ("rom2_14", "result_3m_share"): ("r3m", "n"), ("rom2_14", "result_6m_share"): ("r6m", "n"),
    ("rom2_14", "continuation_share"): ("r3m6m", "r3m"),
    ("rom2_16", "result_3m_share"): ("r3m", "n"), ("rom2_16", "result_6m_share"): ("r6m", "n"),
    ("rom2_jobbchans", "result_3m_share"): ("r3m", "n"), ("rom2_jobbchans", "result_6m_share"): ("r6m", "n"),
    ("rom2_19", "work_3m_share"): ("work3m", "n"), ("rom2_19", "education_3m_share"): ("studies3m", "n"),
    ("rom2_19", "work_share_of_3m_results"): ("work3m", "r3m"),
    ("rom2_19", "work_6m_share"): ("work6m", "n"), ("rom2_19", "education_6m_share"): ("studies6m", "n"),
    ("rom2_19", "work_share_of_6m_results"): ("work6m", "r6m"),
}
#: Rows whose ``n`` is not the cell's persons but the share's denominator (Tabell 20:
#: results; RoM 2: the continuation's and work-of-results' 3- / 6-month results).
ROW_N = {("20", "work_share_of_results"): "r2", ("rom2_14", "continuation_share"): "r3m",
         ("rom2_19", "work_share_of_3m_results"): "r3m", ("rom2_19", "work_share_of_6m_results"): "r6m"}
#: RoM 2's Figur 1: the measure of each panel → the count it is a share of the persons.
ROM2_FIGURE = "rom2_figur_1"
ROM2_FIGURE_COUNTS = {"result_3m_share": "r3m", "result_6m_share": "r6m"}
#: Tabell 16 (RoM 2)'s two results as the workbook heads them.
ROM2_RESULT_HEADS = {"tre": "3m", "sex": "6m"}
#: Quantity that Tabell 16, 21 and 22's significance marks test (§5.2.1, §5.3.1).
MARK_QUANTITY = {"16": "r2", "21": "work", "22": "studies", "rom2_16_3m": "r3m", "rom2_16_6m": "r6m"}
_TOL = 1e-6
#: Assumptions an attacker may add that hold on the sample but not whatever the data
#: (``lp_attack(..., assume=…)``; off by default, so that the attacker is never wrong):
#: "model_is_population": Tabell 18 (RoM 2)'s observations are the followed population
#: (no one left out for a missing regressor); "untied_bands": no two persons of a level
#: share a job chance at a band's edge, so each job-chance band holds ⌊N/5⌋ or ⌈N/5⌉ of
#: its level's N persons (the bands are quintile groups by rank, the table's note).
ASSUMPTIONS = frozenset({"model_is_population", "untied_bands"})
#: Complements (denominator − numerator: persons without the outcome) that are counts of
#: their own, per kind of cell: variable "n-r2" etc.
COMPLEMENTS = {
    "P": (("n", "r2"), ("n", "work"), ("n", "studies")),
    "Q": (("n", "r2"), ("n", "work"), ("n", "studies"), ("n", "sub"), ("n", "unsub_all"), ("n", "unsub_id")),
    "E": (("n", "unsub"),),
    "F1": (("n", "r2"),),
    "F2": (("n", "sig"),),
    "R2Q": (("n", "r3m"), ("n", "r6m"), ("r3m", "r3m6m"), ("n", "work3m"), ("n", "studies3m"), ("n", "work6m"),
            ("n", "studies6m"), ("r3m", "work3m"), ("r6m", "work6m")),
    "R2G": (("n", "r3m"), ("n", "r6m")),
    "R2J": (("n", "r3m"), ("n", "r6m")),
    "R2F": (("n", "r3m"), ("n", "r6m")),
}


def z_test_significant(x1, n1, x2, n2, alpha: float) -> np.ndarray:
    """Two-sided two-proportion z-test with pooled variance below ``alpha`` (the report's
    test of group differences, §5.2.1; the pooled form is the assumptions log's A32).
    False where a group is empty or the pooled share is 0 or 1."""
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (x1 + x2) / (n1 + n2)
        se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
        pv = 2 * ndtr(-np.abs(z))
    return np.where((n1 > 0) & (n2 > 0) & (se > 0), pv < alpha, False)


# ============================================================================ a release

@dataclass
class Release:
    """What one run folder publishes, as read by the attacker: ``tables`` (tabeller.csv),
    ``nyckeltal`` (nyckeltal.json), ``log`` (undertryckta.csv, any of its columns),
    ``figures`` ("F1", "F2": `svg_readback.read_figure` of figur_1.svg, figur_2.svg),
    ``starts`` (§3.3's starts table of the 00_data notebook, NaN where hidden), ``marks``
    (bold and filled cells of Tabell 15–17, 21, 22 and Tabell 16 (RoM 2) in tabeller.xlsx),
    ``rom2_figure`` (Figur 1 (RoM 2)'s points: figurer.csv, or read back from
    rom2_figur_1.svg when the folder has no figurer.csv), and from manifest.json (or the
    log's wording) ``min_cell``, ``alpha``, the 18-month population's start months and
    RoM 2's followed start months."""

    name: str
    folder: Path
    tables: pd.DataFrame
    nyckeltal: dict
    log: pd.DataFrame | None = None
    figures: dict[str, pd.DataFrame] = field(default_factory=dict)
    starts: pd.DataFrame | None = None
    marks: pd.DataFrame | None = None
    min_cell: int | None = None
    alpha: float = 0.05
    population_months: tuple[str, str] | None = None
    rom2_figure: pd.DataFrame | None = None
    rom2_months: tuple[str, str] | None = None


def read_release(folder: str | Path, name: str | None = None) -> Release:
    """Read a run folder: ``tabeller.csv``, ``nyckeltal.json``, ``undertryckta.csv``,
    ``figur_1.svg``, ``figur_2.svg``, the marks of ``tabeller.xlsx``, the starts table of
    the ``00_data`` notebook and the run's parameters (``manifest.json``) where present."""
    folder = Path(folder)
    if not (folder / "tabeller.csv").is_file():
        raise DataError(str(folder), "", "a run folder holds tabeller.csv", 0, detail="not a run folder")
    tab = pd.read_csv(folder / "tabeller.csv", dtype={"table": str, "group": str, "level": str, "column": str,
                                                      "adjusted": str, "measure": str})
    nyck = json.loads((folder / "nyckeltal.json").read_text(encoding="utf-8")) \
        if (folder / "nyckeltal.json").is_file() else {}
    log = pd.read_csv(folder / "undertryckta.csv", dtype=str, keep_default_na=False) \
        if (folder / "undertryckta.csv").is_file() else None
    rel = Release(name=name or folder.name, folder=folder, tables=tab, nyckeltal=nyck, log=log)
    man = folder / "manifest.json"
    if man.is_file():
        params = json.loads(man.read_text(encoding="utf-8")).get("parameters", {})
        rel.min_cell = params.get("min_cell")
        rel.alpha = float(params.get("significance_level", rel.alpha))
        if params.get("population_start_months"):
            rel.population_months = tuple(params["population_start_months"])
        if params.get("rom2_population_start_months"):
            rel.rom2_months = tuple(params["rom2_population_start_months"])
    if rel.min_cell is None and log is not None and "reason" in log:
        m = log["reason"].str.extract(r"färre än (\d+)", expand=False).dropna()
        rel.min_cell = int(m.iloc[0]) if len(m) else None
    for key, fname in (("F1", "figur_1.svg"), ("F2", "figur_2.svg")):
        if (folder / fname).is_file():
            rel.figures[key] = svg_readback.read_figure(folder / fname)
    rel.rom2_figure = _read_rom2_figure(folder)
    rel.starts = _read_starts(folder)
    if (folder / "tabeller.xlsx").is_file():
        rel.marks = _read_marks(folder / "tabeller.xlsx")
    return rel


def _read_rom2_figure(folder: Path) -> pd.DataFrame | None:
    """Figur 1 (RoM 2)'s points: ``start_month`` (YYYY-MM), ``level`` (A, B, C, ABC),
    ``measure`` (the 3- or 6-month result), ``value`` (percent, NaN where hidden), ``n``.
    From figurer.csv (full precision); without it, read back from rom2_figur_1.svg (two
    panels, `svg_readback.read_panels`: exact counts where the band gives them). None
    when the run draws no such figure."""
    csv = folder / "figurer.csv"
    if csv.is_file():
        f = pd.read_csv(csv, dtype={"figure": str, "start_month": str, "level": str, "measure": str})
        f = f[f["figure"] == ROM2_FIGURE]
        if f.empty:
            return None
        hidden = f["suppressed"].fillna(False).astype(bool) if "suppressed" in f else f["value"].isna()
        out = f[["start_month", "level", "measure", "value", "n"]].copy()
        out.loc[hidden.to_numpy(), ["value", "n"]] = np.nan
        out["num"], out["matches"], out["tol"] = np.nan, 1, 0.0
        return out.reset_index(drop=True)
    svg = folder / f"{ROM2_FIGURE}.svg"
    if not svg.is_file():
        return None
    pts = svg_readback.read_panels(svg)
    measures = list(ROM2_FIGURE_COUNTS)
    out = pd.DataFrame({"start_month": pts["start_month"].dt.strftime("%Y-%m"),
                        "level": pts["level"].replace({"Totalt": TOTAL}),
                        "measure": [measures[i] for i in pts["panel"]],
                        "value": 100 * pts["share"], "n": pts["n"].where(pts["matches"] == 1),
                        "num": pts["num"].where(pts["matches"] == 1), "matches": pts["matches"], "tol": pts["tol"]})
    return out.reset_index(drop=True)


def _read_starts(folder: Path) -> pd.DataFrame | None:
    """§3.3's starts by window × level as the ``00_data`` notebook shows it (HTML output),
    counts as floats, NaN where '..'; None when the run holds no such table."""
    nb = folder / "00_data.ipynb"
    if not nb.is_file():
        return None
    from bs4 import BeautifulSoup

    cells = json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        for out in cell.get("outputs", []):
            html = "".join(out.get("data", {}).get("text/html", []))
            if "Nivå A" not in html or "Fönster 1" not in html:
                continue
            table = BeautifulSoup(html, "html.parser").find("table")
            head = [th.get_text(strip=True) for th in table.find("thead").find("tr").find_all("th")][1:]
            rows = {}
            for tr in table.find("tbody").find_all("tr"):
                label = tr.find("th").get_text(strip=True)
                vals = [re.sub(r"\s", "", td.get_text()) for td in tr.find_all("td")]
                rows[label] = [float(v) if re.fullmatch(r"\d+", v) else np.nan for v in vals]
            return pd.DataFrame.from_dict(rows, orient="index", columns=head)
    return None


def _read_marks(path: Path) -> pd.DataFrame:
    """Per shown cell of Tabell 15, 16, 17, 21, 22 in the workbook: is it shown, bold
    (significant) and filled (Tabell 17's flag)? The sheets as printed: a header row
    whose first cell is "Nivå" (Tabell 15: the windows across, a level per row) or
    "Jämförelse" (the group tables: the windows across, merged over a second header row
    of levels; a group per row), the rows below it down to the first empty one. Tabell
    16 (RoM 2) as `_read_rom2_marks` reads it. Raises if a sheet is there but no cell can
    be read (the attack would be weaker unseen)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    rows = []
    for sheet in ("Tabell 15", "Tabell 16", "Tabell 17", "Tabell 21", "Tabell 22"):
        if sheet not in wb.sheetnames:
            continue
        grid = [list(r) for r in wb[sheet].iter_rows()]
        h = next((i for i, r in enumerate(grid) if r[0].value in ("Nivå", "Jämförelse")), None)
        if h is None:
            raise ValueError(f"{path}: {sheet} has no header row the attacker can read")
        two = grid[h][0].value == "Jämförelse"
        windows, w = [], None
        for c in grid[h][1:]:  # a merged header holds its text in its first cell
            w = int(str(c.value).split()[-1]) if c.value is not None else w
            windows.append(w)
        levels = [str(c.value).split()[-1] if c.value is not None else None for c in grid[h + 1][1:]] if two else None
        found = 0
        for r in grid[h + (2 if two else 1):]:
            if r[0].value is None:
                break
            for j, c in enumerate(r[1:]):
                if windows[j] is None or (two and levels[j] is None):
                    continue
                lv, group = (levels[j], str(r[0].value)) if two else (str(r[0].value).split()[-1], "Alla")
                filled = bool(c.fill is not None and c.fill.fill_type not in (None, "none"))
                rows.append((sheet.split()[-1], group, windows[j], lv, c.value != "..",
                             bool(c.font is not None and c.font.b), filled))
                found += 1
        if not found:
            raise ValueError(f"{path}: no cell of {sheet} read")
    rows += _read_rom2_marks(wb, path)
    return pd.DataFrame(rows, columns=["table", "group", "window", "level", "shown", "bold", "filled"])


def _read_rom2_marks(wb, path: Path) -> list[tuple]:
    """Tabell 16 (RoM 2) as printed: a header row whose first cell is "Jämförelse", the
    two results across ("Resultat efter tre / sex månader", merged) over a second header
    row of levels, a group per row. Rows (table "rom2_16_3m" / "rom2_16_6m", group,
    window 0: RoM 2 has one, level, shown, bold, filled)."""
    sheet = "Tabell 16 (RoM 2)"
    if sheet not in wb.sheetnames:
        return []
    grid = [list(r) for r in wb[sheet].iter_rows()]
    h = next((i for i, r in enumerate(grid) if r[0].value == "Jämförelse"), None)
    if h is None:
        raise ValueError(f"{path}: {sheet} has no header row the attacker can read")
    results, res = [], None
    for c in grid[h][1:]:
        if c.value is not None:
            words = str(c.value).split()
            res = next((v for k, v in ROM2_RESULT_HEADS.items() if k in words), None)
        results.append(res)
    levels = [str(c.value).split()[-1] if c.value is not None else None for c in grid[h + 1][1:]]
    rows = []
    for r in grid[h + 2:]:
        if r[0].value is None:
            break
        for j, c in enumerate(r[1:]):
            if j >= len(results) or results[j] is None or levels[j] not in LEVELS:
                continue
            filled = bool(c.fill is not None and c.fill.fill_type not in (None, "none"))
            rows.append((f"rom2_16_{results[j]}", str(r[0].value), 0, levels[j], c.value != "..",
                         bool(c.font is not None and c.font.b), filled))
    if not rows:
        raise ValueError(f"{path}: no cell of {sheet} read")
    return rows


# ============================================================================ cell ids

def _w(v) -> int:
    return int(float(v))


def _cell_ids(t: pd.DataFrame) -> pd.Series:
    """The attacker's own cell id of each row of tabeller.csv (NA where a row rests on
    no counted population), from the row's keys, not from the CSV's ``cell`` column
    (RoM 2's comparison months aside: their month and generation are in no other column
    of tabeller.csv, `_rom2_ids`). A period without a part has no columns of its own
    (2025-10: no ``window``)."""

    def key(name: str) -> pd.Series:
        return t[name] if name in t.columns else pd.Series(pd.NA, index=t.index, dtype="object")

    table, measure = t["table"], t["measure"]
    grp, lv, col = key("group").fillna(""), key("level").fillna(""), key("column").fillna("")
    win = key("window").map(lambda v: "" if pd.isna(v) else str(_w(v)))
    ids = pd.Series(pd.NA, index=t.index, dtype="object")
    alla = table.isin(["15", "19", "20"])
    ids[alla] = "P|" + win[alla] + "|" + lv[alla] + "|Alla"
    grouped = table.isin(["16", "17", "21", "22"])
    ids[grouped] = "P|" + win[grouped] + "|" + lv[grouped] + "|" + grp[grouped]
    ids[table == "14"] = "Q|" + lv[table == "14"]
    e = (table == "23") & (measure == "unsubsidised_share_of_employment")
    ids[e] = "E|" + lv[e] + "|" + col[e]
    ids[(table == "23") & ~e] = "Q|" + lv[(table == "23") & ~e]
    head = table == "headline"
    ids[head & (measure == "r2_share")] = "Q|" + lv[head & (measure == "r2_share")]
    ids[head & measure.isin(["work_share_of_results", "education_share_of_results"])] = "Q|ABC"
    ids[head & (measure == "unsubsidised_share_of_employment_low")] = f"E|ABC|{T23_ID}"
    ids[head & (measure == "unsubsidised_share_of_employment_high")] = f"E|ABC|{T23_ALL}"
    s5 = (table == "5") & (t["adjusted"].fillna("") == "justerat")
    ids[s5] = "S|5|Alla"
    sg = table.isin(["7", "8", "9", "10", "11"])
    ids[sg] = "S|" + table[sg] + "|" + grp[sg]
    ids[table == "12"] = "S|12|" + lv[table == "12"]
    ids[table == "13"] = "S|13|" + grp[table == "13"] + "|" + lv[table == "13"]
    ids[table == "A1"] = "S|A1|" + col[table == "A1"] + "|" + lv[table == "A1"]
    rom2 = table.astype(str).str.startswith("rom2_")
    if rom2.any():
        ids[rom2] = _rom2_ids(t[rom2], key, grp, lv)
    return ids


def _rom2_ids(t: pd.DataFrame, key, grp: pd.Series, lv: pd.Series) -> pd.Series:
    """RoM 2's cells (issue 16) from a row's keys: ``R2Q|lv`` the followed population's
    level (Tabell 14 and 19 (RoM 2), and the job-chance table's slope rows, which rest on
    the level), ``R2G|lv|group`` (Tabell 16 (RoM 2)), ``R2J|lv|band`` (the job-chance
    table's bands: tabeller.csv has no band column, so a level's band rows are numbered in
    the order printed, 1 the lowest; a ``band`` column wins where there is one),
    ``S2|…`` RoM 2's support sample as ``S|…`` RoM 1's (Tabell 5 adjusted, 7–11, 12, 13),
    ``S2J|month|generation`` a month of one generation in the RoM 1 / RoM 2 comparison
    (from ``month`` and ``generation`` columns where tabeller.csv has them, else from the
    row's ``cell``: no other column tells the months apart)."""
    table, measure = t["table"], t["measure"]
    grp, lv = grp.loc[t.index], lv.loc[t.index]
    ids = pd.Series(pd.NA, index=t.index, dtype="object")
    q = table.isin(["rom2_14", "rom2_19"])
    ids[q] = "R2Q|" + lv[q]
    ids[table == "rom2_16"] = "R2G|" + lv[table == "rom2_16"] + "|" + grp[table == "rom2_16"]
    jc = table == "rom2_jobbchans"
    slope = jc & measure.astype(str).str.startswith("trend")
    ids[slope] = "R2Q|" + lv[slope]
    band_rows = jc & ~slope
    if band_rows.any():
        band = key("band").loc[t.index]
        order = t[band_rows].groupby(["measure", "level"], sort=False).cumcount() + 1
        band = band[band_rows].where(band[band_rows].notna(), order)
        ids[band_rows] = "R2J|" + lv[band_rows] + "|" + band.map(lambda v: str(_w(v)))
    s5 = (table == "rom2_5") & (key("adjusted").loc[t.index].fillna("") == "justerat")
    ids[s5] = "S2|5|Alla"
    sg = table.isin([f"rom2_{k}" for k in (7, 8, 9, 10, 11)])
    ids[sg] = "S2|" + table[sg].str.split("_").str[1] + "|" + grp[sg]
    ids[table == "rom2_12"] = "S2|12|" + lv[table == "rom2_12"]
    ids[table == "rom2_13"] = "S2|13|" + grp[table == "rom2_13"] + "|" + lv[table == "rom2_13"]
    cmp_ = table == "rom2_jamforelse"
    if cmp_.any():
        month, gen = key("month").loc[t.index], key("generation").loc[t.index]
        own = "S2J|" + month.astype("string") + "|" + gen.astype("string")
        cell = key("cell").loc[t.index].astype("string")
        ids[cmp_] = own[cmp_].where(own[cmp_].notna(), cell[cmp_].where(cell[cmp_].str.startswith("S2J|")))
    return ids


def _kind(cell: str) -> str:
    return cell.split("|", 1)[0]


def _block(cell: str) -> tuple:
    """The block a cell belongs to, for linking releases, and whether it is the block's
    margin: a window × level (margin: group "Alla"), a month (margin: ABC), the 18-month
    population (margin Q|ABC), the support sample (margin S|5|Alla), a starts row; RoM 2's
    followed population (margin R2Q|ABC), a start month of its Figur 1 (margin ABC), its
    support sample (margin S2|5|Alla), a month of the RoM 1 / RoM 2 comparison."""
    parts = cell.split("|")
    k = parts[0]
    if k == "P":
        return ("P", parts[1], parts[2]), parts[3] == "Alla"
    if k in ("F1", "F2"):
        return (k, parts[1]), parts[2] == TOTAL
    if k in ("Q", "E"):
        return ("Q",), cell == "Q|ABC"
    if k == "S":
        return ("S",), cell == "S|5|Alla"
    if k == "O":
        return ("O", parts[1]), parts[2] == "Totalt"
    if k in ("R2Q", "R2G", "R2J"):  # RoM 2's followed population (margin R2Q|ABC)
        return ("R2Q",), cell == f"R2Q|{TOTAL}"
    if k == "R2F":
        return ("R2F", parts[1]), parts[2] == TOTAL
    if k == "S2":
        return ("S2",), cell == "S2|5|Alla"
    if k == "S2J":  # a month of one generation stands alone
        return ("S2J", parts[1], parts[2]), True
    return (k,), False


# ============================================================================ the model

class _Model:
    """Variables keyed (release, cell, quantity); equality and ≤ rows; published values."""

    def __init__(self):
        self.index: dict[tuple[str, str, str], int] = {}
        self.eq: list[tuple[dict[int, float], float, str]] = []
        self.le: list[tuple[dict[int, float], float, str]] = []
        self.fixed: dict[int, float] = {}
        self.lb: dict[int, float] = {}
        self.ub: dict[int, float] = {}
        self.conflicts: list[str] = []
        self.shares: list[tuple[int, int, float, str]] = []
        self.source = ""
        #: assumptions beyond what holds whatever the data (`ASSUMPTIONS`), switched on
        self.assume: frozenset[str] = frozenset()

    def var(self, release: str, cell: str, q: str) -> int:
        key = (release, cell, q)
        if key not in self.index:
            self.index[key] = len(self.index)
        return self.index[key]

    def has(self, release: str, cell: str, q: str = "n") -> bool:
        return (release, cell, q) in self.index

    def fix(self, i: int, value: float, why: str) -> None:
        if not np.isfinite(value):
            return
        v = round(value)
        if abs(v - value) > _TOL * max(1.0, abs(value)):
            self.conflicts.append(f"{why}: {value} is not a count")
            return
        if i in self.fixed and self.fixed[i] != v:
            self.conflicts.append(f"{why}: {v} against {self.fixed[i]} published elsewhere")
            return
        self.fixed[i] = float(v)

    def add_eq(self, coefs: Mapping[int, float], rhs: float, why: str) -> None:
        c: dict[int, float] = defaultdict(float)
        for i, a in coefs.items():
            c[i] += a
        self.eq.append(({i: a for i, a in c.items() if a != 0}, float(rhs), why))

    def add_le(self, coefs: Mapping[int, float], rhs: float, why: str) -> None:
        c: dict[int, float] = defaultdict(float)
        for i, a in coefs.items():
            c[i] += a
        self.le.append(({i: a for i, a in c.items() if a != 0}, float(rhs), why))

    def tighten(self, i: int, lo: float | None = None, hi: float | None = None) -> None:
        if lo is not None:
            self.lb[i] = max(self.lb.get(i, 0.0), lo)
        if hi is not None:
            self.ub[i] = min(self.ub.get(i, np.inf), hi)


def _share_fraction(v: float, max_den: int = 10 ** 7) -> Fraction:
    return Fraction(v).limit_denominator(max_den)


def _add_share(m: _Model, num: int, den: int, share: float, why: str) -> None:
    """share (a fraction of 1, full precision) × den = num."""
    m.shares.append((num, den, share, why))


def _resolve_shares(m: _Model) -> None:
    """Published shares: a known denominator pins the numerator (and a known non-zero
    numerator the denominator); the rest become exact rational rows b·num = a·den."""
    pending = list(m.shares)
    changed = True
    while changed:
        changed, rest = False, []
        for num, den, share, why in pending:
            if den in m.fixed:
                m.fix(num, share * m.fixed[den], why)
                changed = True
            elif num in m.fixed and share > 0:
                m.fix(den, m.fixed[num] / share, why)
                changed = True
            else:
                rest.append((num, den, share, why))
        pending = rest
    for num, den, share, why in pending:
        f = _share_fraction(share)
        m.add_eq({num: f.denominator, den: -f.numerator}, 0.0, why)
    m.shares.clear()


# ---------------------------------------------------------------------------- published

def _add_published(m: _Model, rel: Release) -> set[str]:
    """tabeller.csv: every shown n and share. Returns the release's cells."""
    t = rel.tables.copy()
    t["cid"] = _cell_ids(t)
    t = t[t["cid"].notna()]
    R = rel.name
    cells = set(t["cid"])
    for c in sorted(cells):
        for q in QUANTITIES[_kind(c)]:
            if q == "obs" and not re.match(r"S2?\|(5|7|8|9|10|11|12)\||S2J\|", c):
                continue  # report-months are published for Tabell 5 and 7–12 only (and RoM 2's months)
            m.var(R, c, q)
    shown = t[~t["suppressed"].fillna(False).astype(bool)]
    for r in shown.itertuples(index=False):
        cell, table, measure = r.cid, r.table, r.measure
        why = f"{R}: Tabell {table} {measure} {cell}"
        # n: persons (Tabell 20: results; Tabell 23's employment share: jobs)
        if pd.notna(r.n):
            den_q = ROW_N.get((table, measure), "n")
            m.fix(m.var(R, cell, den_q), float(r.n), why + " n")
        if measure == "observations":
            if cell.startswith(("S|", "S2|")):
                m.fix(m.var(R, cell, "obs"), float(r.value), why)
            elif cell.startswith("S2J|"):  # report-months after trimming, and before
                adj = getattr(r, "adjusted", "justerat")
                m.fix(m.var(R, cell, "obs" if adj == "justerat" else "obs_all"), float(r.value), why)
            continue
        key = (table, measure)
        if table == "23" and measure == "unsubsidised_work_share":
            num_q = "unsub_all" if r.column == T23_ALL else "unsub_id"
            key_nd = (num_q, "n")
        elif key in SHARES:
            key_nd = SHARES[key]
        else:
            continue
        if pd.isna(r.value):
            continue
        num_q, den_q = key_nd
        _add_share(m, m.var(R, cell, num_q), m.var(R, cell, den_q), float(r.value) / 100, why)
    return cells


def _add_nyckeltal(m: _Model, rel: Release, cells: set[str]) -> None:
    """The key figures: sample sizes (exact) and shares (rounded to four decimals:
    an interval)."""
    R, k = rel.name, rel.nyckeltal
    sizes = k.get("sample_sizes") or {}
    why = f"{R}: nyckeltal"
    for lv, v in (sizes.get("participants_18_months") or {}).items():
        if v is None:
            continue
        m.fix(m.var(R, f"Q|{lv}", "n"), float(v), why + f" participants_18_months {lv}")
    if sizes.get("participants_windows") is not None:
        members = [c for c in cells if c.startswith("P|") and c.endswith("|Alla")]
        if members:
            m.add_eq({m.var(R, c, "n"): 1.0 for c in members}, float(sizes["participants_windows"]),
                     why + " participants_windows")
    if sizes.get("support_persons") is not None:
        m.fix(m.var(R, "S|5|Alla", "n"), float(sizes["support_persons"]), why + " support_persons")
    months = (sizes.get("support_report_months") or {}).get("justerat")
    if months is not None:
        m.fix(m.var(R, "S|5|Alla", "obs"), float(months), why + " support_report_months")
    if sizes.get("participations_in_data") is not None and rel.starts is not None:
        m.fix(m.var(R, "O|Totalt|Totalt", "n"), float(sizes["participations_in_data"]), why + " participations")
    half = 0.5e-4 / 100  # four decimals of a percent
    rounded = [(f"Q|{lv}", "r2", "n", v) for lv, v in (k.get("r2_share") or {}).items()]
    rounded += [(f"Q|{lv}", "work", "n", v) for lv, v in (k.get("work_share") or {}).items()]
    rounded += [(f"Q|{lv}", "studies", "n", v) for lv, v in (k.get("education_share") or {}).items()]
    if k.get("work_share_of_results") is not None:
        rounded.append(("Q|ABC", "work", "r2", k["work_share_of_results"]))
    if k.get("education_share_of_results") is not None:
        rounded.append(("Q|ABC", "studies", "r2", k["education_share_of_results"]))
    for cell, nq, dq, v in rounded:
        if v is None:
            continue
        num, den = m.var(R, cell, nq), m.var(R, cell, dq)
        s = float(v) / 100
        m.add_le({num: 1.0, den: -(s + half)}, 0.0, f"{why} {nq}/{dq} {cell} (rounded)")
        m.add_le({num: -1.0, den: s - half}, 0.0, f"{why} {nq}/{dq} {cell} (rounded)")


def _add_rom2_published(m: _Model, rel: Release, cells: set[str]) -> None:
    """RoM 2's numbers outside tabeller.csv's cells: nyckeltal.json's "rom2" key
    (``n_followed`` exact; ``result_3m_share`` / ``result_6m_share`` per level rounded to
    four decimals: an interval), Figur 1 (RoM 2)'s points (`Release.rom2_figure`: n and
    share exact from figurer.csv; read back from the SVG, exact where the band gives the
    counts, else the share within the reading's tolerance) and Tabell 18 (RoM 2)'s
    observations (the model's persons: at most the followed population, as rows with a
    missing regressor are left out of a model)."""
    R = rel.name
    k = rel.nyckeltal.get("rom2") or {}
    why = f"{R}: nyckeltal rom2"
    if k.get("n_followed") is not None:
        cells.add(f"R2Q|{TOTAL}")
        m.fix(m.var(R, f"R2Q|{TOTAL}", "n"), float(k["n_followed"]), why + " n_followed")
    half = 0.5e-4 / 100  # four decimals of a percent
    for key, q in (("result_3m_share", "r3m"), ("result_6m_share", "r6m")):
        for lv, v in (k.get(key) or {}).items():
            if v is None:
                continue
            c = f"R2Q|{lv}"
            cells.add(c)
            num, den, s = m.var(R, c, q), m.var(R, c, "n"), float(v) / 100
            m.add_le({num: 1.0, den: -(s + half)}, 0.0, f"{why} {key} {lv} (rounded)")
            m.add_le({num: -1.0, den: s - half}, 0.0, f"{why} {key} {lv} (rounded)")
    t = rel.tables
    obs = t[(t["table"] == "rom2_18") & (t["measure"] == "observations")
            & ~t["suppressed"].fillna(False).astype(bool) & t["value"].notna()]
    if len(obs):
        cells.add(f"R2Q|{TOTAL}")
        if "model_is_population" in m.assume:
            m.fix(m.var(R, f"R2Q|{TOTAL}", "n"), float(obs["value"].iloc[0]), f"{R}: Tabell 18 (RoM 2) observations")
        else:
            m.tighten(m.var(R, f"R2Q|{TOTAL}", "n"), float(obs["value"].iloc[0]), None)
    f = rel.rom2_figure
    if f is None:
        return
    for r in f.itertuples(index=False):
        if r.measure not in ROM2_FIGURE_COUNTS:
            continue
        c = f"R2F|{r.start_month}|{TOTAL if r.level in (TOTAL, 'Totalt') else r.level}"
        cells.add(c)
        q = ROM2_FIGURE_COUNTS[r.measure]
        num, den = m.var(R, c, q), m.var(R, c, "n")
        w = f"{R}: Figur 1 (RoM 2) {r.measure} {c}"
        if pd.notna(r.n):
            m.fix(den, float(r.n), w + " n")
        if pd.notna(r.num):
            m.fix(num, float(r.num), w)
        elif pd.notna(r.value) and pd.notna(r.n):
            _add_share(m, num, den, float(r.value) / 100, w)
        elif pd.notna(r.value):  # a share read back without its counts
            s, tol = float(r.value) / 100, float(r.tol)
            m.add_le({num: 1.0, den: -(s + tol)}, 0.0, w)
            m.add_le({num: -1.0, den: s - tol}, 0.0, w)


def _log_cell(cell: str, csv_map: dict[str, str]) -> str:
    """The attacker's id of a cell named in the log: as in tabeller.csv's ``cell`` column,
    or the starts table's "O|row|A" for "O|row|Nivå A"."""
    if cell in csv_map:
        return csv_map[cell]
    parts = cell.split("|")
    if parts[0] == "O" and len(parts) == 3:
        col = parts[2]
        col = f"Nivå {col}" if col in LEVELS else ("Totalt" if col in ("ABC", "Alla", "Totalt") else col)
        return f"O|{parts[1]}|{col}"
    return cell


def _add_log(m: _Model, rel: Release, cells: set[str]) -> None:
    """The suppression log and the CSV's rule column: a primary cell rests on fewer than
    min_cell ("< 10"), a secondary one on at least min_cell (">= 10").

    "Rests on" is the count a table shows as its n: persons, but results in Tabell 20
    (§5.3.1: work as a share of the results), so a primary label on a window × level cell
    bounds its R2 count (R2 <= persons, so that holds whichever count was small), and a
    secondary label bounds its persons."""
    R = rel.name
    known: dict[str, tuple[float | None, float | None, str]] = {}
    csv_map = {}
    t = rel.tables
    if "cell" in t.columns:
        ids = _cell_ids(t)
        csv_map = {c: i for c, i in zip(t["cell"], ids) if isinstance(c, str) and isinstance(i, str)}

    def bounds_from(rule: str, persons: str) -> tuple[float | None, float | None]:
        mm = re.fullmatch(r"\s*(<|<=|>=|>)\s*(\d+)\s*", persons or "")
        if mm:
            op, v = mm.group(1), float(mm.group(2))
            return {"<": (None, v - 1), "<=": (None, v), ">=": (v, None), ">": (v + 1, None)}[op]
        if re.fullmatch(r"\s*\d+\s*", persons or ""):
            return float(persons), float(persons)
        if rel.min_cell is not None:
            if str(rule).startswith("prim"):
                return None, rel.min_cell - 1.0
            if str(rule).startswith("sekund"):
                return float(rel.min_cell), None
        return None, None

    if rel.log is not None and "cell" in rel.log.columns:
        for r in rel.log.to_dict("records"):
            cell = _log_cell(r["cell"], csv_map)
            known[cell] = (*bounds_from(r.get("rule", ""), r.get("persons", "")), str(r.get("tables", "")))
    if "rule" in t.columns:
        ids = _cell_ids(t)
        for cell, rule in zip(ids, t["rule"].astype("string").fillna("")):
            if isinstance(cell, str) and rule and cell not in known:
                known[cell] = (*bounds_from(rule, ""), "")
    for cell, (lo, hi, tables) in known.items():
        if cell not in cells:
            continue
        in_20 = "20" in tables.split() or (cell.startswith("P|") and cell.endswith("|Alla"))
        m.tighten(m.var(R, cell, "n"), lo, None if in_20 else hi)
        if in_20 and hi is not None:
            m.tighten(m.var(R, cell, "r2"), None, hi)


# ---------------------------------------------------------------------------- structure

def _split(m: _Model, R: str, margin: str, members: list[str], quantities, why: str) -> None:
    for q in quantities:
        m.add_eq({m.var(R, margin, q): -1.0, **{m.var(R, c, q): 1.0 for c in members}}, 0.0, f"{why} ({q})")


def _add_structure(m: _Model, rel: Release, cells: set[str]) -> None:
    R = rel.name
    rows = comparison_rows()
    # -- window population: each comparison of Tabell 16 splits its window × level cell
    wl = sorted({tuple(c.split("|")[1:3]) for c in cells if c.startswith("P|")})
    for w, lv in wl:
        margin = f"P|{w}|{lv}|Alla"
        for comp, g in rows.groupby("comparison", sort=False):
            parent = f"P|{w}|{lv}|Utrikes född" if comp == "foreign_sex" else margin
            _split(m, R, parent, [f"P|{w}|{lv}|{lab}" for lab in g["label"]], QUANTITIES["P"],
                   f"{R}: {comp} splits {parent}")
    # -- per cell: R2 = work + studies; numerators within denominators
    pcells = sorted({c for (r, c, _q) in m.index if r == R and _kind(c) in ("P", "Q")})
    for c in pcells:
        v = {q: m.var(R, c, q) for q in QUANTITIES[_kind(c)]}
        m.add_eq({v["r2"]: 1.0, v["work"]: -1.0, v["studies"]: -1.0}, 0.0, f"{R}: R2 = work + studies {c}")
        m.add_le({v["r2"]: 1.0, v["n"]: -1.0}, 0.0, f"{R}: R2 <= n {c}")
        if c.startswith("Q|"):
            m.add_eq({v["sub"]: 1.0, v["unsub_all"]: 1.0, v["work"]: -1.0}, 0.0, f"{R}: work = sub + unsub {c}")
            m.add_le({v["unsub_id"]: 1.0, v["unsub_all"]: -1.0}, 0.0, f"{R}: identified <= all {c}")
    # -- 18-month population: levels add up; Tabell 23's employment columns
    if any(c.startswith("Q|") for c in cells):
        _split(m, R, "Q|ABC", [f"Q|{lv}" for lv in LEVELS], QUANTITIES["Q"], f"{R}: levels of Tabell 14")
        for col, unsub in ((T23_ALL, "unsub_all"), (T23_ID, "unsub_id")):
            e = f"E|ABC|{col}"
            m.add_eq({m.var(R, e, "n"): 1.0, m.var(R, "Q|ABC", "sub"): -1.0, m.var(R, "Q|ABC", unsub): -1.0}, 0.0,
                     f"{R}: jobs counted in {col}")
            m.add_eq({m.var(R, e, "unsub"): 1.0, m.var(R, "Q|ABC", unsub): -1.0}, 0.0, f"{R}: unsubsidised in {col}")
    _add_support_structure(m, rel, cells)
    _add_support_structure(m, rel, cells, "S2")
    _add_rom2_comparison(m, rel, cells)
    _add_rom2_structure(m, rel, cells)


def _add_rom2_comparison(m: _Model, rel: Release, cells: set[str]) -> None:
    """RoM 1 beside RoM 2 per support month (the same selection for both, each trimmed at
    its own cut-off): a month's report-months after trimming are at most those before,
    which are at least its persons; RoM 2's months are months of RoM 2's support sample,
    so each has at most its persons and together at most its report-months."""
    R = rel.name
    months = sorted(c for c in cells if c.startswith("S2J|"))
    for c in months:
        v = {q: m.var(R, c, q) for q in QUANTITIES["S2J"]}
        m.add_le({v["obs"]: 1.0, v["obs_all"]: -1.0}, 0.0, f"{R}: trimmed <= untrimmed {c}")
        m.add_le({v["n"]: 1.0, v["obs_all"]: -1.0}, 0.0, f"{R}: persons <= report-months {c}")
    rom2 = [c for c in months if c.endswith("|RoM 2")]
    if rom2 and any(c.startswith("S2|") for c in cells):
        total = "S2|5|Alla"
        for c in rom2:
            m.add_le({m.var(R, c, "n"): 1.0, m.var(R, total, "n"): -1.0}, 0.0, f"{R}: {c} within {total}")
        m.add_le({**{m.var(R, c, "obs"): 1.0 for c in rom2}, m.var(R, total, "obs"): -1.0}, 0.0,
                 f"{R}: RoM 2's compared months within {total}")


def _add_rom2_structure(m: _Model, rel: Release, cells: set[str]) -> None:
    """RoM 2's results (issue 16), from what the tables mean. The followed population:
    levels A, B, C add up to ABC (every count); in each level and the total, a result is
    work or studies (r3m = work3m + studies3m, r6m = work6m + studies6m), the
    continuation counts the persons with both results (at most either, at least their
    sum less the persons); Tabell 16 (RoM 2): each comparison splits its level (the
    foreign-born women and men split the foreign-born), for persons and both results;
    the job-chance bands split their level; Figur 1 (RoM 2): a start month's levels add
    up to its total and the months to Tabell 14's level (every month of the followed
    population when the manifest names them, else at most); every result at most its
    persons."""
    R = rel.name
    if not any(_kind(c) in ("R2Q", "R2G", "R2J", "R2F") for c in cells):
        return
    three = ("n", "r3m", "r6m")
    levels = [f"R2Q|{lv}" for lv in (TOTAL, *LEVELS)]
    cells.update(levels)
    _split(m, R, levels[0], levels[1:], QUANTITIES["R2Q"], f"{R}: levels of Tabell 14 (RoM 2)")
    for c in levels:
        v = {q: m.var(R, c, q) for q in QUANTITIES["R2Q"]}
        m.add_eq({v["r3m"]: 1.0, v["work3m"]: -1.0, v["studies3m"]: -1.0}, 0.0, f"{R}: r3m = work + studies {c}")
        m.add_eq({v["r6m"]: 1.0, v["work6m"]: -1.0, v["studies6m"]: -1.0}, 0.0, f"{R}: r6m = work + studies {c}")
        m.add_le({v["r3m6m"]: 1.0, v["r3m"]: -1.0}, 0.0, f"{R}: both <= r3m {c}")
        m.add_le({v["r3m6m"]: 1.0, v["r6m"]: -1.0}, 0.0, f"{R}: both <= r6m {c}")
        m.add_le({v["r3m"]: 1.0, v["r6m"]: 1.0, v["r3m6m"]: -1.0, v["n"]: -1.0}, 0.0, f"{R}: either <= n {c}")
    rows = comparison_rows()
    for lv in LEVELS:
        if any(c.startswith(f"R2G|{lv}|") for c in cells):
            for comp, g in rows.groupby("comparison", sort=False):
                parent = f"R2G|{lv}|Utrikes född" if comp == "foreign_sex" else f"R2Q|{lv}"
                members = [f"R2G|{lv}|{lab}" for lab in g["label"]]
                cells.update(members)
                _split(m, R, parent, members, three, f"{R}: {comp} splits {parent}")
        bands = sorted(c for c in cells if c.startswith(f"R2J|{lv}|"))
        if bands:
            _split(m, R, f"R2Q|{lv}", bands, three, f"{R}: job-chance bands split R2Q|{lv}")
            if "untied_bands" in m.assume:  # |B n_k - N| <= B - 1
                k = len(bands)
                for c in bands:
                    a, b = m.var(R, c, "n"), m.var(R, f"R2Q|{lv}", "n")
                    m.add_le({a: float(k), b: -1.0}, k - 1.0, f"{R}: untied band {c}")
                    m.add_le({a: -float(k), b: 1.0}, k - 1.0, f"{R}: untied band {c}")
    drawn = sorted({c.split("|")[1] for c in cells if c.startswith("R2F|")})
    if drawn:
        exact = rel.rom2_months is not None
        first, last = (min(drawn[0], rel.rom2_months[0]), max(drawn[-1], rel.rom2_months[1])) if exact \
            else (drawn[0], drawn[-1])
        months = _month_range(first, last)
        for mo in months:
            cell = {lv: f"R2F|{mo}|{lv}" for lv in (*LEVELS, TOTAL)}
            cells.update(cell.values())
            _split(m, R, cell[TOTAL], [cell[lv] for lv in LEVELS], three, f"{R}: levels of Figur 1 (RoM 2) {mo}")
        for lv in (*LEVELS, TOTAL):
            why = f"{R}: Figur 1 (RoM 2)'s months add up to Tabell 14 (RoM 2) {lv}"
            for q in three:
                row = {m.var(R, f"R2F|{mo}|{lv}", q): 1.0 for mo in months}
                row[m.var(R, f"R2Q|{lv}", q)] = -1.0
                (m.add_eq if exact else m.add_le)(row, 0.0, f"{why} ({q})")
    for c in sorted(cells):
        if _kind(c) in ("R2G", "R2J", "R2F"):
            for q in ("r3m", "r6m"):
                m.add_le({m.var(R, c, q): 1.0, m.var(R, c, "n"): -1.0}, 0.0, f"{R}: {q} <= n {c}")


def _add_support_structure(m: _Model, rel: Release, cells: set[str], prefix: str = "S") -> None:
    """§4: Tabell 7–11 split Tabell 5's adjusted sample (persons, report-months), Tabell 10's
    foreign-born women and men split the foreign-born, Tabell 12's levels split it, Tabell
    13 splits each level by registration time, Tabell A 1's columns split each level and
    add up over levels to their group of Tabell 7–11. ``prefix`` "S2": the same tables of
    RoM 2's support sample (its Tabell 5–13; no Tabell A 1)."""
    R = rel.name
    S = prefix
    scells = {c for c in cells if c.startswith(f"{S}|")}
    if not scells:
        return
    total = f"{S}|5|Alla"
    m.var(R, total, "n")
    both = ("n", "obs")
    label_table: dict[str, str] = {}
    for col, tables in LABELS.items():
        for tkey, labels in tables.items():
            t = str(int(tkey.split("_")[1])) if tkey.split("_")[1].isdigit() else None
            if t is None or t not in ("7", "8", "9", "10", "11"):
                continue
            members = [f"{S}|{t}|{lab}" for lab in labels.values()]
            if not any(c in scells for c in members):
                continue
            if col == "sex_birth_group":
                parent = f"{S}|10|{LABELS['birth_country']['tabell_10']['foreign']}"
            else:
                parent = total
                for lab in labels.values():
                    label_table[lab] = col
            _split(m, R, parent, members, both, f"{R}: {col} splits {parent}")
    levels = [f"{S}|12|{lv}" for lv in LEVELS]
    if any(c in scells for c in levels):
        _split(m, R, total, levels, both, f"{R}: levels of Tabell 12 ({S})")
    for c in sorted(scells | {total, *levels}):
        if (R, c, "obs") in m.index:
            m.add_le({m.var(R, c, "n"): 1.0, m.var(R, c, "obs"): -1.0}, 0.0, f"{R}: persons <= report-months {c}")
    t13 = sorted(c for c in scells if c.startswith(f"{S}|13|"))
    for lv in LEVELS:
        members = [c for c in t13 if c.endswith(f"|{lv}")]
        if members:
            _split(m, R, f"{S}|12|{lv}", members, ("n",), f"{R}: Tabell 13 ({S}) splits level {lv}")
    if S != "S" or "column" not in rel.tables.columns:
        return
    # Tabell A 1: its column labels are Tabell 7–11's groups
    a1 = rel.tables[rel.tables["table"] == "A1"][["column", "group"]].drop_duplicates()
    if len(a1):
        by_col: dict[str, list[str]] = defaultdict(list)
        for col, lab in zip(a1["column"], a1["group"]):
            sg = next((c for c in scells if re.fullmatch(rf"S\|(7|8|9|10|11)\|{re.escape(lab)}", c)), None)
            if sg is None or lab not in label_table:
                continue
            by_col[label_table[lab]].append(col)
            _split(m, R, sg, [f"S|A1|{col}|{lv}" for lv in LEVELS], ("n",), f"{R}: Tabell A 1 {col} over levels")
        for kind, cols in by_col.items():
            for lv in LEVELS:
                _split(m, R, f"S|12|{lv}", [f"S|A1|{col}|{lv}" for col in cols], ("n",),
                       f"{R}: Tabell A 1 {kind} splits level {lv}")


def _month_range(first: str, last: str) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def _add_figures(m: _Model, rel: Release, cells: set[str]) -> None:
    """Figur 1 and 2 (§5.1.1): level points give exact (num, n), the total line an exact
    fraction; months add up over levels; Figur 1's months add up to Tabell 14; Figur 2's
    persons are Figur 1's in the months both show."""
    R = rel.name
    qs = {"F1": "r2", "F2": "sig"}
    months: dict[str, list[str]] = {}
    for fig, pts in rel.figures.items():
        if pts.empty:
            continue
        first = pts["start_month"].min().strftime("%Y-%m")
        last = pts["start_month"].max().strftime("%Y-%m")
        if fig == "F1" and rel.population_months:
            first, last = min(first, rel.population_months[0]), max(last, rel.population_months[1])
        if fig == "F2" and rel.population_months:
            first = min(first, rel.population_months[0])
        months[fig] = _month_range(first, last)
        x = qs[fig]
        q_total = m.fixed.get(m.index.get((R, "Q|ABC", "n"), -1))
        bound = int(q_total) if fig == "F1" and q_total else int(
            (rel.nyckeltal.get("sample_sizes") or {}).get("participations_in_data") or 10 ** 5)
        for mo in months[fig]:
            cell = {lv: f"{fig}|{mo}|{lv}" for lv in (*LEVELS, TOTAL)}
            for lv, c in cell.items():
                cells.add(c)
                m.add_le({m.var(R, c, x): 1.0, m.var(R, c, "n"): -1.0}, 0.0, f"{R}: {x} <= n {c}")
            _split(m, R, cell[TOTAL], [cell[lv] for lv in LEVELS], ("n", x), f"{R}: levels of {fig} {mo}")
        for p in pts.itertuples(index=False):
            lv = TOTAL if p.level == "Totalt" else p.level
            c = f"{fig}|{p.start_month:%Y-%m}|{lv}"
            why = f"{R}: {fig} point {p.start_month:%Y-%m} {p.level}"
            if p.matches == 1:
                m.fix(m.var(R, c, "n"), float(p.n), why)
                m.fix(m.var(R, c, x), float(p.num), why)
                continue
            f = _share_fraction(p.share, bound)
            unique = 1.0 / (bound * bound) > 2 * p.tol
            if abs(float(f) - p.share) <= p.tol and unique:
                m.add_eq({m.var(R, c, x): f.denominator, m.var(R, c, "n"): -f.numerator}, 0.0, why)
            else:
                m.add_le({m.var(R, c, x): 1.0, m.var(R, c, "n"): -(p.share + p.tol)}, 0.0, why)
                m.add_le({m.var(R, c, x): -1.0, m.var(R, c, "n"): p.share - p.tol}, 0.0, why)
    if "F1" in months and any(c.startswith("Q|") for c in cells):
        for lv in (*LEVELS, TOTAL):
            why = f"{R}: Figur 1's months add up to Tabell 14 {lv}"
            if rel.population_months:  # the figure's months are the population's
                _split(m, R, f"Q|{lv}", [f"F1|{mo}|{lv}" for mo in months["F1"]], ("n", "r2"), why)
            else:  # months without a drawn point at either end may be missing
                for q in ("n", "r2"):
                    m.add_le({m.var(R, f"Q|{lv}", q): -1.0, **{m.var(R, f"F1|{mo}|{lv}", q): 1.0
                                                              for mo in months["F1"]}}, 0.0, why)
    if "F1" in months and "F2" in months:
        for mo in sorted(set(months["F1"]) & set(months["F2"])):
            for lv in (*LEVELS, TOTAL):
                m.add_eq({m.var(R, f"F1|{mo}|{lv}", "n"): 1.0, m.var(R, f"F2|{mo}|{lv}", "n"): -1.0}, 0.0,
                         f"{R}: Figur 2's persons are Figur 1's {mo} {lv}")
    _add_window_months(m, rel, cells, months)


def _windows() -> dict[int, tuple[pd.Timestamp, pd.Timestamp]]:
    return {w: (pd.Timestamp(a), pd.Timestamp(b) if b is not None else pd.Timestamp.max.floor("D"))
            for w, a, b in WINDOWS}


def _add_window_months(m: _Model, rel: Release, cells: set[str], months: dict[str, list[str]]) -> None:
    """Start months bound the windows they overlap (§3.3's dates): for consecutive windows
    U, the months inside U add up to at most U's persons (and R2), the months that touch U
    to at least, when every month touching U is drawn."""
    R = rel.name
    wins = _windows()
    n_fig = "F2" if "F2" in months else ("F1" if "F1" in months else None)
    if n_fig is None:
        return
    first_pop = pd.Timestamp(SERVICE_START + "-01")  # the window population starts with the service

    def month_sets(lo: pd.Timestamp, hi: pd.Timestamp, fig: str) -> tuple[list[str], list[str], bool]:
        inside, touch = [], []
        for mo in months[fig]:
            a = pd.Timestamp(mo + "-01")
            b = a + pd.offsets.MonthEnd(0)
            if a >= lo and b <= hi:
                inside.append(mo)
            if a <= hi and b >= lo:
                touch.append(mo)
        drawn = set(months[fig])
        every = pd.period_range(lo.to_period("M"), hi.to_period("M"), freq="M") if hi.year < 2200 else []
        complete = len(every) > 0 and all(p.strftime("%Y-%m") in drawn for p in every)
        return inside, touch, complete

    families = []
    pw = sorted({int(c.split("|")[1]) for c in cells if c.startswith("P|")})
    if pw:
        families.append(("P", pw, lambda w, lv: f"P|{w}|{lv}|Alla", True))
    if rel.starts is not None:
        ow = sorted(int(r.split()[-1]) for r in rel.starts.index if r.startswith("Fönster"))
        families.append(("O", ow, lambda w, lv: f"O|Fönster {w}|{'Totalt' if lv == TOTAL else 'Nivå ' + lv}",
                         False))
    for fam, ws, cell_of, clipped in families:
        for i in range(len(ws)):
            for j in range(i, len(ws)):
                U = ws[i:j + 1]
                if U != list(range(U[0], U[-1] + 1)):
                    continue
                lo, hi = wins[U[0]][0], wins[U[-1]][1]
                if clipped:
                    lo = max(lo, first_pop)
                for q, fig in (("n", n_fig), ("r2", "F1")):
                    if fam == "O" and q == "r2":
                        continue
                    if fig not in months:
                        continue
                    inside, touch, complete = month_sets(lo, hi, fig)
                    for lv in (*LEVELS, TOTAL):
                        if fam == "P" and lv == TOTAL:
                            win = {m.var(R, cell_of(w, l2), q): 1.0 for w in U for l2 in LEVELS}
                        else:
                            win = {m.var(R, cell_of(w, lv), q): 1.0 for w in U}
                        why = f"{R}: {fig} months and windows {U} {lv} ({q})"
                        if inside:
                            m.add_le({**{m.var(R, f"{fig}|{mo}|{lv}", q): 1.0 for mo in inside},
                                      **{k: -v for k, v in win.items()}}, 0.0, why + " inside")
                        if complete and touch:
                            m.add_le({**win, **{m.var(R, f"{fig}|{mo}|{lv}", q): -1.0 for mo in touch}}, 0.0,
                                     why + " touching")


def _add_starts(m: _Model, rel: Release, cells: set[str]) -> None:
    """§3.3's starts table: rows and columns add up; its windows 1–4 are Tabell 15's cells
    when every count both show agrees, else at least as many."""
    if rel.starts is None:
        return
    R, s = rel.name, rel.starts

    def cid(r: str, c: str) -> str:
        return f"O|{r}|{c}"

    for r in s.index:
        for c in s.columns:
            cells.add(cid(r, c))
            if pd.notna(s.loc[r, c]):
                m.fix(m.var(R, cid(r, c), "n"), float(s.loc[r, c]), f"{R}: starts {r} {c}")
    rows = [r for r in s.index if r != "Totalt"]
    cols = [c for c in s.columns if c != "Totalt"]
    if "Totalt" in s.columns:
        for r in s.index:
            _split(m, R, cid(r, "Totalt"), [cid(r, c) for c in cols], ("n",), f"{R}: starts row {r}")
    if "Totalt" in s.index:
        for c in s.columns:
            _split(m, R, cid("Totalt", c), [cid(r, c) for r in rows], ("n",), f"{R}: starts column {c}")
    pairs = []
    for r in rows:
        if not r.startswith("Fönster"):
            continue
        w = r.split()[-1]
        for c in cols:
            p = f"P|{w}|{c.split()[-1]}|Alla"
            if p in cells:
                pairs.append((cid(r, c), p))
    agree = all(m.fixed.get(m.var(R, o, "n")) == m.fixed.get(m.var(R, p, "n"))
                for o, p in pairs if m.var(R, o, "n") in m.fixed and m.var(R, p, "n") in m.fixed)
    for o, p in pairs:
        a, b = m.var(R, o, "n"), m.var(R, p, "n")
        if agree:
            m.add_eq({a: 1.0, b: -1.0}, 0.0, f"{R}: starts {o} is Tabell 15's {p}")
        else:
            m.add_le({b: 1.0, a: -1.0}, 0.0, f"{R}: starts {o} holds Tabell 15's {p}")


# ---------------------------------------------------------------------------- marks

def _group_cell(table: str, window, level: str, group: str) -> str:
    """The cell of a group table's printed cell: ``P|w|lv|group`` (Tabell 16, 17, 21, 22),
    ``R2G|lv|group`` (Tabell 16 (RoM 2): one window)."""
    return f"R2G|{level}|{group}" if str(table).startswith("rom2_") else f"P|{window}|{level}|{group}"


def _marks(m: _Model, rel: Release, cells: set[str], before_suppression: bool | None = None) -> list[dict]:
    """Marks and flags whose comparison involves a hidden cell (from the workbook).

    Tabell 17's flags (§5.2.1: a level B/C group whose share, in whole percent, is at
    least that of another group of its comparison in level A) become linear rows in the
    hidden level-A cell's counts; significance marks (Tabell 16, 21, 22, and Tabell 16 (RoM
    2)'s two results) against a hidden reference are findings, narrowed by
    `_refine_with_marks`. A shown mark or flag is
    information as it stands; the absence of one only when marks are computed before the
    complementary suppression: ``before_suppression``, or (None) when the release itself
    shows a mark or flag that only a hidden cell explains. Cells the log calls primary
    take part in no comparison (the report's own rule for small cells)."""
    if rel.marks is None or rel.marks.empty:
        return []
    R = rel.name
    mk = rel.marks
    rows = comparison_rows()
    comp_of = dict(zip(rows["label"], rows["comparison"]))
    ref_of = dict(zip(rows["label"], rows["reference_label"]))
    t = rel.tables
    ids = _cell_ids(t)
    value = {i: float(v) for i, tb, v in zip(ids, t["table"], t["value"])
             if isinstance(i, str) and tb == "16" and pd.notna(v)}
    mc = rel.min_cell or 0
    status = {c: ("primary" if m.ub.get(i, np.inf) < mc else "secondary" if m.lb.get(i, 0.0) >= mc > 0 else "")
              for (r_, c, q), i in m.index.items() if r_ == R and q == "n" and c.startswith(("P|", "R2G|"))}
    findings: list[dict] = []
    for r in mk[~mk["shown"] & (mk["bold"] | mk["filled"])].itertuples(index=False):
        findings.append({"release": R, "kind": "mark on a hidden cell", "table": r.table,
                         "cell": _group_cell(r.table, r.window, r.level, r.group), "marked": True, "against": "",
                         "used": False})
    # -- Tabell 17
    flags = []
    for (w,), part in mk[mk["table"] == "17"].groupby(["window"], sort=True):
        for g in part[part["level"].isin(["B", "C"]) & part["shown"]].itertuples(index=False):
            cg = f"P|{w}|{g.level}|{g.group}"
            comp = comp_of.get(g.group)
            if comp is None or cg not in value:
                continue
            rg = float(np.round(value[cg]))
            hidden, beaten = [], False
            for h in rows.loc[rows["comparison"] == comp, "label"]:
                ch = f"P|{w}|A|{h}"
                if h == g.group:
                    continue
                if ch in value:
                    beaten |= float(np.round(value[ch])) <= rg
                elif ch in cells and status.get(ch) != "primary":
                    hidden.append(ch)
            if hidden:
                flags.append((cg, rg, bool(g.filled), beaten, hidden))
    evidence = any(f and not b and len(h) == 1 for _c, _r, f, b, h in flags)
    negative = evidence if before_suppression is None else before_suppression
    for cg, rg, filled, beaten, hidden in flags:
        used = False
        if filled and not beaten and len(hidden) == 1:
            h = hidden[0]  # round(share_h) <= rg
            m.add_le({m.var(R, h, "r2"): 100.0, m.var(R, h, "n"): -(rg + 0.5)}, 0.0,
                     f"{R}: Tabell 17 flag on {cg} against hidden {h}")
            used = True
        elif not filled and negative:
            for h in hidden:  # round(share_h) > rg for every level-A group that takes part
                if status.get(h) == "secondary" or before_suppression:
                    m.add_le({m.var(R, h, "r2"): -100.0, m.var(R, h, "n"): rg + 0.5}, 0.0,
                             f"{R}: no Tabell 17 flag on {cg} against hidden {h}")
                    used = True
        findings.append({"release": R, "kind": "Tabell 17 flag against a hidden cell", "table": "17", "cell": cg,
                         "marked": filled, "against": "; ".join(hidden), "used": used})
    # -- significance marks (Tabell 16, 21, 22): a shown cell tested against its hidden reference
    marks = []
    shown = {(r.table, r.group, r.window, r.level) for r in mk[mk["shown"]].itertuples(index=False)}
    for r in mk[mk["table"].isin(list(MARK_QUANTITY)) & mk["shown"]].itertuples(index=False):
        ref = ref_of.get(r.group)
        if not isinstance(ref, str) or (r.table, ref, r.window, r.level) in shown:
            continue
        cr = _group_cell(r.table, r.window, r.level, ref)
        if cr in cells and status.get(cr) != "primary":
            marks.append((r.table, _group_cell(r.table, r.window, r.level, r.group), cr, bool(r.bold)))
    evidence = any(b for *_x, b in marks)
    negative = evidence if before_suppression is None else before_suppression
    for table, cg, cr, bold in marks:
        findings.append({"release": R, "kind": "significance mark against a hidden cell", "table": table,
                         "cell": cg, "marked": bold, "against": cr, "used": bold or negative})
    # -- Tabell 15's level tests
    for (w,), part in mk[mk["table"] == "15"].groupby(["window"], sort=True):
        if (~part["shown"]).any():
            against = "; ".join(f"P|{w}|{x}|Alla" for x in part.loc[~part["shown"], "level"])
            for r in part[part["shown"]].itertuples(index=False):
                findings.append({"release": R, "kind": "Tabell 15 level test against a hidden cell", "table": "15",
                                 "cell": f"P|{w}|{r.level}|Alla", "marked": bool(r.bold), "against": against,
                                 "used": False})
    return findings


# ---------------------------------------------------------------------------- releases

def _same_data(m: _Model, a: Release, b: Release, value: dict[int, float]) -> bool:
    """Two releases of one period from the same data (at two thresholds, say): the same
    period and cut-off, and every count both publish agrees (at least one does)."""
    ka, kb = a.nyckeltal, b.nyckeltal
    if not ka.get("period") or (ka.get("period"), ka.get("data_cutoff")) != (kb.get("period"), kb.get("data_cutoff")):
        return False
    common = 0
    for (r, c, q), i in m.index.items():
        if r != a.name or i not in value:
            continue
        j = m.index.get((b.name, c, q))
        if j is not None and j in value:
            if abs(value[i] - value[j]) > 1e-6:
                return False
            common += 1
    return common > 0


def _link_releases(m: _Model, rels: list[Release]) -> list[str]:
    """Counts of one population in two releases are one count.

    Releases of one period from the same data (`_same_data`) share every count. Otherwise
    a block (`_block`) is the same population when its persons agree: the block's margin
    is known in both with the same n, and so is every n both know; then each quantity
    whose known values (margin included) all agree is linked. Known: published, or given
    by the equalities (`_implied`: a window × level cell of Tabell 15 hidden but shown in
    the starts table, or known through a block linked before); linking repeats until no
    block is added."""
    by_rel: dict[str, dict[tuple, dict]] = defaultdict(lambda: defaultdict(dict))
    for (r, c, q), i in m.index.items():
        block, is_margin = _block(c)
        by_rel[r][(block, q)][c] = (i, is_margin)
    links: list[str] = []
    done: set = set()
    for _round in range(10):
        value = _implied(m)

        def agree(acells, bcells, value=value):
            common = sorted(set(acells) & set(bcells))
            known = [(c, value[acells[c][0]], value[bcells[c][0]]) for c in common
                     if acells[c][0] in value and bcells[c][0] in value]
            margin = any(acells[c][1] and abs(va - vb) < 1e-6 for c, va, vb in known)
            return common, margin and all(abs(va - vb) < 1e-6 for _c, va, vb in known)

        added = 0
        for a_pos, ra in enumerate(rels):
            for rb in rels[a_pos + 1:]:
                a, b = ra.name, rb.name
                if (a, b) in done:
                    continue
                if _same_data(m, ra, rb, value):
                    for (r, c, q), i in list(m.index.items()):
                        if r == a and (b, c, q) in m.index:
                            m.add_eq({i: 1.0, m.index[(b, c, q)]: -1.0}, 0.0, f"{a} = {b}: {c} ({q})")
                    links.append(f"{a} = {b}: the same data")
                    done.add((a, b))
                    added += 1
                    continue
                for (block, q), acells in by_rel[a].items():
                    bcells = by_rel[b].get((block, q))
                    if (a, b, block, q) in done or not bcells:
                        continue
                    persons_a, persons_b = by_rel[a].get((block, "n")), by_rel[b].get((block, "n"))
                    if not persons_a or not persons_b or not agree(persons_a, persons_b)[1]:
                        continue
                    common, same = agree(acells, bcells)
                    if not same:
                        continue
                    for c in common:
                        m.add_eq({acells[c][0]: 1.0, bcells[c][0]: -1.0}, 0.0, f"{a} = {b}: {c} ({q})")
                    links.append(f"{a} = {b}: {'|'.join(block)} ({q})")
                    done.add((a, b, block, q))
                    added += 1
        if not added:
            break
    return links


# ============================================================================ solving

def _contradiction(m: _Model, relations: list[str]) -> DataError:
    """The releases break a relation of the attacker's model of the report."""
    return DataError(m.source, "", "published numbers satisfy the report's structure", len(relations),
                     examples=pd.DataFrame({"relation": relations[:5]}),
                     detail="the releases contradict the attacker's model of the report")


def _solve(m: _Model, combos: list[dict[int, float]] = ()) -> tuple:
    """Min and max of every variable and of each linear combination in ``combos``.

    Counts an equality x = y makes one (the same cell in two releases, Figur 2's persons
    as Figur 1's, a starts cell as Tabell 15's) become one variable; the published values
    are substituted; an equality with one unknown left fixes it; the rest splits into
    connected parts, each bounded by `_component_bounds`. Returns (low, high, combination
    low, combination high, LPs solved)."""
    rep, names, A_eq, b_eq_all, why_eq, A_le, b_le_all, why_le, fixed, lb, ub = _reduce(m)
    rcombos = []
    for coefs in combos:
        c: dict[int, float] = defaultdict(float)
        for i, a in coefs.items():
            c[int(rep[i])] += a
        rcombos.append(dict(c))
    low, high, c_low, c_high, n_lp = _solve_reduced(m, names, A_eq, b_eq_all, why_eq, A_le, b_le_all, why_le,
                                                    fixed, lb, ub, rcombos)
    return low[rep], high[rep], c_low, c_high, n_lp


def _reduce(m: _Model):
    """The model's rows as matrices over one variable per class of counts that x = y rows
    join, with the classes' published values and bounds."""
    keys = list(m.index)
    nvar = len(keys)
    A_eq, b_eq_all, why_eq = _matrix(m.eq, nvar)
    A_le, b_le_all, why_le = _matrix(m.le, nvar)
    # one variable per class of counts that x = y rows join
    starts = A_eq.indptr[:-1]
    pair = np.flatnonzero((np.diff(A_eq.indptr) == 2) & (b_eq_all == 0))
    pair = pair[np.isclose(A_eq.data[starts[pair]], -A_eq.data[starts[pair] + 1])]
    join = sparse.coo_matrix((np.ones(len(pair)), (A_eq.indices[starts[pair]], A_eq.indices[starts[pair] + 1])),
                             shape=(nvar, nvar))
    nrep, rep = connected_components(join, directed=False)
    first = np.full(nrep, nvar)
    np.minimum.at(first, rep, np.arange(nvar))
    names = [keys[i] for i in first]
    P = sparse.csr_matrix((np.ones(nvar), (np.arange(nvar), rep)), shape=(nvar, nrep))
    lb, ub = np.zeros(nrep), np.full(nrep, np.inf)
    np.maximum.at(lb, rep[list(m.lb)], list(m.lb.values()))
    np.minimum.at(ub, rep[list(m.ub)], list(m.ub.values()))
    fixed = np.full(nrep, np.nan)
    if m.fixed:
        idx, vals = rep[list(m.fixed)], np.array(list(m.fixed.values()))
        fmin, fmax = np.full(nrep, np.inf), np.full(nrep, -np.inf)
        np.minimum.at(fmin, idx, vals)
        np.maximum.at(fmax, idx, vals)
        clash = np.flatnonzero(fmax - fmin > 1e-6)
        if len(clash):
            raise _contradiction(m, [f"{names[c]} published as {fmin[c]:g} and {fmax[c]:g}" for c in clash])
        fixed[idx] = vals
    A_eq, A_le = (A_eq @ P).tocsr(), (A_le @ P).tocsr()
    return rep, names, A_eq, b_eq_all, why_eq, A_le, b_le_all, why_le, fixed, lb, ub


def _implied(m: _Model) -> dict[int, float]:
    """Every count the published values give without an LP (x = y, and an equality with
    one unknown left), by variable."""
    rep, names, A_eq, b_eq_all, _w, _A_le, _b, _w2, fixed, _lb, _ub = _reduce(m)
    _fix_singletons(m, names, A_eq, b_eq_all, fixed)
    vals = fixed[rep]
    return {i: float(v) for i, v in enumerate(vals) if not np.isnan(v)}


def _fix_singletons(m, names, A_eq, b_eq_all, fixed) -> np.ndarray:
    """Fix, in place, each variable an equality row leaves as its only unknown, until none
    is left; returns which variables are fixed."""
    is_fixed = ~np.isnan(fixed)
    while True:
        known = np.where(is_fixed, fixed, 0.0)
        free_part = (A_eq @ sparse.diags((~is_fixed).astype(float))).tocsr()
        free_part.eliminate_zeros()
        single = np.flatnonzero(np.diff(free_part.indptr) == 1)
        if not len(single):
            return is_fixed
        cols = free_part.indices[free_part.indptr[single]]
        coef = free_part.data[free_part.indptr[single]]
        vals = (b_eq_all[single] - A_eq[single] @ known) / coef
        order = np.lexsort((vals, cols))
        cols, vals = cols[order], vals[order]
        first = np.r_[True, cols[1:] != cols[:-1]]
        at = np.flatnonzero(first)
        spread = np.maximum.reduceat(vals, at) - np.minimum.reduceat(vals, at)
        if (spread > 1e-6).any():
            raise _contradiction(m, [f"two values for {names[c]}" for c in cols[first][spread > 1e-6]])
        fixed[cols[first]] = vals[first]
        is_fixed[cols[first]] = True


def _matrix(rows, nvar: int):
    r_idx, c_idx, vals = [], [], []
    for k, (coefs, _b, _w) in enumerate(rows):
        r_idx += [k] * len(coefs)
        c_idx += list(coefs)
        vals += list(coefs.values())
    mat = sparse.csr_matrix((vals, (r_idx, c_idx)), shape=(len(rows), nvar))
    return mat, np.array([b for _c, b, _w in rows], dtype=float), [w for _c, _b, w in rows]


def _solve_reduced(m, names, A_eq, b_eq_all, why_eq, A_le, b_le_all, why_le, fixed, lb, ub, combos):
    nvar = len(names)
    is_fixed = _fix_singletons(m, names, A_eq, b_eq_all, fixed)
    bad = is_fixed & ((fixed < lb - 1e-6) | (fixed > ub + 1e-6))
    if bad.any():
        raise _contradiction(m, [f"{names[i]} = {fixed[i]:g} outside [{lb[i]:g}, {ub[i]:g}]"
                                 for i in np.flatnonzero(bad)])
    known = np.where(is_fixed, fixed, 0.0)
    b_eq = b_eq_all - A_eq @ known
    b_le = b_le_all - A_le @ known
    keep = sparse.diags((~is_fixed).astype(float))
    A_eq, A_le = (A_eq @ keep).tocsr(), (A_le @ keep).tocsr()
    A_eq.eliminate_zeros()
    A_le.eliminate_zeros()
    # rows with no free variable: the published values must satisfy them
    empty_eq = np.diff(A_eq.indptr) == 0
    viol = [why_eq[k] for k in np.flatnonzero(empty_eq & (np.abs(b_eq) > 1e-6 * np.maximum(1, np.abs(b_eq_all))))]
    empty_le = np.diff(A_le.indptr) == 0
    viol += [why_le[k] for k in np.flatnonzero(empty_le & (b_le < -1e-6))]
    if viol or m.conflicts:
        raise _contradiction(m, m.conflicts + viol)
    A_eq, b_eq = A_eq[~empty_eq], b_eq[~empty_eq]
    A_le, b_le = A_le[~empty_le], b_le[~empty_le]

    A = sparse.vstack([A_eq, A_le]).tocsc()
    free_idx = np.flatnonzero(~is_fixed)
    adj = (A[:, free_idx].T @ A[:, free_idx]).tocsr() if A.shape[0] else sparse.csr_matrix((len(free_idx),) * 2)
    adj = adj + sparse.identity(len(free_idx), format="csr")
    _ncomp, label = connected_components(adj, directed=False)
    comp_of = np.full(nvar, -1)
    comp_of[free_idx] = label
    low, high = fixed.copy(), fixed.copy()
    # combinations: a constant (the published part) plus one part per connected part
    c_low = np.zeros(len(combos))
    c_high = np.zeros(len(combos))
    parts: dict[int, list[tuple[int, dict[int, float]]]] = defaultdict(list)
    for k, coefs in enumerate(combos):
        by_comp: dict[int, dict[int, float]] = defaultdict(dict)
        for i, a in coefs.items():
            if is_fixed[i]:
                c_low[k] += a * fixed[i]
                c_high[k] += a * fixed[i]
            elif a != 0:
                by_comp[comp_of[i]][i] = a
        for comp, part in by_comp.items():
            parts[comp].append((k, part))
    A_eq, A_le = A_eq.tocsc(), A_le.tocsc()
    n_lp = 0
    members = pd.Series(free_idx).groupby(label, sort=True).agg(list) if len(free_idx) else pd.Series(dtype=object)
    for comp, cols in members.items():
        cols = np.asarray(cols)
        where = {c: j for j, c in enumerate(cols)}
        objectives = []
        for _k, part in parts.get(comp, []):
            vec = np.zeros(len(cols))
            for i, a in part.items():
                vec[where[i]] = a
            objectives.append(vec)
        sub_eq, sub_le = A_eq[:, cols].tocsr(), A_le[:, cols].tocsr()
        req = np.flatnonzero(np.diff(sub_eq.indptr) > 0)
        rle = np.flatnonzero(np.diff(sub_le.indptr) > 0)
        lo_c, hi_c, o_lo, o_hi, k_lp = _component_bounds(m, [names[c] for c in cols], sub_eq[req], b_eq[req],
                                                         sub_le[rle], b_le[rle], lb[cols], ub[cols], objectives)
        low[cols], high[cols] = lo_c, hi_c
        for (k, _part), a, b in zip(parts.get(comp, []), o_lo, o_hi):
            c_low[k] += a
            c_high[k] += b
        n_lp += k_lp
    return low, high, c_low, c_high, n_lp


def _propagate(A_eq, b_eq, A_le, b_le, lb, ub, rounds: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Bounds implied row by row (feasibility-based bound tightening): for a row
    sum a_i x_i <= b, x_j <= (b - sum_{i != j} min a_i x_i) / a_j (>= when a_j < 0);
    an equality is two such rows. Valid for the LP: every feasible point lies within."""
    M = sparse.vstack([A_eq, -A_eq, A_le]).tocsr()
    b = np.r_[b_eq, -b_eq, b_le]
    rows = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))
    cols, a = M.indices, M.data
    lb, ub = lb.astype(float).copy(), ub.astype(float).copy()
    for _ in range(rounds):
        term = np.where(a > 0, a * lb[cols], a * ub[cols])  # smallest value of each term
        inf = ~np.isfinite(term)
        fin = np.where(inf, 0.0, term)
        row_sum = np.bincount(rows, fin, minlength=M.shape[0])
        row_inf = np.bincount(rows, inf.astype(float), minlength=M.shape[0])
        rest = row_sum[rows] - fin
        rest_inf = row_inf[rows] - inf
        ok = rest_inf == 0
        bound = (b[rows] - rest) / a
        new_ub, new_lb = ub.copy(), lb.copy()
        up = ok & (a > 0)
        np.minimum.at(new_ub, cols[up], bound[up])
        dn = ok & (a < 0)
        np.maximum.at(new_lb, cols[dn], bound[dn])
        with np.errstate(invalid="ignore"):
            changed = (new_ub < ub - 1e-9 * np.maximum(1, np.abs(new_ub))).any() or \
                (new_lb > lb + 1e-9 * np.maximum(1, np.abs(new_lb))).any()
        lb, ub = new_lb, new_ub
        if not changed:
            break
    return lb, ub


try:  # HiGHS as SciPy ships it: one model, solved again for each objective from the last basis
    from scipy.optimize._highspy import _core as _highs_core
except ImportError:  # pragma: no cover - another SciPy: linprog alone
    _highs_core = None


class _LP:
    """The LP of one connected part, minimised for one objective after another.

    With SciPy's HiGHS bindings (`scipy.optimize._highspy`, not public API) the model is
    passed once and each objective starts from the previous optimal basis (about six times
    faster here than a fresh `linprog` per bound); without them, or if they fail,
    ``scipy.optimize.linprog(method="highs")`` solves each objective from scratch. Both
    give the same optimum (a test checks it)."""

    def __init__(self, A_eq, b_eq, A_le, b_le, lo, hi, warm: bool = True):
        self.A_eq, self.b_eq, self.A_le, self.b_le, self.lo, self.hi = A_eq, b_eq, A_le, b_le, lo, hi
        self.n = len(lo)
        self._h = None
        if warm and _highs_core is not None:
            try:
                self._h = self._highs()
            except Exception:  # noqa: BLE001 - the private bindings changed: fall back to linprog
                self._h = None

    def _highs(self):
        core = _highs_core
        A = sparse.vstack([self.A_eq, self.A_le]).tocsc()
        inf = core.kHighsInf
        lp = core.HighsLp()
        lp.num_col_, lp.num_row_ = self.n, A.shape[0]
        lp.col_cost_ = np.zeros(self.n)
        lp.col_lower_ = np.asarray(self.lo, dtype=float)
        lp.col_upper_ = np.where(np.isfinite(self.hi), self.hi, inf)
        lp.row_lower_ = np.r_[self.b_eq, np.full(len(self.b_le), -inf)]
        lp.row_upper_ = np.r_[self.b_eq, self.b_le]
        lp.a_matrix_.format_ = core.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = self.n, A.shape[0]
        h = core._Highs()
        h.setOptionValue("output_flag", False)
        if h.passModel(lp) != core.HighsStatus.kOk:
            raise RuntimeError("HiGHS refused the model")
        self._idx = np.arange(self.n, dtype=np.int32)
        return h

    def minimise(self, c: np.ndarray) -> tuple[int, float, np.ndarray | None]:
        """(status, optimum, solution): status 0 optimal, 3 unbounded, 2 infeasible."""
        if self._h is not None:
            core = _highs_core
            self._h.changeColsCost(self.n, self._idx, np.asarray(c, dtype=float))
            self._h.run()
            st = self._h.getModelStatus()
            if st == core.HighsModelStatus.kOptimal:
                return 0, self._h.getInfo().objective_function_value, np.array(self._h.getSolution().col_value)
            if st == core.HighsModelStatus.kUnbounded:
                return 3, -np.inf, None
            if st in (core.HighsModelStatus.kInfeasible, core.HighsModelStatus.kUnboundedOrInfeasible):
                return 2, np.nan, None
            self._h = None  # anything else: solve this and the rest with linprog
        res = linprog(c, A_ub=self.A_le if self.A_le.shape[0] else None, b_ub=self.b_le if len(self.b_le) else None,
                      A_eq=self.A_eq if self.A_eq.shape[0] else None, b_eq=self.b_eq if len(self.b_eq) else None,
                      bounds=list(zip(self.lo, [None if np.isinf(u) else u for u in self.hi])), method="highs")
        if res.status == 0:
            return 0, res.fun, res.x
        return (3, -np.inf, None) if res.status == 3 else (2, np.nan, None)


#: Solve with warm starts where SciPy's HiGHS bindings allow (tests switch it off).
WARM_START = True


def _component_bounds(m: _Model, names, A_eq, b_eq, A_le, b_le, lb, ub, objectives=()) -> tuple:
    """Min and max of each variable of one connected part and of each linear objective.
    Bounds propagated row by row are valid for the LP; a feasible point that attains one
    proves it optimal, so an LP is solved only for the bounds no point seen so far attains
    (every LP solved adds its solution to the points seen)."""
    n = len(names)
    obj = np.array(objectives, dtype=float).reshape(len(objectives), n)
    if A_eq.nnz + A_le.nnz == 0:
        plo, phi = lb.astype(float), ub.astype(float)
    else:
        plo, phi = _propagate(A_eq, b_eq, A_le, b_le, lb, ub)
    with np.errstate(invalid="ignore"):
        olo = np.where(obj > 0, obj * plo, obj * phi).sum(axis=1) if len(obj) else np.zeros(0)
        ohi = np.where(obj > 0, obj * phi, obj * plo).sum(axis=1) if len(obj) else np.zeros(0)
    olo, ohi = np.nan_to_num(olo, nan=-np.inf), np.nan_to_num(ohi, nan=np.inf)
    if A_eq.nnz + A_le.nnz == 0:
        return plo, phi, olo, ohi, 0
    seen_lo, seen_hi = np.full(n, np.inf), np.full(n, -np.inf)
    oseen_lo, oseen_hi = np.full(len(obj), np.inf), np.full(len(obj), -np.inf)
    lp = _LP(A_eq, b_eq, A_le, b_le, plo, phi, warm=WARM_START)
    k_lp = 0

    def solve(c) -> tuple[int, float]:
        nonlocal k_lp, seen_lo, seen_hi, oseen_lo, oseen_hi
        k_lp += 1
        status, fun, x = lp.minimise(c)
        if status == 0:
            seen_lo, seen_hi = np.minimum(seen_lo, x), np.maximum(seen_hi, x)
            if len(obj):
                v = obj @ x
                oseen_lo, oseen_hi = np.minimum(oseen_lo, v), np.maximum(oseen_hi, v)
        elif status != 3:  # 3: unbounded
            raise _contradiction(m, [f"no solution in the part around {names[0]}"])
        return status, fun

    def attained(seen, bound, upper):
        if not np.isfinite(bound):
            return False
        tol = 1e-7 * max(1.0, abs(bound))
        return seen >= bound - tol if upper else seen <= bound + tol

    solve(np.ones(n))  # a point with many counts at their least
    finite = np.isfinite(phi)
    if finite.any():
        solve(-finite.astype(float) / np.maximum(1.0, phi - plo))  # and one with many at their most
    low, high = plo.copy(), phi.copy()
    for k in range(n):
        if not attained(seen_lo[k], plo[k], False):
            c = np.zeros(n)
            c[k] = 1.0
            low[k] = solve(c)[1]
        if not attained(seen_hi[k], phi[k], True):
            c = np.zeros(n)
            c[k] = -1.0
            high[k] = -solve(c)[1]
    for k in range(len(obj)):
        if not attained(oseen_lo[k], olo[k], False):
            olo[k] = solve(obj[k])[1]
        if not attained(oseen_hi[k], ohi[k], True):
            ohi[k] = -solve(-obj[k])[1]
    return low, high, olo, ohi, k_lp


# ============================================================================ refinement

def _refine_with_marks(m: _Model, findings: list[dict], rels: dict[str, Release], low: np.ndarray,
                       high: np.ndarray) -> list[int]:
    """Narrow a hidden reference cell to the integer (n, num) pairs whose z-test agrees
    with every significance mark shown against it (Tabell 16: R2, 21: work, 22: studies)."""
    changed = []
    by_ref: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for f in findings:
        if f["kind"] == "significance mark against a hidden cell" and f["used"]:
            by_ref[(f["release"], f["against"])].append(f)
    for (R, cr), fs in by_ref.items():
        rel = rels[R]
        mc = rel.min_cell or 0
        ni = m.index[(R, cr, "n")]
        if not (np.isfinite(low[ni]) and np.isfinite(high[ni])):
            continue
        ns = np.arange(math.ceil(low[ni] - _TOL), math.floor(high[ni] + _TOL) + 1)
        allowed_n = np.ones(len(ns), dtype=bool)
        xr: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for f in fs:
            q = MARK_QUANTITY[f["table"]]
            xi = m.index[(R, cr, q)]
            gi_n, gi_x = m.index[(R, f["cell"], "n")], m.index[(R, f["cell"], q)]
            exact = all(np.isfinite(high[i]) and high[i] - low[i] < _TOL for i in (gi_n, gi_x))
            if not exact or not np.isfinite(high[xi]):
                continue
            xs = np.arange(max(0, math.ceil(low[xi] - _TOL)), math.floor(high[xi] + _TOL) + 1)
            if len(ns) * len(xs) > 4_000_000:
                continue  # too wide a box to enumerate: the mark is left out
            N, X = np.meshgrid(ns, xs, indexing="ij")
            sig = z_test_significant(round(low[gi_x]), round(low[gi_n]), X, N, rel.alpha) & (N >= mc)
            ok = (sig == f["marked"]) & (X <= N)
            if q in xr:
                ok &= xr[q][1]
            xr[q] = (xs, ok)
            allowed_n &= ok.any(axis=1)
        if not xr:
            continue
        if not allowed_n.any():  # no pair agrees: the marks are not this test's; leave them out
            for f in fs:
                f["narrowed_to"] = "no pair agrees with the marks"
            continue
        new_lo, new_hi = float(ns[allowed_n].min()), float(ns[allowed_n].max())
        if new_lo > low[ni] + _TOL or new_hi < high[ni] - _TOL:
            m.tighten(ni, new_lo, new_hi)
            changed.append(ni)
        for q, (xs, ok) in xr.items():
            xi = m.index[(R, cr, q)]
            rows_ok = ok[allowed_n]
            if not rows_ok.any():
                continue
            xv = xs[rows_ok.any(axis=0)]
            if xv.min() > low[xi] + _TOL or xv.max() < high[xi] - _TOL:
                m.tighten(xi, float(xv.min()), float(xv.max()))
                changed.append(xi)
        for f in fs:
            f["narrowed_to"] = f"n in [{int(new_lo)}, {int(new_hi)}]"
    return changed


# ============================================================================ the attack

def _as_releases(releases) -> list[Release]:
    if isinstance(releases, (str, Path, Release)):
        releases = [releases]
    items = list(releases.items()) if isinstance(releases, Mapping) else [(None, r) for r in releases]
    out, seen = [], set()
    for name, r in items:
        rel = r if isinstance(r, Release) else read_release(r, name)
        if name is not None:
            rel.name = name
        base, k = rel.name, 2
        while rel.name in seen:
            rel.name = f"{base}#{k}"
            k += 1
        seen.add(rel.name)
        out.append(rel)
    return out


def build_model(releases, use_marks: bool = True, marks_before_suppression: bool | None = None,
                assume=()):
    """The attacker's model of the releases: (model, releases, findings, links)."""
    rels = _as_releases(releases)
    m = _Model()
    m.assume = frozenset(assume)
    if m.assume - ASSUMPTIONS:
        raise ValueError(f"unknown assumption(s) {sorted(m.assume - ASSUMPTIONS)}; known: {sorted(ASSUMPTIONS)}")
    m.source = ", ".join(str(r.folder) for r in rels)
    findings: list[dict] = []
    for rel in rels:
        cells = _add_published(m, rel)
        _add_rom2_published(m, rel, cells)
        _add_starts(m, rel, cells)
        _add_nyckeltal(m, rel, cells)
        _resolve_shares(m)
        _add_log(m, rel, cells)
        _add_structure(m, rel, cells)
        _add_figures(m, rel, cells)
        if use_marks:
            findings += _marks(m, rel, cells, marks_before_suppression)
    links = _link_releases(m, rels)
    return m, rels, findings, links


def _complements(m: _Model) -> tuple[list[tuple[str, str, str]], list[dict[int, float]]]:
    """Each share's denominator − numerator (persons without a result, …) as a
    combination of the model's counts: keys (release, cell, "n-r2") and coefficients."""
    keys, combos = [], []
    for (r, c, q), i in list(m.index.items()):
        for d, x in COMPLEMENTS.get(_kind(c), ()):
            if q == x and (r, c, d) in m.index:
                keys.append((r, c, f"{d}-{x}"))
                combos.append({m.index[(r, c, d)]: 1.0, i: -1.0})
    return keys, combos


def violations(model: _Model, values: Mapping[tuple[str, str, str], float], tol: float = 1e-6) -> pd.DataFrame:
    """The model's rows that ``values`` (known counts, keyed (release, cell, quantity))
    break, among the rows whose every variable has a value: the check of the attacker's
    structure on unprotected data. Columns ``kind`` ("=" or "<="), ``why``, ``residual``;
    ``attrs``: ``checked`` (rows with every value known) and ``rows``."""
    keys = list(model.index)
    vec = np.array([values.get(k, np.nan) for k in keys], dtype=float)
    out = []
    checked = total = 0
    for kind, rows in (("=", model.eq), ("<=", model.le)):
        for coefs, rhs, why in rows:
            idx = np.fromiter(coefs, dtype=int, count=len(coefs))
            total += 1
            if idx.size == 0 or np.isnan(vec[idx]).any():
                continue
            checked += 1
            lhs = float(np.dot(vec[idx], np.fromiter(coefs.values(), dtype=float, count=len(coefs))))
            res = lhs - rhs
            if (kind == "=" and abs(res) > tol * max(1.0, abs(rhs))) or (kind == "<=" and res > tol):
                out.append((kind, why, res))
    frame = pd.DataFrame(out, columns=["kind", "why", "residual"])
    frame.attrs.update(checked=checked, rows=total)
    return frame


def lp_attack(releases, include_direct: bool = False, use_marks: bool = True,
              marks_before_suppression: bool | None = None, complements: bool = True, assume=()) -> pd.DataFrame:
    """The interval an attacker gets for every count the releases rest on.

    ``releases``: run folders (paths, `Release` objects, or a {name: folder} mapping).
    Returns one row per count the attacker cannot read directly (with
    ``include_direct``: every count) — ``release``, ``cell``, ``quantity``, ``low``,
    ``high`` (the LP's bounds), ``low_int``, ``high_int`` (rounded inwards), ``width``
    (``high_int - low_int``), ``exact`` (``width == 0``), ``direct`` (read from one
    published number). ``attrs``: ``findings`` (marks and flags whose comparison involves a
    hidden cell; ``used``: whether it entered the LP), ``links`` (blocks linked across
    releases), ``seconds``, ``lps``, ``variables``, ``constraints``. ``use_marks``: read
    the workbook's marks and flags; ``marks_before_suppression``: whether an absent mark
    is information (None: when the release shows a mark only a hidden cell explains);
    ``complements``: also each share's denominator − numerator (persons without a result,
    …: quantity ``n-r2``, ``n-work``, …); ``assume``: assumptions of `ASSUMPTIONS` to add
    (they hold on the sample, not whatever the data). Raises `DataError` when the releases
    contradict the attacker's model of the report.
    """
    t0 = time.perf_counter()
    m, rels, findings, links = build_model(releases, use_marks, marks_before_suppression, assume)
    ckeys, combos = _complements(m) if complements else ([], [])
    low, high, clow, chigh, n_lp = _solve(m, combos)
    if use_marks:
        rel_by_name = {r.name: r for r in rels}
        for _ in range(3):
            changed = _refine_with_marks(m, findings, rel_by_name, low, high)
            if not changed:
                break
            low, high, clow, chigh, k = _solve(m, combos)
            n_lp += k
    keys = list(m.index)
    direct = np.zeros(len(keys), dtype=bool)
    direct[list(m.fixed)] = True
    # a complement of two published counts is read directly too
    cdirect = [all(direct[i] for i in c) for c in combos]
    keys, low, high = keys + ckeys, np.r_[low, clow], np.r_[high, chigh]
    direct = np.r_[direct, np.array(cdirect, dtype=bool)]
    out = pd.DataFrame(keys, columns=["release", "cell", "quantity"])
    out["low"], out["high"] = low + 0.0, high + 0.0
    out["low_int"] = np.ceil(np.where(np.isfinite(low), low, -1e18) - _TOL) + 0.0
    out["high_int"] = np.floor(np.where(np.isfinite(high), high, 1e18) + _TOL) + 0.0
    out.loc[~np.isfinite(high), "high_int"] = np.inf
    out["width"] = out["high_int"] - out["low_int"]
    out["exact"] = out["width"] == 0
    out["direct"] = direct
    if not include_direct:
        out = out[~out["direct"]]
    out = out.sort_values(["release", "cell", "quantity"], kind="stable").reset_index(drop=True)
    out.attrs.update(findings=pd.DataFrame(findings, columns=["release", "kind", "table", "cell", "marked", "against",
                                                              "used", "narrowed_to"]),
                     links=links, seconds=time.perf_counter() - t0, lps=n_lp, variables=len(keys),
                     constraints=len(m.eq) + len(m.le))
    return out


# ============================================================================ truth, for the tests

def truth_counts(period: str, data) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    """Every count of the unprotected tables of a period on the sample, keyed (cell,
    quantity) as the attacker names them (numerators from share × n), and the keys of the
    figures' empty months (no starts: 0, no row in the figure's data). Each part of the
    report only where the period computes it (RoM 2's from issue 16)."""
    from romlab.run.config import RunConfig
    from romlab.run.period import compute

    cfg = RunConfig.for_period(period)
    p = compute(RunConfig.for_period(period, min_cell=1), data)  # every share computed
    t, out, empty = p.tables, {}, set()

    def put(cell, q, v):
        if pd.notna(v):
            out[(cell, q)] = round(float(v))

    def nums(frame):
        return np.where(frame["n"] > 0, (frame["value"].fillna(0) * frame["n"] / 100).round(), 0)

    for key, q in (("16", "r2"), ("21", "work"), ("22", "studies")):
        for r, x in zip(t[key].itertuples(), nums(t[key])) if key in t else ():
            put(f"P|{int(r.window)}|{r.level}|{r.group}", "n", r.n)
            put(f"P|{int(r.window)}|{r.level}|{r.group}", q, x)
    for key, measure, q in (("15", "r2_share", "r2"), ("19", "work_share", "work"),
                            ("19", "education_share", "studies")):
        if key not in t:
            continue
        f = t[key][t[key]["measure"] == measure]
        for r, x in zip(f.itertuples(), nums(f)):
            put(f"P|{int(r.window)}|{r.level}|Alla", "n", r.n)
            put(f"P|{int(r.window)}|{r.level}|Alla", q, x)
    for measure, q in (("r2_share", "r2"), ("work_share", "work"), ("education_share", "studies")):
        if "14" not in t:
            continue
        f = t["14"][t["14"]["measure"] == measure]
        for r, x in zip(f.itertuples(), nums(f)):
            put(f"Q|{r.level}", "n", r.n)
            put(f"Q|{r.level}", q, x)
    for r, x in zip(t["23"].itertuples(), nums(t["23"])) if "23" in t else ():
        if r.measure == "unsubsidised_share_of_employment":
            put(f"E|{r.level}|{r.column}", "n", r.n)
            put(f"E|{r.level}|{r.column}", "unsub", x)
        elif r.measure == "subsidised_work_share":
            put(f"Q|{r.level}", "sub", x)
        else:
            put(f"Q|{r.level}", "unsub_all" if r.column == T23_ALL else "unsub_id", x)
    for key, fig, q in (("figur_1", "F1", "r2"), ("figur_2", "F2", "sig")):
        if key not in t or not cfg.population_start_months:
            continue
        f = t[key]
        for r, x in zip(f.itertuples(), nums(f)):
            put(f"{fig}|{r.start_month:%Y-%m}|{r.level}", "n", r.n)
            put(f"{fig}|{r.start_month:%Y-%m}|{r.level}", q, x)
        first = cfg.population_start_months[0]  # months of the population without starts: 0
        for mo in pd.period_range(first, f["start_month"].max().strftime("%Y-%m"), freq="M"):
            for lv in ("A", "B", "C", "ABC"):
                cell = f"{fig}|{mo.strftime('%Y-%m')}|{lv}"
                if (cell, "n") not in out:
                    empty.update({(cell, "n"), (cell, q), (cell, f"n-{q}")})
    for key in ("7", "8", "9", "10", "11", "12"):
        for r in t[key].itertuples() if key in t else ():
            cell = f"S|{key}|{r.level}" if key == "12" else f"S|{key}|{r.group}"
            put(cell, "obs" if r.measure == "observations" else "n", r.value if r.measure == "observations" else r.n)
    for r in t["13"].itertuples() if "13" in t else ():
        put(f"S|13|{r.group}|{r.level}", "n", r.n)
    for r in t["A1"].itertuples() if "A1" in t else ():
        put(f"S|A1|{r.column}|{r.level}", "n", r.n)
    if "5" in t:
        t5 = t["5"]
        put("S|5|Alla", "obs",
            t5.loc[(t5["measure"] == "observations") & (t5["adjusted"] == "justerat"), "value"].iloc[0])
        put("S|5|Alla", "n", p.nyckeltal["sample_sizes"]["support_persons"])
    s = p.overview.get("starts")
    if s is not None:
        for r_ in s.index:
            for c in s.columns:
                put(f"O|{r_}|{c}", "n", s.loc[r_, c])
    _truth_rom2(t, cfg, put, nums, out, empty)
    for (cell, q), v in list(out.items()):  # complements: persons without the outcome
        for d, x in COMPLEMENTS.get(cell.split("|")[0], ()):
            if q == x and (cell, d) in out:
                out[(cell, f"{d}-{x}")] = out[(cell, d)] - v
    return {**out, **dict.fromkeys(empty, 0)}, empty


def _truth_rom2(t, cfg, put, nums, out: dict, empty: set) -> None:
    """RoM 2's counts (issue 16) in the unprotected tables, as `truth_counts` keys them."""
    share_q = {"result_3m_share": "r3m", "result_6m_share": "r6m"}
    for r, x in zip(t["rom2_14"].itertuples(), nums(t["rom2_14"])) if "rom2_14" in t else ():
        if r.measure in share_q:
            put(f"R2Q|{r.level}", "n", r.n)
            put(f"R2Q|{r.level}", share_q[r.measure], x)
        else:  # continuation: of the persons with a 3-month result
            put(f"R2Q|{r.level}", "r3m6m", x)
    q19 = {"work_3m_share": "work3m", "education_3m_share": "studies3m", "work_6m_share": "work6m",
           "education_6m_share": "studies6m"}
    for r, x in zip(t["rom2_19"].itertuples(), nums(t["rom2_19"])) if "rom2_19" in t else ():
        if r.measure in q19:
            put(f"R2Q|{r.level}", q19[r.measure], x)
    for r, x in zip(t["rom2_16"].itertuples(), nums(t["rom2_16"])) if "rom2_16" in t else ():
        put(f"R2G|{r.level}|{r.group}", "n", r.n)
        put(f"R2G|{r.level}|{r.group}", share_q[r.measure], x)
    if "rom2_jobbchans" in t:
        jc = t["rom2_jobbchans"]
        jc = jc[jc["band"].notna() & jc["measure"].isin(list(share_q))]
        for r, x in zip(jc.itertuples(), nums(jc)):
            put(f"R2J|{r.level}|{int(r.band)}", "n", r.n)
            put(f"R2J|{r.level}|{int(r.band)}", share_q[r.measure], x)
    if ROM2_FIGURE in t and cfg.rom2_population_start_months:
        f = t[ROM2_FIGURE]
        for r, x in zip(f.itertuples(), nums(f)):
            cell = f"R2F|{pd.Timestamp(r.start_month):%Y-%m}|{r.level}"
            put(cell, "n", r.n)
            put(cell, share_q[r.measure], x)
        for mo in _month_range(*cfg.rom2_population_start_months):  # months × levels without starts: 0
            for lv in (*LEVELS, TOTAL):
                cell = f"R2F|{mo}|{lv}"
                if (cell, "n") not in out:
                    empty.update({(cell, q) for q in ("n", "r3m", "r6m", "n-r3m", "n-r6m")})
    for key in ("rom2_5", "rom2_7", "rom2_8", "rom2_9", "rom2_10", "rom2_11", "rom2_12"):
        if key not in t:
            continue
        f = t[key]
        if key == "rom2_5":
            f = f[f["adjusted"] == "justerat"]
        tab = key.split("_")[1]
        for r in f.itertuples():
            cell = "S2|5|Alla" if tab == "5" else f"S2|12|{r.level}" if tab == "12" else f"S2|{tab}|{r.group}"
            put(cell, "obs" if r.measure == "observations" else "n", r.value if r.measure == "observations" else r.n)
    for r in t["rom2_13"].itertuples() if "rom2_13" in t else ():
        put(f"S2|13|{r.group}|{r.level}", "n", r.n)
    for r in t["rom2_jamforelse"].itertuples() if "rom2_jamforelse" in t else ():
        cell = f"S2J|{r.month}|{r.generation}"
        put(cell, "n", r.n)
        if r.measure == "observations":
            put(cell, "obs" if r.adjusted == "justerat" else "obs_all", r.value)


def sensitive(res: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Counts below min_cell in the truth: persons, numerators, denominator − numerator
    (report-months of the support tables and the figures' months without starts left out)."""
    return res[res["truth"].notna() & (res["truth"] < min_cell) & ~res["quantity"].isin(["obs", "obs_all"])
               & ~res["empty"]]
