"""The HTML pages of a run: one page per executed notebook and the run's `index.html`.

Every page is framed alike (`romlab.run.page_frame`: one stylesheet, a title naming the
section and the period, the period at the top, the synthetic-data banner, navigation
on the section pages).

- `notebook_html(nb)`: the notebook's page beside it (`execute.write_html`).
- `section_page(path, node, body, sections)`: a notebook's page around nbconvert's body;
  `section_frame(...)`: what that page knows (title, period, synthetic, neighbours),
  from the notebook itself (`notebook_parameters`: its injected ``period`` and
  ``data_dir``) and the run's notebooks in report order.
- `notebook_title(nb)`, `headings(page)`: what the index lists for each notebook.
- `index_html(folder, cfg, ...)`: the front page: key figures, sections with their
  tables and figures, the comparison with the published values, the parameters.

The module imports no pandas at import time (the notebooks' child process frames each
page as it finishes). The pages are reader-facing, so their text is Swedish.
"""

from __future__ import annotations

import ast
import html as html_lib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from romlab import paths
from romlab.run import execute, page_frame, provenance
from romlab.run.page_frame import Frame, number

if TYPE_CHECKING:
    from romlab.run.config import RunConfig


def notebook_html(nb: Path) -> Path:
    """The HTML page of the executed notebook `nb` (same name, `.html`), code cells and
    prompts hidden: the one its run's notebook process wrote when it finished
    (`execute.write_html`), written now if it is missing or older than the notebook
    (its neighbours then: the notebooks beside it, in name order)."""
    page = nb.with_suffix(".html")
    if page.is_file() and page.stat().st_mtime_ns >= nb.stat().st_mtime_ns:
        return page
    return execute.write_html(nb)


def notebook_title(nb: Path) -> str:
    """The first markdown heading of the notebook, or its file name without suffix."""
    nb = Path(nb)
    if not nb.is_file():
        return nb.stem
    return _title(str(nb.resolve()), nb.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _title(path: str, mtime_ns: int) -> str:
    """`notebook_title` read once per file version (plain JSON: no schema validation)."""
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    return _first_heading(cells) or Path(path).stem


def _first_heading(cells) -> str | None:
    """The first markdown heading line of `cells` (dicts with ``cell_type`` and ``source``,
    a string or a list of lines), without its ``#``s."""
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        for line in ("".join(source) if isinstance(source, list) else source).splitlines():
            if line.startswith("#"):
                return line.lstrip("# ").strip()
    return None


def notebook_parameters(node) -> dict:
    """The parameters notebook `node` (nbformat) ran with: the literal assignments of its
    cell tagged ``parameters`` (the defaults), updated by those of the cell tagged
    ``injected-parameters`` (papermill's); assignments that are not literals are left out."""
    out: dict = {}
    for tag in ("parameters", "injected-parameters"):
        for cell in node.cells:
            if tag in cell.metadata.get("tags", []):
                out.update(_literal_assignments(cell.source))
    return out


def _literal_assignments(source: str) -> dict:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    out = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            try:
                out[stmt.targets[0].id] = ast.literal_eval(stmt.value)
            except (ValueError, TypeError, SyntaxError):
                pass
    return out


def notebook_data(path: Path, params: dict):
    """The data the notebook at `path` read: its ``data_dir`` parameter, a path relative
    to the notebook's folder (where a run executes it) or a URL; the committed sample
    when empty (the section notebooks' default)."""
    data = params.get("data_dir") or ""
    if data == "":
        return paths.SAMPLE
    if provenance.is_url(data):
        return data
    p = Path(data)
    return p if p.is_absolute() else Path(path).parent / p


def section_frame(path: Path, node, sections: list[Path] | None = None) -> Frame:
    """What the page of the executed notebook `node` at `path` knows: its title (the first
    markdown heading), the period and whether the data are synthetic (its injected
    ``period`` and ``data_dir``: `provenance.is_synthetic`), and its previous and next
    section among `sections` (the run's notebooks in report order, by file name; default:
    the notebooks beside it in name order), each as (page, title)."""
    path = Path(path)
    params = notebook_parameters(node)
    seq = [Path(s) for s in (sections if sections is not None else sorted(path.parent.glob("*.ipynb")))]
    names = [s.name for s in seq]
    i = names.index(path.name) if path.name in names else None

    def neighbour(step: int) -> tuple[str, str] | None:
        j = None if i is None else i + step
        if j is None or not 0 <= j < len(seq):
            return None
        return seq[j].with_suffix(".html").name, notebook_title(seq[j])

    return Frame(section=_first_heading(node.cells) or path.stem, period=str(params.get("period") or ""),
                 synthetic=provenance.is_synthetic(notebook_data(path, params)),
                 previous=neighbour(-1), next=neighbour(1))


def section_page(path: Path, node, body: str, sections: list[Path] | None = None) -> str:
    """The page of the executed notebook `node` at `path`: nbconvert's `body` (the cells'
    HTML) in the run's frame (`section_frame`, `page_frame.document`)."""
    return page_frame.document(section_frame(path, node, sections), body)


def headings(page: Path) -> list[tuple[str, str]]:
    """(anchor, text) of the section and table headings (h2–h4) of a notebook's HTML page."""
    text = page.read_text(encoding="utf-8")
    return re.findall(r'<h[234] id="([^"]+)">([^<]+)', text)


# --------------------------------------------------------------------------- the index

#: The index page's section name (its title's first part).
INDEX_SECTION = "Översikt"

#: Swedish descriptions of the run parameters that `romlab.report.overview.PARAMETER_LABELS`
#: does not name.
MORE_PARAMETER_LABELS = {"protection_width": "Minsta bredd på skyddsintervallet (0: minsta cell)"}

#: The comparison summary's columns (`compare.comparison_summary`) as the index shows
#: them: Swedish heading and format; any other column is left out.
SUMMARY_COLUMNS = {
    "published": ("Publicerade värden", lambda v: number(v, 0)),
    "reproduced": ("Återskapade", lambda v: number(v, 0)),
    "within": ("Inom toleransen", lambda v: number(v, 0)),
    "share_within": ("Andel inom toleransen, procent", lambda v: _percent(v)),
    "mean_abs_difference": ("Genomsnittlig absolut avvikelse", lambda v: number(v, 2)),
    "max_abs_difference": ("Största absoluta avvikelse", lambda v: number(v, 2)),
}


def index_html(folder: Path, cfg: RunConfig, *, data, overrides: dict | None, pages: list[tuple[Path, Path]],
               figures: list[Path], key: dict, summary, version: str, n_suppressed: int = 0,
               mapping=None) -> Path:
    """Write `<folder>/index.html`, the run's front page, and return it.

    Inputs: `cfg` the run's configuration (period, cut-off, the parameter table); `data`
    and `mapping` what was read (named as `provenance.label` names them; `data` also
    tells whether the data are synthetic: `provenance.is_synthetic`); `overrides` the
    parameters changed from their defaults; `pages` (notebook, its HTML page) in report
    order; `figures` the figure files written (the PNGs are shown); `key` the key figures
    (`nyckeltal.json`); `summary` the comparison with the published values, one row per
    table (`compare.comparison_summary`); `version` romlab's version; `n_suppressed` how
    many cells disclosure control suppressed."""
    esc = html_lib.escape
    body = f"""<h1>Stöd och resultat i Rusta och matcha, rapportmånad {esc(cfg.period)}</h1>
{_intro(cfg, data, mapping, overrides, version)}
<h2>Nyckeltal</h2>
{_key_figures_table(key, cfg.sections)}
<p>Alla nyckeltal finns i <a href="nyckeltal.json">nyckeltal.json</a>.</p>
<h2>Rapportens avsnitt</h2><ol>{_sections_html(pages, cfg)}</ol>
<h2>Tabeller</h2><p><a href="tabeller.xlsx">tabeller.xlsx</a> (en flik per tabell, i rapportens ordning),
<a href="tabeller.csv">tabeller.csv</a> (lång form). '..': uppgiften redovisas inte av sekretesskäl
(röjandekontroll); <a href="undertryckta.csv">undertryckta.csv</a> listar de {esc(number(n_suppressed))} celler
som inte redovisas i denna körning.</p>
<h2>Figurer</h2>{_figures_html(figures) or "<p>Inga figurer i denna körning.</p>"}
<h2>Jämförelse med publicerade värden</h2>{_comparison_html(cfg, summary)}
<h2>Parametrar</h2>
{_parameters_table(cfg, overrides)}
<p><a href="manifest.json">manifest.json</a>: indatafiler med sha256, mappningsfil, syntetiska datas frö och skala,
git-commit, paketversioner, tider, status per notebook.</p>"""
    frame = Frame(section=INDEX_SECTION, period=cfg.period, synthetic=provenance.is_synthetic(data))
    dst = Path(folder) / "index.html"
    dst.write_text(page_frame.document(frame, body, index=True), encoding="utf-8")
    return dst


def _comparison_html(cfg: RunConfig, summary) -> str:
    """The comparison with the published report (its tables are RoM 1's): the summary
    table, or a sentence when the period has none of the report's tables."""
    from romlab.publication.compare import period_warning_html  # the run's period against the published report's

    if summary is not None and "published" in summary and not int(summary["published"].sum()):
        return ("<p>Perioden har ingen av de tabeller som rapporten från oktober 2023 publicerade (rapporten gäller "
                "Rusta och matcha 1), så det finns inga publicerade värden att jämföra med.</p>")
    return f"""{period_warning_html(cfg.period)}
{_comparison_table(summary)}
<p>Varje publicerat värde bredvid det återskapade: <a href="jamforelse.csv">jamforelse.csv</a>,
<a href="jamforelse.json">jamforelse.json</a>.</p>"""


def _intro(cfg: RunConfig, data, mapping, overrides: dict | None, version: str) -> str:
    """The run in two sentences: the data (and mapping file), the cut-off, romlab's
    version, the parameters changed from their defaults (by their Swedish names)."""
    esc = html_lib.escape
    mapped = f" genom mappningsfilen <code>{esc(provenance.label(mapping))}</code>" if mapping else ""
    labels = _parameter_labels()
    changed = ", ".join(labels.get(k, k) for k in (overrides or {})) or "inga"
    return (f"<p>Data: <code>{esc(provenance.label(data))}</code>{mapped}, uttag per "
            f"{esc(str(cfg.data_cutoff.date()))}. Framtagen med romlab {esc(version)}. "
            f"Parametrar ändrade från standardvärdena: {esc(changed)}.</p>")


def _table(header: list[str] | None, rows: list[list[str]], cls: str = "") -> str:
    """An HTML table of plain-text cells (escaped here): `header` the column headings,
    each row's first cell its row heading."""
    esc = html_lib.escape
    head = ("<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in header) + "</tr></thead>"
            if header else "")
    body = "".join("<tr>" + f'<th scope="row">{esc(r[0])}</th>' + "".join(f"<td>{esc(c)}</td>" for c in r[1:])
                   + "</tr>" for r in rows)
    attr = f' class="{cls}"' if cls else ""
    return f'<div class="table-wrap"><table{attr}>{head}<tbody>{body}</tbody></table></div>'


def _percent(share) -> str:
    """A share (0–1) as a whole percentage, `page_frame.MISSING` when missing."""
    if isinstance(share, (int, float)) and not isinstance(share, bool):
        return number(share * 100, 0)
    return number(share)


def _key_figures_table(key: dict, sections=("rom1_support", "rom1_results")) -> str:
    """The headline figures (`nyckeltal.json`) as a small table, those of the period's
    parts (`sections`): RoM 1's R2 share in total and by level (Tabell 14), work's and
    studies' shares of the results (the summary), support per participant and month
    (Tabell 5, adjusted and not), the population followed; RoM 2's shares with a 3- and a
    6-month result, its support and followed starts (``rom2``)."""
    r2 = key.get("r2_share") or {}
    mean, median = key.get("support_mean_hours") or {}, key.get("support_median_hours") or {}
    sizes = key.get("sample_sizes") or {}
    rows = []
    if "rom1_results" in sections:
        rows += [["Andel som uppnått målet med tjänsten (R2), minst 18 månaders uppföljning, procent",
                  number(r2.get("ABC"))],
                 *[[f"\u2003nivå {lv}", number(r2.get(lv))] for lv in "ABC"]]
    if {"rom1_results", "rom1_support"} <= set(sections):  # the summary's split needs both
        rows += [["Arbete, andel av resultaten, procent", number(key.get("work_share_of_results"))],
                 ["Studier, andel av resultaten, procent", number(key.get("education_share_of_results"))]]
    if "rom1_support" in sections:
        rows += _support_rows(mean, median)
    n18 = (sizes.get("participants_18_months") or {}).get("ABC")
    if n18 is not None and "rom1_results" in sections:
        rows.append(["Deltagare med minst 18 månaders uppföljning", number(n18)])
    rom2 = key.get("rom2") or {}
    gen = " (RoM 1)" if rows and rom2 else ""
    rows = [[name + gen if name[0] != "\u2003" else name, value] for name, value in rows]
    if "rom2_results" in sections:
        for m, months in (("result_3m_share", "tre"), ("result_6m_share", "sex")):
            shares = rom2.get(m) or {}
            rows += [[f"Andel med resultat efter {months} månader (RoM 2), procent", number(shares.get("ABC"))],
                     *[[f"\u2003nivå {lv}", number(shares.get(lv))] for lv in "ABC"]]
        rows.append(["Deltagare i RoM 2 med minst 20 månaders uppföljning", number(rom2.get("n_followed"))])
    if "rom2_support" in sections:
        rows += [[name.replace(", timmar", " (RoM 2), timmar"), value] for name, value in
                 _support_rows(rom2.get("support_mean_hours") or {}, rom2.get("support_median_hours") or {})]
    return _table(["Nyckeltal", "Värde"], rows)


def _support_rows(mean: dict, median: dict) -> list[list[str]]:
    return [[f"Sammanlagt stöd per deltagare och månad, {name}, timmar, {adj}", number(values.get(adj))]
            for name, values in (("medelvärde", mean), ("median", median))
            for adj in ("justerat", "ej justerat") if adj in values]


def _sections_html(pages: list[tuple[Path, Path]], cfg=None) -> str:
    """One list item per notebook: its title linked to its page, a link to the notebook,
    and the register's tables and figures that the notebook shows (`romlab.report.registry`,
    in report order), each linked to its place on the page; then the registered tables no
    notebook shows, with a link to the workbook; only those of the period's parts
    (`cfg.sections`) when `cfg` is given."""
    from romlab.report.registry import table_defs

    esc = html_lib.escape
    defs = [d for d in table_defs(kind=None) if d.kind in ("table", "data") and (cfg is None or d.applies(cfg))]

    def contents(nb: Path, page: Path) -> str:
        found = {html_lib.unescape(text).strip(): hid for hid, text in headings(page)}
        items = []
        for d in (d for d in defs if d.notebook == nb.stem):
            hid = next((h for text, h in found.items() if text.startswith(d.label + ":")), d.anchor)
            items.append(f'<li><a href="{esc(page.name)}#{esc(hid)}">{esc(d.heading)}</a></li>')
        return f"<ul>{''.join(items)}</ul>" if items else ""

    shown = {nb.stem for nb, _ in pages}
    rest = [d for d in defs if d.kind == "table" and d.notebook not in shown]
    other = ("<li>Tabeller som inget avsnitt visar (i <a href=\"tabeller.xlsx\">tabeller.xlsx</a> och tabeller.csv)<ul>"
             + "".join(f"<li>{esc(d.heading)}</li>" for d in rest) + "</ul></li>") if rest else ""
    return "".join(f'<li><a href="{esc(h.name)}">{esc(notebook_title(nb))}</a> '
                   f'(<a href="{esc(nb.name)}">Jupyter-notebook</a>){contents(nb, h)}</li>' for nb, h in pages) + other


def _figures_html(figures: list[Path]) -> str:
    """The PNG figures, each captioned with its heading in the register ("Figur 1: …")."""
    from romlab.report.registry import table_defs

    esc = html_lib.escape
    captions = {d.key: d.heading for d in table_defs(kind="data")}
    return "".join(f'<figure><img src="{esc(p.name)}" alt="{esc(captions.get(p.stem, p.stem))}">'
                   f"<figcaption>{esc(captions.get(p.stem, p.stem.replace('_', ' ').capitalize()))} "
                   f'(<a href="{esc(p.with_suffix(".svg").name)}">SVG</a>)</figcaption></figure>'
                   for p in figures if p.suffix == ".png")


def _table_name(key) -> str:
    """A table of the comparison by its name in the report ("Tabell 16", "Tabell A1",
    "Sammanfattning", "Urval"); "Totalt" as it is."""
    from romlab.report.registry import REGISTRY, table_defs

    table_defs(kind=None)  # the register filled
    d = REGISTRY.get(str(key))
    return d.sheet if d is not None else ("Totalt" if str(key) == "Totalt" else f"Tabell {key}")


def _comparison_table(summary) -> str:
    """The comparison summary (`compare.comparison_summary`) with Swedish headings, the
    report's table names and numbers as printed; columns it lacks are left out."""
    cols = [c for c in SUMMARY_COLUMNS if c in summary.columns]
    header = ["Tabell"] + [SUMMARY_COLUMNS[c][0] for c in cols]
    rows = [[_table_name(rec.get("table", ""))] + [SUMMARY_COLUMNS[c][1](rec[c]) for c in cols]
            for rec in summary.to_dict("records")]
    return _table(header, rows)


def _parameter_labels() -> dict[str, str]:
    from romlab.report.overview import PARAMETER_LABELS

    return {**PARAMETER_LABELS, **MORE_PARAMETER_LABELS}


def parameter_value(name: str, value) -> str:
    """A run parameter (`RunConfig.to_dict`) as a reader reads it: a month range
    "2022-07 – 2023-05", other lists joined with commas, the period in words, numbers
    with decimal comma."""
    if name == "sections":
        from romlab.report.overview import SECTION_NAMES

        return ", ".join(SECTION_NAMES.get(x, x) for x in value) or "inga"
    if name == "rom2_population_start_months" and not value:
        return "inga (ingen startmånad följd tillräckligt länge)"
    if isinstance(value, list):
        parts = [parameter_value("", v) for v in value]
        return " – ".join(parts) if name.endswith("months") and len(parts) == 2 else ", ".join(parts)
    if name == "period":
        return page_frame.period_text(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.10g}".replace(".", ",")
    if isinstance(value, float):
        return number(int(value))
    return number(value) if isinstance(value, int) else str(value)


def _parameters_table(cfg: RunConfig, overrides: dict | None) -> str:
    """The run's parameters, two columns: the Swedish description (the key for
    ``--set`` in the row's title) and the value, "(ändrad)" after a changed one."""
    esc = html_lib.escape
    labels = _parameter_labels()
    rows = []
    for k, v in cfg.to_dict().items():
        value = parameter_value(k, v) + (" (ändrad)" if k in (overrides or {}) else "")
        rows.append(f'<tr title="{esc(k)}"><th scope="row">{esc(labels.get(k, k))}</th><td>{esc(value)}</td></tr>')
    return ('<div class="table-wrap"><table class="text"><thead><tr><th scope="col">Parameter</th>'
            f'<th scope="col">Värde</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
