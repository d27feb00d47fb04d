"""Write a notebook skeleton from a list of (kind, source[, tags]) cells.

Used once per new section notebook; afterwards the notebook itself is the source and
`make notebooks` re-executes it. Kept so new sections start from the same shape: the
parameters cell (with `bundle`, which `romlab run` sets) and one call to
`romlab.run.period.tables`, then one cell per table or figure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def build(cells: list[tuple], path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in cells:
        kind, src = cell[0], cell[1]
        tags = cell[2] if len(cell) > 2 else []
        c = nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        if tags:
            c.metadata["tags"] = tags
        nb.cells.append(c)
    for i, c in enumerate(nb.cells):
        c.id = f"cell-{i:02d}"
    nbformat.write(nb, path)


DATA_NOTEBOOK = [
    ("md", "# 3 Data, definitioner och förutsättningar för analysen\n\n"
           "What does this run read? The period's run configuration, the data as of its "
           "cut-off, and the intake by window and level (report §3, L496–800)."),
    ("code", 'period = "2023-10"  # report month, YYYY-MM\n'
             'data_dir = ""  # empty: the committed sample (data/sample)\n'
             "overrides = {}  # RunConfig keys to override, e.g. {\"trim_percentile\": 99}\n"
             "bundle = \"\"  # set by `romlab run`: the period's tables, computed once (romlab.run.period)",
     ["parameters"]),
    ("code", "import romlab\n"
             "from romlab import disclosure, overview\n\n"
             "pt = romlab.run.period.tables(period, data_dir, overrides, bundle)  # data loaded and tables computed once\n"
             "cfg = pt.cfg"),
    ("md", "## Körningens parametrar\n\nEvery date a section uses, derived from the report "
           "month (rules: `docs/assumptions.md`, A06–A14)."),
    ("code", "overview.run_parameters(cfg)"),
    ("md", "## Data vid datauttaget\n\nRecords known by the cut-off; later ones are hidden "
           "and later end dates and approvals blanked, never dropped silently."),
    ("code", 'pt.overview["as_of"]'),
    ("md", "## 3.3 Deltagare per fönster och nivå\n\nStarts by intake window (fönster) and "
           "level (nivå), as known at the cut-off. Cells below the smallest cell shown are "
           "suppressed (`..`), and so are the cells that would let them be worked out from the totals "
           "or from Tabell 15 (`romlab.publication.protection`: windows 1–4 are the same cells as in Tabell 15)."),
    ("code", 'starts = pt.overview["starts"]  # small cells, and cells that would reveal them, suppressed\n'
             "print(overview.describe_starts(starts, cfg))\n"
             "disclosure.show(starts)"),
]

if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("notebooks/00_data.ipynb")
    build(DATA_NOTEBOOK, out)
