"""Rusta och matcha 2: what counts as a result, and one outcome row per followed participation.

RoM 2's results part (`romlab.report.rom2_results`) starts from one frame,
`outcomes(ds, cfg)`: one row per RoM 2 participation (``generation`` 2) of the **followed
population**, with its groups (`romlab.report.classify`, the classifiers of RoM 1's outcome
frame) and its 3- and 6-month results as known at the run's data cut-off. Definitions:

- **Result after 3 months** (``result_3m``) and **after 6 months** (``result_6m``): RoM 2
  pays half the result payment when the participant has worked or studied for three
  months and the rest at six (the status report `001`, §8 "Vidare förändras kraven för
  vad som räknas som ett resultat": "två resultat på tre månader vardera"; the report
  §2.3: "två nya resultatmått efter tre respektive sex månaders varaktighet";
  domain.md "RoM 2"). In the data they are result reports ``R3M`` and ``R6M``. The rule
  is RoM 1's (`romlab.report.outcomes`, report §3.4: the R2 "kontrolleras och godkänns"
  before payment), applied to R3M and R6M through the same code
  (`outcomes.ROM2_3M`, `outcomes.ROM2_6M`):

  * the report is **approved** by Arbetsförmedlingen (``approved_date`` set) **on or
    before** ``cfg.data_cutoff``: a 6-month result approved the day after the cut-off
    does not count, one approved on the cut-off does;
  * it was **filed** on or before the cut-off (the loader's as-of cut,
    `romlab.dataset.load`: a report is known from its ``filed_date``; data cut later are
    cut here);
  * the work or studies must have **begun at most two months after the participant
    left the service** (report §3.4: "anställningar och utbildningar som påbörjats upp
    till två månader efter att deltagaren avslutade tjänsten"). Like RoM 1's outcome
    frame, which counts every approved R2, this is not tested again here: it is a
    condition of the payment, which Arbetsförmedlingen checks before it approves a
    report; it enters the follow-up rule below;
  * one result per participation and result type: the first by the date its work or
    studies began (then filing date, then report id), as for RoM 1's R2.

  ``outcome_3m``/``outcome_6m`` say work or studies (the report's "arbete" /
  "utbildning", §5.3).
- **Follow-up** (assumption A84, ``cfg.rom2_followup_months`` = 20): a participation
  can last 12 months; work or studies that begin up to 2 months after it ended count;
  the second result needs 6 months of them. So 12 + 2 + 6 = 20 months after the start
  month, a participant's 6-month result is complete, as RoM 1's 18 = 12 + 2 + 4 months
  (report §3.4, footnote 12; A09). A start month is followed when its last day plus 20
  months is on or before the cut-off (`romlab.months.last_start_with_followup`).
- **Followed population**: the RoM 2 participations whose start month lies in
  ``cfg.rom2_population_start_months`` (first RoM 2 month 2023-04: RoM 2 took
  participants from 2023-04-17, `001` §2; 2025-10 → 2023-04 … 2023-11; empty while no
  RoM 2 month is followed long enough). Both the 3- and the 6-month result are measured
  on it (one population for both shares, so the share that continues from 3 to 6
  months is a share of the same people). A RoM 1 participation that started in April
  2023 is not in it: its results are RoM 1's R1/R2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab import months
from romlab.report import outcomes as rom1_outcomes
from romlab.report.classify import classify_participations
from romlab.run.config import ConfigError, RunConfig

__all__ = ["GENERATION", "RESULT_COLUMNS", "outcomes", "population_months"]

#: The service generation of RoM 2 (`romlab.dataset.codes.GENERATIONS`).
GENERATION = 2

#: The result columns per result: (rule, column prefix). `outcomes` adds per prefix
#: ``<prefix>`` (bool), ``<prefix>_date`` (work or studies began),
#: ``<prefix>_approved_date``, ``outcome_<x>`` ("work"/"studies"), ``work_<x>``,
#: ``education_<x>`` (bool) and ``work_type_<x>`` (`outcomes.REGISTER_MATCH_DAYS`).
RESULT_COLUMNS: dict[str, rom1_outcomes.ResultRule] = {
    "result_3m": rom1_outcomes.ROM2_3M,
    "result_6m": rom1_outcomes.ROM2_6M,
}

#: The columns `_with_results` (RoM 1's code) gives, and their names per result.
_RULE_COLUMNS = {"has_result": "{p}", "result_date": "{p}_date", "result_approved_date": "{p}_approved_date",
                 "outcome": "outcome_{x}", "has_work": "work_{x}", "has_studies": "education_{x}",
                 "work_type": "work_type_{x}"}


def population_months(cfg: RunConfig) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first days of the first and last start month of the followed population
    (``cfg.rom2_population_start_months``), or None when it is empty."""
    span = tuple(cfg.rom2_population_start_months)
    if not span:
        return None
    if len(span) != 2:
        raise ConfigError(f"rom2_population_start_months must be (first, last) or empty, got {span!r}")
    return months.first_day(span[0]), months.first_day(span[1])


def outcomes(ds, cfg: RunConfig, *,
             register_match_days: tuple[int, int] = rom1_outcomes.REGISTER_MATCH_DAYS) -> pd.DataFrame:
    """One row per RoM 2 participation of the followed population, with its groups and
    its 3- and 6-month results as known at ``cfg.data_cutoff`` (module docstring).

    ``ds`` is a `Dataset` cut at the run's cut-off; a dataset cut later (or not cut) is
    cut here, one cut earlier raises ``ValueError`` (as RoM 1's `outcomes.outcomes`).

    Columns: the participation's own (``participation_id``, ``person_id``,
    ``provider_id``, ``delivery_area``, ``start_date``, ``end_date``, ``level``,
    ``job_chance``, …); the classifier columns of `classify_participations`
    (``start_month``, ``window``, ``birth_country``, ``sex_birth_group``,
    ``disability_group``, ``education_group``, ``age_group``, ``registration_group`` and
    the Tabell 18 regressors); per result (`RESULT_COLUMNS`) ``result_3m`` /
    ``result_6m`` (bool), their ``_date`` and ``_approved_date``, ``outcome_3m`` /
    ``outcome_6m`` ("work"/"studies", NA without a result), ``work_3m``,
    ``education_3m``, ``work_6m``, ``education_6m`` (bool), ``work_type_3m`` /
    ``work_type_6m``; then ``followup_months`` (whole months from the start to the
    cut-off) and ``full_followup`` (the start month has ``cfg.rom2_followup_months``
    months of follow-up: True throughout for the default population). Rows in
    ``participation_id`` order. With no followed start month the frame is empty, with
    these columns."""
    ds = rom1_outcomes._as_of_cutoff(ds, cfg.data_cutoff)
    part = ds.participations
    span = population_months(cfg)
    start_month = part["start_date"].dt.to_period("M").dt.start_time
    keep = part["generation"] == GENERATION
    keep &= (start_month >= span[0]) & (start_month <= span[1]) if span else False
    part = part[keep].sort_values("participation_id", kind="stable")
    out = classify_participations(part).reset_index(drop=True)
    base = out[["participation_id", "person_id", "start_date"]]
    for prefix, rule in RESULT_COLUMNS.items():
        got = rom1_outcomes._with_results(base.copy(), ds, rule, cfg.data_cutoff, rom1_outcomes.SIGNAL_MONTHS,
                                          register_match_days)
        x = prefix.removeprefix("result_")
        for col, name in _RULE_COLUMNS.items():
            out[name.format(p=prefix, x=x)] = got[col].to_numpy()
    for prefix in RESULT_COLUMNS:
        out[prefix] = out[prefix].astype(bool)
        x = prefix.removeprefix("result_")
        out[f"work_{x}"] = out[f"work_{x}"].astype(bool)
        out[f"education_{x}"] = out[f"education_{x}"].astype(bool)
        out[f"outcome_{x}"] = out[f"outcome_{x}"].astype("string")
        out[f"work_type_{x}"] = out[f"work_type_{x}"].astype("string")
    out["followup_months"] = months.whole_months(out["start_date"], cfg.data_cutoff).to_numpy(dtype=np.int64)
    out["full_followup"] = months.has_full_followup(out["start_date"], cfg.data_cutoff,
                                                    cfg.rom2_followup_months).to_numpy(dtype=bool)
    return out
