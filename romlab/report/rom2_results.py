"""Rusta och matcha 2: results for participants, the RoM 2 counterparts of §5's tables.

Every function takes the outcome frame of `romlab.report.rom2_outcomes.outcomes` (one row
per RoM 2 participation of the followed population: starts in
``cfg.rom2_population_start_months``, 20 months of follow-up, A84) and returns numbers in
long form as `romlab.report.results` does (``table``, ``measure``, key columns, ``value``
in percent, ``n`` persons, ``suppressed`` False: disclosure control decides afterwards).
The computations are RoM 1's (`results`: its shares, Wilson bands, group table with its
significance test, Tabell 18's long form; `regression.fit`), applied to the 3- and the
6-month result:

- ``rom2_14`` (`tabell_14`): the share with a 3-month and with a 6-month result by level
  and in total, and the share of 3-month results that reach 6 months (Tabell 14);
- ``rom2_figur_1`` (`figur_1_data`): both shares by start month × level (Figur 1);
- ``rom2_16`` (`tabell_16`): both shares by the 18 comparison rows × level, tested
  against the reference row as Tabell 16 (§5.2.1);
- ``rom2_18`` (`fit_model`, `tabell_18`): Tabell 18's linear probability model on the
  6-month result with RoM 2's own fixed effects; `compare_generations` puts RoM 1's and
  RoM 2's coefficients side by side;
- ``rom2_19`` (`tabell_19`): work and studies by level for both results (Tabell 19, 20);
- ``rom2_jobbchans`` (`job_chance_table`): both shares by bands of assessed job chance
  within each level, with each level's linear trend (the analysis the report announces
  for RoM 2, §2.3: RoM 2's assessment tool includes time registered).

RoM 1's and RoM 2's numbers are not the same measure: a result of 3 or 6 months against
R2's 4, and levels from a new assessment tool with other bounds (report §2.3; domain.md
"RoM 2"); `NOT_COMPARABLE` is the note the tables carry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from romlab.report import regression as reg
from romlab.report import results
from romlab.report.classify import REGRESSOR_LABELS
from romlab.run.config import RunConfig

__all__ = [
    "SHARES", "FIXED_EFFECTS", "JOB_CHANCE_BANDS", "TREND_STEP", "NOT_COMPARABLE", "tabell_14", "figur_1_data",
    "tabell_16", "fit_model", "model_frame", "tabell_18", "compare_generations", "tabell_19", "job_chance_bands",
    "job_chance_table",
]

LEVELS = results.LEVELS
TOTAL = results.TOTAL

#: The shares of persons with a result: measure → outcome column (`rom2_outcomes`).
SHARES: dict[str, str] = {"result_3m_share": "result_3m", "result_6m_share": "result_6m"}
#: The share of 3-month results that reach 6 months (``n`` = persons with a 3-month result).
CONTINUATION = "continuation_share"

#: The fixed effects of RoM 2's model (Tabell 18 refitted, `fit_model`), in the order of
#: the printed "Kontroll för" rows. RoM 1's are level, window, window × level and start
#: month (Tabell 18's note); every RoM 2 start is in one window (RoM 2, from 2023-04-17),
#: so the windows drop out and the start month takes their place. One assessment tool
#: throughout RoM 2 (report §2.3) leaves no reason for a start month × level term. The
#: delivery area (81 in RoM 2, `001`; the labour market a participant seeks work in) is
#: added: with about 50 000 participants each area has hundreds.
FIXED_EFFECTS: tuple = ("level", "start_month", "delivery_area")
#: Labels of the fixed effects ("Kontroll för …") and the outcomes.
FE_LABELS = {"level": "nivå", "start_month": "startmånad", "delivery_area": "leveransområde"}
OUTCOME_LABELS = {"result_6m": "Resultat efter sex månader", "result_3m": "Resultat efter tre månader"}

#: Job-chance bands within a level (`job_chance_bands`): quintile groups of the assessed
#: job chance among the level's participants of the followed population. Five bands keep
#: over a thousand persons per band at scale 1.0 (levels of 10 000–20 000), fine enough
#: to show a gradient, and their edges are the level's own, so a band compares people
#: the tool placed in the same level.
JOB_CHANCE_BANDS = 5
#: The linear trend within a level is given per this much assessed job chance (10
#: percentage points; a level spans 15–25 points).
TREND_STEP = 0.10

#: The note under the RoM 2 results tables (report §2.3, domain.md "RoM 2").
NOT_COMPARABLE = (
    "Resultat i rusta och matcha 2 är arbete eller studier som varat i tre respektive sex månader "
    "(godkänd resultatredovisning senast vid datauttaget), i rusta och matcha 1 i fyra månader (R2). Nivåerna "
    "i rusta och matcha 2 bygger på ett nytt bedömningsstöd med andra gränser som tar hänsyn till "
    "inskrivningstid och är inte samma grupper som i rusta och matcha 1. Andelarna är därför inte jämförbara "
    "med motsvarande tabell för rusta och matcha 1.")


# --------------------------------------------------------------------------- helpers

def _share_table(out: pd.DataFrame, table: str, measure: str, indicator: str, keys: list[str],
                 cfg: RunConfig, denominator: str | None = None) -> pd.DataFrame:
    """`results._shares` in `results._long` form (a level total "ABC" when ``level`` is a
    key). With a ``denominator`` column the share is of its persons (``n``), and every
    key of `out` has a row (``n`` 0 and no value where nobody has the denominator)."""
    if denominator is None:
        return results._long(results._shares(out, keys, indicator), table, measure, keys, cfg)
    both = results._shares(out.assign(_both=out[indicator] & out[denominator]), keys, "_both")
    both["n"] = results._shares(out, keys, denominator)["x"].to_numpy()  # same keys, same order
    with np.errstate(divide="ignore", invalid="ignore"):
        both["value"] = np.where(both["n"] > 0, 100.0 * both["x"] / both["n"].where(both["n"] > 0, 1), np.nan)
    return results._long(both, table, measure, keys, cfg)


def _check(out: pd.DataFrame, cols: list[str]) -> None:
    missing = [c for c in cols if c not in out.columns]
    if missing:
        raise KeyError(f"the RoM 2 outcome frame lacks column(s) {missing}: "
                       "compute it with romlab.report.rom2_outcomes.outcomes")


# --------------------------------------------------------------------------- Tabell 14, Figur 1

def tabell_14(out: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """RoM 2's Tabell 14: in the followed population, the percent with a 3-month result
    (``result_3m_share``) and with a 6-month result (``result_6m_share``), by level and in
    total ("ABC"), ``n`` = persons; and ``continuation_share``: of those with a 3-month
    result, the percent who also have a 6-month result (``n`` = persons with a 3-month
    result). Rows: measures in that order, then the total and levels A–C."""
    _check(out, ["level", *SHARES.values()])
    parts = [_share_table(out, "rom2_14", m, col, ["level"], cfg) for m, col in SHARES.items()]
    parts.append(_share_table(out, "rom2_14", CONTINUATION, "result_6m", ["level"], cfg, denominator="result_3m"))
    return results._level_order(pd.concat(parts, ignore_index=True))


def figur_1_data(out: pd.DataFrame, cfg: RunConfig, conf: float = 0.95) -> pd.DataFrame:
    """RoM 2's Figur 1: the percent with a 3-month and with a 6-month result
    (``measure``) by start month and level (and "ABC"), with a Wilson ``conf`` band
    (`results.figur_1_data` on each result). Columns ``measure``, ``start_month``,
    ``level``, ``value``, ``n``, ``ci_low``, ``ci_high``, ``suppressed``."""
    _check(out, ["level", "start_month", *SHARES.values()])
    parts = []
    for measure, col in SHARES.items():
        f = results.figur_1_data(out.assign(in_population=True, has_result=out[col]), cfg, conf)
        f.insert(0, "measure", measure)
        parts.append(f)
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- Tabell 16

def tabell_16(out: pd.DataFrame, cfg: RunConfig, alpha: float | None = None) -> pd.DataFrame:
    """RoM 2's Tabell 16: the percent with a 3-month and with a 6-month result by the 18
    comparison rows (`classify.comparison_rows`) × level, each row tested against its
    reference row in the same level with Tabell 16's two-proportion z-test at ``alpha``
    (default ``cfg.significance_level``; `results.group_table`, §5.2.1). Columns as
    Tabell 16's without ``window`` (RoM 2 is one window): ``table``, ``measure``,
    ``group``, ``level``, ``value``, ``n``, ``comparison``, ``reference``, ``p_value``,
    ``significant``, ``suppressed``."""
    _check(out, ["level", "window", *SHARES.values()])
    parts = []
    for measure, col in SHARES.items():
        t = results.group_table(out.assign(in_windows=True, has_result=out[col]), cfg, "r2_share", "rom2_16", alpha)
        t["measure"] = measure
        parts.append(t.drop(columns="window"))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- Tabell 18

def fit_model(out: pd.DataFrame, cfg: RunConfig, cov_type: str = "HC1", cluster: str | None = None,
              engine: str = "romlab", outcome: str = "result_6m",
              fixed_effects: tuple = FIXED_EFFECTS) -> reg.RegressionResult:
    """Tabell 18's linear probability model (§5.2.2) refitted for RoM 2: in the followed
    population, ``outcome`` (default the 6-month result, RoM 2's full result) on Tabell
    18's regressors (`classify.REGRESSOR_LABELS`, the same references) with RoM 2's own
    fixed effects (`FIXED_EFFECTS`: level, start month, delivery area), robust (HC1)
    standard errors by default, or clustered (``cov_type="cluster"``,
    ``cluster="provider_id"``), as `results.fit_tabell_18` (`romlab.report.regression`)."""
    if out.empty:
        raise ValueError("no RoM 2 participant is followed long enough for the model (rom2_population_start_months "
                         "is empty)")
    labels = {**REGRESSOR_LABELS, **OUTCOME_LABELS, **FE_LABELS}
    return reg.fit(out, outcome, list(REGRESSOR_LABELS), fixed_effects, cov_type=cov_type, cluster=cluster,
                   labels=labels, engine=engine)


def model_frame(out: pd.DataFrame, cfg: RunConfig, outcome: str = "result_6m",
                fixed_effects: tuple = FIXED_EFFECTS) -> pd.DataFrame:
    """The model's data as a frame any library takes (`regression.model_frame`, with
    ``provider_id`` for clustering), as `results.tabell_18_frame`."""
    return reg.model_frame(out, outcome, list(REGRESSOR_LABELS), fixed_effects, cluster="provider_id")


def tabell_18(out: pd.DataFrame, cfg: RunConfig, result: reg.RegressionResult | None = None) -> pd.DataFrame:
    """RoM 2's Tabell 18 in long form (`results.tabell_18`'s: ``coef`` and ``se`` rows per
    regressor and "Konstant", then ``r_squared``, ``adj_r_squared``, ``observations``)."""
    r = fit_model(out, cfg) if result is None else result
    t = results.tabell_18(None, cfg, result=r)
    t["table"] = "rom2_18"
    return t


#: How far each of Tabell 18's terms can be compared between the generations, and why
#: not (`compare_generations`). Every coefficient is a difference within a level (and
#: start time) between a group and its reference; the levels are other groups in RoM 2.
COMPARABILITY_NOTES = {
    "regressor": ("Med förbehåll",
                  ("Samma förklarande variabel, men resultatet är ett annat (sex månader mot fyra) och skillnaden "
                   "mäts inom nivåer som inte är samma grupper.")),
    "registration": ("Nej",
                     ("Bedömningsstödet i rusta och matcha 2 tar hänsyn till inskrivningstid: inom en nivå är "
                      "skillnaden efter inskrivningstid en annan storhet än i rusta och matcha 1.")),
    "constant": ("Nej", ("Konstanten avser olika referensgrupper (nivå, fönster eller startmånad, leveransområde) "
                         "och olika resultatmått.")),
}
REGISTRATION_TERMS = ("reg_1_2y", "reg_2_3y", "reg_3_4y", "reg_over_4y")
GENERATION_LABELS = {1: "RoM 1: R2 (fyra månader)", 2: "RoM 2: sex månader"}


def compare_generations(rom1: reg.RegressionResult, rom2: reg.RegressionResult) -> pd.DataFrame:
    """RoM 1's Tabell 18 (`results.fit_tabell_18`) and RoM 2's model (`fit_model`) side
    by side, in long form: per term (``group`` = printed label, ``term``) and generation
    (``generation`` 1 or 2) a ``coef`` and an ``se`` row (``value``; ``stars``,
    ``p_value`` on the coefficient), ``n`` = the model's observations; ``comparable``
    ("Med förbehåll" / "Nej") and ``note`` say how far the two can be compared
    (`COMPARABILITY_NOTES`): the regressors are the same, but the result differs (6
    months against R2's 4) and the coefficients are differences within levels that are
    not the same groups (a new assessment tool, report §2.3); time registered enters
    RoM 2's tool, so its coefficients measure something else; the constants belong to
    other reference groups. Terms in Tabell 18's order."""
    parts = []
    for gen, r in ((1, rom1), (2, rom2)):
        ct = r.coef_table()
        coef = pd.DataFrame({"term": ct["term"], "group": ct["label"], "measure": "coef", "value": ct["coef"],
                             "stars": ct["stars"], "p_value": ct["p_value"]})
        se = pd.DataFrame({"term": ct["term"], "group": ct["label"], "measure": "se", "value": ct["se"]})
        t = pd.concat([coef, se]).sort_index(kind="stable").reset_index(drop=True)
        t["order"] = np.repeat(np.arange(len(ct)), 2)
        t["generation"] = gen
        t["n"] = r.nobs
        parts.append(t)
    t = pd.concat(parts, ignore_index=True)
    kind = np.where(t["term"] == reg.CONSTANT, "constant",
                    np.where(t["term"].isin(REGISTRATION_TERMS), "registration", "regressor"))
    t["comparable"] = [COMPARABILITY_NOTES[k][0] for k in kind]
    t["note"] = [COMPARABILITY_NOTES[k][1] for k in kind]
    t = t.sort_values(["order", "generation", "measure"], kind="stable").reset_index(drop=True)
    t.insert(0, "table", "rom2_18_jamforelse")
    t["stars"] = t["stars"].astype("Int64")
    t["suppressed"] = False
    return t[["table", "measure", "term", "group", "generation", "value", "n", "stars", "p_value", "comparable",
              "note", "suppressed"]]


# --------------------------------------------------------------------------- Tabell 19

#: RoM 2's Tabell 19/20 measures: (measure, indicator, denominator or None = persons).
WORK_MEASURES: tuple[tuple[str, str, str | None], ...] = (
    ("work_3m_share", "work_3m", None), ("education_3m_share", "education_3m", None),
    ("work_share_of_3m_results", "work_3m", "result_3m"),
    ("work_6m_share", "work_6m", None), ("education_6m_share", "education_6m", None),
    ("work_share_of_6m_results", "work_6m", "result_6m"),
)


def tabell_19(out: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """RoM 2's Tabell 19 and 20: per result (3 and 6 months) the percent of persons with
    work (``work_3m_share``, ``work_6m_share``) and with studies (``education_3m_share``,
    ``education_6m_share``) as the result, and work as a percent of the results
    (``work_share_of_3m_results``, ``work_share_of_6m_results``: ``n`` = persons with that
    result), by level and in total ("ABC")."""
    _check(out, ["level", "work_3m", "education_3m", "work_6m", "education_6m", *SHARES.values()])
    parts = [_share_table(out, "rom2_19", m, ind, ["level"], cfg, denominator=den) for m, ind, den in WORK_MEASURES]
    return results._level_order(pd.concat(parts, ignore_index=True))


# --------------------------------------------------------------------------- job chance

def job_chance_bands(out: pd.DataFrame, bands: int = JOB_CHANCE_BANDS) -> pd.Series:
    """The job-chance band (1 = lowest … ``bands`` = highest) of each participant within
    its level: with n the level's participants in `out` (the followed population) and b
    those of them with a lower assessed job chance, the band is 1 + ⌊bands · b / n⌋, the
    quantile group of the level's empirical distribution (quintiles by default: ten
    participants with distinct chances fall two to a band). Equal job chances share a
    band, so with many ties a band may be empty. An ``Int64`` Series on `out`'s index."""
    if bands < 1:
        raise ValueError(f"bands must be at least 1, got {bands}")
    _check(out, ["level", "job_chance"])
    g = out.groupby("level", sort=True)["job_chance"]
    below = g.rank(method="min") - 1  # participants of the level with a lower job chance
    n = g.transform("size")
    band = np.floor(bands * below.to_numpy(float) / np.maximum(n.to_numpy(float), 1)).astype(np.int64) + 1
    return pd.Series(pd.array(band, dtype="Int64"), index=out.index, name="band")


def _trend(d: pd.DataFrame, col: str, step: float) -> tuple[float, float, float]:
    """Slope (percentage points per ``step`` of job chance), its HC1 standard error and
    p-value of the linear probability model ``col`` on job chance (`regression.fit`)."""
    if len(d) < 3 or d["job_chance"].nunique() < 2:
        return np.nan, np.nan, np.nan
    r = reg.fit(d.assign(_x=d["job_chance"] / step), col, ["_x"], (), cov_type="HC1")
    return 100 * float(r.params["_x"]), 100 * float(r.bse["_x"]), float(r.pvalues["_x"])


def job_chance_table(out: pd.DataFrame, cfg: RunConfig, bands: int = JOB_CHANCE_BANDS,
                     step: float = TREND_STEP, conf: float = 0.95) -> pd.DataFrame:
    """Results by assessed job chance within each level (report §2.3, last paragraph:
    RoM 2's assessment tool includes time registered, so participants of one level can
    be compared by their job chance).

    Band rows (``band`` 1 … ``bands``, `job_chance_bands`): ``result_3m_share`` and
    ``result_6m_share`` (percent of the band's persons, ``n``, Wilson ``conf`` band
    ``ci_low``/``ci_high``) and ``mean_job_chance`` (the band's mean assessed job chance
    in percent). Trend rows (``band`` NA), per level and result: ``trend_3m`` /
    ``trend_6m``, the slope of a linear probability model of the result on the assessed
    job chance within the level, in percentage points per ``step`` (10 points) of job
    chance, with its ``conf`` interval from HC1 standard errors and ``p_value`` (t test
    of a zero slope); ``n`` = the level's persons. The gradient is tested on the level's
    whole population (not on two bands) so that it rests on the level's cell, not on
    the small bands. Columns ``table``, ``measure``, ``level``, ``band``, ``value``,
    ``n``, ``ci_low``, ``ci_high``, ``p_value``, ``suppressed``."""
    _check(out, ["level", "job_chance", *SHARES.values()])
    d = out.assign(band=job_chance_bands(out, bands))
    parts = []
    for measure, col in SHARES.items():
        t = results._shares(d, ["level", "band"], col, total_over=None)
        t["ci_low"], t["ci_high"] = (100 * v for v in results._wilson(t["x"], t["n"], conf))
        t["measure"] = measure
        parts.append(t)
    mean = d.groupby(["level", "band"], sort=True)["job_chance"].agg(value="mean", n="size").reset_index()
    mean["value"] *= 100
    mean["measure"] = "mean_job_chance"
    parts.append(mean)
    z = special.ndtri(0.5 + conf / 2)
    trends = []
    for lv, g in d.groupby("level", sort=True):  # three levels × two results
        for measure, col in (("trend_3m", "result_3m"), ("trend_6m", "result_6m")):
            b, se, p = _trend(g, col, step)
            trends.append({"measure": measure, "level": lv, "value": b, "n": len(g), "ci_low": b - z * se,
                           "ci_high": b + z * se, "p_value": p})
    parts.append(pd.DataFrame(trends, columns=["measure", "level", "value", "n", "ci_low", "ci_high", "p_value"]))
    t = pd.concat(parts, ignore_index=True)
    t["table"] = "rom2_jobbchans"
    t["band"] = pd.array(t["band"], dtype="Int64") if "band" in t else pd.array([pd.NA] * len(t), dtype="Int64")
    t["level"] = t["level"].astype(str)
    t["n"] = t["n"].astype("int64")
    t["suppressed"] = False
    order = {m: i for i, m in enumerate([*SHARES, "mean_job_chance", "trend_3m", "trend_6m"])}
    t = t.assign(_m=t["measure"].map(order)).sort_values(["_m", "level", "band"], kind="stable", na_position="first")
    return t[["table", "measure", "level", "band", "value", "n", "ci_low", "ci_high", "p_value",
              "suppressed"]].reset_index(drop=True)
