"""Report §3.4 and §5: results for participants (resultat), Tabell 14–23, Figur 1–2.

"The report" is Arbetsförmedlingen, *Utvecklade matchningstjänster* (October 2023),
`shared/seeds/002_b6cdd38d6616f360.txt`; ``L744`` is its line 744.

Everything starts from one frame, `outcomes(ds, cfg)`: one row per participation with
its groups (`romlab.report.classify`), its result reports as known at the run's data cut-off,
its follow-up and the populations it belongs to. Every table function takes that frame
and the `RunConfig` and returns numbers in long form with the key columns of the
published CSV (``table``, ``measure`` and ``group``/``window``/``level``/``column`` as
they apply; ``level`` "ABC" for totals), ``value`` (percent, unrounded; a coefficient
in Tabell 18), ``n`` (persons in the cell, or results where results are the
denominator) and ``suppressed`` (``n`` below ``cfg.min_cell``: ``value`` is NA). The
``render_*`` functions lay a table out as printed (Swedish labels, rounded as printed,
suppressed cells '..', significant cells marked); the ``describe_*`` functions write one
sentence about a table.

Definitions (report):

- **Result** (RoM 1): an R2 approved by Arbetsförmedlingen as of the cut-off: work or
  studies for at least four months (L744–768). The R2's ``outcome`` says work or
  studies. The preliminary **signal** is the R1: work or studies began (L746–748).
  The rule is a parameter (`ResultRule`): RoM 2's results after 3 and 6 months run
  through the same code (`RESULT_RULES`).
- **Follow-up**: 18 months after the start (L762–776): a participation has full
  follow-up when the last day of its start month plus ``cfg.followup_months`` months
  is on or before the cut-off (assumption A09), the rule behind
  ``cfg.population_start_months``.
- **18-month population** (Tabell 14, 23, Figur 1): start months
  ``cfg.population_start_months`` (2023-10: May 2020 – Jan 2022, L2171).
- **Window population** (Tabell 15–22): starts in ``cfg.windows`` (2023-10: windows
  1–4) from ``cfg.windows_first_start`` (May 2020, L780–790); window 4 is observed with
  incomplete follow-up (footnote 31).

Only aggregates leave this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from romlab import months
from romlab.data import codes
from romlab.publication import disclosure
from romlab.report import regression as reg
from romlab.report.classify import (
    REGRESSOR_LABELS,
    WINDOWS,
    classify_participations,
    comparison_membership,
    comparison_rows,
)
from romlab.run.config import RunConfig

__all__ = [
    "ResultRule", "RESULT_RULES", "ROM1", "outcomes",
    "proportion_test", "tabell_14", "figur_1_data", "figur_2_data", "tabell_15", "level_tests",
    "group_table", "tabell_16", "tabell_17", "tabell_18", "fit_tabell_18", "tabell_19",
    "tabell_20", "tabell_21", "tabell_22", "tabell_23", "all_tables",
]

# --------------------------------------------------------------------------- rules

@dataclass(frozen=True)
class ResultRule:
    """What counts as a result and as its preliminary signal.

    ``result_type`` is the result report that counts (RoM 1: R2, work or studies for
    at least four months, L744–768); ``signal_type`` the report that work or studies
    began (RoM 1: R1, L746–748; used by Figur 2); ``generation`` the service generation
    whose participations the rule applies to; ``require_approved``: only reports
    approved by Arbetsförmedlingen as of the cut-off count (L766–768: R2 is checked
    and approved before payment).
    """

    name: str
    generation: int
    result_type: str
    signal_type: str
    require_approved: bool = True


#: RoM 1: R2 (L744–768), signal R1 (L746–748).
ROM1 = ResultRule("rom1", 1, "R2", "R1")
#: RoM 2 (`001` L2575–2597): half the payment after 3 months, the rest after 6.
ROM2_3M = ResultRule("rom2_3m", 2, "R3M", "R3M")
ROM2_6M = ResultRule("rom2_6m", 2, "R6M", "R3M")
RESULT_RULES: dict[str, ResultRule] = {r.name: r for r in (ROM1, ROM2_3M, ROM2_6M)}

#: Months within which the signal must begin for Figur 2 (caption L2387: "under
#: tjänstens första sex månader").
SIGNAL_MONTHS = 6
#: Days around the work start (the R2's ``event_date``) in which a register event of
#: the same person identifies the job as subsidised or unsubsidised (assumption A36).
REGISTER_MATCH_DAYS: tuple[int, int] = (-31, 92)
#: Significance level of the level differences in Tabell 15 (L2413–2415, note L2434:
#: "statistiskt säkerställda på 99 procents nivå").
LEVEL_TEST_ALPHA = 0.01
#: Decimals to which Tabell 17 compares cells ("lika hög", as printed: whole percent)
#: (assumption A35).
FLAG_DECIMALS = 0

LEVELS = tuple(codes.LEVELS)
TOTAL = "ABC"
MEASURE_LABELS = {
    "r2_share": "Andel R2", "work_share": "Andel arbete", "education_share": "Andel utbildning",
}
SIGNIFICANT_MARK = "*"
FLAG_MARK = "▲"

#: Labels of the fixed effects of Tabell 18 (L2913–2919).
FE_LABELS = {"level": "nivå", "window": "fönster", "window×level": "fönster*nivå", "start_month": "startmånad"}
#: Tabell 18: the fixed effects, in the order of the printed "Kontroll för" rows.
TABELL_18_FIXED_EFFECTS: tuple = ("level", "window", ("window", "level"), "start_month")


# --------------------------------------------------------------------------- follow-up

# --------------------------------------------------------------------------- outcomes

def _first_per_participation(rep: pd.DataFrame) -> pd.DataFrame:
    rep = rep.sort_values(["participation_id", "event_date", "filed_date", "result_id"], kind="stable")
    return rep.drop_duplicates("participation_id", keep="first").set_index("participation_id")


def _work_type(out: pd.DataFrame, events: pd.DataFrame, match_days: tuple[int, int]) -> pd.Series:
    """Subsidised / unsubsidised / unmatched for work results (§5.3.2, L3240–3300).

    A work result is *subsidised* when the person has a decision on subsidised
    employment with ``event_date`` within ``match_days`` of the work start, else
    *unsubsidised* when the person left the register for unsubsidised work within
    that span, else *unmatched* (about 20 % of result reports, footnote 32, L3268).
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
      ``signal_months`` months: Figur 2, L2353–2356, the job's start decides);
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
    cutoff = cfg.data_cutoff
    if ds.as_of is None or ds.as_of > cutoff:
        ds = ds.as_of_view(cutoff)
    elif ds.as_of < cutoff:
        raise ValueError(f"the data are cut at {ds.as_of.date()}, before the run's cut-off "
                         f"{cutoff.date()}: load them again as of the run's cut-off")
    part = ds.participations
    part = part[part["generation"] == rule.generation]
    out = classify_participations(part).reset_index(drop=True)

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


# --------------------------------------------------------------------------- helpers

def proportion_test(x1, n1, x2, n2) -> np.ndarray:
    """Two-sided p-value of the two-proportion z-test with pooled variance (assumption
    A32): z = (p1 − p2) / √(p(1 − p)(1/n1 + 1/n2)), p = (x1 + x2)/(n1 + n2). NA when a
    group is empty or the pooled share is 0 or 1."""
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (x1 + x2) / (n1 + n2)
        se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
        pv = 2 * stats.norm.sf(np.abs(z))
    return np.where((n1 > 0) & (n2 > 0) & (se > 0), pv, np.nan)


def _wilson(x, n, conf: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + conf / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _suppress(t: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    t["suppressed"] = (t["n"] < cfg.min_cell).to_numpy()
    t["value"] = t["value"].astype(float).mask(t["suppressed"])
    return t


def _shares(df: pd.DataFrame, keys: list[str], indicator: str, denominator: str | None = None,
            total_over: str | None = "level") -> pd.DataFrame:
    """Share (percent) of ``indicator`` among the rows (or among ``denominator`` rows)
    per ``keys``, with ``x`` (numerator) and ``n``; if ``total_over`` is one of the
    keys, rows with it set to "ABC" (all values) are added."""
    d = df if denominator is None else df[df[denominator]]

    def agg(k):
        g = d.groupby(k, observed=True, sort=True)[indicator] if k else None
        if g is None:
            return pd.DataFrame({"x": [int(d[indicator].sum())], "n": [len(d)]})
        return g.agg(x="sum", n="size").reset_index()

    parts = [agg(keys)]
    if total_over and total_over in keys:
        rest = [k for k in keys if k != total_over]
        tot = agg(rest)
        tot[total_over] = TOTAL
        parts.append(tot)
    t = pd.concat(parts, ignore_index=True)
    t["x"] = t["x"].astype("int64")
    t["n"] = t["n"].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        t["value"] = np.where(t["n"] > 0, 100.0 * t["x"] / t["n"].where(t["n"] > 0, 1), np.nan)
    return t


def _long(t: pd.DataFrame, table: str, measure: str, keys: list[str], cfg: RunConfig,
          extra: list[str] = ()) -> pd.DataFrame:
    t = t.copy()
    t.insert(0, "table", table)
    t.insert(1, "measure", measure)
    if "window" in t.columns:
        t["window"] = t["window"].astype("int64")
    if "level" in t.columns:
        t["level"] = t["level"].astype(str)
    t = _suppress(t, cfg)
    cols = ["table", "measure", *keys, "value", "n", *extra, "suppressed"]
    return t[cols].reset_index(drop=True)


def _level_order(t: pd.DataFrame) -> pd.DataFrame:
    """Rows in printed order: measures as they first appear, then window, then level
    (total first)."""
    order = {lv: i for i, lv in enumerate((TOTAL, *LEVELS))}
    measures = {m: i for i, m in enumerate(dict.fromkeys(t["measure"]))}
    t = t.assign(_m=t["measure"].map(measures), _lv=t["level"].map(order))
    by = ["_m", *(["window"] if "window" in t.columns else []), "_lv"]
    return t.sort_values(by, kind="stable").drop(columns=["_m", "_lv"]).reset_index(drop=True)


# --------------------------------------------------------------------------- §5.1

def tabell_14(out: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 14 (L2240–2251): in the 18-month population (``in_population``), the
    percent with a result (``r2_share``), with work (``work_share``) and with studies
    (``education_share``) as the result, in total (level "ABC") and by level.
    ``n`` = participants. Work + studies = results (one R2 per participant counts)."""
    d = out[out["in_population"]]
    parts = [
        _long(_shares(d, ["level"], col), "14", measure, ["level"], cfg)
        for measure, col in (("r2_share", "has_result"), ("work_share", "has_work"),
                             ("education_share", "has_studies"))
    ]
    return _level_order(pd.concat(parts, ignore_index=True))


def _by_start_month(d: pd.DataFrame, indicator: str, conf: float) -> pd.DataFrame:
    t = _shares(d, ["start_month", "level"], indicator)
    t["ci_low"], t["ci_high"] = (100 * v for v in _wilson(t["x"], t["n"], conf))
    return t


def figur_1_data(out: pd.DataFrame, cfg: RunConfig, conf: float = 0.95) -> pd.DataFrame:
    """Figur 1 (caption L2327; text L2253–2300): percent with a result by start month
    and level (and "ABC"), for the start months of the 18-month population (2023-10:
    May 2020 – Jan 2022), with a Wilson ``conf`` interval (``ci_low``, ``ci_high``).
    Columns: ``start_month``, ``level``, ``value``, ``n``, ``ci_low``, ``ci_high``,
    ``suppressed``. The window boundaries are `window_boundaries`."""
    t = _by_start_month(out[out["in_population"]], "has_result", conf)
    t = _suppress(t, cfg)
    t[["ci_low", "ci_high"]] = t[["ci_low", "ci_high"]].mask(t["suppressed"], np.nan)
    return t[["start_month", "level", "value", "n", "ci_low", "ci_high", "suppressed"]]


def figur_2_data(out: pd.DataFrame, cfg: RunConfig, signal_months: int = SIGNAL_MONTHS,
                 conf: float = 0.95) -> pd.DataFrame:
    """Figur 2 (caption L2387; text L2341–2385): percent whose provider reports (R1)
    that work or studies began within the first ``signal_months`` months of the
    service, by start month and level (and "ABC"): the job's start date, not the filing
    date, decides. Start months from the population's first (May 2020) through the
    latest month with ``signal_months`` months of follow-up (2023-10: Jan 2023), so
    every start month is followed exactly as long. The ``signal_within`` column of
    `outcomes` is computed for the same ``signal_months`` (default 6)."""
    d = out[out["signal_followup"] & (out["start_month"] >= cfg.population_first_start)]
    t = _by_start_month(d, "signal_within", conf)
    t = _suppress(t, cfg)
    t[["ci_low", "ci_high"]] = t[["ci_low", "ci_high"]].mask(t["suppressed"], np.nan)
    return t[["start_month", "level", "value", "n", "ci_low", "ci_high", "suppressed"]]


def window_boundaries(first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """First days of windows 2… that fall in (first, last], for the figures' window
    lines (L2283–2285: "De rosa strecken i figuren anger brytpunkterna")."""
    rows = [(w, pd.Timestamp(f)) for w, f, _ in WINDOWS if pd.Timestamp(f) > first and pd.Timestamp(f) <= last]
    return pd.DataFrame(rows, columns=["window", "first_day"])


def level_tests(out: pd.DataFrame, cfg: RunConfig, alpha: float = LEVEL_TEST_ALPHA) -> pd.DataFrame:
    """Significance of the level differences in Tabell 15 (L2407–2415, note L2432–2434):
    per window, every pair of levels (A–B, A–C, B–C) tested with the two-proportion
    z-test (`proportion_test`) at ``alpha`` (0.01: "99 procents nivå"). Columns
    ``window``, ``level_1``, ``level_2``, ``value_1``, ``value_2``, ``difference``
    (percentage points), ``p_value``, ``significant``."""
    t = _shares(out[out["in_windows"]], ["window", "level"], "has_result", total_over=None)
    pairs = pd.DataFrame([("A", "B"), ("A", "C"), ("B", "C")], columns=["level_1", "level_2"])
    a = t.rename(columns={"level": "level_1", "x": "x1", "n": "n1", "value": "value_1"})
    b = t.rename(columns={"level": "level_2", "x": "x2", "n": "n2", "value": "value_2"})
    m = pairs.merge(a, on="level_1").merge(b, on=["window", "level_2"])
    m["difference"] = m["value_1"] - m["value_2"]
    m["p_value"] = proportion_test(m["x1"], m["n1"], m["x2"], m["n2"])
    m["significant"] = (m["p_value"] < alpha).fillna(False).astype(bool)
    m["window"] = m["window"].astype("int64")
    m = m.sort_values(["window", "level_1", "level_2"], kind="stable").reset_index(drop=True)  # unique keys
    return m[["window", "level_1", "level_2", "value_1", "value_2", "difference", "p_value", "significant"]]


def tabell_15(out: pd.DataFrame, cfg: RunConfig, alpha: float = LEVEL_TEST_ALPHA) -> pd.DataFrame:
    """Tabell 15 (L2421–2436): percent with a result by window × level in the window
    population (window 4 observed with incomplete follow-up). ``significant``: the
    level differs from both other levels of its window at ``alpha`` (`level_tests`);
    ``p_value``: the larger of its two tests' p-values."""
    t = _long(_shares(out[out["in_windows"]], ["window", "level"], "has_result", total_over=None),
              "15", "r2_share", ["window", "level"], cfg)
    tests = level_tests(out, cfg, alpha)
    both = pd.concat([tests.rename(columns={"level_1": "level"}), tests.rename(columns={"level_2": "level"})])
    agg = both.groupby(["window", "level"]).agg(p_value=("p_value", "max"), significant=("significant", "all"))
    t = t.merge(agg.reset_index(), on=["window", "level"], how="left")
    t["significant"] = t["significant"].fillna(False).astype(bool) & ~t["suppressed"]
    return _level_order(t[["table", "measure", "window", "level", "value", "n", "p_value", "significant",
                           "suppressed"]])


# --------------------------------------------------------------------------- §5.2

_GROUP_INDICATOR = {"r2_share": "has_result", "work_share": "has_work", "education_share": "has_studies"}


def group_table(out: pd.DataFrame, cfg: RunConfig, measure: str = "r2_share", table: str = "16",
                alpha: float | None = None) -> pd.DataFrame:
    """Share by the 18 comparison rows × window × level (Tabell 16, 21, 22) in the
    window population.

    ``measure``: ``r2_share`` (Tabell 16, L2545–2624), ``work_share`` (Tabell 21,
    L3077–3154) or ``education_share`` (Tabell 22, L3155–3233). Groups as declared in
    `romlab.report.classify.comparison_rows` (L508–528). Significance (L2462–2476): each row
    is tested against its reference row in the same window and level (two-way
    comparisons: the other group; age: "Över 55 (ref)"; registration time:
    "Inskrivningstid över 4år") with the two-proportion z-test (`proportion_test`) at
    ``alpha`` (default ``cfg.significance_level``, A13); reference rows are never
    marked, nor suppressed cells or cells tested against a suppressed one. Columns:
    ``table``, ``measure``, ``group`` (printed label), ``window``, ``level``,
    ``value``, ``n``, ``comparison``, ``reference``, ``p_value``, ``significant``,
    ``suppressed``, in printed order."""
    alpha = cfg.significance_level if alpha is None else alpha
    indicator = _GROUP_INDICATOR[measure]
    d = out[out["in_windows"]]
    rows = comparison_rows()
    member = comparison_membership(d).to_numpy(dtype=float)  # persons × 18
    cell = pd.MultiIndex.from_arrays([d["window"].astype("int64"), d["level"].astype(str)])
    cells = pd.MultiIndex.from_product([sorted(set(cell.get_level_values(0))), list(LEVELS)],
                                       names=["window", "level"])
    onehot = np.zeros((len(d), len(cells)))
    onehot[np.arange(len(d)), cells.get_indexer(cell)] = 1.0
    n = member.T @ onehot                                       # 18 × cells
    x = member.T @ (onehot * d[indicator].to_numpy(dtype=float)[:, None])
    t = pd.DataFrame({
        "group": np.repeat(rows["label"].to_numpy(), len(cells)),
        "group_order": np.repeat(rows["row"].to_numpy(), len(cells)),
        "comparison": np.repeat(rows["comparison"].to_numpy(), len(cells)),
        "reference": np.repeat(rows["reference_label"].to_numpy(), len(cells)),
        "window": np.tile(cells.get_level_values(0).to_numpy(), len(rows)),
        "level": np.tile(cells.get_level_values(1).to_numpy(), len(rows)),
        "x": x.ravel().round().astype("int64"),
        "n": n.ravel().round().astype("int64"),
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        t["value"] = np.where(t["n"] > 0, 100.0 * t["x"] / t["n"].where(t["n"] > 0, 1), np.nan)
    ref = t[["group", "window", "level", "x", "n"]].rename(
        columns={"group": "reference", "x": "x_ref", "n": "n_ref"})
    t = t.merge(ref, on=["reference", "window", "level"], how="left")
    t["p_value"] = proportion_test(t["x"], t["n"], t["x_ref"], t["n_ref"])
    small = (t["n"] < cfg.min_cell) | (t["n_ref"].fillna(0) < cfg.min_cell)
    t["significant"] = ((t["p_value"] < alpha) & ~small).fillna(False).astype(bool)
    t = t.sort_values(["group_order", "window", "level"], kind="stable")
    return _long(t, table, measure, ["group", "window", "level"], cfg,
                 extra=["comparison", "reference", "p_value", "significant"])


def tabell_16(out: pd.DataFrame, cfg: RunConfig, alpha: float | None = None) -> pd.DataFrame:
    """Tabell 16 (L2545–2624): percent with a result by group × window × level, with
    significance against the reference group (`group_table`)."""
    return group_table(out, cfg, "r2_share", "16", alpha)


def tabell_17(t16: pd.DataFrame, decimals: int = FLAG_DECIMALS) -> pd.DataFrame:
    """Tabell 17 (L2626–2746): Tabell 16 with ``flagged`` cells: a group in level B or
    C whose share is as high as or higher than that of another group of the same
    comparison in level A, same window (L2640–2652). Shares are compared rounded to
    ``decimals`` (as printed: whole percent, so "lika hög" means equal as printed;
    assumption A35). ``beats`` lists the level-A groups matched or beaten ("; ").
    Suppressed cells neither flag nor are flagged against."""
    t = t16.copy()
    t["_r"] = t["value"].round(decimals)
    left = t.loc[t["level"].isin(["B", "C"]) & t["_r"].notna(), ["group", "comparison", "window", "level", "_r"]]
    right = t.loc[(t["level"] == "A") & t["_r"].notna(), ["group", "comparison", "window", "_r"]].rename(
        columns={"group": "group_a", "_r": "_ra"})
    m = left.merge(right, on=["comparison", "window"])
    m = m[(m["group"] != m["group_a"]) & (m["_r"] >= m["_ra"])]
    beats = m.groupby(["group", "window", "level"], sort=False)["group_a"].agg("; ".join)
    idx = pd.MultiIndex.from_frame(t[["group", "window", "level"]])
    t["beats"] = beats.reindex(idx).to_numpy()
    t["flagged"] = t["beats"].notna().to_numpy()
    t["table"] = "17"
    return t.drop(columns="_r")


def fit_tabell_18(out: pd.DataFrame, cfg: RunConfig, cov_type: str = "HC1",
                  cluster: str | None = None) -> reg.RegressionResult:
    """The linear probability model of Tabell 18 (L2760–2933): in the window population,
    ``has_result`` (Har R2) on the regressors of `classify.REGRESSOR_LABELS` (women,
    born abroad, born-abroad women, disability, upper secondary, age 25–55 and 55+
    (ref. under 25), registration time 1–2, 2–3, 3–4, > 4 years (ref. < 1 year)), with
    fixed effects for level, window, window × level and start month (L2913–2919),
    robust (HC1, Stata's ``, robust``) standard errors by default (`romlab.report.regression`).
    """
    labels = {**REGRESSOR_LABELS, "has_result": "Har R2", **FE_LABELS}
    return reg.fit(out[out["in_windows"]], "has_result", list(REGRESSOR_LABELS), TABELL_18_FIXED_EFFECTS,
                   cov_type=cov_type, cluster=cluster, labels=labels)


def tabell_18(out: pd.DataFrame, cfg: RunConfig, result: reg.RegressionResult | None = None) -> pd.DataFrame:
    """Tabell 18 in long form: per regressor (``group`` = printed label) and
    "Konstant" a ``coef`` row (with ``stars``, ``p_value``) and an ``se`` row; then
    ``r_squared``, ``adj_r_squared`` and ``observations`` (``group`` NA). ``value`` is
    the coefficient (not percent); ``n`` the observations."""
    r = fit_tabell_18(out, cfg) if result is None else result
    ct = r.coef_table()
    coef = pd.DataFrame({"measure": "coef", "group": ct["label"], "value": ct["coef"], "stars": ct["stars"],
                         "p_value": ct["p_value"]})
    se = pd.DataFrame({"measure": "se", "group": ct["label"], "value": ct["se"]})
    stacked = pd.concat([coef, se]).sort_index(kind="stable")  # coef, se per term
    fitrows = pd.DataFrame({"measure": ["r_squared", "adj_r_squared", "observations"],
                            "group": pd.NA, "value": [r.rsquared, r.rsquared_adj, float(r.nobs)]})
    t = pd.concat([stacked, fitrows], ignore_index=True)
    t.insert(0, "table", "18")
    t["n"] = r.nobs
    t["stars"] = t["stars"].astype("Int64")
    t["suppressed"] = False
    return t[["table", "measure", "group", "value", "n", "stars", "p_value", "suppressed"]]


# --------------------------------------------------------------------------- §5.3

def tabell_19(out: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 19 (L3010–3028): percent with work (``work_share``) and with studies
    (``education_share``) as the result, by window × level (window population)."""
    d = out[out["in_windows"]]
    parts = [_long(_shares(d, ["window", "level"], col, total_over=None), "19", m, ["window", "level"], cfg)
             for m, col in (("work_share", "has_work"), ("education_share", "has_studies"))]
    return _level_order(pd.concat(parts, ignore_index=True))


def tabell_20(out: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 20 (L3040–3054): work as a percent of all results
    (``work_share_of_results``) by window × level; ``n`` = results in the cell."""
    d = out[out["in_windows"]]
    t = _shares(d, ["window", "level"], "has_work", denominator="has_result", total_over=None)
    return _level_order(_long(t, "20", "work_share_of_results", ["window", "level"], cfg))


def tabell_21(out: pd.DataFrame, cfg: RunConfig, alpha: float | None = None) -> pd.DataFrame:
    """Tabell 21 (L3077–3154): percent with work as the result by group × window ×
    level (`group_table`)."""
    return group_table(out, cfg, "work_share", "21", alpha)


def tabell_22(out: pd.DataFrame, cfg: RunConfig, alpha: float | None = None) -> pd.DataFrame:
    """Tabell 22 (L3155–3233): percent with studies as the result by group × window ×
    level (`group_table`)."""
    return group_table(out, cfg, "education_share", "22", alpha)


TABELL_23_COLUMNS = ("Alla resultatrapporter", "Rapporter identifierade med säkerhet")


def tabell_23(out: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 23 (L3305–3348): work results of the 18-month population split into
    unsubsidised and subsidised jobs (`outcomes`' ``work_type``, §5.3.2).

    Column (1) "Alla resultatrapporter" counts work results not found in the registers
    as unsubsidised; column (2) "Rapporter identifierade med säkerhet" uses identified
    results only (L3278–3288, footnote *). Measures: ``unsubsidised_work_share`` and
    ``subsidised_work_share`` (percent of participants, by level and "ABC"; ``n`` =
    participants) and ``unsubsidised_share_of_employment`` (unsubsidised jobs as a
    percent of all jobs counted in the column, footnote **; ``n`` = jobs counted)."""
    d = out[out["in_population"]].copy()
    wt = d["work_type"]
    d["_sub"] = (wt == "subsidised").fillna(False).astype(bool)
    d["_unsub_id"] = (wt == "unsubsidised").fillna(False).astype(bool)
    d["_unsub_all"] = d["_unsub_id"] | (wt == "unmatched").fillna(False).astype(bool)
    d["_jobs_all"] = d["_sub"] | d["_unsub_all"]
    d["_jobs_id"] = d["_sub"] | d["_unsub_id"]
    parts = []
    for column, unsub, jobs in zip(TABELL_23_COLUMNS, ("_unsub_all", "_unsub_id"), ("_jobs_all", "_jobs_id")):
        for measure, ind, den in (("unsubsidised_share_of_employment", unsub, jobs),
                                  ("unsubsidised_work_share", unsub, None),
                                  ("subsidised_work_share", "_sub", None)):
            t = _shares(d, ["level"], ind, denominator=den)
            if measure == "unsubsidised_share_of_employment":
                t = t[t["level"] == TOTAL]
            t["column"] = column
            parts.append(_long(t, "23", measure, ["level", "column"], cfg))
    t = pd.concat(parts, ignore_index=True)
    order = {m: i for i, m in enumerate(("unsubsidised_share_of_employment", "unsubsidised_work_share",
                                         "subsidised_work_share"))}
    lv = {lv: i for i, lv in enumerate((TOTAL, *LEVELS))}
    t = t.assign(_m=t["measure"].map(order), _l=t["level"].map(lv), _c=t["column"].map(
        {c: i for i, c in enumerate(TABELL_23_COLUMNS)}))
    return t.sort_values(["_m", "_l", "_c"], kind="stable").drop(columns=["_m", "_l", "_c"]).reset_index(drop=True)


def all_tables(out: pd.DataFrame, cfg: RunConfig) -> dict[str, pd.DataFrame]:
    """{table: long frame} for Tabell 14–23 (17 is 16 with flags), from one outcome
    frame; the regression is fitted once."""
    t16 = tabell_16(out, cfg)
    return {
        "14": tabell_14(out, cfg), "15": tabell_15(out, cfg), "16": t16, "17": tabell_17(t16),
        "18": tabell_18(out, cfg), "19": tabell_19(out, cfg), "20": tabell_20(out, cfg),
        "21": tabell_21(out, cfg), "22": tabell_22(out, cfg), "23": tabell_23(out, cfg),
    }


# --------------------------------------------------------------------------- render

def _fmt(values: pd.Series, decimals: int = 0, suffix: str = "") -> pd.Series:
    fmt = f"{{:.{decimals}f}}"
    return values.map(lambda v: disclosure.SUPPRESSED if pd.isna(v) else fmt.format(v) + suffix)


def _level_label(lv: str) -> str:
    return "Totalt" if lv == TOTAL else codes.LEVELS[lv]


def render_tabell_14(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 14 as printed: rows Andel R2 / arbete / utbildning, columns Totalt, Nivå
    A–C, whole percent with '%'."""
    w = t.assign(text=_fmt(t["value"], 0, "%"), col=t["level"].map(_level_label),
                 row=t["measure"].map(MEASURE_LABELS))
    out = w.pivot(index="row", columns="col", values="text")
    out = out.reindex(index=list(MEASURE_LABELS.values()), columns=["Totalt", *codes.LEVELS.values()])
    out.index.name, out.columns.name = None, None
    return out


def _window_col(w) -> str:
    return f"Fönster {int(w)}"


def render_tabell_15(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 15 as printed: rows Nivå A–C, columns Fönster 1–4, whole percent."""
    w = t.assign(text=_fmt(t["value"]), row=t["level"].map(_level_label), col=t["window"].map(_window_col))
    out = w.pivot(index="row", columns="col", values="text")
    windows = sorted(w["col"].unique(), key=lambda c: int(c.split()[-1]))
    out = out.reindex(index=list(codes.LEVELS.values()), columns=windows)
    out.index.name, out.columns.name = None, None
    return out


def render_level_tests(tests: pd.DataFrame) -> pd.DataFrame:
    """The level tests of Tabell 15 (`level_tests`) as a table: per window and pair the
    difference in percentage points (one decimal), the p-value and "Ja"/"Nej"."""
    p = tests["p_value"].map(lambda v: "–" if pd.isna(v)
                             else "<0,001" if v < 0.001 else f"{v:.3f}".replace(".", ","))
    return pd.DataFrame({
        "Fönster": tests["window"].map(_window_col),
        "Jämförelse": "Nivå " + tests["level_1"] + " – Nivå " + tests["level_2"],
        "Skillnad (procentenheter)": _fmt(tests["difference"], 1).str.replace(".", ",", regex=False),
        "p-värde": p,
        "Statistiskt säkerställd": np.where(tests["significant"], "Ja", "Nej"),
    })


def _group_wide(t: pd.DataFrame, mark: pd.Series | None, marker: str) -> pd.DataFrame:
    text = _fmt(t["value"])
    if mark is not None:
        text = text.where(~mark.to_numpy(), text + marker)
    w = t.assign(text=text.to_numpy(), col_w=t["window"].map(_window_col), col_l=t["level"].map(_level_label))
    out = w.pivot_table(index="group", columns=["col_w", "col_l"], values="text", aggfunc="first", sort=False)
    labels = list(dict.fromkeys(t["group"]))
    cols = pd.MultiIndex.from_product([sorted(w["col_w"].unique(), key=lambda c: int(c.split()[-1])),
                                       list(codes.LEVELS.values())])
    out = out.reindex(index=labels, columns=cols)
    out.index.name = "Jämförelse"
    out.columns.names = [None, None]
    return out


def render_group_table(t: pd.DataFrame, mark_significant: bool = True) -> pd.DataFrame:
    """Tabell 16, 21 or 22 as printed: the 18 groups × (window, level), whole percent;
    statistically significant cells (bold in the report) end in '*'."""
    return _group_wide(t, t["significant"] if mark_significant else None, SIGNIFICANT_MARK)


def render_tabell_17(t17: pd.DataFrame) -> pd.DataFrame:
    """Tabell 17 as printed: Tabell 16 with the flagged cells (yellow in the report)
    ending in '▲'."""
    return _group_wide(t17, t17["flagged"], FLAG_MARK)


def render_tabell_18(result: reg.RegressionResult) -> pd.DataFrame:
    """Tabell 18 as printed (Stata ``b/se``): coefficients with stars, standard errors
    in parentheses, the fixed-effect rows, R², adjusted R², observations."""
    return result.summary_frame(2)


def render_tabell_19(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 19 as printed: rows (Arbete, Utbildning) × Nivå A–C, columns Fönster."""
    name = {"work_share": "Arbete", "education_share": "Utbildning"}
    w = t.assign(text=_fmt(t["value"]), r1=t["measure"].map(name), r2=t["level"].map(_level_label),
                 col=t["window"].map(_window_col))
    out = w.pivot_table(index=["r1", "r2"], columns="col", values="text", aggfunc="first", sort=False)
    out = out.reindex(index=pd.MultiIndex.from_product([list(name.values()), list(codes.LEVELS.values())]),
                      columns=sorted(w["col"].unique(), key=lambda c: int(c.split()[-1])))
    out.index.names, out.columns.name = [None, None], None
    return out


def render_tabell_20(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 20 as printed: "Andel arbete av totala utfall", rows Nivå A–C, columns
    Fönster, whole percent with '%'."""
    out = render_tabell_15(t.assign(value=t["value"]))
    return out.map(lambda s: s if s == disclosure.SUPPRESSED else s + "%")


def render_tabell_23(t: pd.DataFrame) -> pd.DataFrame:
    """Tabell 23 as printed: rows "Andel osubventionerat arbete" (Nivå A, B och C),
    "Osubventionerat arbete" and "Subventionerat arbete" by level; columns (1), (2)."""
    rows = [("unsubsidised_share_of_employment", TOTAL), *[("unsubsidised_work_share", lv) for lv in LEVELS],
            *[("subsidised_work_share", lv) for lv in LEVELS]]
    names = {"unsubsidised_share_of_employment": "Andel osubventionerat arbete",
             "unsubsidised_work_share": "Osubventionerat arbete", "subsidised_work_share": "Subventionerat arbete"}
    w = t.assign(text=_fmt(t["value"], 0, "%")).set_index(["measure", "level", "column"])["text"]
    data = {f"({i + 1}) {c}": [w.get((m, lv, c), disclosure.SUPPRESSED) for m, lv in rows]
            for i, c in enumerate(TABELL_23_COLUMNS)}
    idx = pd.MultiIndex.from_tuples([(names[m], "Nivå A, B och C" if lv == TOTAL else codes.LEVELS[lv])
                                     for m, lv in rows])
    return pd.DataFrame(data, index=idx)


# --------------------------------------------------------------------------- sentences

def _pct(v) -> str:
    return ".." if pd.isna(v) else f"{v:.0f} %"


def _count(n) -> str:
    """A count with a space as thousands separator (Swedish style)."""
    return f"{int(n):,}".replace(",", " ")


def _months_text(cfg: RunConfig) -> str:
    a, b = cfg.population_start_months
    return f"{a} – {b}"


def describe_tabell_14(t: pd.DataFrame, cfg: RunConfig) -> str:
    """One sentence on Tabell 14."""
    v = t[t["measure"] == "r2_share"].set_index("level")["value"]
    n = int(t[(t["measure"] == "r2_share") & (t["level"] == TOTAL)]["n"].iloc[0])
    work = t[(t["measure"] == "work_share") & (t["level"] == TOTAL)]["value"].iloc[0]
    share_work = np.nan if pd.isna(work) or not v.get(TOTAL) else 100 * work / v[TOTAL]
    return (f"Av de {_count(n)} deltagare som startade {_months_text(cfg)} och kan följas minst "
            f"{cfg.followup_months} månader nådde {_pct(v.get(TOTAL))} målet (R2): {_pct(v.get('A'))} i nivå A, "
            f"{_pct(v.get('B'))} i nivå B och {_pct(v.get('C'))} i nivå C; arbete är "
            f"{_pct(share_work)} av resultaten.")


def describe_figur_1(f: pd.DataFrame) -> str:
    """One sentence on Figur 1: the start months with the highest and lowest share."""
    tot = f[(f["level"] == TOTAL) & f["value"].notna()]
    if tot.empty:
        return "För få deltagare per startmånad för att visa andelar."
    hi, lo = tot.loc[tot["value"].idxmax()], tot.loc[tot["value"].idxmin()]
    return (f"Andelen med R2 är högst för dem som startade {hi['start_month']:%Y-%m} ({_pct(hi['value'])}) "
            f"och lägst för dem som startade {lo['start_month']:%Y-%m} ({_pct(lo['value'])}).")


def describe_figur_2(f: pd.DataFrame, signal_months: int = SIGNAL_MONTHS) -> str:
    """One sentence on Figur 2: range of start months and the latest share."""
    tot = f[(f["level"] == TOTAL) & f["value"].notna()]
    if tot.empty:
        return "För få deltagare per startmånad för att visa andelar."
    first, last = tot.iloc[0], tot.iloc[-1]
    return (f"Startmånaderna {first['start_month']:%Y-%m} – {last['start_month']:%Y-%m} följs exakt "
            f"{signal_months} månader; andelen med påbörjat arbete eller studier (R1) inom {signal_months} "
            f"månader var {_pct(first['value'])} i den första och {_pct(last['value'])} i den sista.")


def describe_tabell_15(t: pd.DataFrame, tests: pd.DataFrame, alpha: float = LEVEL_TEST_ALPHA) -> str:
    """One sentence on Tabell 15: in which windows every level difference is
    significant at ``alpha``."""
    allsig = tests.groupby("window")["significant"].all()
    yes = [str(w) for w, s in allsig.items() if s]
    no = [str(w) for w, s in allsig.items() if not s]
    level = f"{100 * (1 - alpha):.0f} procents nivå"
    if not no:
        return f"Alla skillnader mellan nivåerna är statistiskt säkerställda på {level} i samtliga fönster."
    if not yes:
        return f"Inga fönster har alla skillnader mellan nivåerna statistiskt säkerställda på {level}."
    return (f"Skillnaderna mellan nivåerna är statistiskt säkerställda på {level} i fönster {', '.join(yes)}, "
            f"men inte alla i fönster {', '.join(no)}.")


def describe_group_table(t: pd.DataFrame, alpha: float) -> str:
    """One sentence on Tabell 16, 21 or 22: significant cells out of those tested."""
    tested = t["reference"].notna() & ~t["suppressed"]
    n_sig = int(t.loc[tested, "significant"].sum())
    return (f"{n_sig} av {int(tested.sum())} celler skiljer sig statistiskt säkerställt från "
            f"referensgruppen (tvåsidigt z-test, {100 * alpha:.0f} %-nivå); markerade med *.")


def describe_tabell_17(t17: pd.DataFrame) -> str:
    """One sentence on Tabell 17: how many cells are flagged, and the comparison with
    the most."""
    f = t17[t17["flagged"]]
    if f.empty:
        return "Ingen grupp i nivå B eller C har lika hög eller högre andel än en annan grupp i nivå A."
    # most flagged cells; a tie goes to the comparison printed first (not to value_counts' sort)
    counts = f.groupby("comparison", sort=False).size()
    top = counts.index[int(np.argmax(counts.to_numpy()))]
    label = {"sex": "kön", "birth_country": "födelseland", "foreign_sex": "utrikes födda kvinnor och män",
             "disability": "funktionsnedsättning", "education": "utbildning", "age": "ålder",
             "registration": "inskrivningstid"}.get(top, top)
    return (f"{len(f)} celler (▲): en grupp i nivå B eller C har minst lika hög andel som en annan grupp "
            f"i nivå A i samma fönster; flest inom jämförelsen efter {label}.")


def describe_tabell_18(result: reg.RegressionResult) -> str:
    """One sentence on Tabell 18: the largest coefficient in absolute value and R²."""
    ct = result.coef_table()
    ct = ct[ct["term"] != reg.CONSTANT].dropna(subset=["coef"])
    top = ct.loc[ct["coef"].abs().idxmax()]
    r2 = f"{100 * result.rsquared:.1f}".replace(".", ",")
    return (f"Störst skillnad mot referensgruppen har {top['label']} ({100 * top['coef']:+.0f} procentenheter, "
            f"allt annat lika); modellen förklarar {r2} % av variationen (N = {_count(result.nobs)}).")


def describe_tabell_19(t: pd.DataFrame) -> str:
    """One sentence on Tabell 19: the work and studies ranges."""
    w = t[t["measure"] == "work_share"]["value"]
    e = t[t["measure"] == "education_share"]["value"]
    return (f"Andelen som gick till arbete ligger mellan {_pct(w.min())} och {_pct(w.max())}, "
            f"andelen som gick till utbildning mellan {_pct(e.min())} och {_pct(e.max())}.")


def describe_tabell_20(t: pd.DataFrame) -> str:
    """One sentence on Tabell 20: work's share of results in the first and last window."""
    first, last = t["window"].min(), t["window"].max()
    a = t[t["window"] == first]["value"]
    b = t[t["window"] == last]["value"]
    return (f"Arbete står för {_pct(a.min())}–{_pct(a.max())} av resultaten i fönster {first} och "
            f"{_pct(b.min())}–{_pct(b.max())} i fönster {last}.")


def describe_tabell_23(t: pd.DataFrame) -> str:
    """One sentence on Tabell 23: the range of the unsubsidised share of jobs."""
    v = t[t["measure"] == "unsubsidised_share_of_employment"].set_index("column")["value"]
    lo, hi = v.get(TABELL_23_COLUMNS[1]), v.get(TABELL_23_COLUMNS[0])
    return (f"Osubventionerade anställningar står för mellan {_pct(lo)} (endast identifierade rapporter) och "
            f"{_pct(hi)} (oidentifierade räknade som osubventionerade) av alla anställningar.")
