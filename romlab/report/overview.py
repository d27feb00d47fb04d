"""Report §3 (data, definitions and conditions of the analysis): what a run reads.

Aggregates only: counts of records and starts, never microdata.
"""

from __future__ import annotations

import pandas as pd

from romlab.dataset import codes
from romlab.publication.disclosure import SUPPRESSED
from romlab.report.classify import WINDOW_LABELS, window
from romlab.run.config import RunConfig

#: Swedish labels of the run parameters, for the parameter table.
PARAMETER_LABELS: dict[str, str] = {
    "period": "Rapportmånad",
    "data_cutoff": "Datauttag (brytdatum)",
    "support_months": "Månader för periodiska rapporter",
    "support_generations": "Tjänstegeneration för stödet",
    "followup_months": "Uppföljningstid (månader)",
    "population_start_months": "Startmånader med full uppföljning",
    "min_window_followup_months": "Minsta uppföljning efter fönstrets slut (månader)",
    "windows": "Fönster som analyseras",
    "trim_percentile": "Percentil för justering av extremvärden",
    "percentile_method": "Percentilmetod",
    "significance_level": "Signifikansnivå",
    "min_cell": "Minsta cell som visas",
}


def run_parameters(cfg: RunConfig) -> pd.DataFrame:
    """The run's parameters as a two-column table (Parameter, Värde)."""
    d = cfg.to_dict()
    return pd.DataFrame({
        "Parameter": [PARAMETER_LABELS.get(k, k) for k in d],
        "Värde": [" – ".join(map(str, v)) if isinstance(v, list) and "months" in k
                  else ", ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in d.items()],
    })


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


def _tables():
    from romlab.dataset.contract import TABLES

    return TABLES


def describe_starts(starts: pd.DataFrame, cfg: RunConfig) -> str:
    """One plain sentence on the intake in the windows analysed, from the table (as
    shown: a hidden count is never summed, and the split by level is given only when
    every count it rests on is shown)."""
    labels = [WINDOW_LABELS[w] for w in cfg.windows if WINDOW_LABELS[w] in starts.index]
    sub = starts.loc[labels]
    windows = f"windows {cfg.windows[0]}–{cfg.windows[-1]}"
    if sub["Totalt"].isna().any():
        n_text = SUPPRESSED
    else:
        n = int(sub["Totalt"].sum())
        n_text = f"{n:,}".replace(",", " ")
    if n_text == SUPPRESSED or sub.drop(columns="Totalt").isna().any().any():
        return f"{n_text} participants started in {windows}; the split by level is suppressed ({SUPPRESSED})."
    shares = (sub.drop(columns="Totalt").sum() / n * 100).round(0).astype(int)
    largest = shares.idxmax()
    return f"{n_text} participants started in {windows}; {largest} is the largest level ({shares[largest]} %)."
