"""Report §3 (data, definitions and conditions of the analysis): what a run reads.

Aggregates only: counts of records and starts, never microdata. `parameters_view`,
`as_of_view` and `starts_view` are what the §3 notebook shows (`ReaderTable`: Swedish
labels, no index column); `describe_starts` is the sentence above the starts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.dataset import codes
from romlab.publication.disclosure import SUPPRESSED, show
from romlab.publication.reader_table import ReaderTable
from romlab.report.classify import WINDOW_LABELS, window
from romlab.report.support_render import text_number
from romlab.run.config import RunConfig

#: Swedish labels of the run parameters, for the parameter table.
PARAMETER_LABELS: dict[str, str] = {
    "period": "Rapportmånad",
    "data_cutoff": "Datauttag (brytdatum)",
    "support_months": "Månader för periodiska rapporter",
    "support_generations": "Tjänstegeneration för stödet, RoM 1:s del",
    "followup_months": "Uppföljningstid, RoM 1 (månader)",
    "population_start_months": "Startmånader med full uppföljning, RoM 1",
    "min_window_followup_months": "Minsta uppföljning efter fönstrets slut (månader)",
    "windows": "Fönster som analyseras",
    "trim_percentile": "Percentil för justering av extremvärden",
    "percentile_method": "Percentilmetod",
    "significance_level": "Signifikansnivå",
    "min_cell": "Minsta cell som visas",
    "protection_width": "Minsta bredd på skyddsintervallet (0: minsta cell)",
    "sections": "Rapportens delar",
    "support_generation_share": "Minsta andel stödmånader med intag i generationen (för dess stöddel)",
    "report_interval_months": "Månader mellan två rapporter",
    "rom2_followup_months": "Uppföljningstid, RoM 2 (månader)",
    "rom2_population_start_months": "Startmånader med full uppföljning, RoM 2",
}

#: Swedish names of the report's parts (`RunConfig.sections`).
SECTION_NAMES: dict[str, str] = {"rom1_support": "stöd i RoM 1", "rom1_results": "resultat i RoM 1",
                                 "rom2_support": "stöd i RoM 2", "rom2_results": "resultat i RoM 2"}


def run_parameters(cfg: RunConfig) -> pd.DataFrame:
    """The run's parameters as a two-column table (Parameter, Värde), each value as a
    reader reads it (`romlab.run.pages.parameter_value`: a month range "2022-07 – 2023-05",
    the period in words, decimal comma), as the run's index lists them."""
    from romlab.run.pages import parameter_value

    d = cfg.to_dict()
    return pd.DataFrame({"Parameter": [PARAMETER_LABELS.get(k, k) for k in d],
                         "Värde": [parameter_value(k, v) for k, v in d.items()]})


def parameters_view(cfg: RunConfig) -> ReaderTable:
    """`run_parameters` as a notebook shows it (no index column, no source line)."""
    return ReaderTable(run_parameters(cfg), anchor="parametrar", source="")


def starts_by_window_level(participations: pd.DataFrame) -> pd.DataFrame:
    """Starts (participations) by intake window × level, with totals (§3.3).

    Rows: the windows present (labels "Fönster 1" … "RoM 2") and "Totalt"; columns
    "Nivå A", "Nivå B", "Nivå C", "Totalt". Counts of participations.
    """
    w = window(participations["start_date"])
    t = pd.crosstab(w.map(WINDOW_LABELS).rename("Fönster"), participations["level"].map(codes.LEVELS),
                    margins=True, margins_name="Totalt")
    order = [WINDOW_LABELS[k] for k in sorted(WINDOW_LABELS) if WINDOW_LABELS[k] in t.index] + ["Totalt"]
    t = t.reindex(order)
    t.columns.name = None
    return t


def as_of_table(ds) -> pd.DataFrame:
    """What the run sees at the cut-off, per table (Swedish headings): rows in the data,
    rows hidden because they became known after the cut-off, rows visible, and values
    blanked (end dates and approvals that came later)."""
    t = ds.as_of_summary.copy()
    swedish = {name: spec.swedish for name, spec in _tables().items()}
    t.insert(1, "Tabell", t["table"].map(swedish))
    return t.drop(columns="table").rename(columns={
        "rows_in_file": "Rader i data", "rows_hidden_as_of": "Dolda (kända efter datauttaget)",
        "rows_hidden_with_participation": "Varav dolda med sitt deltagande",
        "rows_visible": "Synliga rader", "values_blanked": "Värden blankade",
    }).set_index("Tabell")


def as_of_view(pt) -> ReaderTable:
    """The period's `as_of_table` (``pt``: `romlab.run.period.PeriodTables`) as a notebook
    shows it: the tables' Swedish names as the stub column, counts with thin-space
    thousands, the source line saying when the data are generated."""
    return ReaderTable(pt.overview["as_of"], anchor="datauttag", synthetic=pt.synthetic)


def starts_view(pt) -> ReaderTable:
    """The period's starts by window × level (`starts_by_window_level`, protected: a
    hidden count is NA) as a notebook shows it: '..' for a hidden count, the sentence of
    `describe_starts` above the table."""
    starts = pt.overview["starts"]
    return ReaderTable(show(starts), anchor="deltagare-per-fonster-och-niva", sentence=describe_starts(starts, pt.cfg),
                       synthetic=pt.synthetic)


def _tables():
    from romlab.dataset.contract import TABLES

    return TABLES


def describe_starts(starts: pd.DataFrame, cfg: RunConfig) -> str:
    """One plain sentence on the intake in the windows analysed, from the table (as
    shown: a hidden count is never summed, and the split by level is given only when
    every count it rests on is shown)."""
    labels = [WINDOW_LABELS[w] for w in cfg.windows if WINDOW_LABELS[w] in starts.index]
    sub = starts.loc[labels]
    windows = f"fönster {cfg.windows[0]}–{cfg.windows[-1]}"
    n = np.nan if sub["Totalt"].isna().any() else int(sub["Totalt"].sum())
    text = f"{text_number(n, 0)} deltagare påbörjade tjänsten i {windows}"
    if pd.isna(n) or sub.drop(columns="Totalt").isna().any().any():
        return f"{text}; fördelningen på nivåer är undertryckt ({SUPPRESSED})."
    shares = (sub.drop(columns="Totalt").sum() / n * 100).round(0).astype(int)
    largest = shares.idxmax()  # a tie: the level printed first
    return f"{text}; flest i {largest[:1].lower()}{largest[1:]} ({shares[largest]} %)."  # "nivå C"
