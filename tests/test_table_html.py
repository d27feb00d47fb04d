"""Every report table's HTML is laid out as the report prints it (issue 15, point 1).

`ReportTable._repr_html_` (`romlab.publication.html_table`, great_tables): row labels in a
stub column (no pandas index column), spanning headers over two-level columns, decimal
comma and thin-space thousands, '..' for a suppressed cell and '–' for a missing one,
significant cells bold, the note and a source line under the table, no NaN/None/True/
False anywhere, and the same bytes each time it is made. The first part runs on every
registered table of the committed sample (2023-10); the second on hand-made frames.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from romlab.publication import html_table
from romlab.publication.disclosure import SUPPRESSED
from romlab.report import regression as reg
from romlab.report import results_render
from romlab.report.registry import table_defs
from romlab.run import period

#: Text that must never reach a reader (the whole HTML, its CSS included).
LEAK = re.compile(r"\b(NaN|nan|None|True|False|NaT)\b|<NA>")
#: A decimal point between digits in a cell (a year-month such as 2023-10 has none).
DECIMAL_POINT = re.compile(r"\d\.\d")
#: A code where a label belongs ("domestic_woman", "mean_hours").
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")
#: Headers pandas writes for an index it was not told about.
INDEX_HEADERS = {"index", "level_0", "level_1", "0"}


@pytest.fixture(scope="module", params=["2023-10", "2025-04"])
def pt(request):
    """The protected tables of 2023-10 (RoM 1) and 2025-04 (RoM 1's results and both RoM 2
    parts) on the committed sample (no bundle: computed)."""
    return period.tables(request.param)


def _cells(page: str) -> tuple[list[str], list[str], BeautifulSoup]:
    """The text of the table's header and stub cells (th), its body cells (td) and the parsed page."""
    soup = BeautifulSoup(page, "html.parser")
    table = soup.find("table")
    th = [c.get_text(" ", strip=True) for c in table.find_all("th")]
    td = [c.get_text(" ", strip=True) for c in table.find("tbody").find_all("td")]
    return th, td, soup


def _notes(soup: BeautifulSoup) -> str:
    """The text under the table (its note and source lines)."""
    return " ".join(n.get_text(" ", strip=True) for n in soup.select(".gt_sourcenote"))


def test_every_registered_table_reads_as_printed(pt):
    keys = [d.key for d in table_defs(kind=None) if d.applies(pt.cfg)]
    assert {d.kind for d in table_defs(kind=None)} >= {"table", "tests", "data", "summary"}
    for key in keys:
        shown = pt[key]
        frame = shown.render()
        page = shown._repr_html_()
        assert not LEAK.search(page), (key, LEAK.search(page).group(0))
        th, td, soup = _cells(page)
        assert soup.find("h3", id=shown.defn.anchor) is not None, key
        assert not INDEX_HEADERS & set(th), (key, INDEX_HEADERS & set(th))
        assert not [c for c in th + td if DECIMAL_POINT.search(c)], (key, [c for c in th + td if DECIMAL_POINT.search(c)])
        assert not [c for c in th + td if SNAKE_CASE.search(c)], (key, [c for c in th + td if SNAKE_CASE.search(c)])
        spanners = soup.select(".gt_column_spanner")
        if frame.columns.nlevels == 2:
            assert spanners, key
            assert {s.get_text(strip=True) for s in spanners} == {str(v) for v in frame.columns.get_level_values(0)}
        # the row labels are a stub column, never a header of their own
        if not isinstance(frame.index, pd.RangeIndex):
            assert soup.select(".gt_stub"), key
        assert "Källa:" in _notes(soup), key
        if shown.defn.note:
            assert shown.defn.note in _notes(soup), key
        if (frame == SUPPRESSED).to_numpy().any():
            assert SUPPRESSED in td, key


def test_the_html_is_the_same_bytes_each_time(pt):
    keys = ("16", "18", "A1", "tests_sex", "figur_1", "headline", "rom2_14", "rom2_16", "rom2_5", "rom2_tests_sex")
    for key in [k for k in keys if k in pt.tables]:
        first, second = pt[key]._repr_html_(), pt[key]._repr_html_()
        assert first == second, key
        assert f'id="{pt[key].defn.anchor}-tabell"' in first  # not great_tables' random id


def test_tabell_18_in_swedish_with_standard_errors_that_show(pt):
    page = pt["18"]._repr_html_()
    th, td, soup = _cells(page)
    text = " ".join(th + td)
    for word in ("R-squared", "Observations", "Adjusted"):
        assert word not in page
    for label in ("R²", "Justerat R²", "Antal observationer", "Konstant", "Referensgrupp: inrikes födda män",
                  "Kontroll för nivå"):
        assert label in text, label
    se = [c for c in td if c.startswith("(") and c != "(utelämnad)"]
    assert se and all(re.fullmatch(r"\(\d+,\d{3}\)", c) for c in se), se
    assert "(0,000)" not in se
    assert "*** p<0,01, ** p<0,05, * p<0,1" in _notes(soup)
    assert {s.get_text(strip=True) for s in soup.select(".gt_column_spanner")} == {"Har R2"}


def _result(coef: dict[str, tuple[float, float, float]], nobs: int = 137840) -> reg.RegressionResult:
    """A made-up fit: term → (coefficient, standard error, p-value)."""
    terms = [*coef, reg.CONSTANT]
    s = lambda i: pd.Series([coef[t][i] if t in coef else 0.49 for t in terms], index=terms)
    return reg.RegressionResult(
        outcome="has_result", regressors=list(coef), fixed_effects=["level", ("window", "level")],
        cov_type="HC1", cluster=None, params=s(0), bse=s(1), tvalues=s(0) / s(1), pvalues=s(2),
        cov=pd.DataFrame(), nobs=nobs, n_params=5, df_resid=nobs - 5, rsquared=0.0337, rsquared_adj=0.03344,
        ssr=1.0, labels={"has_result": "Har R2", "woman": "Kvinna", "born_abroad": "Utrikes född",
                         "level": "nivå", "window×level": "fönster*nivå"})


def test_tabell_18_layout_hand_worked():
    r = _result({"woman": (0.0012, 0.0031, 0.7), "born_abroad": (0.0204, 0.0042, 0.0001)})
    r.pvalues[reg.CONSTANT] = 0.04
    shown = results_render.render_tabell_18(r)
    assert shown.index.tolist() == ["Referensgrupp: inrikes födda män", "Kvinna", "", "Utrikes född", "",
                                    "Konstant", "", "Kontroll för nivå", "Kontroll för fönster*nivå", "R²",
                                    "Justerat R²", "Antal observationer"]
    assert shown.iloc[:, 0].tolist() == ["", "0,001", "(0,003)", "0,020***", "(0,004)", "0,490**", "(0,490)",
                                         "Ja", "Ja", "0,0337", "0,0334", "137 840"]
    assert shown.columns.tolist() == [("Har R2", "b/se")]
    page = html_table.table_html(shown, "Tabell 18: x", note=results_render.TABELL_18_NOTE, anchor="tabell-18")
    assert "137\u2009840" in page  # thin space between thousands


def _frame() -> pd.DataFrame:
    cols = pd.MultiIndex.from_product([["Fönster 1", "Fönster 2"], ["Nivå A", "Nivå B"]])
    f = pd.DataFrame([["45*", SUPPRESSED, "30", "31"], ["1 234", np.nan, "<0,001", "12"]], columns=cols,
                     index=pd.Index(["Kvinnor", "Män & övriga"], name="Jämförelse"))
    return f


def test_hand_made_frame_shows_dots_dashes_stub_and_spanners():
    page = html_table.table_html(_frame(), "Tabell 99: påhittad", "En mening.", "En not.", anchor="tabell-99")
    th, td, soup = _cells(page)
    assert td == ["45*", "..", "30", "31", "1\u2009234", "–", "<0,001", "12"]
    assert "&lt;0,001" in page  # text is escaped
    assert [c.get_text(strip=True) for c in soup.select(".gt_stub")] == ["Kvinnor", "Män & övriga"]
    assert "Män &amp; övriga" in page and "&amp;amp;" not in page  # escaped once
    assert [s.get_text(strip=True) for s in soup.select(".gt_column_spanner")] == ["Fönster 1", "Fönster 2"]
    assert "Jämförelse" in th
    assert soup.find("h3", id="tabell-99").get_text() == "Tabell 99: påhittad"
    assert soup.find("p").get_text() == "En mening."
    notes = [n.get_text(strip=True) for n in soup.select(".gt_sourcenote")]
    assert notes == ["En not.", html_table.SOURCE]
    assert page == html_table.table_html(_frame(), "Tabell 99: påhittad", "En mening.", "En not.",
                                         anchor="tabell-99")


def test_numbers_flags_and_missing_values_in_long_data():
    long = pd.DataFrame({"Nivå": ["A", "B", "C"], "Antal": [1200, 35, 7], "Andel": [12.24, np.nan, 3.0],
                         "Hemlig": [True, False, True]})
    page = html_table.table_html(long, anchor="lang")
    th, td, _ = _cells(page)
    assert td == ["A", "1\u2009200", "12,2", "Ja", "B", "35", "–", "Nej", "C", "7", "3,0", "Ja"]
    assert not LEAK.search(page) and "0" not in th  # no pandas index column


def test_significant_cells_are_bold_and_flags_filled():
    frame = _frame()
    long = pd.DataFrame({"significant": [True]})
    m = html_table.marks(frame.assign(), long)
    assert m["bold"].to_numpy().tolist() == [[True, False, False, False], [False, False, False, False]]
    soup = BeautifulSoup(html_table.table_html(frame, anchor="t", **m), "html.parser")
    bold = [c.get_text(strip=True) for c in soup.find_all("td") if "bold" in (c.get("style") or "")]
    assert bold == ["45*"]
    flagged = frame.copy()
    flagged.iloc[0, 2] = "30▲"
    m = html_table.marks(flagged, pd.DataFrame({"flagged": [True]}))
    assert "bold" not in m and m["fill"].to_numpy().sum() == 1
    soup = BeautifulSoup(html_table.table_html(flagged, anchor="t", **m), "html.parser")
    filled = [c.get_text(strip=True) for c in soup.find_all("td") if html_table.FLAG_FILL in (c.get("style") or "")]
    assert filled == ["30▲"]
    tests = pd.DataFrame({"Grupp": ["Kvinnor", "Män"], "Skillnad (timmar)": ["1,20", "0,10"],
                          "Statistiskt säkerställd": ["Ja", "Nej"]})
    m = html_table.marks(tests, pd.DataFrame({"significant": [True, False]}))
    assert m["bold"].to_numpy().tolist() == [[True, True, True], [False, False, False]]


def test_the_source_line_says_when_the_numbers_are_generated(pt):
    """The committed sample is romlab's generated data: every table's source line says
    so; the same table of real data names the agency's warehouse."""
    from dataclasses import replace

    assert pt.synthetic
    assert html_table.SYNTHETIC_SOURCE in pt["16"]._repr_html_()
    real = replace(pt, synthetic=False)
    page = real["16"]._repr_html_()
    assert html_table.SOURCE in page and html_table.SYNTHETIC_SOURCE not in page


def test_level_tests_render_before_protection():
    """Tabell 15's level tests laid out from unprotected tests (no ``suppressed``
    column): nothing hidden, every p-value shown."""
    tests = pd.DataFrame({"window": [1, 1], "level_1": ["A", "A"], "level_2": ["B", "C"], "difference": [5.0, 1.2],
                          "p_value": [0.0004, 0.31], "significant": [True, False]})
    out = results_render.render_level_tests(tests)
    assert list(out["p-värde"]) == ["<0,001", "0,310"] and list(out["Statistiskt säkerställd"]) == ["Ja", "Nej"]
    assert SUPPRESSED not in set(out.to_numpy().ravel())
