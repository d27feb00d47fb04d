"""A report table as HTML, laid out as the report prints it (great_tables).

`table_html(frame, heading, sentence, note, source, anchor, bold, fill)` turns a table's
printed layout (`romlab.report.registry.ReportTable.render`: a DataFrame whose index
holds the row labels and whose columns may have two levels, window × level) into the
HTML a notebook shows and a run's pages keep:

- the heading (``<h3 id=anchor>``, which the run's index links to) and the sentence
  above the table;
- the row labels as a stub column (its header the index's name), a two-level row index
  as row groups (Tabell 19, 23, A 1), never a pandas index column;
- spanning column headers (``tab_spanner``) over the lower level of two-level columns,
  and over all columns when the columns are named (Tabell 2 "Percentil");
- numbers with a decimal comma and a thin space as thousands separator
  (``fmt_number``); counts already written as text by a renderer get the thin space
  too; True/False as "Ja"/"Nej"; a missing cell "–"; a suppressed cell stays ".."
  (`romlab.publication.disclosure.SUPPRESSED`);
- significant cells bold and flagged cells yellow, as the report marks them
  (`marks`);
- the table's note and a source line under it (``tab_source_note``).

The HTML is the same bytes each time: great_tables' random table id is replaced by
one made from the anchor, and nothing else in it depends on the time or the run.
Nothing on the computation path imports this module (`tests/test_computation_path.py`):
`ReportTable._repr_html_` imports it when a table is shown.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["MISSING", "SOURCE", "THIN_SPACE", "marks", "table_html"]

#: A cell with no value (not a suppressed one: that is `SUPPRESSED`, "..").
MISSING = "–"
#: The thousands separator of numbers shown in HTML.
THIN_SPACE = "\u2009"
#: The source line under every table (the report's "Källa: Arbetsförmedlingens datalager.").
SOURCE = "Källa: Arbetsförmedlingens datalager, bearbetat med romlab."

#: The source line when the numbers come from romlab's generator.
SYNTHETIC_SOURCE = "Källa: syntetiska data från romlabs generator (inte Arbetsförmedlingens register), bearbetat med romlab."


def source_line(synthetic: bool) -> str:
    """The source line under a table: `SYNTHETIC_SOURCE` for generated data, else `SOURCE`."""
    return SYNTHETIC_SOURCE if synthetic else SOURCE
#: The report's yellow for Tabell 17's flagged cells.
FLAG_FILL = "#fff2a8"
#: A count written as text with a space between thousands ("1 200"): the space to replace.
_THOUSANDS = r"(?<=\d) (?=\d{3}(?!\d))"
#: A cell holding a number as printed (digits, comma, marks, percent, parentheses, "..", "–").
_NUMBER_LIKE = r"[-−<(]?[\d\u2009 ,.]*\d[\d\u2009 ,]*\)?\s?%?[*▲]*|\.\.|–"


@dataclass
class _Layout:
    """A rendered frame taken apart for great_tables: the body (columns ``k0``…, the
    stub ``_rad`` and the row group ``_grupp`` if any), column labels, spanners, the
    stub's header and the decimals of each numeric column."""

    body: pd.DataFrame
    labels: dict[str, str]
    spanners: list[tuple[int, str, list[str]]] = field(default_factory=list)
    stubhead: str | None = None
    numeric: dict[str, int] = field(default_factory=dict)
    right: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return list(self.labels)


def _text(s: pd.Series) -> pd.Series:
    """A column's values as reader text: Ja/Nej for flags, year-month for month starts,
    thin-space thousands; missing values stay missing (shown as `MISSING`)."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean").map({True: "Ja", False: "Nej"}).astype(object)
    if pd.api.types.is_datetime64_any_dtype(s):
        d = pd.to_datetime(s)
        month_starts = bool((d.dropna().dt.day == 1).all() and (d.dropna() == d.dropna().dt.normalize()).all())
        return d.dt.strftime("%Y-%m" if month_starts else "%Y-%m-%d").astype(object).where(d.notna())
    text = s.astype(str).where(s.notna())
    text = text.mask(text == "True", "Ja").mask(text == "False", "Nej")
    return text.str.replace(_THOUSANDS, THIN_SPACE, regex=True).astype(object)


def _decimals(s: pd.Series) -> int:
    """Decimals of a numeric column the renderer left as numbers (the long data of a
    table without a layout): none for counts and whole numbers, otherwise one."""
    v = s.dropna().to_numpy(dtype=float)
    return 0 if pd.api.types.is_integer_dtype(s) or np.all(v == np.round(v)) else 1


def _number_like(text: pd.Series) -> bool:
    """True for a text column of numbers as printed ("12,5", "1 200", "33 %", "45*", "(0,003)",
    "..", "<0,001"), at least half its cells: aligned right like numbers."""
    cells = text.dropna().astype(str)
    return bool(len(cells)) and float(cells.str.fullmatch(_NUMBER_LIKE).mean()) >= 0.5


def _label(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _stub(index: pd.Index) -> tuple[dict[str, pd.Series], str | None]:
    """The stub columns of an index: none for pandas' default 0…n−1, the labels for one
    level, row groups (outer level) and labels (the rest, joined) for more."""
    if isinstance(index, pd.RangeIndex) and index.name is None:
        return {}, None
    levels = [pd.Series(index.get_level_values(i), dtype=object).map(_label) for i in range(index.nlevels)]
    names = [n for n in index.names if n is not None and str(n) != ""]
    head = " / ".join(map(str, names)) or None
    if len(levels) == 1:
        return {"_rad": levels[0]}, head
    rest = levels[1].str.cat(levels[2:], sep=" – ") if len(levels) > 2 else levels[1]
    return {"_grupp": levels[0], "_rad": rest}, head


def _spanners(columns: pd.Index, ids: list[str]) -> list[tuple[int, str, list[str]]]:
    """(level, label, column ids) of each run of equal labels in the upper column levels
    (level 0 lies next to the column labels), and one over all columns if they are named."""
    if columns.nlevels == 1:
        return [(0, str(columns.name), ids)] if columns.name not in (None, "") else []
    out = []
    for depth in range(columns.nlevels - 1):
        values = [_label(v) for v in columns.get_level_values(depth)]
        level = columns.nlevels - 2 - depth
        start = 0
        for i in range(1, len(values) + 1):  # runs over the columns (a handful), never rows
            if i == len(values) or values[i] != values[start]:
                if values[start]:
                    out.append((level, values[start], ids[start:i]))
                start = i
    return out


def _layout(frame: pd.DataFrame) -> _Layout:
    ids = [f"k{i}" for i in range(frame.shape[1])]
    labels = {k: _label(c[-1] if isinstance(c, tuple) else c) for k, c in zip(ids, frame.columns)}
    stub, head = _stub(frame.index)
    cols, numeric = {}, {}
    for i, k in enumerate(ids):  # over columns, not rows
        s = frame.iloc[:, i].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            cols[k], numeric[k] = pd.to_numeric(s).astype(float), _decimals(s)
        else:
            cols[k] = _text(s)
    body = pd.DataFrame({**stub, **cols})
    right = [k for k in ids if k not in numeric and _number_like(cols[k])]
    return _Layout(body, labels, _spanners(frame.columns, ids), head, numeric, right)


def _escape(value) -> str:
    """A text cell as HTML (great_tables inserts a formatter's result as it is)."""
    return html.escape(str(value))


def _gt(layout: _Layout, table_id: str):
    from great_tables import GT

    body = layout.body
    gt = GT(body, rowname_col="_rad" if "_rad" in body else None,
            groupname_col="_grupp" if "_grupp" in body else None, id=table_id)
    gt = gt.cols_label(cases=layout.labels)
    text = [k for k in layout.columns if k not in layout.numeric]
    if text:
        gt = gt.fmt(_escape, columns=text)
    for decimals in sorted(set(layout.numeric.values())):
        cols = [k for k, d in layout.numeric.items() if d == decimals]
        gt = gt.fmt_number(columns=cols, decimals=decimals, sep_mark=THIN_SPACE, dec_mark=",")
    if layout.right:
        gt = gt.cols_align("right", columns=layout.right)
    if layout.columns:
        gt = gt.sub_missing(columns=layout.columns, missing_text=MISSING)
    for n, (level, label, cols) in enumerate(layout.spanners):
        gt = gt.tab_spanner(label, columns=cols, level=level, id=f"spanner-{n}", gather=False)
    if layout.stubhead:
        gt = gt.tab_stubhead(layout.stubhead)
    return gt


def _styled(gt, ids: list[str], mask: pd.DataFrame | None, style_) -> object:
    """`gt` with `style_` on the body cells where `mask` (the rendered frame's shape) is True."""
    from great_tables import loc

    if mask is None:
        return gt
    m = np.asarray(mask, dtype=bool)
    for j in np.flatnonzero(m.any(axis=0)):  # one call per marked column
        gt = gt.tab_style(style_, loc.body(columns=ids[j], rows=np.flatnonzero(m[:, j]).tolist()))
    return gt


def marks(frame: pd.DataFrame, long: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """How the report marks cells of a table, as masks of the rendered `frame`:
    ``bold``: significant cells (bold in Tabell 16, 21, 22: the renderers end them in
    ``*``; a significance test table: the rows whose "Statistiskt säkerställd" is "Ja"),
    only for a table whose long data say what is significant (``significant``; Tabell
    18's stars are its marking, not bold); ``fill``: Tabell 17's flagged cells (``▲``)."""
    from romlab.report.results import FLAG_MARK, SIGNIFICANT_MARK

    text = frame.astype(str).where(frame.notna(), "")
    out = {"fill": text.apply(lambda c: c.str.endswith(FLAG_MARK))}
    if "significant" in long.columns:
        one = r"\d" + re.escape(SIGNIFICANT_MARK) + "$"  # one mark after a number, not Tabell 18's "***"
        bold = text.apply(lambda c: c.str.contains(one, regex=True))
        if "Statistiskt säkerställd" in frame.columns:
            yes = (frame["Statistiskt säkerställd"] == "Ja").to_numpy()
            bold = bold | pd.DataFrame(np.repeat(yes[:, None], frame.shape[1], axis=1), index=frame.index,
                                       columns=frame.columns)
        out["bold"] = bold
    return out


def table_html(frame: pd.DataFrame, heading: str = "", sentence: str = "", note: str = "",
               source: str = SOURCE, anchor: str = "tabell", bold: pd.DataFrame | None = None,
               fill: pd.DataFrame | None = None) -> str:
    """The HTML of a rendered table (see the module's docstring): ``<h3 id=anchor>``
    heading, the sentence, then the table with `note` and `source` under it. `bold` and
    `fill`: masks of `frame`'s cells to set in bold or fill yellow (`marks`)."""
    from great_tables import style

    layout = _layout(frame)
    gt = _gt(layout, f"{anchor}-tabell")
    gt = _styled(gt, layout.columns, bold, style.text(weight="bold"))
    gt = _styled(gt, layout.columns, fill, style.fill(color=FLAG_FILL))
    for line in (note, source):
        if line:
            gt = gt.tab_source_note(line)
    parts = [f'<h3 id="{html.escape(anchor)}">{html.escape(heading)}</h3>'] if heading else []
    if sentence:
        parts.append(f"<p>{html.escape(sentence)}</p>")
    parts.append(gt.as_raw_html())
    return "\n".join(parts)


def warm_up() -> None:
    """Render one small table: the first great_tables table of a process costs about
    0.25 s more than the next (imports and caches on first use); a run's notebook does
    this while it waits for the period's tables."""
    table_html(pd.DataFrame({"Värde": [1.5]}, index=pd.Index(["a"], name="Rad")), heading="", anchor="uppvarmning")
