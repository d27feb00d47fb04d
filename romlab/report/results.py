"""Report §5: results for participants (resultat), Tabell 14–23 and the data of Figur 1–2.

Every table function takes the outcome frame of `romlab.report.outcomes.outcomes` (one row
per participation, computed once per period) and the `RunConfig` and returns numbers in
long form with the key columns of the published CSV (``table``, ``measure`` and
``group``/``window``/``level``/``column`` as they apply; ``level`` "ABC" for totals),
``value`` (percent, unrounded; a coefficient in Tabell 18), ``n`` (persons in the cell, or
results where results are the denominator) and ``suppressed`` (False here: which cells
a run may show is decided afterwards, on every table at once, by
`romlab.publication.protection`). `romlab.report.results_render` lays each table out as
printed and writes one sentence on it. Only aggregates leave this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from romlab.dataset import codes
from romlab.report import regression as reg
from romlab.report.classify import REGRESSOR_LABELS, WINDOWS, comparison_membership, comparison_rows
from romlab.report.outcomes import SIGNAL_MONTHS
from romlab.run.config import RunConfig

__all__ = [
        "proportion_test", "tabell_14", "figur_1_data", "figur_2_data", "tabell_15", "level_tests",
    "group_table", "tabell_16", "tabell_17", "tabell_18", "fit_tabell_18", "tabell_18_frame", "tabell_19",
    "tabell_20", "tabell_21", "tabell_22", "tabell_23", "headline",
]

# --------------------------------------------------------------------------- constants

#: Tabell 18: the fixed effects, in the order of the printed "Kontroll för" rows.
TABELL_18_FIXED_EFFECTS: tuple = ("level", "window", ("window", "level"), "start_month")
#: Significance level of the level differences in Tabell 15 (§5.1.2 and the note under
#: Tabell 15: "statistiskt säkerställda på 99 procents nivå").
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

#: Labels of the fixed effects of Tabell 18 (its rows "Kontroll for nivå" … "startmanad").
FE_LABELS = {"level": "nivå", "window": "fönster", "window×level": "fönster*nivå", "start_month": "startmånad"}


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
        pv = 2 * special.ndtr(-np.abs(z))
    return np.where((n1 > 0) & (n2 > 0) & (se > 0), pv, np.nan)


def _wilson(x, n, conf: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    z = special.ndtri(0.5 + conf / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _unprotected(t: pd.DataFrame) -> pd.DataFrame:
    """Every number as computed; `romlab.publication.protection` decides what is shown."""
    t["suppressed"] = False
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
    t = _unprotected(t)
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
    """Tabell 14 (§5.1): in the 18-month population (``in_population``), the
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
    """Figur 1 (§5.1.1, its caption and the text before it): percent with a result by start month
    and level (and "ABC"), for the start months of the 18-month population (2023-10:
    May 2020 – Jan 2022), with a Wilson ``conf`` interval (``ci_low``, ``ci_high``).
    Columns: ``start_month``, ``level``, ``value``, ``n``, ``ci_low``, ``ci_high``,
    ``suppressed``. The window boundaries are `window_boundaries`."""
    t = _by_start_month(out[out["in_population"]], "has_result", conf)
    t = _unprotected(t)
    return t[["start_month", "level", "value", "n", "ci_low", "ci_high", "suppressed"]]


def figur_2_data(out: pd.DataFrame, cfg: RunConfig, signal_months: int = SIGNAL_MONTHS,
                 conf: float = 0.95) -> pd.DataFrame:
    """Figur 2 (§5.1.1, its caption and the text before it): percent whose provider reports (R1)
    that work or studies began within the first ``signal_months`` months of the
    service, by start month and level (and "ABC"): the job's start date, not the filing
    date, decides. Start months from the population's first (May 2020) through the
    latest month with ``signal_months`` months of follow-up (2023-10: Jan 2023), so
    every start month is followed exactly as long. The ``signal_within`` column of
    `outcomes` is computed for the same ``signal_months`` (default 6)."""
    d = out[out["signal_followup"] & (out["start_month"] >= cfg.population_first_start)]
    t = _by_start_month(d, "signal_within", conf)
    t = _unprotected(t)
    return t[["start_month", "level", "value", "n", "ci_low", "ci_high", "suppressed"]]


def window_boundaries(first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """First days of windows 2… that fall in (first, last], for the figures' window
    lines (§5.1.1 on Figur 1: "De rosa strecken i figuren anger brytpunkterna")."""
    rows = [(w, pd.Timestamp(f)) for w, f, _ in WINDOWS if pd.Timestamp(f) > first and pd.Timestamp(f) <= last]
    return pd.DataFrame(rows, columns=["window", "first_day"])


def level_tests(out: pd.DataFrame, cfg: RunConfig, alpha: float = LEVEL_TEST_ALPHA) -> pd.DataFrame:
    """Significance of the level differences in Tabell 15 (§5.1.2, the note under Tabell 15):
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


def tabell_15(out: pd.DataFrame, cfg: RunConfig, alpha: float = LEVEL_TEST_ALPHA,
              tests: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tabell 15 (§5.1.2): percent with a result by window × level in the window
    population (window 4 observed with incomplete follow-up). ``significant``: the
    level differs from both other levels of its window at ``alpha`` (`level_tests`);
    ``p_value``: the larger of its two tests' p-values. ``tests``: the period's
    `level_tests`, when computed already."""
    t = _long(_shares(out[out["in_windows"]], ["window", "level"], "has_result", total_over=None),
              "15", "r2_share", ["window", "level"], cfg)
    tests = level_tests(out, cfg, alpha) if tests is None else tests  # computed once per period
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

    ``measure``: ``r2_share`` (Tabell 16, §5.2.1), ``work_share`` (Tabell 21, §5.3.1)
    or ``education_share`` (Tabell 22, §5.3.1). Groups as declared in
    `romlab.report.classify.comparison_rows` (§3.1). Significance (§5.2.1): each row
    is tested against its reference row in the same window and level (two-way
    comparisons: the other group; age: "Över 55 (ref)"; registration time:
    "Inskrivningstid över 4år") with the two-proportion z-test (`proportion_test`) at
    ``alpha`` (default ``cfg.significance_level``, A13); reference rows are never
    marked (`romlab.publication.protection` withholds the marks of hidden cells and of
    cells tested against a hidden one). Columns:
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
    t["significant"] = (t["p_value"] < alpha).fillna(False).astype(bool)
    t = t.sort_values(["group_order", "window", "level"], kind="stable")
    return _long(t, table, measure, ["group", "window", "level"], cfg,
                 extra=["comparison", "reference", "p_value", "significant"])


def tabell_16(out: pd.DataFrame, cfg: RunConfig, alpha: float | None = None) -> pd.DataFrame:
    """Tabell 16 (§5.2.1): percent with a result by group × window × level, with
    significance against the reference group (`group_table`)."""
    return group_table(out, cfg, "r2_share", "16", alpha)


def tabell_17(t16: pd.DataFrame, decimals: int = FLAG_DECIMALS) -> pd.DataFrame:
    """Tabell 17 (§5.2.1): Tabell 16 with ``flagged`` cells: a group in level B or
    C whose share is as high as or higher than that of another group of the same
    comparison in level A, same window (§5.2.1, the text before Tabell 17). Shares are compared rounded to
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
                  cluster: str | None = None, engine: str = "romlab") -> reg.RegressionResult:
    """The linear probability model of Tabell 18 (§5.2.2): in the window population,
    ``has_result`` (Har R2) on the regressors of `classify.REGRESSOR_LABELS` (women,
    born abroad, born-abroad women, disability, upper secondary, age 25–55 and 55+
    (ref. under 25), registration time 1–2, 2–3, 3–4, > 4 years (ref. < 1 year)), with
    fixed effects for level, window, window × level and start month (Tabell 18's note),
    robust (HC1, Stata's ``, robust``) standard errors by default (`romlab.report.regression`;
    ``engine="linearmodels"`` fits the same model on linearmodels).
    """
    labels = {**REGRESSOR_LABELS, "has_result": "Har R2", **FE_LABELS}
    return reg.fit(out[out["in_windows"]], "has_result", list(REGRESSOR_LABELS), TABELL_18_FIXED_EFFECTS,
                   cov_type=cov_type, cluster=cluster, labels=labels, engine=engine)


def tabell_18_frame(out: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """The data of Tabell 18's model as a frame any library can take (statsmodels,
    linearmodels, pyfixest): the outcome ``has_result``, the regressors, the fixed
    effects as categoricals (base level first) and ``provider_id`` for clustering
    (`romlab.report.regression.model_frame`; its docstring shows each library's call)."""
    return reg.model_frame(out[out["in_windows"]], "has_result", list(REGRESSOR_LABELS), TABELL_18_FIXED_EFFECTS,
                           cluster="provider_id")


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
    """Tabell 19 (§5.3.1): percent with work (``work_share``) and with studies
    (``education_share``) as the result, by window × level (window population)."""
    d = out[out["in_windows"]]
    parts = [_long(_shares(d, ["window", "level"], col, total_over=None), "19", m, ["window", "level"], cfg)
             for m, col in (("work_share", "has_work"), ("education_share", "has_studies"))]
    return _level_order(pd.concat(parts, ignore_index=True))


def tabell_20(out: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 20 (§5.3.1): work as a percent of all results
    (``work_share_of_results``) by window × level; ``n`` = results in the cell."""
    d = out[out["in_windows"]]
    t = _shares(d, ["window", "level"], "has_work", denominator="has_result", total_over=None)
    return _level_order(_long(t, "20", "work_share_of_results", ["window", "level"], cfg))


def tabell_21(out: pd.DataFrame, cfg: RunConfig, alpha: float | None = None) -> pd.DataFrame:
    """Tabell 21 (§5.3.1): percent with work as the result by group × window ×
    level (`group_table`)."""
    return group_table(out, cfg, "work_share", "21", alpha)


def tabell_22(out: pd.DataFrame, cfg: RunConfig, alpha: float | None = None) -> pd.DataFrame:
    """Tabell 22 (§5.3.1): percent with studies as the result by group × window ×
    level (`group_table`)."""
    return group_table(out, cfg, "education_share", "22", alpha)


TABELL_23_COLUMNS = ("Alla resultatrapporter", "Rapporter identifierade med säkerhet")


def tabell_23(out: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 23 (§5.3.2): work results of the 18-month population split into
    unsubsidised and subsidised jobs (`outcomes`' ``work_type``, §5.3.2).

    Column (1) "Alla resultatrapporter" counts work results not found in the registers
    as unsubsidised; column (2) "Rapporter identifierade med säkerhet" uses identified
    results only (§5.3.2, the text before Tabell 23 and its note *). Measures: ``unsubsidised_work_share`` and
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


# --------------------------------------------------------------------------- summary

def headline(t14: pd.DataFrame, t5: pd.DataFrame, t23: pd.DataFrame | None = None) -> pd.DataFrame:
    """The report's headline numbers (the summary; ``data/published/headline.csv``) from
    Tabell 14, 5 and 23: the R2 share in total and by level, work's and studies' share of
    the results, the mean and median support per report-month (trimmed), and the range of
    the unsubsidised share of employment."""
    s14 = t14.set_index(["measure", "level"])["value"]
    s5 = t5.set_index(["measure", "activity", "adjusted"])["value"]
    s23 = t23.set_index(["measure", "level", "column"])["value"] if t23 is not None else pd.Series(dtype=float)
    u = lambda col: s23.get(("unsubsidised_share_of_employment", TOTAL, col), np.nan)  # noqa: E731
    r2 = s14.get(("r2_share", TOTAL), np.nan)
    work = s14.get(("work_share", TOTAL), np.nan)
    edu = s14.get(("education_share", TOTAL), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = [("r2_share", r2),
                ("work_share_of_results", 100 * work / r2 if r2 else np.nan),
                ("education_share_of_results", 100 * edu / r2 if r2 else np.nan),
                ("median_hours", s5.get(("median_hours", "Sammanlagt stöd", "justerat"), np.nan)),
                ("mean_hours", s5.get(("mean_hours", "Sammanlagt stöd", "justerat"), np.nan)),
                ("unsubsidised_share_of_employment_low", u("Rapporter identifierade med säkerhet")),
                ("unsubsidised_share_of_employment_high", u("Alla resultatrapporter"))]
    levels = [TOTAL] * len(rows)
    for lv in ("A", "B", "C"):
        rows.append(("r2_share", s14.get(("r2_share", lv), np.nan)))
        levels.append(lv)
    return pd.DataFrame({"table": "headline", "measure": [m for m, _ in rows], "level": levels,
                         "value": [float(v) for _, v in rows]})
