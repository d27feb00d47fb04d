"""The comparison with the published report as a reader reads it.

`reader_view(c, part, n)` lays out a comparison (`romlab.publication.compare.comparison`:
one row per published number) for the comparison notebook and its page, in Swedish:

- ``"summary"``: per table and in total (`compare.comparison_summary`), with the
  sentence of `compare.describe_comparison` above it;
- ``"headline"``: the summary's headline numbers a run reproduces
  (`compare.headline_comparison`);
- ``"deviations"``: the `n` published numbers furthest outside their tolerance
  (`compare.largest_deviations`).

Tables by their names in the report ("Tabell 16", "Urval", "Sammanfattning"), measures
and keys in words, numbers as printed (decimal comma, thin-space thousands), "–" where a
number is missing, "Ja"/"Nej" for within the tolerance; a `ReaderTable` (no index
column). The frames the functions of `compare` return are unchanged (the CLI, the index
and the tests read them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.publication import compare
from romlab.publication.html_table import MISSING
from romlab.publication.reader_table import ReaderTable

__all__ = ["HEADINGS", "KEY_HEADINGS", "MEASURE_NAMES", "reader_view"]

#: The comparison's columns as a reader reads them (the index's headings, `romlab.run.pages`).
HEADINGS = {
    "table": "Tabell", "measure": "Mått", "published": "Publicerat värde", "reproduced": "Återskapat värde",
    "difference": "Skillnad", "tolerance": "Tolerans", "within": "Inom toleransen",
    "n_published": "Publicerade värden", "n_reproduced": "Återskapade", "n_within": "Inom toleransen",
    "share_within": "Andel inom toleransen, procent", "mean_abs_difference": "Genomsnittlig absolut avvikelse",
    "max_abs_difference": "Största absoluta avvikelse",
}

#: The key columns of a published number (`compare.KEYS`) as a reader reads them.
KEY_HEADINGS = {"activity": "Aktivitet", "group": "Grupp", "window": "Fönster", "level": "Nivå",
                "percentile": "Percentil", "included_share": "Andel inkluderade observationer, procent",
                "adjusted": "Justering", "column": "Kolumn"}

#: Every measure of `data/published` in words (the report's terms; `tests/test_compare_view.py`
#: checks that none is missing).
MEASURE_NAMES = {
    "percentile_hours": "Timmar vid percentilen", "mean_hours": "Medelvärde, timmar",
    "median_hours": "Median, timmar", "observations": "Antal observationer",
    "share_any_hour": "Andel med minst en timme, procent",
    "r2_share": "Andel R2, procent", "work_share": "Andel arbete, procent",
    "education_share": "Andel utbildning, procent",
    "work_share_of_results": "Arbete, andel av resultaten, procent",
    "education_share_of_results": "Utbildning, andel av resultaten, procent",
    "unsubsidised_share_of_employment": "Andel osubventionerat arbete av anställningarna, procent",
    "unsubsidised_share_of_employment_low": "Andel osubventionerat arbete av anställningarna (lägst), procent",
    "unsubsidised_share_of_employment_high": "Andel osubventionerat arbete av anställningarna (högst), procent",
    "unsubsidised_work_share": "Osubventionerat arbete, procent",
    "subsidised_work_share": "Subventionerat arbete, procent",
    "coef": "Koefficient", "se": "Standardfel", "r_squared": "R²", "adj_r_squared": "Justerat R²",
    "best_estimate_hours_low": "Bästa bedömning av stödet per månad, lägst, timmar",
    "best_estimate_hours_high": "Bästa bedömning av stödet per månad, högst, timmar",
    "r2_share_previous_report_2023_04": "Andel R2 i återrapporten april 2023, procent",
    "r1_continuing_to_r2_share": "Andel med R1 som fortsätter till R2, procent",
    "result_payment": "Resultatersättning, kronor",
    "share_result_reports_identified_in_registers": "Andel resultatrapporter som återfinns i registren, procent",
    "periodic_reports_after_merge": "Periodiska rapporter i urvalet (avrundat)",
    "periodic_reports_after_trim_95": "Periodiska rapporter efter justering (95:e percentilen)",
}


def _measure_names() -> dict[str, str]:
    from romlab.report.support_selection import FLOW_LABELS

    return {**FLOW_LABELS, **MEASURE_NAMES}


def _number(v, decimals: int) -> str:
    """A number as printed (a space between thousands, which the HTML makes thin), "–" if missing."""
    if v is None or pd.isna(v):
        return MISSING
    text = f"{abs(float(v)):,.{decimals}f}".replace(",", " ").replace(".", ",")
    return "\u2212" + text if float(v) < 0 and text.strip("0, ") else text  # a minus sign; never "−0,00"


def _plain(v) -> str:
    """A published value or a key as written: as many decimals as it has (97,5; 33;
    0,031; 137 840), "–" if missing."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return MISSING
    if isinstance(v, str):
        return v
    return _number(v, len(format(float(v), ".10f").rstrip("0").partition(".")[2]))


def _table_name(key) -> str:
    """A table by its name in the report ("Tabell 16", "Tabell A1", "Urval", "Sammanfattning")."""
    from romlab.report.registry import REGISTRY, table_defs

    table_defs(kind=None)  # the register filled
    d = REGISTRY.get(str(key))
    return d.sheet if d is not None else ("Totalt" if str(key) == "Totalt" else f"Tabell {key}")


def _key_text(c: pd.DataFrame, key: str) -> pd.Series:
    """A key column in words: levels "Nivå A" / "Totalt", Tabell A1's columns by their groups."""
    s = c[key]
    if key == "level":
        return s.map(lambda v: MISSING if pd.isna(v) else "Totalt" if v == "ABC" else f"Nivå {v}")
    if key == "column":
        return s.map(lambda v: _a1_columns().get(v, _plain(v)))
    if key == "included_share":
        return s.map(_plain)
    return s.map(lambda v: _plain(int(v)) if isinstance(v, float) and not pd.isna(v) and v.is_integer()
                 else _plain(v))


def _a1_columns() -> dict[str, str]:
    """Tabell A1's columns (col01 … col11) by the labels of assumption A18."""
    from romlab.report.classify import label_map
    from romlab.report.support import A1_COLUMNS

    table = {"sex": 7, "education_group": 8, "age_group": 9, "birth_country": 10, "disability_group": 11}
    return {f"col{i:02d}": label_map(col, table[col])[code] for i, (col, code) in enumerate(A1_COLUMNS, start=1)}


def _values(d: pd.DataFrame) -> dict[str, pd.Series]:
    """Published, reproduced, difference, tolerance of comparison rows `d`, as printed:
    the published value as written, the others with two decimals, or none in a row of
    counts (published and reproduced both whole numbers)."""
    whole = ((d["published"] % 1 == 0) & (d["reproduced"] % 1 == 0)).to_numpy()

    def fmt(col: str) -> pd.Series:
        return pd.Series(np.where(whole, d[col].map(lambda v: _number(v, 0)), d[col].map(lambda v: _number(v, 2))),
                         index=d.index, dtype=object)

    return {HEADINGS["published"]: d["published"].map(_plain), HEADINGS["reproduced"]: fmt("reproduced"),
            HEADINGS["difference"]: fmt("difference"), HEADINGS["tolerance"]: fmt("tolerance")}


def _summary(c: pd.DataFrame) -> pd.DataFrame:
    s = compare.comparison_summary(c)
    share = s["share_within"] * 100
    return pd.DataFrame({
        HEADINGS["table"]: s["table"].map(_table_name),
        HEADINGS["n_published"]: s["published"].map(lambda v: _number(v, 0)),
        HEADINGS["n_reproduced"]: s["reproduced"].map(lambda v: _number(v, 0)),
        HEADINGS["n_within"]: s["within"].map(lambda v: _number(v, 0)),
        HEADINGS["share_within"]: share.map(lambda v: _number(v, 0)),
        HEADINGS["mean_abs_difference"]: s["mean_abs_difference"].map(lambda v: _number(v, 2)),
        HEADINGS["max_abs_difference"]: s["max_abs_difference"].map(lambda v: _number(v, 2)),
    })


def _headline(c: pd.DataFrame) -> pd.DataFrame:
    h = compare.headline_comparison(c)
    names = _measure_names()
    return pd.DataFrame({HEADINGS["measure"]: h["measure"].map(lambda m: names.get(m, m)),
                         KEY_HEADINGS["level"]: _key_text(h, "level"), **_values(h),
                         HEADINGS["within"]: np.where(h["within"].astype(bool), "Ja", "Nej")})


def _deviations(c: pd.DataFrame, n: int) -> pd.DataFrame:
    d = compare.largest_deviations(c, n)
    names = _measure_names()
    keys = [k for k in KEY_HEADINGS if k in d.columns and d[k].notna().any()]
    return pd.DataFrame({HEADINGS["table"]: d["table"].map(_table_name),
                         HEADINGS["measure"]: d["measure"].map(lambda m: names.get(m, m)),
                         **{KEY_HEADINGS[k]: _key_text(d, k) for k in keys}, **_values(d)})


def reader_view(c: pd.DataFrame, part: str = "summary", n: int = 10) -> ReaderTable:
    """One part of comparison `c` as a reader reads it (see the module's docstring):
    ``"summary"``, ``"headline"`` or ``"deviations"`` (the `n` furthest outside)."""
    source = "Källa: Arbetsförmedlingen, Utvecklade matchningstjänster (oktober 2023), och denna körning."
    if part == "summary":
        return ReaderTable(_summary(c), anchor="jamforelse-per-tabell", sentence=compare.describe_comparison(c),
                           source=source)
    if part == "headline":
        return ReaderTable(_headline(c), anchor="jamforelse-nyckeltal", source=source)
    if part == "deviations":
        return ReaderTable(_deviations(c, n), anchor="jamforelse-avvikelser", source=source)
    raise ValueError(f"part must be 'summary', 'headline' or 'deviations', not {part!r}")
