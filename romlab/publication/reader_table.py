"""A frame shown to a reader that is not a registered report table.

A notebook cell that shows the run's parameters, the data at the cut-off, the starts
of §3.3, the comparison with the published report or a variant of Tabell 18's model
returns a `ReaderTable`: in JupyterLab and on the run's pages it is the HTML of
`romlab.publication.html_table.table_html` (the frame's index as a stub column, never
a pandas index column; decimal comma, thin-space thousands, "–" for missing, '..'
kept), with an optional sentence above it and a note and source line under it; as text
it is the frame as pandas prints it.

The module imports only pandas: `html_table` (great_tables) is imported when a table
is shown, so the modules on the computation path may build a `ReaderTable`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["ReaderTable"]


@dataclass(frozen=True, eq=False)
class ReaderTable:
    """`frame` as a reader sees it (see the module's docstring). `anchor`: the HTML id
    of the table (unique on its page); `heading`: an ``<h3>`` above it ("" for none:
    the notebook's markdown heads it); `sentence`: one sentence above it; `note`: under
    it; `source`: the source line under it (None: the tables' source line,
    `html_table.source_line(synthetic)`, which says when the data are generated; "" for none)."""

    frame: pd.DataFrame
    anchor: str
    heading: str = ""
    sentence: str = ""
    note: str = ""
    source: str | None = None
    synthetic: bool = False

    def __repr__(self) -> str:
        parts = [self.heading, self.sentence, self.frame.to_string(), self.note]
        return "\n".join(p for p in parts if p)

    def _repr_html_(self) -> str:
        from romlab.publication import html_table

        source = html_table.source_line(self.synthetic) if self.source is None else self.source
        return html_table.table_html(self.frame, heading=self.heading, sentence=self.sentence, note=self.note,
                                     source=source, anchor=self.anchor)
