"""The sample of the support analysis: report §3.5.1, Urval av periodiska rapporter.

`select_reports` keeps the periodic reports that meet the report's four criteria, in its
order, each criterion a named step (`_in_period`, `_in_service_around`,
`_without_deviation`, `_without_placement_double`), merges two providers' reports of
the same participation and month into one report-month (`_merge_providers`) and counts
every step (`_flow`). `romlab.report.support` computes the tables of §4 from the
report-months; it re-exports the names of this module, so `support.select_reports` and
`support.SupportSample` stay where readers find them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from romlab.dataset import codes
from romlab.report.classify import classify_participations
from romlab.run.config import RunConfig

__all__ = ["FLOW_LABELS", "TOTAL", "TOTAL_COLUMNS", "SupportSample", "replaced_resubmissions", "select_reports"]

#: The column of total support (sammanlagt stöd) in the report-months.
TOTAL = "total_support"
#: Hour columns that make up total support (§4.2, footnote 20).
TOTAL_COLUMNS: list[str] = [c for c in codes.HOUR_COLUMNS if c not in codes.EXCLUDED_FROM_TOTAL]

#: Swedish labels of the selection flow (§3.5.1), keyed by the measure names
#: of `data/published/urval.csv`.
FLOW_LABELS: dict[str, str] = {
    "periodic_reports_in_data": "Periodiska rapporter i data vid datauttaget",
    "excluded_resubmitted": "Exkluderade: ersatta av en senare inskickad rapport (samma deltagande, "
                            "leverantör, månad och placeringsperiod)",
    "excluded_outside_period": "Exkluderade: månad utanför perioden eller annan tjänstegeneration (kriterium 1)",
    "periodic_reports_total": "Periodiska rapporter som avser perioden (kriterium 1)",
    "excluded_not_full_month_or_adjacent_months":
        "Exkluderade: inte i tjänsten hela månaden samt månaden före och efter (kriterium 2)",
    "excluded_deviation_report": "Exkluderade: avvikelserapport under månaden (kriterium 3)",
    "excluded_double_reports_placement_period":
        "Exkluderade: dubbla rapporter vid byte av placeringsperiod (kriterium 4)",
    "periodic_reports_before_merge": "Periodiska rapporter före sammanslagning",
    "merged_provider_switch": "Sammanslagna: två leverantörer samma deltagande och månad",
    "periodic_reports_after_merge_exact": "Periodiska rapporter i urvalet (deltagande och månad)",
    "unique_individuals": "Unika individer",
    "reports_per_individual": "Rapporter per individ",
}


@dataclass(frozen=True)
class SupportSample:
    """The selected report-months and the selection flow.

    `months`: one row per participation and month kept (after merging two providers'
    reports), with `participation_id`, `person_id`, `month`, the 12 hour columns,
    `total_support` and the participant's groups (`level`, `sex`, `education_group`,
    `age_group`, `birth_country`, `sex_birth_group`, `disability_group`,
    `registration_group`). `flow`: the counts of §3.5.1 (`measure`, `Steg`, `value`).
    """

    months: pd.DataFrame
    flow: pd.DataFrame


def _month_key(participation_id: np.ndarray, month: np.ndarray) -> np.ndarray:
    """One int64 per participation and month (for fast membership tests)."""
    m = month.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    return participation_id.astype(np.int64) * 10_000 + m


def replaced_resubmissions(rep: pd.DataFrame) -> np.ndarray:
    """True for a periodic report replaced by a later submission of the same report.

    The same report = same participation, provider, month and placement period
    (`romlab.dataset.validate.RESUBMISSION_KEY`); the one submitted last counts, and of two
    submitted the same day the later row in the file (mapping ``resubmission: latest``,
    docs/mapping.md). Only reports known at the cut-off are compared, so a run as of an
    earlier date counts the submission it could see."""
    if rep.empty:
        return np.zeros(0, dtype=bool)
    provider = pd.factorize(rep["provider_id"])[0]
    keys = [np.asarray(rep.index), rep["submitted_date"].to_numpy(), rep["placement_period"].to_numpy(),
            rep["month"].to_numpy(), provider, rep["participation_id"].to_numpy()]
    order = np.lexsort(keys)  # by report, then submission date, then row: the last of a report counts
    same_as_next = np.ones(len(rep) - 1, dtype=bool)
    for k in keys[2:]:  # the four columns of the report's identity
        ks = k[order]
        same_as_next &= ks[:-1] == ks[1:]
    replaced = np.zeros(len(rep), dtype=bool)
    replaced[order[:-1][same_as_next]] = True
    return replaced


def select_reports(ds, cfg: RunConfig) -> SupportSample:
    """Select the report-months of the support analysis, §3.5.1.

    In the report's order (its criteria 1–4), a periodic report is kept only if
    1. its month lies in `cfg.support_months` and its participation's generation is in
       `cfg.support_generations` (the report's data are RoM 1 only: §2.2, §3; `_in_period`);
    2. the participant was in the service the whole month and also the month before and
       the month after (start before the month's first day; end on or after the next
       month's first day, or ongoing at the cut-off with the cut-off in the next month
       or later) (`_in_service_around`);
    3. the participation has no deviation report dated in that month (`_without_deviation`);
    4. it is not one of the double reports of a month in which the participant moved
       from placement period 1 to 2: every report of such a participation-month is
       removed (footnote 14: provider-switch doubles stay; `_without_placement_double`).
    Then reports from two providers for the same participation and month are merged
    into one report-month, hours summed (the paragraph after criterion 4, footnote 15;
    `_merge_providers`).

    The flow counts every exclusion, so kept + excluded = reports in, exactly.
    """
    part, rep = ds.participations, ds.periodic_reports
    pos = pd.Index(part["participation_id"]).get_indexer(rep["participation_id"])
    if (pos < 0).any():  # the loader's reference check makes this impossible; keep it loud
        raise ValueError(f"{int((pos < 0).sum())} periodic report(s) without a participation")
    replaced = replaced_resubmissions(rep) if getattr(ds, "resubmission", None) == "latest" else None
    key = _month_key(rep["participation_id"].to_numpy(), rep["month"].to_numpy())
    c1 = _in_period(rep, part, pos, cfg, replaced)
    c2 = _in_service_around(rep, part, pos, cfg)
    c3 = _without_deviation(key, ds.deviation_reports)
    c4 = _without_placement_double(rep, key, c1 & c2 & c3)
    months = _with_groups(_merge_providers(rep, key, c1 & c2 & c3 & c4), part)
    return SupportSample(months=months, flow=_flow(len(rep), replaced, (c1, c2, c3, c4), months))


def _in_period(rep: pd.DataFrame, part: pd.DataFrame, pos: np.ndarray, cfg: RunConfig,
               replaced: np.ndarray | None) -> np.ndarray:
    """Criterion 1: the report's month in `cfg.support_months`, its participation's
    generation in `cfg.support_generations`, and not replaced by a later submission."""
    month = rep["month"].to_numpy()
    gen = part["generation"].to_numpy()[pos]
    first, last = cfg.support_first_month, cfg.support_last_month
    c1 = (month >= first.to_datetime64()) & (month <= last.to_datetime64()) & np.isin(gen, cfg.support_generations)
    if replaced is not None:
        c1 &= ~replaced
    return c1


def _in_service_around(rep: pd.DataFrame, part: pd.DataFrame, pos: np.ndarray, cfg: RunConfig) -> np.ndarray:
    """Criterion 2: in the service the whole month, the month before and the month after
    (an ongoing participation counts as in the service up to the cut-off)."""
    month = rep["month"].to_numpy()
    start = part["start_date"].to_numpy()[pos]
    end = part["end_date"].to_numpy()[pos]
    next_month = (month.astype("datetime64[M]") + 1).astype(month.dtype)
    cutoff = np.datetime64(cfg.data_cutoff.to_datetime64())
    in_after = np.where(np.isnat(end), cutoff >= next_month, end >= next_month)
    return (start < month) & in_after


def _without_deviation(key: np.ndarray, dev: pd.DataFrame) -> np.ndarray:
    """Criterion 3: no deviation report of the participation dated in the report's month."""
    dev_key = _month_key(dev["participation_id"].to_numpy(), dev["deviation_date"].to_numpy())
    return ~np.isin(key, dev_key)


def _without_placement_double(rep: pd.DataFrame, key: np.ndarray, after3: np.ndarray) -> np.ndarray:
    """Criterion 4: among the reports kept so far (``after3``), no participation-month
    with reports of both placement periods (every report of such a month goes)."""
    pp = rep["placement_period"].to_numpy()
    k3 = pd.Series(pp[after3], index=key[after3])
    g = k3.groupby(level=0)
    double = (g.min() != g.max())
    double_keys = double.index[double.to_numpy()].to_numpy()
    return ~np.isin(key, double_keys)


def _merge_providers(rep: pd.DataFrame, key: np.ndarray, kept: np.ndarray) -> pd.DataFrame:
    """One report-month per participation and month of the ``kept`` reports, hours summed
    over providers, with total support."""
    month = rep["month"].to_numpy()
    hours = rep.loc[kept, codes.HOUR_COLUMNS]
    merged = hours.groupby([key[kept]], sort=True).sum()
    first_row = pd.Series(np.flatnonzero(kept), index=key[kept]).groupby(level=0).first()
    src = first_row.loc[merged.index].to_numpy()
    months = pd.DataFrame({
        "participation_id": rep["participation_id"].to_numpy()[src],
        "month": month[src],
    })
    months[codes.HOUR_COLUMNS] = merged.to_numpy()
    months[TOTAL] = months[TOTAL_COLUMNS].sum(axis=1)
    return months


def _flow(n_in: int, replaced: np.ndarray | None, criteria: tuple[np.ndarray, ...],
          months: pd.DataFrame) -> pd.DataFrame:
    """The selection flow: reports in, excluded by each criterion, merged, kept."""
    c1, c2, c3, c4 = criteria
    after3 = c1 & c2 & c3
    kept = after3 & c4
    counts = {"periodic_reports_in_data": n_in}
    if replaced is not None:  # only where the mapping declares resubmissions (else they are errors)
        counts["excluded_resubmitted"] = int(replaced.sum())
    counts |= {
        "excluded_outside_period": int((~c1).sum()) - counts.get("excluded_resubmitted", 0),
        "periodic_reports_total": int(c1.sum()),
        "excluded_not_full_month_or_adjacent_months": int((c1 & ~c2).sum()),
        "excluded_deviation_report": int((c1 & c2 & ~c3).sum()),
        "excluded_double_reports_placement_period": int((after3 & ~c4).sum()),
        "periodic_reports_before_merge": int(kept.sum()),
        "merged_provider_switch": int(kept.sum() - len(months)),
        "periodic_reports_after_merge_exact": len(months),
        "unique_individuals": int(months["person_id"].nunique()),
    }
    counts["reports_per_individual"] = (len(months) / counts["unique_individuals"]
                                        if counts["unique_individuals"] else np.nan)
    return pd.DataFrame({"measure": list(counts), "Steg": [FLOW_LABELS[k] for k in counts],
                         "value": list(counts.values())})


def _with_groups(months: pd.DataFrame, part: pd.DataFrame) -> pd.DataFrame:
    """Attach the participant's level and groups (measured at the start, A03)."""
    ids = months["participation_id"].unique()
    sub = part[part["participation_id"].isin(ids)]
    cls = classify_participations(sub)
    keep = ["participation_id", "person_id", "level", "sex", "education_group", "age_group",
            "birth_country", "sex_birth_group", "disability_group", "registration_group"]
    out = months.merge(cls[keep], on="participation_id", how="left", validate="many_to_one")
    first = ["participation_id", "person_id", "month"]
    return out[first + [c for c in out.columns if c not in first]]
