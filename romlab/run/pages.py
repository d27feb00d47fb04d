"""The HTML pages of a run: one page per executed notebook and the run's `index.html`.

- `notebook_html(nb)`: the notebook as HTML beside it (nbconvert, inputs and prompts hidden).
- `notebook_title(nb)`, `headings(page)`: what the index lists for each notebook.
- `index_html(folder, cfg, ...)`: the index page, from the run's configuration, the notebook
  pages, the figures, the key figures and the comparison's summary; every input is named
  in its docstring, and nothing is read from the run folder but the notebook pages.

The pages are reader-facing, so their text is Swedish.
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

from romlab.run import execute, provenance
from romlab.run.config import RunConfig


def notebook_html(nb: Path) -> Path:
    """The HTML page of the executed notebook `nb` (same name, `.html`), code cells and
    prompts hidden: the one its run's notebook process wrote when it finished
    (`execute.write_html`), written now if it is missing or older than the notebook."""
    page = nb.with_suffix(".html")
    if page.is_file() and page.stat().st_mtime_ns >= nb.stat().st_mtime_ns:
        return page
    return execute.write_html(nb)


def notebook_title(nb: Path) -> str:
    """The first markdown heading of the notebook, or its file name without suffix."""
    execute.light_notebook_imports()
    import nbformat

    for cell in nbformat.read(nb, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("# ").strip()
    return nb.stem


def headings(page: Path) -> list[tuple[str, str]]:
    """(anchor, text) of the section and table headings (h2–h4) of a notebook's HTML page."""
    text = page.read_text(encoding="utf-8")
    return re.findall(r'<h[234] id="([^"]+)">([^<]+)', text)


def _number(v) -> str:
    """A percentage or hour figure as printed: one decimal, decimal comma, '–' when missing."""
    return "–" if v is None else f"{v:.1f}".replace(".", ",")


def _sections_html(pages: list[tuple[Path, Path]]) -> str:
    """One list item per notebook: its title linked to its page, a link to the notebook,
    and the register's tables and figures that the notebook shows (`romlab.report.registry`,
    in report order), each linked to its place on the page; then the registered tables no
    notebook shows, with a link to the workbook."""
    from romlab.report.registry import table_defs

    esc = html_lib.escape
    defs = [d for d in table_defs(kind=None) if d.kind in ("table", "data")]

    def contents(nb: Path, page: Path) -> str:
        found = {html_lib.unescape(text).strip(): hid for hid, text in headings(page)}
        items = []
        for d in (d for d in defs if d.notebook == nb.stem):
            hid = next((h for text, h in found.items() if text.startswith(d.label + ":")), d.anchor)
            items.append(f'<li><a href="{esc(page.name)}#{esc(hid)}">{esc(d.heading)}</a></li>')
        return f"<ul>{''.join(items)}</ul>" if items else ""

    shown = {nb.stem for nb, _ in pages}
    rest = [d for d in defs if d.kind == "table" and d.notebook not in shown]
    other = ("<li>Tabeller utan notebook (i <a href=\"tabeller.xlsx\">tabeller.xlsx</a> och tabeller.csv)<ul>"
             + "".join(f"<li>{esc(d.heading)}</li>" for d in rest) + "</ul></li>") if rest else ""
    return "".join(f'<li><a href="{esc(h.name)}">{esc(notebook_title(nb))}</a> '
                   f'(<a href="{esc(nb.name)}">notebook</a>){contents(nb, h)}</li>' for nb, h in pages) + other


def _figures_html(figures: list[Path]) -> str:
    esc = html_lib.escape
    return "".join(f'<figure><img src="{esc(p.name)}" alt="{esc(p.stem)}" style="max-width:100%">'
                   f"<figcaption>{esc(p.stem.replace('_', ' ').capitalize())}</figcaption></figure>"
                   for p in figures if p.suffix == ".png")


def _key_figures_text(key: dict) -> str:
    """The key figures in one Swedish sentence (R2 share, work share, support per month)."""
    r2 = key.get("r2_share", {})
    f = _number
    return (f"Andel R2 (minst 18 månaders uppföljning): {f(r2.get('ABC'))} % "
            f"(nivå A {f(r2.get('A'))}, B {f(r2.get('B'))}, C {f(r2.get('C'))}); arbete "
            f"{f(key.get('work_share_of_results'))} % av resultaten; stöd per deltagare och månad (justerat): "
            f"medelvärde {f(key['support_mean_hours']['justerat'])} timmar, median "
            f"{f(key['support_median_hours']['justerat'])} timmar.")


def index_html(folder: Path, cfg: RunConfig, *, data, overrides: dict | None, pages: list[tuple[Path, Path]],
               figures: list[Path], key: dict, summary, version: str, n_suppressed: int = 0,
               mapping=None) -> Path:
    """Write `<folder>/index.html`, the run's front page, and return it.

    Inputs: `cfg` the run's configuration (period, cut-off, `min_cell`, the parameter
    table); `data` and `mapping` what was read (named as `provenance.label` names them);
    `overrides` the parameters changed from their defaults; `pages` (notebook, its HTML
    page) in report order; `figures` the figure files written (the PNGs are shown);
    `key` the key figures (`nyckeltal.json`); `summary` the comparison with the published
    values, one row per table (`compare.comparison_summary`); `version` romlab's version;
    `n_suppressed` how many cells disclosure control suppressed."""
    from romlab.publication.compare import period_warning_html  # the run's period against the published report's

    esc = html_lib.escape
    params = "".join(f"<tr><th>{esc(str(k))}</th><td>{esc(str(v))}</td></tr>" for k, v in cfg.to_dict().items())
    mapped = f" genom mappningsfilen <code>{esc(provenance.label(mapping))}</code>" if mapping else ""
    changed = ", ".join(f"{k}={v}" for k, v in (overrides or {}).items()) or "inga"
    text = f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>romlab {esc(cfg.period)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}} table{{border-collapse:collapse}}
th,td{{border:1px solid #ccc;padding:2px 6px;text-align:left}}</style></head><body>
<h1>Rusta och matcha: stöd och resultat, rapportmånad {esc(cfg.period)}</h1>
<p>Data: <code>{esc(provenance.label(data))}</code>{mapped}, uttag per {esc(str(cfg.data_cutoff.date()))}.
romlab {esc(version)}. Ändrade parametrar: {esc(changed)}.</p>
<h2>Nyckeltal</h2><p>{esc(_key_figures_text(key))} (<a href="nyckeltal.json">nyckeltal.json</a>)</p>
<h2>Rapportens avsnitt</h2><ol>{_sections_html(pages)}</ol>
<h2>Tabeller</h2><p><a href="tabeller.xlsx">tabeller.xlsx</a> (en flik per tabell, i rapportens ordning),
<a href="tabeller.csv">tabeller.csv</a> (lång form). '..': uppgiften redovisas inte av sekretesskäl
(röjandekontroll); <a href="undertryckta.csv">undertryckta.csv</a> listar de {n_suppressed} celler som inte
redovisas i denna körning.</p>
<h2>Figurer</h2>{_figures_html(figures) or "<p>(inga)</p>"}
<h2>Jämförelse med publicerade värden</h2>{period_warning_html(cfg.period)}
{summary.to_html(index=False, float_format=lambda v: f"{v:.2f}")}
<p><a href="jamforelse.csv">jamforelse.csv</a>, <a href="jamforelse.json">jamforelse.json</a></p>
<h2>Parametrar</h2><table>{params}</table>
<p><a href="manifest.json">manifest.json</a>: indatafiler med sha256, mappningsfil, syntetiska datas frö och skala,
git-commit, paketversioner, tider, status per notebook.</p>
</body></html>
"""
    dst = folder / "index.html"
    dst.write_text(text, encoding="utf-8")
    return dst
