"""Support in Rusta och matcha 2 (RoM 2): the report's §3.5.1 and §4 on RoM 2's periodic reports.

RoM 2 (from 2023-04-17) reports support in quarter hours instead of whole hours (the
agency's status report of May 2023, `001` §6.2.8; the report §2.2). Everything else of
the support analysis is the report's, reused rather than copied:

- the selection (§3.5.1: whole months with the months before and after, deviation
  months, the double reports at the placement-period change, provider switches merged)
  is `romlab.report.support.select_reports` with ``support_generations=(2,)``
  (`select_reports`), over the period's support months (``cfg.support_months``, A07);
- trimming (§4.2) uses RoM 2's own cut-offs: the p-th percentile of RoM 2's report-months
  (`cutoffs`), never RoM 1's; ties at the cut-off are kept, as in §4.2;
- the tables (Tabell 2–13's layout, `romlab.report.support`'s functions) are the same
  functions on RoM 2's report-months, with the key ``rom2_<n>`` in the ``table`` column.

Quarter hours are kept exactly: nothing rounds hours (0.25 is exact in binary floating
point, so sums and comparisons with a cut-off are exact); percentiles may fall between
two quarter hours (linear interpolation, A12).

What RoM 2 adds:

- Tabell 6 (RoM 2) counts an activity as taken part in from one quarter hour
  (`TABELL_6_MIN_HOURS`, one reporting unit of RoM 2), which is what the report's "at
  least one hour" means in RoM 1's whole hours (anything reported at all); the share
  with at least one whole hour is given beside it (`TABELL_6_ONE_HOUR`, RoM 1's
  threshold, A20);
- `activities`: RoM 2's list of activities against RoM 1's (Tabell 1; `001` §6.2.7);
- `jamforelse`: mean and median total support per month for each generation in the
  support months where both have selected report-months (the tail of RoM 1 beside the
  start of RoM 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.dataset import codes
from romlab.dataset.errors import DataError
from romlab.report import support
from romlab.report.support import TOTAL, SupportSample
from romlab.run.config import RunConfig

__all__ = ["GENERATION", "TABELL_6_MIN_HOURS", "TABELL_6_ONE_HOUR", "GENERATION_LABELS", "JAMFORELSE_COLUMNS",
           "rom2_config", "rom1_config", "select_reports", "cutoffs", "tabell_02", "tabell_03", "tabell_04",
           "tabell_05", "tabell_06", "tabell_group", "tabell_12", "tabell_13", "group_tests", "jamforelse",
           "activities", "require_months", "in_service_during", "cell_persons"]

#: The service generation of this part of the report.
GENERATION = 2
#: Tabell 6 (RoM 2): the least time in a month that counts as taking part in an activity,
#: one reporting unit of RoM 2 (a quarter hour, `codes.HOUR_UNIT`): in RoM 1's whole hours
#: the report's "minst en timme" is the same as "any time reported".
TABELL_6_MIN_HOURS: float = codes.HOUR_UNIT[GENERATION]
#: Tabell 6 (RoM 2): the report's own threshold (one whole hour, A20), shown beside it.
TABELL_6_ONE_HOUR: float = 1.0
#: How the generations are named in the comparison.
GENERATION_LABELS: dict[int, str] = {1: "RoM 1", 2: "RoM 2"}
#: The long columns of `jamforelse` (also when it is empty).
JAMFORELSE_COLUMNS = ["table", "measure", "activity", "month", "generation", "adjusted", "value", "n"]


def rom2_config(cfg: RunConfig) -> RunConfig:
    """`cfg` for RoM 2's support part: the same support months and rules, RoM 2's reports."""
    return cfg.with_overrides(support_generations=(GENERATION,))


def rom1_config(cfg: RunConfig) -> RunConfig:
    """`cfg` for RoM 1's report-months in the same support months (the comparison)."""
    return cfg.with_overrides(support_generations=(1,))


def select_reports(ds, cfg: RunConfig) -> SupportSample:
    """RoM 2's report-months of the support months (report §3.5.1's four criteria and the
    merge of provider switches, `romlab.report.support.select_reports`, on the periodic
    reports of RoM 2 participations). Hours are RoM 2's quarter hours, unrounded.

    The report-months also carry `support.CELL_PERSON` (`cell_persons`), so that each
    person counts in one group of a table's ``n`` even with two participations."""
    sample = support.select_reports(ds, rom2_config(cfg))
    months = sample.months.copy()
    months[support.CELL_PERSON] = cell_persons(months)
    return SupportSample(months=months, flow=sample.flow)


def cell_persons(months: pd.DataFrame) -> pd.Series:
    """The person each report-month counts for in a group's ``n``: ``person_id`` on the
    report-months of the person's participation with the latest selected month (of two
    in the same month, the higher ``participation_id``), missing on the others.

    A person who left RoM 2 and was placed again has two participations, each with the
    groups at its own start (A03): counted by distinct persons per group, such a person
    would be in two levels (or two age groups), and a grouping's persons would add up to
    more than the sample's, which disclosure control's relations cannot hold (RoM 1's
    support sample has one participation per person). Counting the person with one
    participation keeps each ``n`` at most the persons behind the group's means, so the
    threshold rule errs towards hiding."""
    if months.empty:
        return pd.Series(pd.array([], dtype="Int64"), index=months.index)
    last = months.sort_values(["person_id", "month", "participation_id"], kind="stable")
    last = last.drop_duplicates("person_id", keep="last").set_index("person_id")["participation_id"]
    counted = months["participation_id"].to_numpy() == last.reindex(months["person_id"]).to_numpy()
    return pd.Series(pd.array(months["person_id"].to_numpy(), dtype="Int64"), index=months.index).where(counted)


def in_service_during(participations: pd.DataFrame, cfg: RunConfig, generation: int) -> bool:
    """Whether any participation of `generation` is in the service during the support
    months (starts on or before their last day, and has not ended before their first):
    without one, the generation has no periodic report in them."""
    p = participations
    gen = p["generation"].to_numpy() == generation
    started = p["start_date"].to_numpy() <= cfg.support_last_month.to_datetime64()
    end = p["end_date"].to_numpy()
    not_ended = np.isnat(end) | (end >= cfg.support_first_month.to_datetime64())
    return bool((gen & started & not_ended).any())


def require_months(months: pd.DataFrame, cfg: RunConfig, generation: int = GENERATION) -> pd.DataFrame:
    """`months` if it holds report-months; otherwise a `DataError` saying that no periodic
    report of the generation passed the selection in the support months (the tables of
    §4 need at least one)."""
    if len(months):
        return months
    first, last = cfg.support_months
    raise DataError("periodic_reports", "month", "support_sample", 0,
                    detail=f"no periodic report of RoM {generation} in the support months {first}..{last} "
                           "passes the selection of report §3.5.1 (whole month in the service with the months "
                           "before and after, no deviation report, no double report); check the cut-off "
                           "and the participations' generation, or run without this part "
                           f"(--set sections=..., without rom{generation}_support)")


def cutoffs(months: pd.DataFrame, cfg: RunConfig) -> pd.Series:
    """RoM 2's trimming cut-offs: the ``cfg.trim_percentile``-th percentile of each hour
    column and of total support over RoM 2's report-months (§4.2, A11–A12)."""
    return support.cutoffs(months, cfg.trim_percentile, cfg.percentile_method)


def _keyed(t: pd.DataFrame, key: str) -> pd.DataFrame:
    t = t.copy()
    t["table"] = key
    return t.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# The tables of §4 on RoM 2's report-months
# --------------------------------------------------------------------------------------

def tabell_02(months: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 2 (RoM 2): percentiles of quarter hours per activity and month, untrimmed."""
    return _keyed(support.tabell_02(months, cfg), "rom2_2")


def tabell_03(months: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 3 (RoM 2): mean hours per activity keeping 90 … 100 % (RoM 2's cut-offs)."""
    return _keyed(support.tabell_03(months, cfg), "rom2_3")


def tabell_04(months: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 4 (RoM 2): mean total support keeping 95 … 100 %, and the medians."""
    return _keyed(support.tabell_04(months, cfg), "rom2_4")


def tabell_05(months: pd.DataFrame, cfg: RunConfig, cut: pd.Series | None = None) -> pd.DataFrame:
    """Tabell 5 (RoM 2): total support (mean, median) and mean per activity, adjusted
    (trimmed at RoM 2's own cut-offs) and not, with the report-months (``observations``)
    and ``n``, the persons of the sample (the adjusted rows' population for disclosure
    control; the RoM 1 table takes it from the selection flow)."""
    t = _keyed(support.tabell_05(months, cfg, cut), "rom2_5")
    t["n"] = pd.array([months["person_id"].nunique()] * len(t), dtype="Int64")
    return t


def tabell_06(months: pd.DataFrame, cfg: RunConfig, min_hours: float = TABELL_6_MIN_HOURS,
              one_hour: float | None = TABELL_6_ONE_HOUR) -> pd.DataFrame:
    """Tabell 6 (RoM 2): percent of report-months with at least `min_hours` of each
    activity (default one quarter hour: any time reported, measure ``share_any_time``)
    and, unless `one_hour` is None, with at least `one_hour` (the report's one hour,
    measure ``share_any_hour`` as in Tabell 6), untrimmed; ``min_hours`` says which."""
    parts = []
    for measure, threshold in [("share_any_time", min_hours), ("share_any_hour", one_hour)]:
        if threshold is None:
            continue
        t = support.tabell_06(months, cfg, min_hours=threshold)
        t["measure"], t["min_hours"] = measure, float(threshold)
        parts.append(t)
    return _keyed(pd.concat(parts, ignore_index=True), "rom2_6")[["table", "measure", "min_hours", "activity",
                                                                   "value"]]


def tabell_group(months: pd.DataFrame, cfg: RunConfig, table: int, cut: pd.Series | None = None) -> pd.DataFrame:
    """Tabell 7–11 (RoM 2): trimmed mean support by the report's groups (RoM 2's cut-offs
    from the whole RoM 2 sample), with observations and persons."""
    return _keyed(support.tabell_group(months, cfg, table, cut), f"rom2_{table}")


def tabell_12(months: pd.DataFrame, cfg: RunConfig, cut: pd.Series | None = None) -> pd.DataFrame:
    """Tabell 12 (RoM 2): trimmed mean support by RoM 2's levels (its own assessment
    tool and level bounds: not the same groups as RoM 1's levels)."""
    return _keyed(support.tabell_12(months, cfg, cut), "rom2_12")


def tabell_13(months: pd.DataFrame, cfg: RunConfig, cut: pd.Series | None = None) -> pd.DataFrame:
    """Tabell 13 (RoM 2): trimmed mean hours per activity by level × registration time."""
    return _keyed(support.tabell_13(months, cfg, cut), "rom2_13")


def group_tests(months: pd.DataFrame, cfg: RunConfig, by: str, cut: pd.Series | None = None) -> pd.DataFrame:
    """Tests of group differences in RoM 2's trimmed mean support (standard errors
    clustered by person, `romlab.report.support.group_tests`)."""
    return support.group_tests(months, cfg, by, cut=cut)


# --------------------------------------------------------------------------------------
# RoM 1 beside RoM 2 in the months both have
# --------------------------------------------------------------------------------------

def _month_labels(month: pd.Series) -> pd.Series:
    """"YYYY-MM" of each month (formatted once per distinct month, not per row)."""
    values, inverse = np.unique(month.to_numpy(), return_inverse=True)
    labels = pd.DatetimeIndex(values).strftime("%Y-%m").to_numpy(dtype=object)
    return pd.Series(labels[inverse], index=month.index, dtype=object)


def _per_month(months: pd.DataFrame, cut: float, generation: str) -> pd.DataFrame:
    """Mean and median total support per month, all report-months (``ej justerat``) and
    those at or below `cut` (``justerat``), with report-months and persons."""
    month = _month_labels(months["month"])
    total = months[TOTAL].astype(float)
    keep = total.le(cut).to_numpy() if not np.isnan(cut) else np.ones(len(total), dtype=bool)
    persons = months["person_id"].groupby(month, sort=True).nunique()
    parts = []
    for adjusted, mask in [("justerat", keep), ("ej justerat", np.ones(len(total), dtype=bool))]:
        g = total[mask].groupby(month[mask], sort=True)
        stats = pd.DataFrame({"mean_hours": g.mean(), "median_hours": g.median(), "observations": g.size()})
        stats = stats.reindex(persons.index)  # a month whose every report-month is trimmed: no mean
        stats["observations"] = stats["observations"].fillna(0).astype(float)
        long = stats.rename_axis("month").reset_index().melt(id_vars="month", var_name="measure",
                                                              value_name="value")
        long["adjusted"] = adjusted
        parts.append(long)
    out = pd.concat(parts, ignore_index=True)
    out["generation"] = generation
    out["n"] = out["month"].map(persons).astype("Int64")
    return out


def jamforelse(rom1: pd.DataFrame, rom2: pd.DataFrame, cfg: RunConfig, cut1: pd.Series | None = None,
               cut2: pd.Series | None = None) -> pd.DataFrame:
    """Total support per month in RoM 1 and RoM 2, for the support months in which both
    generations have selected report-months (`support.select_reports` on each).

    Per month and generation: mean and median total support of all report-months
    (``ej justerat``) and of those at or below the generation's own trimming cut-off
    over the whole period (``justerat``, as Tabell 5: `cut1`, `cut2` or computed at
    ``cfg.trim_percentile``), the report-months (``observations``) and the persons
    (``n``). Rows in month order, RoM 1 before RoM 2. Empty (with `JAMFORELSE_COLUMNS`)
    when no month has both, e.g. once RoM 1's last reports are before the support months.
    RoM 1 reports whole hours and RoM 2 quarter hours, so a difference is not only a
    difference in support (`001` §6.2.8: whole hours probably overstated the support).
    """
    common = sorted(set(_month_labels(rom1["month"])) & set(_month_labels(rom2["month"])))
    if not common:
        return pd.DataFrame({c: pd.Series(dtype=("Int64" if c == "n" else float if c == "value" else object))
                             for c in JAMFORELSE_COLUMNS})
    parts = []
    for gen, m, cut in [(1, rom1, cut1), (2, rom2, cut2)]:
        c = cut if cut is not None else support.cutoffs(m, cfg.trim_percentile, cfg.percentile_method, [TOTAL])
        m = m[_month_labels(m["month"]).isin(common).to_numpy()]
        parts.append(_per_month(m, float(c[TOTAL]), GENERATION_LABELS[gen]))
    out = pd.concat(parts, ignore_index=True)
    out["table"], out["activity"] = "rom2_jamforelse", codes.TOTAL_SUPPORT_LABEL
    order = {"mean_hours": 0, "median_hours": 1, "observations": 2}
    out = out.assign(_m=out["measure"].map(order), _a=(out["adjusted"] == "ej justerat").astype(int))
    out = out.sort_values(["month", "generation", "_a", "_m"], kind="stable").drop(columns=["_m", "_a"])
    return out[JAMFORELSE_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# RoM 2's activities against RoM 1's (Tabell 1)
# --------------------------------------------------------------------------------------

#: The agency's status report of May 2023 (`001`), as cited in the table.
_STATUS = "Arbetsförmedlingens lägesbeskrivning maj 2023"
_REPORT = "rapporten"
#: Activities whose rules differ between the generations: column → (RoM 1, RoM 2, note, source).
#: The note is what a reader reads in the table's cell; the source names the sections
#: (printed in the table's note: a section number is not a number in a cell).
_DIFFERENCES: dict[str, tuple[str, str, str, str]] = {
    "hours_short_training": (
        "Ja (valbar)", "Nej (borttagen)",
        ("Borttagen ur de tillåtna aktiviteterna i förfrågningsunderlaget för RoM 2. Kolumnen finns kvar i "
         "datakontraktet: tid som ändå rapporteras för RoM 2 redovisas i tabellerna och ingår i sammanlagt "
         "stöd."),
        f"{_STATUS}, avsnitt 6.2.7 och fotnot 40 (förfrågningsunderlagen avsnitt 4.1.2.1 respektive 4.1.2.2)"),
    "hours_development_meeting": (
        "Ja (obligatorisk)", "Ja (obligatorisk)",
        ("I RoM 1 minst 30 minuter minst en gång per 14 kalenderdagar; i RoM 2 förlängs det obligatoriska "
         "mötet beroende på nivå."),
        f"{_REPORT}, avsnitt 4.1 (RoM 1); {_STATUS}, avsnitt 7.2 (RoM 2)"),
}
#: Activities of RoM 2 without an hour column in the data contract: (label, RoM 1, RoM 2, note, source).
_NOT_IN_DATA: list[tuple[str, str, str, str, str]] = [
    ("Kartläggning", "Nej (ingår i det obligatoriska stödet)", "Ja (obligatorisk)",
     ("Obligatorisk i RoM 2; i RoM 1 borttagen som valbar aktivitet och en del av det obligatoriska stödet. "
      "Har ingen egen timkolumn i datakontraktet och redovisas inte för sig."),
     f"{_REPORT}, avsnitt 4.1 och fotnot 19 (RoM 1); {_STATUS}, avsnitt 6.2.7 (RoM 2)"),
]


def activities() -> pd.DataFrame:
    """RoM 2's list of activities against RoM 1's: the 12 hour columns of the data
    contract (Tabell 1's 11 activities and "Eget arbete", the same columns for both
    generations) and the mandatory "Kartläggning", which has none.

    Columns: ``activity`` (Tabell 1's label), ``column`` (the contract's hour column, ""
    when none), ``rom1``, ``rom2`` (part of the generation's activities: Ja/Nej with the
    rule), ``note`` (Swedish, for the reader), ``source`` (the sections it rests on).
    Sources: the report's §4.1, Tabell 1 and footnotes 19–20 (RoM 1); the agency's status
    report of May 2023 (`001`) §6.2.7 with its footnote 40 (the tenders' sections 4.1.2.1
    and 4.1.2.2) and §7.2 (RoM 2)."""
    rows = []
    for col in codes.HOUR_COLUMNS:
        label = codes.ACTIVITIES[col]
        if col in _DIFFERENCES:
            r1, r2, note, source = _DIFFERENCES[col]
        elif col == "hours_own_work":
            r1 = r2 = "Rapporteras (ingen aktivitet)"
            note = "Deltagarens eget arbete rapporteras bredvid aktiviteterna och ingår inte i sammanlagt stöd."
            source = f"{_REPORT}, avsnitt 4.2 och fotnot 20"
        elif col == "hours_other_actor":
            r1 = r2 = "Ja"
            note = "Parallella arbetsmarknadspolitiska insatser hos andra aktörer; ingår inte i sammanlagt stöd."
            source = f"{_REPORT}, avsnitt 4.1, Tabell 1, avsnitt 4.2 och fotnot 20"
        else:
            r1 = r2 = "Ja (valbar)"
            note, source = "", f"{_REPORT}, Tabell 1; {_STATUS}, avsnitt 6.2.7"
        rows.append((label, col, r1, r2, note, source))
    rows += [(label, "", r1, r2, note, source) for label, r1, r2, note, source in _NOT_IN_DATA]
    out = pd.DataFrame(rows, columns=["activity", "column", "rom1", "rom2", "note", "source"])
    out.insert(0, "table", "rom2_aktiviteter")
    return out
