"""Support in the service (stödet i tjänsten): report §3.5.1 and §4, Bilaga 1.

Flow: `select_reports` (the sample of report-months, §3.5.1, in
`romlab.report.support_selection` and re-exported here) → `cutoffs` and `trimmed` (§4.2)
→ the tables (Tabell 2–13, A1) → `group_tests` (significance of group differences).
Every table function takes the selected report-months (`SupportSample.months`) and a
`RunConfig` and returns numbers in long form with the key columns of the published
CSVs (`table`, `measure`, `activity`, and `group`/`level`/`percentile`/
`included_share`/`adjusted`/`column` as they apply) and `value`; `romlab.report.support_render`
lays them out as the report prints them.

Definitions (the report, domain.md "Support"):

- total support (sammanlagt stöd) = hours over all activities except "Eget arbete" and
  "Insats hos annan aktör" (§4.2, before Tabell 4, and footnote 20);
- trimming keeps report-months at or below the p-th percentile (p = `cfg.trim_percentile`,
  95 by default, §4.2); ties at the cut-off are kept; the total is trimmed on its
  own distribution and each activity on its own (§4.2 and footnote 21); group tables use
  the cut-offs of the whole sample (domain.md; each split in Tabell 7–12 adds up to
  Tabell 5's 420 957).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from romlab.dataset import codes
from romlab.report.classify import label_map
from romlab.report.support_selection import (  # noqa: F401  (re-exported: support.select_reports, …)
    FLOW_LABELS,
    TOTAL,
    TOTAL_COLUMNS,
    SupportSample,
    replaced_resubmissions,
    select_reports,
)
from romlab.run.config import RunConfig

#: The 11 activities of Tabell 1 (all hour columns but "Eget arbete").
ACTIVITY_COLUMNS: list[str] = [c for c in codes.HOUR_COLUMNS if c != "hours_own_work"]
#: Column → Swedish label, with total support under its report name.
LABELS: dict[str, str] = {TOTAL: codes.TOTAL_SUPPORT_LABEL, **codes.ACTIVITIES}

#: Optional column of the report-months: the person a group's ``n`` counts the row for
#: (missing: not counted), instead of ``person_id`` (`_group_means`).
CELL_PERSON = "cell_person"

#: Percentiles of Tabell 2 and included shares of Tabell 3 and 4 (§4.2).
TABELL_2_PERCENTILES = (10, 50, 80, 90, 95, 97.5, 99, 99.9, 99.999)
TABELL_3_SHARES = (90, 95, 97.5, 99, 99.9, 100)
TABELL_4_SHARES = (95, 97.5, 99, 99.9, 100)

#: Group columns of Tabell 7–11 (table → classifier columns, in printed order).
GROUP_TABLES: dict[int, tuple[str, ...]] = {
    7: ("sex",), 8: ("education_group",), 9: ("age_group",),
    10: ("birth_country", "sex_birth_group"), 11: ("disability_group",),
}

#: Tabell A1's 11 unlabelled columns (their headers were lost in extraction), as
#: (classifier column, code). Inferred (assumption A18): each column's level-weighted
#: means match one group of Tabell 7–11 best (age, disability, education, birth
#: country, sex), in that order.
A1_COLUMNS: tuple[tuple[str, str], ...] = (
    ("age_group", "under_25"), ("age_group", "25_55"), ("age_group", "over_55"),
    ("disability_group", "no_disability"), ("disability_group", "disability"),
    ("education_group", "below_upper_secondary"), ("education_group", "upper_secondary_or_more"),
    ("birth_country", "domestic"), ("birth_country", "foreign"),
    ("sex", "woman"), ("sex", "man"),
)


# --------------------------------------------------------------------------------------
# Trimming (§4.2)
# --------------------------------------------------------------------------------------

def cutoffs(months: pd.DataFrame, percentile: float, method: str = "linear",
            columns: list[str] | None = None) -> pd.Series:
    """The p-th percentile of each column over the whole sample (numpy `method`, A12)."""
    columns = columns or [TOTAL, *codes.HOUR_COLUMNS]
    values = months[columns].to_numpy(dtype=float)
    if not len(values):
        return pd.Series(np.nan, index=columns)
    return pd.Series(np.percentile(values, percentile, axis=0, method=method), index=columns)


def _whole_sample_cutoffs(months: pd.DataFrame, cfg: RunConfig, cut: pd.Series | None = None) -> pd.Series:
    """`cutoffs` at `cfg.trim_percentile` for the total and every hour column (`cut`
    when the caller computed them already: the register does, once for all tables)."""
    return cut if cut is not None else cutoffs(months, cfg.trim_percentile, cfg.percentile_method)


def trimmed(months: pd.DataFrame, cut: pd.Series) -> pd.DataFrame:
    """Boolean frame: True where a column's value is at or below its cut-off (ties kept).

    A cut-off of the 100th percentile keeps everything."""
    return months[cut.index].le(cut, axis=1)


def trimmed_means(months: pd.DataFrame, cut: pd.Series) -> pd.Series:
    """Mean of each column over the report-months at or below its own cut-off."""
    keep = trimmed(months, cut)
    return months[cut.index].where(keep).mean()


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------

def _long(values: pd.Series, table: str, measure: str, **keys) -> pd.DataFrame:
    out = pd.DataFrame({"table": table, "measure": measure, "activity": values.index.map(LABELS),
                        "value": values.to_numpy(dtype=float)})
    for k, v in keys.items():
        out[k] = v
    return out


def tabell_02(months: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 2 (§4.2): percentiles of hours per activity and month, untrimmed,
    for the 12 hour columns incl. Eget arbete."""
    cols = codes.HOUR_COLUMNS
    q = np.percentile(months[cols].to_numpy(float), TABELL_2_PERCENTILES, axis=0, method=cfg.percentile_method)
    out = pd.DataFrame(q, index=list(TABELL_2_PERCENTILES), columns=cols).stack().rename("value").reset_index()
    out.columns = ["percentile", "column", "value"]
    out.insert(0, "table", "2")
    out.insert(1, "measure", "percentile_hours")
    out["activity"] = out.pop("column").map(LABELS)
    return out[["table", "measure", "activity", "percentile", "value"]]


def tabell_03(months: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 3 (§4.2): mean hours per activity when the highest values are removed,
    keeping 90, 95, 97.5, 99, 99.9 and 100 % (each activity on its own cut-off)."""
    cols = codes.HOUR_COLUMNS
    values = months[cols].to_numpy(float)
    cuts = np.percentile(values, TABELL_3_SHARES, axis=0, method=cfg.percentile_method)  # one sort
    parts = [_long(trimmed_means(months, pd.Series(cut, index=cols)), "3", "mean_hours", included_share=float(s))
             for s, cut in zip(TABELL_3_SHARES, cuts)]
    return pd.concat(parts, ignore_index=True)


def tabell_04(months: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Tabell 4 (§4.2): mean total support with the top 5, 2.5, 1, 0.1 and 0 %
    removed, and the median. The median row without a share is over all report-months
    (it equals Tabell 5's unadjusted median, as printed); the trimmed-sample median is
    given at the adjusted share (footnote 23)."""
    parts = [_long(trimmed_means(months, cutoffs(months, s, cfg.percentile_method, [TOTAL])), "4", "mean_hours",
                   included_share=float(s)) for s in TABELL_4_SHARES]
    cut = cutoffs(months, cfg.trim_percentile, cfg.percentile_method, [TOTAL])
    adj = months.loc[trimmed(months, cut)[TOTAL], TOTAL].median()
    parts.append(_long(pd.Series({TOTAL: months[TOTAL].median()}), "4", "median_hours", included_share=np.nan))
    parts.append(_long(pd.Series({TOTAL: adj}), "4", "median_hours", included_share=float(cfg.trim_percentile)))
    return pd.concat(parts, ignore_index=True)


def tabell_05(months: pd.DataFrame, cfg: RunConfig, cut: pd.Series | None = None) -> pd.DataFrame:
    """Tabell 5 (§4.3): total support (mean, median) and mean per activity,
    adjusted (trimmed at `cfg.trim_percentile`) and unadjusted; observations are the
    report-months behind the total."""
    cols = [TOTAL, *ACTIVITY_COLUMNS]
    cut = _whole_sample_cutoffs(months, cfg, cut)[cols]
    keep = trimmed(months, cut)[TOTAL]
    parts = []
    for adjusted, means, med, n in [
        ("justerat", trimmed_means(months, cut), months.loc[keep, TOTAL].median(), int(keep.sum())),
        ("ej justerat", months[cols].mean(), months[TOTAL].median(), len(months)),
    ]:
        parts.append(_long(means, "5", "mean_hours", adjusted=adjusted))
        parts.append(_long(pd.Series({TOTAL: med}), "5", "median_hours", adjusted=adjusted))
        parts.append(_long(pd.Series({TOTAL: float(n)}), "5", "observations", adjusted=adjusted))
    return pd.concat(parts, ignore_index=True)


def tabell_06(months: pd.DataFrame, cfg: RunConfig, min_hours: float = 1.0) -> pd.DataFrame:
    """Tabell 6 (§4.3.1): percent of report-months with at least `min_hours` (one
    hour, as the title says) of each activity, untrimmed. RoM 2's quarter hours below
    one hour do not count (assumption A20)."""
    share = months[ACTIVITY_COLUMNS].ge(min_hours).mean() * 100
    return _long(share, "6", "share_any_hour")


def _group_means(months: pd.DataFrame, cfg: RunConfig, by: list[str], cut: pd.Series | None = None,
                 present_only: bool = False) -> pd.DataFrame:
    """Trimmed means of total support and each activity by groups, with observations
    and ``n``, the persons behind each group (for disclosure control): distinct
    ``person_id``, or distinct `CELL_PERSON` when the report-months carry that column
    (RoM 2, where a person with two participations is counted in one group only, so
    that a grouping's persons add up to the sample's: `romlab.report.rom2_support`).

    Cut-offs come from the whole sample (`months`); the total's observations are the
    report-months at or below the total's cut-off (so a split adds up to Tabell 5's
    adjusted count). A category of a categorical column is a group even without
    report-months (its means empty); with `present_only` only the groups that have
    report-months are (Tabell A1: the levels found within each of its columns)."""
    cols = [TOTAL, *ACTIVITY_COLUMNS]
    cut = _whole_sample_cutoffs(months, cfg, cut)[cols]
    keep = trimmed(months, cut)
    vals = months[cols].where(keep)
    keys = [months[b] for b in by]
    g = vals.groupby(keys, observed=False, sort=True)
    means = g.mean()
    n = keep[TOTAL].groupby(keys, observed=False, sort=True).sum()
    person = months[CELL_PERSON] if CELL_PERSON in months.columns else months["person_id"]
    persons = person.groupby(keys, observed=False, sort=True).nunique()
    if present_only:
        present = g.size() > 0
        means, n = means[present.to_numpy()], n[present.to_numpy()]
    long = means.stack(future_stack=True).rename("value").reset_index()
    long.columns = [*by, "column", "value"]
    long["measure"] = "mean_hours"
    obs = n.rename("value").reset_index()
    obs["column"], obs["measure"] = TOTAL, "observations"
    out = pd.concat([long, obs], ignore_index=True)
    out["activity"] = out.pop("column").map(LABELS)
    out["n"] = pd.MultiIndex.from_frame(out[by]).map(persons).astype("Int64") if len(by) > 1 else \
        out[by[0]].map(persons).astype("Int64")
    return out


def tabell_group(months: pd.DataFrame, cfg: RunConfig, table: int, cut: pd.Series | None = None) -> pd.DataFrame:
    """Tabell 7–11 (§4.4.1–4.4.5): trimmed mean support by sex, education, age, country
    of birth (incl. foreign-born women and men) and disability, with observations."""
    parts = []
    for col in GROUP_TABLES[table]:
        t = _group_means(months, cfg, [col], cut=cut)
        labels = label_map(col, table)  # Tabell 10 labels only the foreign-born of sex_birth_group
        t = t[t[col].isin(list(labels))]
        t["group"] = t.pop(col).map(labels).astype(str)
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "table", str(table))
    return out[["table", "measure", "activity", "group", "value", "n"]]


def tabell_12(months: pd.DataFrame, cfg: RunConfig, cut: pd.Series | None = None) -> pd.DataFrame:
    """Tabell 12 (§4.4.6): trimmed mean support by level, with observations."""
    out = _group_means(months, cfg, ["level"], cut=cut)
    out.insert(0, "table", "12")
    return out[["table", "measure", "activity", "level", "value", "n"]]


def tabell_13(months: pd.DataFrame, cfg: RunConfig, cut: pd.Series | None = None) -> pd.DataFrame:
    """Tabell 13 (§4.4.7): trimmed mean hours per activity by level ×
    registration time (no total row, as printed)."""
    out = _group_means(months, cfg, ["level", "registration_group"], cut=cut)
    out = out[(out["measure"] == "mean_hours") & (out["activity"] != codes.TOTAL_SUPPORT_LABEL)]
    out["group"] = out.pop("registration_group").map(label_map("registration_group", 13)).astype(str)
    out.insert(0, "table", "13")
    return out[["table", "measure", "activity", "group", "level", "value", "n"]].reset_index(drop=True)


def tabell_a1(months: pd.DataFrame, cfg: RunConfig, cut: pd.Series | None = None) -> pd.DataFrame:
    """Tabell A1 (Bilaga 1): trimmed mean hours per activity by group ×
    level, in the 11 columns of `A1_COLUMNS` (col01 … col11, assumption A18), with the
    group's Tabell 7–11 label in `group`. Cut-offs from the whole sample, as in 7–13."""
    cut = _whole_sample_cutoffs(months, cfg, cut)
    # one grouping per group column (group × level), each column of A1 one group of it
    by_group = {col: _group_means(months, cfg, [col, "level"], cut=cut, present_only=True)
                for col in dict.fromkeys(col for col, _ in A1_COLUMNS)}
    parts = []
    for i, (col, code) in enumerate(A1_COLUMNS, start=1):  # 11 columns, not rows
        t = by_group[col]
        t = t[(t[col] == code) & (t["measure"] == "mean_hours")
              & (t["activity"] != codes.TOTAL_SUPPORT_LABEL)].drop(columns=col)
        t["column"] = f"col{i:02d}"
        table = {"sex": 7, "education_group": 8, "age_group": 9, "birth_country": 10, "disability_group": 11}[col]
        t["group"] = label_map(col, table)[code]
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "table", "A1")
    return out[["table", "measure", "activity", "level", "column", "group", "value", "n"]]


# --------------------------------------------------------------------------------------
# Significance of group differences
# --------------------------------------------------------------------------------------

def clustered_group_means(y: np.ndarray, group: np.ndarray, cluster: np.ndarray,
                          n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Group means of `y` and their covariance matrix, robust to clustering.

    The means are the OLS coefficients of `y` on one dummy per group; the covariance is
    the cluster-robust sandwich with Stata's small-sample factor
    G/(G−1) · (N−1)/(N−K) (G clusters, N observations, K groups). Because each
    observation belongs to one group, X'X is diagonal (the group sizes) and the meat is
    S'S with S[c, g] = the sum of residuals of cluster c in group g.
    """
    n = np.bincount(group, minlength=n_groups).astype(float)
    sums = np.bincount(group, weights=y, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / n
    resid = y - mean[group]
    cluster = np.asarray(cluster)
    if cluster.dtype.kind not in "iu" or len(cluster) == 0 or cluster.min() < 0 or cluster.max() > 4 * len(cluster):
        cluster = pd.factorize(cluster)[0]  # dense codes; small non-negative integer codes are used as they are
    n_cl = int(cluster.max()) + 1 if len(cluster) else 0
    s = np.bincount(cluster * n_groups + group, weights=resid, minlength=n_cl * n_groups).reshape(n_cl, n_groups)
    meat = s.T @ s  # clusters without observations add zero rows
    inv_n = np.divide(1.0, n, out=np.full(n_groups, np.nan), where=n > 0)
    g_, n_, k_ = int((np.bincount(cluster) > 0).sum()), len(y), int((n > 0).sum())
    factor = (g_ / (g_ - 1)) * ((n_ - 1) / (n_ - k_)) if g_ > 1 and n_ > k_ else np.nan
    return mean, factor * inv_n[:, None] * meat * inv_n[None, :]


def group_tests(months: pd.DataFrame, cfg: RunConfig, by: str, columns: list[str] | None = None,
                reference: str | None = None, cut: pd.Series | None = None) -> pd.DataFrame:
    """Tests of differences in trimmed mean support between the groups of `by`.

    For each hour column (total support and the 11 activities by default) and each pair
    of groups (or each group against `reference`), the difference in means over the
    report-months at or below the column's cut-off, its standard error clustered by
    person (one person contributes several months, §3.5.1), and a two-sided p-value from
    the t distribution with G−1 degrees of freedom (as Stata's `regress, vce(cluster)`).
    `significant` is p < `cfg.significance_level` (assumption A19).
    """
    columns = columns or [TOTAL, *ACTIVITY_COLUMNS]
    cut = _whole_sample_cutoffs(months, cfg, cut)[columns]
    keep = trimmed(months, cut)
    cat = months[by].astype("category")
    groups = [g for g in cat.cat.categories if (cat == g).any()]
    codes_ = cat.cat.set_categories(groups).cat.codes.to_numpy()  # every value is one of `groups` (or missing)
    pairs = ([(g, reference) for g in groups if g != reference] if reference is not None
             else [(a, b) for i, a in enumerate(groups) for b in groups[i + 1:]])
    person = pd.factorize(months["person_id"])[0]
    rows = []
    for col in columns:  # a loop over a dozen columns, not over rows
        ok = keep[col].to_numpy() & (codes_ >= 0)
        mean, cov = clustered_group_means(months[col].to_numpy(float)[ok], codes_[ok], person[ok], len(groups))
        n_clusters = int((np.bincount(person[ok]) > 0).sum())
        for a, b in pairs:
            i, j = groups.index(a), groups.index(b)
            diff = mean[i] - mean[j]
            se = float(np.sqrt(cov[i, i] + cov[j, j] - 2 * cov[i, j]))
            p = float(2 * special.stdtr(n_clusters - 1, -abs(diff / se))) if se > 0 else np.nan
            rows.append((LABELS[col], by, a, b, mean[i], mean[j], diff, se, p))
    out = pd.DataFrame(rows, columns=["activity", "by", "group", "reference", "mean", "mean_reference",
                                      "difference", "se", "p_value"])
    out["significant"] = out["p_value"] < cfg.significance_level
    return out
