"""Report §3.4: what counts as a result, and one outcome row per participation.

Everything in §5 starts from one frame, `outcomes(ds, cfg)`: one row per participation
with its groups (`romlab.report.classify`), its result reports as known at the run's data
cut-off, its follow-up and the populations it belongs to. `romlab.report.results` turns it
into Tabell 14–23 and the data of Figur 1–2. Definitions (the report):

- **Result** (RoM 1): an R2 approved by Arbetsförmedlingen as of the cut-off: work or
  studies for at least four months (§3.4). The R2's ``outcome`` says work or studies.
  The preliminary **signal** is the R1: work or studies began (§3.4). The rule is a
  parameter (`ResultRule`): RoM 2's results after 3 and 6 months run through the same
  code (`RESULT_RULES`).
- **Follow-up**: 18 months after the start (§3.4): a participation has full follow-up
  when the last day of its start month plus ``cfg.followup_months`` months is on or
  before the cut-off (assumption A09; `romlab.months.has_full_followup`), the rule behind
  ``cfg.population_start_months``.
- **18-month population** (Tabell 14, 23, Figur 1): start months
  ``cfg.population_start_months`` (2023-10: May 2020 – January 2022, §5.1).
- **Window population** (Tabell 15–22): starts in ``cfg.windows`` (2023-10: windows
  1–4) from ``cfg.windows_first_start`` (May 2020, §3.4); window 4 is observed with
  incomplete follow-up (footnote 31).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from romlab import months
from romlab.report.classify import classify_participations
from romlab.run.config import RunConfig

__all__ = ["ResultRule", "RESULT_RULES", "ROM1", "ROM2_3M", "ROM2_6M", "SIGNAL_MONTHS", "REGISTER_MATCH_DAYS",
           "outcomes"]

# --------------------------------------------------------------------------- rules

@dataclass(frozen=True)
class ResultRule:
    """What counts as a result and as its preliminary signal.

    ``result_type`` is the result report that counts (RoM 1: R2, work or studies for
    at least four months, §3.4); ``signal_type`` the report that work or studies
    began (RoM 1: R1, §3.4; used by Figur 2); ``generation`` the service generation
    whose participations the rule applies to; ``require_approved``: only reports
    approved by Arbetsförmedlingen as of the cut-off count (§3.4: R2 is checked and
    approved before payment).
    """

    name: str
    generation: int
    result_type: str
    signal_type: str
    require_approved: bool = True


#: RoM 1: R2, signal R1 (§3.4).
ROM1 = ResultRule("rom1", 1, "R2", "R1")
#: RoM 2 (the status report of May 2023, §7.4): half the payment after 3 months, the rest after 6.
ROM2_3M = ResultRule("rom2_3m", 2, "R3M", "R3M")
ROM2_6M = ResultRule("rom2_6m", 2, "R6M", "R3M")
RESULT_RULES: dict[str, ResultRule] = {r.name: r for r in (ROM1, ROM2_3M, ROM2_6M)}

#: Months within which the signal must begin for Figur 2 (its caption: "under
#: tjänstens första sex månader").
SIGNAL_MONTHS = 6
#: Days around the work start (the R2's ``event_date``) in which a register event of
#: the same person identifies the job as subsidised or unsubsidised (assumption A36).
REGISTER_MATCH_DAYS: tuple[int, int] = (-31, 92)


# --------------------------------------------------------------------------- outcomes

def _first_per_participation(rep: pd.DataFrame) -> pd.DataFrame:
    rep = rep.sort_values(["participation_id", "event_date", "filed_date", "result_id"], kind="stable")
    return rep.drop_duplicates("participation_id", keep="first").set_index("participation_id")


def _work_type(out: pd.DataFrame, events: pd.DataFrame, match_days: tuple[int, int]) -> pd.Series:
    """Subsidised / unsubsidised / unmatched for work results (§5.3.2, Tabell 23).

    A work result is *subsidised* when the person has a decision on subsidised
    employment with ``event_date`` within ``match_days`` of the work start, else
    *unsubsidised* when the person left the register for unsubsidised work within
    that span, else *unmatched* (about 20 % of result reports, footnote 32).
    A subsidised decision wins over an exit (the decision is specific evidence).
    NA for participations without a work result."""
    is_work = out["has_result"] & (out["outcome"] == "work")
    res = pd.Series(pd.NA, index=out.index, dtype="string")
    res[is_work] = "unmatched"
    if not is_work.any() or events.empty:
        return res
    w = out.loc[is_work, ["person_id", "result_date"]].reset_index(names="_row")
    ev = events[["person_id", "event_type", "event_date"]]
    m = w.merge(ev, on="person_id", how="inner")
    lo, hi = (pd.Timedelta(days=d) for d in match_days)
    d = m["event_date"] - m["result_date"]
    m = m[(d >= lo) & (d <= hi)]
    sub = set(m.loc[m["event_type"] == "subsidised_employment", "_row"])
    unsub = set(m.loc[m["event_type"] == "exit_unsubsidised_work", "_row"]) - sub
    res.loc[list(unsub)] = "unsubsidised"
    res.loc[list(sub)] = "subsidised"
    return res


def outcomes(ds, cfg: RunConfig, rule: ResultRule = ROM1, *,
             signal_months: int = SIGNAL_MONTHS,
             register_match_days: tuple[int, int] = REGISTER_MATCH_DAYS) -> pd.DataFrame:
    """One row per participation of ``rule.generation``: groups, results as known at
    ``cfg.data_cutoff``, follow-up and populations. Compute it once per run and pass
    it to every table function.

    ``ds`` is a `Dataset` cut at the run's cut-off; a dataset cut later (or not cut)
    is cut here with `Dataset.as_of_view`, so nothing known after the cut-off is used;
    one cut earlier raises ``ValueError``.

    Columns: the participation's own (``participation_id``, ``person_id``,
    ``provider_id``, ``delivery_area``, ``start_date``, ``level``, …) and the
    classifier columns of `classify_participations` (``start_month``, ``window``,
    group columns, the Tabell 18 regressors); then

    - ``has_signal``, ``signal_date`` (when the work/studies of the first signal report
      began), ``signal_within`` (signal beginning before ``start_date`` +
      ``signal_months`` months: Figur 2 and the text before it in §5.1.1, the job's start decides);
    - ``has_result`` (an approved ``rule.result_type`` known at the cut-off),
      ``result_date`` (its work/studies start), ``result_approved_date``, ``outcome``
      ("work"/"studies"; NA without a result), ``has_work``, ``has_studies``;
    - ``work_type``: "subsidised"/"unsubsidised"/"unmatched" for work results
      (`REGISTER_MATCH_DAYS`, §5.3.2), NA otherwise;
    - ``followup_months`` (whole months to the cut-off), ``full_followup`` (the
      18-month rule, `romlab.months.has_full_followup`), ``signal_followup`` (the start month has
      ``signal_months`` months of follow-up: Figur 2's range);
    - ``in_population`` (start month in ``cfg.population_start_months``: Tabell 14, 23,
      Figur 1), ``in_windows`` (window in ``cfg.windows``, start from
      ``cfg.windows_first_start``: Tabell 15–22).
    """
    ds = _as_of_cutoff(ds, cfg.data_cutoff)
    part = ds.participations
    part = part[part["generation"] == rule.generation]
    out = classify_participations(part).reset_index(drop=True)
    out = _with_results(out, ds, rule, cfg.data_cutoff, signal_months, register_match_days)
    return _with_followup_and_populations(out, cfg, signal_months)


def _as_of_cutoff(ds, cutoff: pd.Timestamp):
    """``ds`` as known at ``cutoff``: a dataset cut later (or not cut) is cut here; one
    cut earlier raises ``ValueError``."""
    if ds.as_of is None or ds.as_of > cutoff:
        return ds.as_of_view(cutoff)
    if ds.as_of < cutoff:
        raise ValueError(f"the data are cut at {ds.as_of.date()}, before the run's cut-off "
                         f"{cutoff.date()}: load them again as of the run's cut-off")
    return ds


def _with_results(out: pd.DataFrame, ds, rule: ResultRule, cutoff: pd.Timestamp, signal_months: int,
                  register_match_days: tuple[int, int]) -> pd.DataFrame:
    """The signal and result columns of `outcomes` (``has_signal`` … ``work_type``): the
    first signal report and the first result report (approved by the cut-off when the
    rule says so) of each participation, by the date its work or studies began."""
    rep = ds.result_reports
    rep = rep[rep["participation_id"].isin(out["participation_id"])]
    sig = _first_per_participation(rep[rep["result_type"] == rule.signal_type])
    fin = rep[rep["result_type"] == rule.result_type]
    if rule.require_approved:
        fin = fin[fin["approved_date"].notna() & (fin["approved_date"] <= cutoff)]
    fin = _first_per_participation(fin)

    pid = out["participation_id"]

    def lookup(frame: pd.DataFrame, col: str) -> np.ndarray:
        return frame[col].reindex(pid).to_numpy()

    out["signal_date"] = lookup(sig, "event_date")
    out["has_signal"] = out["signal_date"].notna()
    signal_window = pd.DateOffset(months=signal_months)
    out["signal_within"] = out["has_signal"] & (out["signal_date"] < out["start_date"] + signal_window)
    out["result_date"] = lookup(fin, "event_date")
    out["result_approved_date"] = lookup(fin, "approved_date")
    out["outcome"] = pd.array(lookup(fin, "outcome"), dtype="string")
    out["has_result"] = out["result_date"].notna()
    out["has_work"] = out["has_result"] & (out["outcome"] == "work").fillna(False).astype(bool)
    out["has_studies"] = out["has_result"] & (out["outcome"] == "studies").fillna(False).astype(bool)
    out["work_type"] = _work_type(out, ds.register_events, register_match_days)
    return out


def _with_followup_and_populations(out: pd.DataFrame, cfg: RunConfig, signal_months: int) -> pd.DataFrame:
    """The follow-up columns (``followup_months``, ``full_followup``, ``signal_followup``)
    and the populations (``in_population``: Tabell 14, 23, Figur 1; ``in_windows``:
    Tabell 15–22) of `outcomes`."""
    cutoff = cfg.data_cutoff
    out["followup_months"] = months.whole_months(out["start_date"], cutoff).to_numpy()
    out["full_followup"] = months.has_full_followup(out["start_date"], cutoff, cfg.followup_months).to_numpy()
    out["signal_followup"] = months.has_full_followup(out["start_date"], cutoff, signal_months).to_numpy()
    sm = out["start_month"]
    out["in_population"] = ((sm >= cfg.population_first_start) & (sm <= cfg.population_last_start)).to_numpy()
    win = out["window"]
    in_w = win.isin(list(cfg.windows)).fillna(False).astype(bool) & (out["start_date"] >= cfg.windows_first_start)
    if pd.notna(cfg.windows_last_start):
        in_w &= out["start_date"] <= cfg.windows_last_start
    out["in_windows"] = in_w.to_numpy()
    return out
