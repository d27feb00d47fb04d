"""The register of report tables: each table's identity declared once.

A `TableDef` says what a table of the report is (its key, the label and title printed in
the report, its section and notebook), how it is computed from a period's inputs
(`Inputs`: the support selection and the outcomes, computed once), how it is laid out
and described, its tolerance against the published values, and the population cell
behind each number (for disclosure control). `romlab.report.catalogue` declares the
report's tables in report order; the period computation (`compute_all`), the disclosure
control, the workbook, the CSV and JSON exports, the HTML index and the comparison with
the published report all read the register, so a table is added or changed in one place.

`ReportTable` is a table as a result object, in the manner of linearmodels' results: its
long data (`long`), `render()` (the report's layout), `describe()` (one sentence) and an
HTML representation, so showing a table in a notebook is one expression
(``pt["16"]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

__all__ = ["TableDef", "Inputs", "View", "ReportTable", "REGISTRY", "register", "compute_all", "report_tables",
           "table_defs"]


@dataclass
class Inputs:
    """What a period's tables are computed from, each computed once and on first use."""

    ds: Any
    cfg: Any
    #: the tables computed so far, by key
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @classmethod
    def from_outcomes(cls, out: pd.DataFrame, cfg) -> "Inputs":
        """Inputs whose outcome frame is given (hand-made data in tests, or an outcome
        frame computed elsewhere): the results tables are computed from it."""
        inputs = cls(None, cfg)
        inputs.__dict__["outcomes"] = out  # the cached property's value
        return inputs

    def table(self, key: str) -> pd.DataFrame:
        """A registered table, computed on first use (a table may build on another:
        Tabell 17 on 16, the summary on 14, 5 and 23, Tabell 15 on its level tests)."""
        if key not in self.tables:
            self.tables[key] = REGISTRY[key].compute(self)
        return self.tables[key]

    @cached_property
    def sample(self):
        """The support selection (report §3.5.1): `romlab.report.support.SupportSample`."""
        from romlab.report import support

        return support.select_reports(self.ds, self.cfg)

    @property
    def months(self) -> pd.DataFrame:
        """The selected report-months."""
        return self.sample.months

    @cached_property
    def cut(self) -> pd.Series:
        """The trimming cut-offs of the whole sample (report §4.2; one set for every table)."""
        from romlab.report import support

        return support.cutoffs(self.months, self.cfg.trim_percentile, self.cfg.percentile_method)

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        """One row per RoM 1 participation with its results (report §3.4)."""
        from romlab.report.outcomes import outcomes

        return outcomes(self.ds, self.cfg)

    @cached_property
    def rom2_sample(self):
        """RoM 2's support selection (the same rules as §3.5.1 on RoM 2's periodic reports,
        quarter hours): `romlab.report.rom2_support.select_reports`."""
        from romlab.report import rom2_support

        return rom2_support.select_reports(self.ds, self.cfg)

    @cached_property
    def rom2_cut(self) -> pd.Series:
        """RoM 2's trimming cut-offs, on RoM 2's own report-months (§4.2 on RoM 2's sample;
        a `DataError` when it has none: `rom2_support.require_months`)."""
        from romlab.report import rom2_support

        return rom2_support.cutoffs(rom2_support.require_months(self.rom2_sample.months, self.cfg), self.cfg)

    @cached_property
    def rom2_outcomes(self) -> pd.DataFrame:
        """One row per RoM 2 participation of the followed population with its 3- and
        6-month results (``cfg.rom2_population_start_months``, A84):
        `romlab.report.rom2_outcomes.outcomes`."""
        from romlab.report import rom2_outcomes

        return rom2_outcomes.outcomes(self.ds, self.cfg)

    @cached_property
    def models(self) -> dict:
        """Tabell 18's model, robust (``"18"``, as printed) and clustered by provider
        (``"18_cluster"``), each fitted once, when first asked for."""
        from romlab.report import results

        fits = {"18": ("rom1_results", lambda: results.fit_tabell_18(self.outcomes, self.cfg)),
                "18_cluster": ("rom1_results", lambda: results.fit_tabell_18(
                    self.outcomes, self.cfg, cov_type="cluster", cluster="provider_id")),
                # Tabell 18 refitted for RoM 2 (its own fixed effects): robust and clustered by provider
                "rom2_18": ("rom2_results", lambda: _rom2_model(self)),
                "rom2_18_cluster": ("rom2_results", lambda: _rom2_model(self, cov_type="cluster",
                                                                         cluster="provider_id"))}
        return _Lazy(fits)


def _rom2_model(inputs: "Inputs", **kw):
    from romlab.report import rom2_results

    return rom2_results.fit_model(inputs.rom2_outcomes, inputs.cfg, **kw)


class _Lazy(dict):
    """A dict whose values are computed on first access from ``make[key] = (part, fit)``:
    ``fit()``, a model of the report's part ``part``."""

    def __init__(self, make: dict):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        self[key] = value = self.make[key][1]()
        return value

    def all(self, sections=None) -> dict:
        """Every model (of the parts in `sections`, when given), each fitted once."""
        return {k: self[k] for k, (part, _) in self.make.items() if sections is None or part in sections}


@dataclass(frozen=True)
class View:
    """What a table's layout and sentence are made from: its long data, the run's
    configuration, the period's other tables (e.g. the significance tests shown under a
    group table) and the models."""

    key: str
    long: pd.DataFrame
    cfg: Any
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    models: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TableDef:
    """One table of the report, declared once.

    ``key``: the key in a period's tables and in ``data/published`` (``tabell_16.csv``);
    ``label`` and ``title``: as printed ("Tabell 16", the title after the colon);
    ``section``: the report's section; ``notebook``: the stem of the notebook that shows
    it (None: exports only); ``compute(inputs)``: the long frame (`Inputs`);
    ``columns``: the keys of the printed layout's columns (the workbook's column axis);
    ``render(view)`` / ``describe(view)``: the printed layout and one sentence
    (`View`); ``tolerance``: against the published values (a number in the table's unit,
    a function of the merged comparison frame, or None: not published); ``cells(long)``:
    the population cell of each row (a Series; NA: rests on the whole sample) for
    disclosure control; ``note``: the note printed under the table; ``kind``: "table",
    "tests" (a significance table shown with another) or "data" (a figure's points);
    ``requires``: the parts of the report (`romlab.run.config.SECTIONS`) a period must
    have for the table to be computed (default: its notebook's part, `NOTEBOOK_SECTIONS`);
    ``counts``: measure → (the count its share gives, the count it is a share of:
    "persons" or another count), for disclosure control (`romlab.publication.counts`;
    the RoM 1 tables' are in ``counts.COUNT_MEASURES``); ``splits(tables)``: how its
    cells add up, rows (constraint, cell, +1 member / −1 margin), for the attacker's
    model (`romlab.publication.protection.constraints`); ``draw(long, cfg)``: a figure's
    drawing from its points (kind "data"; default `romlab.report.results_figures.FIGURES`);
    ``protect_rows(long, suppressed)``: for a table whose rows rest on the cells of
    another (RoM 2's support tests), its rows blanked where those are hidden
    (`romlab.publication.protection.protect`; `suppressed`: cell → hidden).
    """

    key: str
    label: str
    title: str
    section: str
    compute: Callable[[Inputs], pd.DataFrame]
    notebook: str | None = None
    columns: tuple[str, ...] = ()
    render: Callable[[View], pd.DataFrame] | None = None
    describe: Callable[[View], str] | None = None
    tolerance: float | Callable[[pd.DataFrame], Any] | None = None
    cells: Callable[[pd.DataFrame], pd.Series] | None = None
    note: str = ""
    kind: str = "table"
    requires: tuple[str, ...] = ()
    counts: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    splits: Callable[[Mapping[str, pd.DataFrame]], list[tuple[str, str, float]]] | None = None
    draw: Callable[[pd.DataFrame, Any], Any] | None = None
    protect_rows: Callable[[pd.DataFrame, pd.Series], pd.DataFrame] | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        """The report's parts the table needs (``requires``, or its notebook's part)."""
        if self.requires:
            return self.requires
        part = NOTEBOOK_SECTIONS.get(self.notebook or "")
        return (part,) if part else ()

    def applies(self, cfg) -> bool:
        """Whether a period with configuration `cfg` has this table (its parts are all in
        ``cfg.sections``)."""
        return set(self.parts) <= set(getattr(cfg, "sections", ()))

    @property
    def heading(self) -> str:
        """The heading as printed: "Tabell 16: Rapporterat utflöde …", or the section's
        number and title for a table without a number ("3.5.1 Urval av periodiska rapporter")."""
        if not self.label.startswith(("Tabell", "Figur")):
            return f"{self.section} {self.title}"
        return f"{self.label}: {self.title}" if self.title else self.label

    @property
    def sheet(self) -> str:
        """The workbook sheet's name ("Tabell 16", "Tabell A1", "Urval")."""
        return self.label.replace("A 1", "A1")

    @property
    def anchor(self) -> str:
        """The HTML id of the table in its notebook page and the index's link to it."""
        return "tabell-" + self.key.lower() if self.label.startswith("Tabell") else self.key.lower()

    @property
    def published(self) -> bool:
        return self.tolerance is not None


#: The part of the report (`romlab.run.config.SECTIONS`) each section notebook shows;
#: a notebook not named here (the data overview) runs in every period.
NOTEBOOK_SECTIONS: dict[str, str] = {
    "10_stod": "rom1_support", "20_resultat_5_1": "rom1_results", "21_resultat_5_2": "rom1_results",
    "22_resultat_5_3": "rom1_results", "90_jamforelse": "rom1_results",
    "30_rom2_stod": "rom2_support", "31_rom2_resultat": "rom2_results",
}

#: The register: key → definition, in report order (filled by `romlab.report.catalogue`).
REGISTRY: dict[str, TableDef] = {}


def register(defn: TableDef) -> TableDef:
    """Add a table to the register (a key once: a second definition is an error)."""
    if defn.key in REGISTRY:
        raise ValueError(f"table {defn.key!r} is registered twice")
    REGISTRY[defn.key] = defn
    return defn


def table_defs(kind: str | None = "table") -> list[TableDef]:
    """The registered tables in report order (of one ``kind``; None: all)."""
    from romlab.report import catalogue  # noqa: F401  (fills the register)

    return [d for d in REGISTRY.values() if kind is None or d.kind == kind]


def compute_all(ds, cfg) -> tuple[dict[str, pd.DataFrame], dict]:
    """Every registered table the period has (`TableDef.applies`: its parts are in
    ``cfg.sections``), each computed once from one selection and one outcome frame, in
    report order; and the models (Tabell 18, fitted once), those of its parts."""
    inputs = Inputs(ds, cfg)
    defs = [d for d in table_defs(kind=None) if d.applies(cfg)]
    for defn in defs:
        inputs.table(defn.key)
    return {d.key: inputs.tables[d.key] for d in defs}, inputs.models.all(cfg.sections)


def declared_splits(tables: Mapping[str, pd.DataFrame]) -> list[tuple[str, str, float]]:
    """How the cells of `tables` add up, as their register entries declare it
    (``TableDef.splits``; the RoM 1 tables' relations are in
    `romlab.publication.protection.constraints`)."""
    table_defs(kind=None)  # the register filled
    return [row for key in tables if key in REGISTRY and REGISTRY[key].splits for row in REGISTRY[key].splits(tables)]


def report_tables(ds, cfg) -> dict[str, pd.DataFrame]:
    """Every registered table of a period in long form (`compute_all` without the models)."""
    return compute_all(ds, cfg)[0]


@dataclass
class ReportTable:
    """A report table as a result object: `long` (the numbers, protected when the
    period is), `render()` (the report's layout), `describe()` (one sentence), and an
    HTML representation with the heading, the sentence, the table and its note."""

    defn: TableDef
    view: View
    #: whether the numbers come from romlab's generator (the source line says so)
    synthetic: bool = False

    @property
    def long(self) -> pd.DataFrame:
        return self.view.long

    def render(self) -> pd.DataFrame:
        """The table laid out as the report prints it (the long data if no layout)."""
        return self.defn.render(self.view) if self.defn.render else self.view.long

    def describe(self) -> str:
        """One sentence on the table ("" if it has none)."""
        return self.defn.describe(self.view) if self.defn.describe else ""

    def __repr__(self) -> str:
        text = self.describe()
        return f"{self.defn.heading}\n" + (f"{text}\n" if text else "") + self.render().to_string()

    def _repr_html_(self) -> str:
        """The heading, the sentence, the table as the report prints it (stub column,
        spanning headers, decimal comma, significant cells marked), its note and source
        (`romlab.publication.html_table`, imported only when a table is shown)."""
        from romlab.publication import html_table

        frame = self.render()
        return html_table.table_html(frame, heading=self.defn.heading, sentence=self.describe(),
                                     note=self.defn.note, anchor=self.defn.anchor,
                                     source=html_table.source_line(self.synthetic),
                                     **html_table.marks(frame, self.long))
