"""The synthetic periodic and deviation reports.

`periodic_reports(rng, p, part, hid, contracts)` returns the periodic reports (one per
participation and month of the stay, a second one at a placement-period change for a
share and in the month of a provider switch, hours per activity from `hours`) and the
deviation reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr, stdtr

from romlab import months
from romlab.dataset import codes

from .draws import DAY, day, uniform_days


def _hour_quantile_knots(p, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Inverse-CDF knots of one activity: no hours below the zero share (Tabell 6), one
    hour just above it, then Tabell 2's percentiles."""
    z = 100.0 - p.HOUR_SHARE_ANY[col]
    knots = [(0.0, 0.0), (z, 0.0), (z + 1e-9, 1.0)] + [(q, v) for q, v in p.HOUR_KNOTS[col] if q > z and v >= 1]
    pct, val = np.array(knots, dtype=float).T
    return pct, np.maximum.accumulate(val)


def _t_cdf(df: float, x: np.ndarray) -> np.ndarray:
    """Student t CDF; closed form for 3 degrees of freedom (fast), scipy otherwise."""
    if df == 3.0:
        y = x / np.sqrt(3.0)
        return 0.5 + (y / (1.0 + y * y) + np.arctan(y)) / np.pi
    return stdtr(df, x)


def hours(rng, p, n_rows: int, person_idx: np.ndarray, ratio: dict[str, np.ndarray], gen: np.ndarray,
           days_in_month: np.ndarray) -> dict[str, np.ndarray]:
    """Hours per activity: inverse CDFs through Tabell 2's percentiles, tied by a
    Gaussian copula with a person and a report-month component."""
    n_person = person_idx.max() + 1 if len(person_idx) else 0
    zp = rng.standard_normal(n_person)[person_idx]
    zm = rng.standard_normal(n_rows)
    a, b = np.sqrt(p.COPULA_PERSON), np.sqrt(p.COPULA_MONTH)
    c = np.sqrt(1 - p.COPULA_PERSON - p.COPULA_MONTH)
    person = a * zp
    # Student-t copula: one chi-square mixing draw per report-month gives tail dependence,
    # so the extreme hours of several activities fall in the same months (choice, tuned
    # against Tabell 4–5: a thin shoulder but a heavy top 5 %).
    df = p.COPULA_T_DF
    scale = np.sqrt(df / rng.chisquare(df, n_rows))
    out = {}
    unit = np.where(gen == 2, 4.0, 1.0)
    for col in codes.HOUR_COLUMNS:
        # the month component loads with a sign per activity: a negative sign makes the
        # activity trade off against the others within a month (a provider's time budget)
        g = person + p.HOUR_MONTH_SIGN.get(col, 1.0) * b * zm + c * rng.standard_normal(n_rows)
        # upper tail only: below the median the copula stays Gaussian (no pile-up of
        # months that are low in every activity); the CDF is continuous at 0
        u = ndtr(g)
        pos = g >= 0
        u[pos] = _t_cdf(df, g[pos] * scale[pos])
        pct, val = _hour_quantile_knots(p, col)
        # log-linear between the knots (a heavy tail is concave between percentiles)
        h = np.expm1(np.interp(u * 100.0, pct, np.log1p(val))) * ratio.get(col, 1.0)
        out[col] = np.floor(h * unit + p.HOUR_ROUNDING) / unit  # to the reporting unit
    total = sum(out.values())
    cap = 24.0 * days_in_month * 0.9
    over = total > cap
    if over.any():
        f = cap[over] / total[over]
        for col in out:
            out[col][over] = np.floor(out[col][over] * f * unit[over]) / unit[over]
    return out


def _report_rows(rng, p, part: pd.DataFrame, hid: dict) -> dict[str, np.ndarray]:
    """One row per participation and month of the stay (up to the final cut-off for a
    stay still ongoing), doubled at the placement-period change for a share
    (``P_DOUBLE_REPORT_AT_PERIOD_CHANGE``) and in the month of a provider switch
    (``P_PROVIDER_SWITCH``: one month strictly inside the stay, not the period-change
    month). Per row: ``pi2`` (the participation), ``mi2`` (the month index), ``copy``
    (0 or 1), ``pp`` (the placement period), ``row`` (the row before doubling); per
    participation ``switch`` and ``sw_month``; per row before doubling ``is_switch``."""
    final = day(p.FINAL_CUTOFF)
    start = part["start_date"].to_numpy().astype("datetime64[D]")
    end = hid["end"]
    ongoing = hid["ongoing"]
    sm = months.index(start)
    em = np.where(ongoing, months.index(np.array([final]))[0], months.index(end))
    n_months = em - sm + 1
    pi = np.repeat(np.arange(len(part)), n_months)
    rel = np.arange(len(pi)) - np.repeat(np.cumsum(n_months) - n_months, n_months)
    mi = sm[pi] + rel
    # placement-period change month
    pp_date = start + p.PLACEMENT_PERIOD_1_DAYS * DAY
    reaches_pp2 = ongoing | (end >= pp_date)
    pm = np.where(reaches_pp2, months.index(pp_date), 10**9)
    double_pp = reaches_pp2 & (rng.random(len(part)) < p.P_DOUBLE_REPORT_AT_PERIOD_CHANGE)
    # provider switch: one month strictly inside the stay, not the period-change month
    switch = (n_months >= 4) & (rng.random(len(part)) < p.P_PROVIDER_SWITCH)
    k = 1 + np.floor(rng.random(len(part)) * np.maximum(n_months - 2, 1)).astype(int)
    sw_month = np.where(switch, sm + k, -1)
    switch &= sw_month != pm
    sw_month = np.where(switch, sw_month, -1)

    is_pp_double = double_pp[pi] & (mi == pm[pi])
    is_switch = (mi == sw_month[pi])
    copies = 1 + (is_pp_double | is_switch)
    row = np.repeat(np.arange(len(pi)), copies)
    copy = np.arange(len(row)) - np.repeat(np.cumsum(copies) - copies, copies)
    pi2, mi2 = pi[row], mi[row]
    pp = np.where(mi2 < pm[pi2], 1, 2)
    pp = np.where(is_pp_double[row] & (copy == 0), 1, pp)
    return {"row": row, "copy": copy, "pi2": pi2, "mi2": mi2, "pp": pp, "switch": switch, "sw_month": sw_month,
            "is_switch": is_switch}


def _report_providers(rng, r: dict, ci: np.ndarray, contracts: pd.DataFrame) -> np.ndarray:
    """The provider of each report row: after a switch, another contract of the same area
    (drawn among the area's contracts, never the one left)."""
    switch, sw_month, pi2, mi2, copy = r["switch"], r["sw_month"], r["pi2"], r["mi2"], r["copy"]
    new_ci = ci.copy()
    sw_idx = np.flatnonzero(switch)
    if len(sw_idx):
        key = contracts["generation"].to_numpy() * 1000 + contracts["_area"].to_numpy()
        order = np.argsort(key, kind="stable")
        uk, first, counts = np.unique(key[order], return_index=True, return_counts=True)
        g = np.searchsorted(uk, key[ci[sw_idx]])
        pick = first[g] + np.floor(rng.random(len(sw_idx)) * counts[g]).astype(int)
        cand = order[pick]
        same = cand == ci[sw_idx]
        cand[same] = order[first[g[same]] + (pick[same] - first[g[same]] + 1) % counts[g[same]]]
        new_ci[sw_idx] = cand
    after = (sw_month[pi2] >= 0) & ((mi2 > sw_month[pi2]) | ((mi2 == sw_month[pi2]) & (copy == 1)))
    return np.where(after, contracts["provider_id"].to_numpy()[new_ci[pi2]],
                    contracts["provider_id"].to_numpy()[ci[pi2]])


def _hour_ratios(p, part: pd.DataFrame, hid: dict) -> dict[str, np.ndarray]:
    """Per participation and activity, the factor on its hours: the groups' ratios per
    activity (``HOURS_GROUP_RATIO``) times, for the activities in total support, the
    overall scale and the groups' ratios on the total (``HOURS_GROUP_TOTAL_RATIO``)."""
    gg = hid["g"]
    dims = {"age_group": gg["age_group"], "below_upper": gg["below_upper"], "born_abroad": gg["born_abroad"],
            "disability": gg["disability"], "level": part["level"].to_numpy(), "woman": gg["woman"],
            "foreign_man": gg["born_abroad"] & ~gg["woman"],
            # level × registration group as one key, "A0" … "C4" (Tabell 13)
            "level_registration": np.char.add(part["level"].to_numpy().astype(str), gg["reg_group"].astype(str))}
    ratio = {}
    for dim, per_activity in p.HOURS_GROUP_RATIO.items():  # a few dimensions, not rows
        for col, by_group in per_activity.items():
            r = pd.Series(dims[dim]).map(by_group).fillna(1.0).to_numpy(float)
            ratio[col] = ratio.get(col, np.ones(len(part))) * r
    every = np.full(len(part), float(p.HOURS_TOTAL_SCALE))
    for dim, by_group in p.HOURS_GROUP_TOTAL_RATIO.items():
        every *= pd.Series(dims[dim]).map(by_group).fillna(1.0).to_numpy(float)
    for col in codes.HOUR_COLUMNS:
        if col not in codes.EXCLUDED_FROM_TOTAL:
            ratio[col] = ratio.get(col, np.ones(len(part))) * every
    return ratio


def _split_switch_month(rng, hours_by_col: dict, split: np.ndarray, copy: np.ndarray, gen: np.ndarray) -> None:
    """A provider switch splits the month's hours between the two providers' reports
    (in place)."""
    if split.any():
        frac = rng.uniform(0.2, 0.8, len(split))
        frac = np.where(copy == 0, frac, 1 - frac)[split]
        unit = np.where(gen[split] == 2, 4.0, 1.0)
        for col in hours_by_col:
            hours_by_col[col][split] = np.floor(hours_by_col[col][split] * frac * unit + 0.5) / unit


def periodic_reports(rng, p, part: pd.DataFrame, hid: dict, contracts: pd.DataFrame):
    """The periodic reports and the deviation reports (see the module's docstring); a
    report is submitted 1–20 days after its month (never before the stay's last day), and
    only reports submitted by the final cut-off are kept."""
    final = day(p.FINAL_CUTOFF)
    end, ongoing = hid["end"], hid["ongoing"]
    r = _report_rows(rng, p, part, hid)
    provider = _report_providers(rng, r, hid["contract_idx"], contracts)
    row, copy, pi2, mi2, pp = r["row"], r["copy"], r["pi2"], r["mi2"], r["pp"]
    month = months.from_index(mi2)
    month_end = months.from_index(mi2 + 1) - DAY
    submitted = month_end + uniform_days(rng, 1, 20, len(row))
    last_day = np.where(ongoing[pi2], final, end[pi2])
    submitted = np.maximum(submitted, np.minimum(last_day, month_end) + DAY)
    keep = submitted <= final
    row, copy, pi2, mi2, pp, provider, month, submitted = (
        x[keep] for x in (row, copy, pi2, mi2, pp, provider, month, submitted))

    gen = part["generation"].to_numpy()[pi2]
    ratio = {col: v[pi2] for col, v in _hour_ratios(p, part, hid).items()}
    dim = ((months.from_index(mi2 + 1) - month) / DAY).astype(float)
    by_col = hours(rng, p, len(pi2), pi2, ratio, gen, dim)
    _split_switch_month(rng, by_col, r["is_switch"][row], copy, gen)
    reports = pd.DataFrame({
        "report_id": np.arange(1, len(pi2) + 1, dtype=np.int64),
        "participation_id": part["participation_id"].to_numpy()[pi2],
        "provider_id": provider,
        "month": month,
        "placement_period": pp.astype(np.int64),
        "submitted_date": submitted,
        **by_col,
    })
    return reports, _deviations(rng, p, part, hid, copy, pi2, mi2, month, provider)


def _deviations(rng, p, part: pd.DataFrame, hid: dict, copy: np.ndarray, pi2: np.ndarray, mi2: np.ndarray,
                month: np.ndarray, provider: np.ndarray) -> pd.DataFrame:
    """Deviation reports: in a participation-month (its first report), with the
    participant's propensity (a beta draw, ``DEVIATION_BETA``), one or more dated within
    the month and the stay, submitted within 14 days; kept if submitted by the cut-off."""
    final = day(p.FINAL_CUTOFF)
    start = part["start_date"].to_numpy().astype("datetime64[D]")
    end, ongoing = hid["end"], hid["ongoing"]
    base = copy == 0
    a, b = p.DEVIATION_BETA
    prop = rng.beta(a, b, len(part))
    bi = np.flatnonzero(base)
    has = rng.random(len(bi)) < prop[pi2[bi]]
    bi = bi[has]
    n_dev = 1 + rng.poisson(0.4, len(bi))
    di = np.repeat(bi, n_dev)
    lo = np.maximum(month[di], start[pi2[di]])
    hi = np.minimum(months.from_index(mi2[di] + 1) - DAY, np.where(ongoing[pi2[di]], final, end[pi2[di]]))
    span = np.maximum(((hi - lo) / DAY).astype(int), 0)
    ddate = lo + np.floor(rng.random(len(di)) * (span + 1)).astype(int) * DAY
    dsub = ddate + uniform_days(rng, 0, 14, len(di))
    keep = dsub <= final
    return pd.DataFrame({
        "deviation_id": np.arange(1, keep.sum() + 1, dtype=np.int64),
        "participation_id": part["participation_id"].to_numpy()[pi2[di]][keep],
        "provider_id": provider[di][keep],
        "deviation_date": ddate[keep],
        "submitted_date": dsub[keep],
    })
