"""Synthetic Rusta och matcha microdata with the report's structure and volumes.

`generate(scale, seed)` returns one DataFrame per table of the data contract
(`romlab.data.contract`); `write(tables, out)` stores them as Parquet; `synth(out, scale,
seed)` does both. Scale 1.0 gives the report's volumes: about 815 000 RoM 1 periodic
reports for July 2022 – May 2023 and about 138 000 starts in windows 1–4. Every draw
comes from one `numpy.random.Generator` seeded once, and every step is vectorised, so
the same seed gives byte-identical files.

What the generator models (parameters and their sources: `romlab.data.synth_params`):
intake per day by window; participants' groups (age tied to sex × birth country,
disability and registration time to age); level by a job-chance score tilted by
the groups; providers and contracts per delivery area; stays of up to 12 months over
two placement periods, ended by a result, an interruption or the 12 months;
provider switches; double reports at the placement-period change; deviation reports;
heavy-tailed hours per activity (inverse CDFs through Tabell 2's percentiles, tied by
a Gaussian copula); R1/R2 (RoM 1) and 3/6-month results (RoM 2) with filing and
approval dates; register events for work results; provider ratings every other month.
Every record carries the date it became known, and nothing known after the final
cut-off (`synth_params.FINAL_CUTOFF`) is written.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
from scipy.special import ndtr, stdtr

from romlab import months
from romlab.data import codes
from romlab.data import synth_params as default_params
from romlab.report.classify import window as classify_window

DAY = np.timedelta64(1, "D")


def _d(x) -> np.datetime64:
    return np.datetime64(x, "D")


def _uniform_days(rng, lo, hi, n) -> np.ndarray:
    """Integer day offsets drawn uniformly from [lo, hi]."""
    return rng.integers(lo, hi + 1, size=n).astype("timedelta64[D]")


# --------------------------------------------------------------------------------------
# Providers and contracts
# --------------------------------------------------------------------------------------

def _contracts(rng, p) -> pd.DataFrame:
    """Contracts per delivery area for both generations, with size and quality.

    The first contract of each area (its anchor) runs for the whole generation, so every
    start finds an active contract. RoM 2 contracts vary for the provider review: sizes
    (``_weight``), some late-starting, some ended early, and quality (``_quality``, the
    effect on the result probability) with a few weak contracts (``_weak``).
    """
    rows = []
    final = _d(p.FINAL_CUTOFF)
    for gen in (1, 2):
        n_areas = p.N_AREAS[gen]
        n_per = 3 + rng.poisson(p.CONTRACTS_PER_AREA_EXTRA[gen], size=n_areas)
        area = np.repeat(np.arange(1, n_areas + 1), n_per)
        first = np.r_[True, area[1:] != area[:-1]]
        n = len(area)
        # providers: big ones hold many contracts (Zipf-like choice), no duplicates in an area
        weights = 1.0 / np.arange(1, p.N_PROVIDERS + 1) ** 0.8
        weights /= weights.sum()
        prov = rng.choice(p.N_PROVIDERS, size=n, p=weights)
        # de-duplicate within area by shifting duplicates to the next free provider id
        df = pd.DataFrame({"area": area, "prov": prov})
        dup = df.duplicated(["area", "prov"])
        while dup.any():
            df.loc[dup, "prov"] = (df.loc[dup, "prov"] + rng.integers(1, 40, dup.sum())) % p.N_PROVIDERS
            dup = df.duplicated(["area", "prov"])
        if gen == 1:
            start = np.full(n, _d(p.ROM1_CONTRACT_START))
            late = ~first & (rng.random(n) < 0.15)
            start[late] = _d("2021-01-01") + _uniform_days(rng, 0, 500, late.sum())
            end = np.full(n, _d(p.ROM1_CONTRACT_END))
            early = ~first & (rng.random(n) < 0.10)
            end[early] = _d("2021-09-01") + _uniform_days(rng, 0, 450, early.sum())
        else:
            start = np.full(n, _d(p.ROM2_CONTRACT_START))
            late = ~first & (rng.random(n) < p.P_ROM2_LATE_START)
            start[late] = _d("2023-09-01") + _uniform_days(rng, 0, 420, late.sum())
            end = np.full(n, np.datetime64("NaT", "D"))
            early = ~first & (rng.random(n) < p.P_ROM2_EARLY_END)
            end[early] = _d("2024-03-01") + _uniform_days(rng, 0, 570, early.sum())
        end = np.where(~np.isnat(end) & (end <= start), start + 180 * DAY, end)
        rows.append(pd.DataFrame({
            "provider_id": [f"P{x + 1:04d}" for x in df["prov"].to_numpy()],
            "delivery_area": [f"R{gen}-{a:02d}" for a in area],
            "generation": gen,
            "contract_start": start,
            "contract_end": end,
            # an end becomes known 90 days ahead (a decided end date), never after the cut-off
            "end_recorded_date": np.where(np.isnat(end), np.datetime64("NaT", "D"),
                                          np.minimum(end - 90 * DAY, final)),
            "_area": area,
            "_anchor": first,
            "_weight": rng.lognormal(0.0, 0.7, n),
            "_quality": rng.normal(0.0, p.PROVIDER_EFFECT_SD, n),
        }))
    out = pd.concat(rows, ignore_index=True)
    # RoM 2 size and quality: a spread around a small positive mean plus a few weak contracts
    # (synth_params, "Providers and contracts"), from an independent generator of the
    # same seed (spawn key 8000) so that the main stream (RoM 1, every later draw) is untouched.
    g2 = np.flatnonzero(out["generation"].to_numpy() == 2)
    seq = rng.bit_generator.seed_seq
    sub = np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 8000)))
    weak = sub.random(len(g2)) < p.P_ROM2_WEAK
    quality = np.where(weak, sub.normal(*p.ROM2_WEAK_QUALITY, len(g2)),
                       sub.normal(p.ROM2_QUALITY_MEAN, p.ROM2_QUALITY_SD, len(g2)))
    out.loc[g2, "_quality"] = quality
    out.loc[g2, "_weight"] = sub.lognormal(0.0, p.ROM2_SIZE_SIGMA, len(g2))
    out["_weak"] = False
    out.loc[g2, "_weak"] = weak
    return out


def _choose_contract(rng, contracts: pd.DataFrame, gen: np.ndarray, area: np.ndarray,
                     start: np.ndarray) -> np.ndarray:
    """Index into `contracts` of the contract each start chooses in its area.

    Weighted by contract size among the contracts active on the start date; vectorised
    with one searchsorted over per-area cumulative weights.
    """
    c = contracts
    key = (c["generation"].to_numpy() * 1000 + c["_area"].to_numpy())
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    w = c["_weight"].to_numpy()[order]
    uniq, first_idx = np.unique(key_sorted, return_index=True)
    group = np.searchsorted(uniq, key_sorted)
    cw = np.cumsum(w)
    group_start_cw = np.r_[0.0, cw][first_idx][group]
    group_total = np.add.reduceat(w, first_idx)[group]
    pos = group + (cw - group_start_cw) / group_total  # in (g, g+1]
    pkey = gen * 1000 + area
    pgroup = np.searchsorted(uniq, pkey)
    cstart = c["contract_start"].to_numpy().astype("datetime64[D]")[order]
    cend = c["contract_end"].to_numpy().astype("datetime64[D]")[order]
    anchor_sorted = first_idx[pgroup]
    chosen = np.full(len(pkey), -1)
    todo = np.arange(len(pkey))
    for _ in range(12):
        u = rng.random(len(todo))
        j = np.searchsorted(pos, pgroup[todo] + u, side="left")
        j = np.minimum(j, first_idx[pgroup[todo]] + np.bincount(group)[pgroup[todo]] - 1)
        ok = (cstart[j] <= start[todo]) & (np.isnat(cend[j]) | (cend[j] >= start[todo]))
        chosen[todo[ok]] = j[ok]
        todo = todo[~ok]
        if not len(todo):
            break
    chosen[todo] = anchor_sorted[todo]
    return order[chosen]


# --------------------------------------------------------------------------------------
# Participations
# --------------------------------------------------------------------------------------

def _start_dates(rng, p, scale: float) -> np.ndarray:
    parts = []
    for first, last, rate in p.INTAKE_RATE:
        days = np.arange(_d(first), _d(last) + DAY, DAY)
        if p.WEEKDAYS_ONLY:
            wd = (days.astype(np.int64) + 3) % 7  # 0 = Monday
            days = days[wd < 5]
            rate = rate * 7 / 5
        n = rng.poisson(rate * scale, size=len(days))
        parts.append(np.repeat(days, n))
    return np.concatenate(parts)


def _mixed_shares(target, weights, odds) -> np.ndarray:
    """Shares of a categorical variable within each of J groups (J × K): ``target``
    (K shares) times ``odds`` (J × K) and rescaled (iterative proportional fitting, a
    few steps over J × K numbers) so that their mix over the groups' ``weights`` (J) is
    ``target`` again."""
    target = np.asarray(target, dtype=float)
    a = np.asarray(weights, dtype=float) / np.sum(weights)
    k = np.asarray(odds, dtype=float)
    base = target.copy()
    for _ in range(100):
        cond = base[None, :] * k
        cond /= cond.sum(axis=1, keepdims=True)
        base *= target / (a @ cond)
    cond = base[None, :] * k
    return cond / cond.sum(axis=1, keepdims=True)


def _draw(u: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Category 0..K−1 of each uniform ``u`` under its row of ``shares`` (n × K)."""
    return np.minimum((u[:, None] > np.cumsum(shares, axis=1)).sum(axis=1), shares.shape[1] - 1)


def _groups(rng, p, n: int, window: np.ndarray) -> dict[str, np.ndarray]:
    """Participants' groups. Sex and birth country, education, age and registration time
    are drawn in this order from the main stream; age depends on sex × birth country
    (``AGE_ODDS_DOMESTIC_WOMEN``), disability on age (``DISABILITY_AGE_ODDS``) and
    registration time on age (``REGISTRATION_AGE_TILT``), each keeping its overall share."""
    born_abroad = rng.random(n) < p.SHARE_BORN_ABROAD
    p_woman_dom = (p.SHARE_WOMEN - p.SHARE_BORN_ABROAD * p.SHARE_WOMEN_AMONG_BORN_ABROAD) / (1 - p.SHARE_BORN_ABROAD)
    woman = rng.random(n) < np.where(born_abroad, p.SHARE_WOMEN_AMONG_BORN_ABROAD, p_woman_dom)
    u_disability = rng.random(n)
    below_upper = rng.random(n) < p.SHARE_BELOW_UPPER_SECONDARY
    post = ~below_upper & (rng.random(n) < p.SHARE_POST_SECONDARY_OF_UPPER)
    education = np.where(below_upper, "compulsory", np.where(post, "post_secondary", "upper_secondary"))
    age_shares = np.array(p.AGE_GROUP_SHARES) / sum(p.AGE_GROUP_SHARES)
    domestic_woman = woman & ~born_abroad
    share_dw = p.SHARE_WOMEN - p.SHARE_BORN_ABROAD * p.SHARE_WOMEN_AMONG_BORN_ABROAD
    by_sex = _mixed_shares(age_shares, [1 - share_dw, share_dw],
                           [np.ones(3), getattr(p, "AGE_ODDS_DOMESTIC_WOMEN", np.ones(3))])
    age_group = _draw(rng.random(n), by_sex[domestic_woman.astype(int)])
    lo = np.array([r[0] for r in p.AGE_RANGES])[age_group]
    hi = np.array([r[1] for r in p.AGE_RANGES])[age_group]
    age = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    dis_odds = np.array(getattr(p, "DISABILITY_AGE_ODDS", (1.0, 1.0, 1.0)), dtype=float)
    p_dis = _mixed_shares([1 - p.SHARE_DISABILITY, p.SHARE_DISABILITY], age_shares,
                          np.column_stack([np.ones(3), dis_odds]))[:, 1]
    disability = u_disability < p_dis[age_group]
    tilt = getattr(p, "REGISTRATION_AGE_TILT", {})
    reg_odds = np.exp(np.outer([tilt.get(i, 0.0) for i in range(3)], np.arange(5)))
    by_age = np.stack([_mixed_shares(p.REGISTRATION_SHARES, age_shares, reg_odds),
                       _mixed_shares(p.REGISTRATION_SHARES_WINDOW3, age_shares, reg_odds)])
    reg_group = _draw(rng.random(n), by_age[(window == 3).astype(int), age_group])
    reg_lo = np.array([0, 366, 731, 1096, 1461])[reg_group]
    reg_hi = np.array([365, 730, 1095, 1460, 3650])[reg_group]
    days_registered = reg_lo + np.floor(rng.random(n) * (reg_hi - reg_lo + 1)).astype(int)
    young = age < 25
    fp = np.full(n, "none", dtype=object)
    long_reg = days_registered >= 450
    fp[long_reg & (rng.random(n) < 0.85)] = "jog"
    fp[young & (days_registered >= 90) & (rng.random(n) < 0.7)] = "uga"
    fp[born_abroad & (days_registered < 730) & ~young & (rng.random(n) < 0.12)] = "establishment"
    return {
        "woman": woman, "born_abroad": born_abroad, "disability": disability,
        "below_upper": below_upper, "education": education, "age": age, "age_group": age_group,
        "reg_group": reg_group, "days_registered": days_registered, "framework_programme": fp,
    }


def _levels(rng, p, g: dict, window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Level by a latent need score: the window's lowest scores go to A (its shares)."""
    t = p.LEVEL_TILT
    score = (t["born_abroad"] * g["born_abroad"] + t["disability"] * g["disability"]
             + t["below_upper"] * g["below_upper"] + t["over_55"] * (g["age_group"] == 2)
             + t["registration"] * g["reg_group"] + rng.logistic(0, 1, len(window)))
    level = np.empty(len(window), dtype=object)
    for w, shares in p.LEVEL_SHARES_BY_WINDOW.items():
        m = window == w
        if not m.any():
            continue
        q = np.quantile(score[m], [shares[0], shares[0] + shares[1]])
        level[m] = np.where(score[m] <= q[0], "A", np.where(score[m] <= q[1], "B", "C"))
    lo = np.array([p.JOB_CHANCE_BANDS[x][0] for x in "ABC"])
    hi = np.array([p.JOB_CHANCE_BANDS[x][1] for x in "ABC"])
    li = np.searchsorted(np.array(list("ABC")), level.astype(str))
    job_chance = np.round(lo[li] + rng.random(len(window)) * (hi[li] - lo[li]), 4)
    return level.astype(str), job_chance


def _outcome_rng(rng, stream: int) -> np.random.Generator:
    """An independent generator for the result draws, from the same seed as ``rng``
    (its root seed sequence with spawn key ``stream``), so that result draws neither
    depend on nor shift the draws of the other parts of the generator."""
    seq = rng.bit_generator.seed_seq
    return np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 7000 + stream)))


def _group_design(g: dict) -> pd.DataFrame:
    """Indicators of the groups the result model uses (Tabell 18's regressors; reference
    domestic-born man, under 25, registered at most a year, below upper secondary)."""
    return pd.DataFrame({
        "woman": g["woman"], "born_abroad": g["born_abroad"],
        "born_abroad_woman": g["woman"] & g["born_abroad"], "disability": g["disability"],
        "upper_secondary": ~g["below_upper"], "age_25_55": g["age_group"] == 1,
        "age_55_plus": g["age_group"] == 2, "reg_1_2y": g["reg_group"] == 1,
        "reg_2_3y": g["reg_group"] == 2, "reg_3_4y": g["reg_group"] == 3,
        "reg_over_4y": g["reg_group"] == 4,
    }).astype(float)


def _period_cells(p, window: np.ndarray, level: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell key (start period × level) and the cell's final R2 share: the window's
    share (``R2_SHARE``) or, for starts in one of ``R2_SHARE_PERIODS``, that period's."""
    lv = np.searchsorted(np.array(list("ABC")), level)
    table = np.array([[p.R2_SHARE[w][x] for x in "ABC"] for w in sorted(p.R2_SHARE)])
    wpos = np.searchsorted(np.array(sorted(p.R2_SHARE)), window)
    base = table[wpos, lv]
    period = window.astype(int) * 10
    for i, (first, last, shares) in enumerate(p.R2_SHARE_PERIODS):  # a few periods
        m = (start >= _d(first)) & (start <= _d(last))
        base[m] = np.array([shares[x] for x in "ABC"])[lv[m]]
        period[m] = 1000 + 10 * i
    return period + lv, base


def _centred(values: np.ndarray, key: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """``values`` minus their (weighted) mean within each ``key``."""
    w = np.ones(len(values)) if weights is None else weights
    k, inv = np.unique(key, return_inverse=True)
    mean = np.bincount(inv, values * w, len(k)) / np.maximum(np.bincount(inv, w, len(k)), 1e-12)
    return values - mean[inv]


def _result_probability(p, g: dict, window: np.ndarray, level: np.ndarray,
                        quality: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Final R2 (RoM 2: 3-month result) probability: the start period × level share
    (`_period_cells`) plus the Tabell 18 effects of the groups (``R2_EFFECTS``, plus
    ``R2_EFFECTS_CELL`` in the window × level cells it names), the
    start month's shift (``R2_START_MONTH_SHIFT``) and the contract's quality, these
    three centred within the cell so that the cell keeps its share."""
    e = p.R2_EFFECTS
    x = _group_design(g)
    key, base = _period_cells(p, window, level, start)
    month = start.astype("datetime64[M]")
    shift = np.zeros(len(start))
    for m, s in p.R2_START_MONTH_SHIFT.items():
        shift[month == np.datetime64(m, "M")] += s
    effects = x.to_numpy() @ np.array([e[c] for c in x.columns])
    for (w, lv), extra in p.R2_EFFECTS_CELL.items():  # a few window × level cells
        m = (window == w) & (level == lv)
        effects[m] += x.to_numpy()[m] @ np.array([extra.get(c, 0.0) for c in x.columns])
    lin = _centred(effects + shift + quality, key)
    return np.clip(base + lin, 0.01, 0.95)


def _studies_probability(p, g: dict, window: np.ndarray, level: np.ndarray, start: np.ndarray,
                         p_res: np.ndarray) -> np.ndarray:
    """Probability that a result is studies rather than work: the window × level share of
    studies among results (1 − ``WORK_SHARE_OF_RESULTS``, or ``WORK_SHARE_PERIODS`` for
    starts in one of its periods) plus the groups' effects (``STUDIES_EFFECTS``),
    centred within the cell over the expected results."""
    lv = np.searchsorted(np.array(list("ABC")), level)
    table = np.array([[1 - p.WORK_SHARE_OF_RESULTS[w][x] for x in "ABC"] for w in sorted(p.WORK_SHARE_OF_RESULTS)])
    base = table[np.searchsorted(np.array(sorted(p.WORK_SHARE_OF_RESULTS)), window), lv]
    key = window.astype(int) * 10 + lv
    for i, (first, last, shares) in enumerate(p.WORK_SHARE_PERIODS):  # a few periods
        m = (start >= _d(first)) & (start <= _d(last))
        base[m] = 1 - np.array([shares[x] for x in "ABC"])[lv[m]]
        key[m] = 1000 + 10 * i + lv[m]
    x = _group_design(g)
    lin = x.to_numpy() @ np.array([p.STUDIES_EFFECTS[c] for c in x.columns])
    lin = _centred(lin, key, weights=p_res)
    return np.clip(base + lin, 0.005, 0.995)


def _stay_survival(p, days: np.ndarray) -> np.ndarray:
    """P(the stay has not been interrupted more than 61 days before day ``days``): a
    result counts only if the work or studies began at most two months after the end
    (L762–770), and an interruption ends the stay (the dropout model of
    `_participations`: an exponential hazard plus a share who leave early)."""
    k = np.maximum(days - 61, 0).astype(float)
    expo = np.exp(-k * p.DROPOUT_HAZARD_PER_MONTH / 30.4)
    p_early = getattr(p, "P_EARLY_DROPOUT", 0.0)
    if p_early:
        lo, hi = p.EARLY_DROPOUT_DAYS  # integers in [lo, hi)
        early = np.clip((hi - np.maximum(k, lo)) / (hi - lo), 0, 1)
        return (1 - p_early) * expo + p_early * early
    return expo


def _systematic(rng, prob: np.ndarray, strata: np.ndarray, sort_key: np.ndarray | None = None) -> np.ndarray:
    """Bernoulli draws with P(True) = ``prob`` for each row whose number per stratum is
    the expected number rounded up or down: systematic sampling within each stratum,
    rows ordered by ``sort_key`` (implicit stratification: each run of equal keys also
    gets about its expected number) and at random within a key. Cell and group shares
    then carry little sampling noise."""
    n = len(prob)
    if not n:
        return np.zeros(0, dtype=bool)
    sort_key = np.zeros(n, dtype=np.int64) if sort_key is None else sort_key
    order = np.lexsort((rng.random(n), sort_key, strata))
    ps, st = prob[order], strata[order]
    first = np.r_[True, st[1:] != st[:-1]]
    gid = np.cumsum(first) - 1
    cum = np.cumsum(ps)
    before = (cum - ps)[first][gid]
    u = rng.random(gid[-1] + 1)[gid]
    hit = np.floor(cum - before + u) > np.floor(cum - ps - before + u)
    out = np.empty(n, dtype=bool)
    out[order] = hit
    return out


def _participations(rng, p, scale: float, contracts: pd.DataFrame):
    start = _start_dates(rng, p, scale)
    n = len(start)
    gen = np.where(start >= _d(codes.ROM2_START), 2, 1)
    window = classify_window(pd.Series(start.astype("datetime64[ns]"))).to_numpy(dtype=int)
    g = _groups(rng, p, n, window)
    level, job_chance = _levels(rng, p, g, window)

    # delivery area by area size (a fixed lognormal weight per area)
    area = np.empty(n, dtype=int)
    for gg in (1, 2):
        m = gen == gg
        aw = rng.lognormal(0, 0.6, p.N_AREAS[gg])
        area[m] = rng.choice(np.arange(1, p.N_AREAS[gg] + 1), size=m.sum(), p=aw / aw.sum())
    ci = _choose_contract(rng, contracts, gen, area, start)
    quality = contracts["_quality"].to_numpy()[ci]

    # outcomes, from their own stream (result draws neither shift nor follow the others)
    orng = _outcome_rng(rng, 1)
    p_res = _result_probability(p, g, window, level, quality, start)
    max_delay = p.MAX_STAY_DAYS + 61
    delay = orng.gamma(p.R1_DELAY_GAMMA[0], p.R1_DELAY_GAMMA[1], n)
    too_late = delay > max_delay
    delay[too_late] = orng.random(too_late.sum()) * max_delay
    delay = delay.astype(int)
    # R2 (RoM 1) / 3-month result (RoM 2), drawn so that the share surviving the stay
    # rule below (work/studies begun by two months after the end) and AF's approval is
    # p_res; systematic per start month × level, so cell shares carry little noise
    survive = _stay_survival(p, delay)
    keep = survive * np.where(gen == 1, 1 - p.P_R2_REJECTED, 1.0)
    strata = months.index(start) * 3 + np.searchsorted(np.array(list("ABC")), level)
    groups = (((g["woman"] * 2 + g["born_abroad"]) * 2 + g["disability"]) * 2 + g["below_upper"]) * 15 \
        + g["age_group"] * 5 + g["reg_group"]
    has_final = _systematic(orng, np.clip(p_res / keep, 0, 1), strata, groups)
    p_r1_only = np.clip(p_res * (1 / p.R1_TO_R2 - 1) / (1 - p_res) / survive, 0, 1)
    has_r1 = has_final | (orng.random(n) < p_r1_only)
    studies = _studies_probability(p, g, window, level, start, p_res)
    work = orng.random(n) >= studies
    work[has_final] = ~_systematic(orng, studies[has_final], strata[has_final], groups[has_final])

    planned_end = start + (p.MAX_STAY_DAYS - 1) * DAY
    dropout_days = rng.exponential(30.4 / p.DROPOUT_HAZARD_PER_MONTH, n).astype(int)
    early = rng.random(n) < p.P_EARLY_DROPOUT  # leave within the first weeks (never settle in)
    dropout_days = np.where(early, rng.integers(*p.EARLY_DROPOUT_DAYS, n), dropout_days)
    r1_date = start + delay * DAY
    ends_by_r1 = has_r1 & (r1_date <= planned_end) & (rng.random(n) < p.P_R1_ENDS_STAY)
    end = planned_end.copy()
    reason = np.full(n, "completed", dtype=object)
    drop = start + dropout_days * DAY
    m = drop < end
    end[m], reason[m] = drop[m], "interrupted"
    m = ends_by_r1 & (r1_date - DAY < end)
    end[m], reason[m] = np.maximum(r1_date[m] - DAY, start[m]), "work_or_studies"
    # a result counts only if the work/studies began by two months after the end (L762–770)
    has_r1 &= r1_date <= end + 61 * DAY
    has_final &= has_r1
    # contract ended before the stay did: the participation ends with the contract
    cend = contracts["contract_end"].to_numpy().astype("datetime64[D]")[ci]
    m = ~np.isnat(cend) & (cend < end)
    end[m], reason[m] = cend[m], "provider_terminated"

    final = _d(p.FINAL_CUTOFF)
    end_recorded = end + _uniform_days(rng, 0, 10, n)
    ongoing = end_recorded > final
    recorded = start - _uniform_days(rng, 3, 30, n)

    age_days = (g["age"] * 365.25 + rng.random(n) * 364).astype(int)
    birth = start - age_days * DAY
    # make completed years on the start date equal the drawn age exactly
    by = birth.astype("datetime64[Y]").astype(int) + 1970
    sy = start.astype("datetime64[Y]").astype(int) + 1970
    bmd = birth - birth.astype("datetime64[Y]").astype("datetime64[D]")
    smd = start - start.astype("datetime64[Y]").astype("datetime64[D]")
    completed = sy - by - (smd < bmd)
    birth = birth + ((completed - g["age"]) * 365) * DAY
    birth = np.where((birth - birth.astype("datetime64[M]").astype("datetime64[D]")) > 27 * DAY,
                     birth - 3 * DAY, birth)  # avoid 29 Feb and month-end edge cases

    part = pd.DataFrame({
        "participation_id": np.arange(1, n + 1, dtype=np.int64),
        "person_id": np.int64(10_000_000) + rng.permutation(n).astype(np.int64),
        "provider_id": contracts["provider_id"].to_numpy()[ci],
        "delivery_area": contracts["delivery_area"].to_numpy()[ci],
        "generation": gen.astype(np.int64),
        "recorded_date": recorded,
        "start_date": start,
        "end_date": np.where(ongoing, np.datetime64("NaT", "D"), end),
        "end_reason": np.where(ongoing, None, reason),
        "end_recorded_date": np.where(ongoing, np.datetime64("NaT", "D"), end_recorded),
        "level": level,
        "job_chance": job_chance,
        "sex": np.where(g["woman"], "woman", "man"),
        "born_abroad": g["born_abroad"],
        "disability": g["disability"],
        "education": g["education"],
        "birth_date": birth,
        "days_registered": g["days_registered"].astype(np.int64),
        "framework_programme": g["framework_programme"].astype(str),
    })
    hidden = {
        "contract_idx": ci, "end": end, "ongoing": ongoing, "has_r1": has_r1,
        "has_final": has_final, "r1_date": r1_date, "work": work, "window": window, "g": g,
    }
    # RoM 2 participants who were in RoM 1 before (choice: 4 % come back)
    back = np.flatnonzero((gen == 2) & (rng.random(n) < 0.04))
    rom1 = np.flatnonzero(gen == 1)
    if len(back) and len(rom1):
        part.loc[back, "person_id"] = part["person_id"].to_numpy()[rng.choice(rom1, len(back))]
    return part, hidden


# --------------------------------------------------------------------------------------
# Periodic and deviation reports
# --------------------------------------------------------------------------------------

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


def _hours(rng, p, n_rows: int, person_idx: np.ndarray, ratio: dict[str, np.ndarray], gen: np.ndarray,
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


def _periodic_reports(rng, p, part: pd.DataFrame, hid: dict, contracts: pd.DataFrame):
    final = _d(p.FINAL_CUTOFF)
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

    # provider: new contract in the same area after the switch
    ci = hid["contract_idx"]
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
    provider = np.where(after, contracts["provider_id"].to_numpy()[new_ci[pi2]],
                        contracts["provider_id"].to_numpy()[ci[pi2]])

    month = months.from_index(mi2)
    month_end = months.from_index(mi2 + 1) - DAY
    submitted = month_end + _uniform_days(rng, 1, 20, len(row))
    last_day = np.where(ongoing[pi2], final, end[pi2])
    submitted = np.maximum(submitted, np.minimum(last_day, month_end) + DAY)
    keep = submitted <= final
    row, copy, pi2, mi2, pp, provider, month, submitted = (
        x[keep] for x in (row, copy, pi2, mi2, pp, provider, month, submitted))

    gen = part["generation"].to_numpy()[pi2]
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
    ratio = {col: r[pi2] for col, r in ratio.items()}
    dim = ((months.from_index(mi2 + 1) - month) / DAY).astype(float)
    hours = _hours(rng, p, len(pi2), pi2, ratio, gen, dim)
    # a provider switch splits the month between the two providers' reports
    split = is_switch[row]
    if split.any():
        frac = rng.uniform(0.2, 0.8, len(split))
        frac = np.where(copy == 0, frac, 1 - frac)[split]
        unit = np.where(gen[split] == 2, 4.0, 1.0)
        for col in hours:
            hours[col][split] = np.floor(hours[col][split] * frac * unit + 0.5) / unit
    reports = pd.DataFrame({
        "report_id": np.arange(1, len(pi2) + 1, dtype=np.int64),
        "participation_id": part["participation_id"].to_numpy()[pi2],
        "provider_id": provider,
        "month": month,
        "placement_period": pp.astype(np.int64),
        "submitted_date": submitted,
        **hours,
    })

    # deviation reports: once per participation-month (first copy), by person propensity
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
    dsub = ddate + _uniform_days(rng, 0, 14, len(di))
    keep = dsub <= final
    deviations = pd.DataFrame({
        "deviation_id": np.arange(1, keep.sum() + 1, dtype=np.int64),
        "participation_id": part["participation_id"].to_numpy()[pi2[di]][keep],
        "provider_id": provider[di][keep],
        "deviation_date": ddate[keep],
        "submitted_date": dsub[keep],
    })
    return reports, deviations


# --------------------------------------------------------------------------------------
# Results and register events
# --------------------------------------------------------------------------------------

def _results(rng, p, part: pd.DataFrame, hid: dict):
    rng = _outcome_rng(rng, 2)  # own stream: filing and approval draws shift nothing else
    final = _d(p.FINAL_CUTOFF)
    gen = part["generation"].to_numpy()
    r1 = np.flatnonzero(hid["has_r1"])
    r1_date = hid["r1_date"]
    outcome = np.where(hid["work"], "work", "studies")
    prov = part["provider_id"].to_numpy()
    frames = []

    def add(idx, rtype, event, filed, approved):
        frames.append(pd.DataFrame({
            "participation_id": part["participation_id"].to_numpy()[idx], "provider_id": prov[idx],
            "result_type": rtype, "outcome": outcome[idx], "event_date": event,
            "filed_date": filed, "approved_date": approved,
        }))

    # RoM 1: R1 at the work/studies start, R2 after four months
    i1 = r1[gen[r1] == 1]
    f1 = r1_date[i1] + _uniform_days(rng, *p.R1_FILING_DAYS, len(i1))
    add(i1, "R1", r1_date[i1], f1, f1 + _uniform_days(rng, 1, 10, len(i1)))
    i2 = i1[hid["has_final"][i1]]
    e2 = r1_date[i2] + 122 * DAY
    f2 = e2 + _uniform_days(rng, *p.R2_FILING_DAYS, len(i2))
    late = rng.random(len(i2)) < p.P_R2_LATE
    f2[late] += _uniform_days(rng, *p.R2_LATE_EXTRA_DAYS, late.sum())
    a2 = f2 + _uniform_days(rng, *p.APPROVAL_DAYS, len(i2))
    # rejections: systematic per start month × level, so cell shares keep their value
    strata = months.index(part["start_date"].to_numpy().astype("datetime64[D]")[i2]) * 3 + np.searchsorted(
        np.array(list("ABC")), part["level"].to_numpy()[i2])
    a2[_systematic(rng, np.full(len(i2), p.P_R2_REJECTED), strata)] = np.datetime64("NaT")
    add(i2, "R2", r1_date[i2], f2, a2)
    # RoM 2: results after 3 and 6 months of work/studies
    j = np.flatnonzero(hid["has_final"] & (gen == 2))
    f3 = r1_date[j] + 91 * DAY + _uniform_days(rng, 0, 30, len(j))
    a3 = f3 + _uniform_days(rng, *p.APPROVAL_DAYS, len(j))
    add(j, "R3M", r1_date[j], f3, a3)
    j6 = j[rng.random(len(j)) < p.R3M_TO_R6M]
    f6 = r1_date[j6] + 182 * DAY + _uniform_days(rng, 0, 30, len(j6))
    add(j6, "R6M", r1_date[j6], f6, f6 + _uniform_days(rng, *p.APPROVAL_DAYS, len(j6)))

    res = pd.concat(frames, ignore_index=True)
    res = res[res["filed_date"].to_numpy() <= final].copy()
    appr = res["approved_date"].to_numpy().astype("datetime64[D]")
    res["approved_date"] = np.where(appr > final, np.datetime64("NaT", "D"), appr)
    res = res.sort_values(["participation_id", "filed_date", "result_type"], kind="stable")
    res.insert(0, "result_id", np.arange(1, len(res) + 1, dtype=np.int64))
    return res.reset_index(drop=True)


def _register_events(rng, p, part: pd.DataFrame, hid: dict) -> pd.DataFrame:
    rng = _outcome_rng(rng, 3)  # own stream: register draws shift nothing else
    final = _d(p.FINAL_CUTOFF)
    level = part["level"].to_numpy()
    work_r1 = hid["has_r1"] & hid["work"]
    psub = np.array([p.REGISTER_MATCH[x][0] for x in "ABC"])[np.searchsorted(list("ABC"), level)]
    punsub = np.array([p.REGISTER_MATCH[x][1] for x in "ABC"])[np.searchsorted(list("ABC"), level)]
    u = rng.random(len(part))
    sub = work_r1 & (u < psub)
    unsub = work_r1 & (u >= psub) & (u < psub + punsub)
    noise = ~hid["has_r1"] & (rng.random(len(part)) < p.P_EXIT_WITHOUT_RESULT)
    idx = np.r_[np.flatnonzero(sub), np.flatnonzero(unsub), np.flatnonzero(noise)]
    etype = np.r_[np.full(sub.sum(), "subsidised_employment"), np.full(unsub.sum(), "exit_unsubsidised_work"),
                  np.full(noise.sum(), "exit_unsubsidised_work")]
    start = part["start_date"].to_numpy().astype("datetime64[D]")
    event = np.where(np.arange(len(idx)) < sub.sum() + unsub.sum(),
                     hid["r1_date"][idx] + _uniform_days(rng, -5, 5, len(idx)),
                     start[idx] + _uniform_days(rng, 30, 500, len(idx)))
    recorded = event + _uniform_days(rng, 0, 20, len(idx))
    keep = recorded <= final
    ev = pd.DataFrame({
        "person_id": part["person_id"].to_numpy()[idx][keep], "event_type": etype[keep],
        "event_date": event[keep], "recorded_date": recorded[keep],
    }).sort_values(["recorded_date", "person_id", "event_type"], kind="stable")
    ev.insert(0, "event_id", np.arange(1, len(ev) + 1, dtype=np.int64))
    return ev.reset_index(drop=True)


def _ratings(rng, p, contracts: pd.DataFrame, part: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    """Ratings of RoM 2 contracts every other month (`000` L83–87), going with results.

    A stand-in for the rating model (synth_params, "Providers and contracts"): the
    contract's participants who started RATING_START_MONTHS before the publication and
    ended with work or studies before it, against the national rate of their start
    month and level (time since start and level allowed for), shrunk towards 1, plus
    noise; stars 1–4 by quantiles among the rated contracts. None when fewer than
    RATING_MIN_STARTS starts in the last 12 months or the contract has ended.
    """
    final = _d(p.FINAL_CUTOFF)
    c = contracts[contracts["generation"] == 2].reset_index(drop=True)
    pubs = np.arange(np.datetime64(p.RATINGS_FIRST, "M"), np.datetime64(final, "M") + 1, 2).astype("datetime64[D]")
    s = part.loc[part["generation"] == 2]
    ci = pd.MultiIndex.from_frame(c[["provider_id", "delivery_area"]]).get_indexer(
        pd.MultiIndex.from_frame(s[["provider_id", "delivery_area"]]))
    smonth = months.index(s["start_date"].to_numpy().astype("datetime64[D]"))
    lev = np.searchsorted(np.array(list("ABC")), s["level"].to_numpy().astype(str))
    end = s["end_date"].to_numpy().astype("datetime64[D]")
    success = (s["end_reason"] == "work_or_studies").to_numpy()
    lo, hi = p.RATING_START_MONTHS
    cuts_at = np.cumsum(p.RATING_SHARES)[:-1]
    cstart = c["contract_start"].to_numpy()
    cend = c["contract_end"].to_numpy()
    rows = []
    for pub in pubs:  # one publication every other month: a dozen iterations
        published = pub + 14 * DAY
        if published > final:
            continue
        pm = months.index(np.array([pub]))[0]
        recent = (smonth >= pm - 13) & (smonth <= pm - 2)
        n = np.bincount(ci[recent], minlength=len(c))
        inwin = (smonth >= pm - hi) & (smonth <= pm - lo)
        obs = (success & (end < pub))[inwin].astype(float)
        cell = (smonth[inwin] - (pm - hi)) * 3 + lev[inwin]
        rate = np.bincount(cell, obs, minlength=(hi - lo + 1) * 3) / np.maximum(
            np.bincount(cell, minlength=(hi - lo + 1) * 3), 1)
        observed = np.bincount(ci[inwin], obs, minlength=len(c))
        expected = np.bincount(ci[inwin], rate[cell], minlength=len(c))
        score = (observed + p.RATING_SHRINK) / (expected + p.RATING_SHRINK) + rng.normal(0, p.RATING_NOISE_SD, len(c))
        active = (cstart <= pub) & (np.isnat(cend) | (cend >= pub))
        started = cstart <= pub
        # the minimum scales with the data, so a small sample still has rated contracts
        rated = (n >= max(3.0, p.RATING_MIN_STARTS * min(scale, 1.0))) & active
        cuts = np.quantile(score[rated], cuts_at) if rated.any() else np.full(len(cuts_at), np.inf)
        stars = 1 + np.searchsorted(cuts, score)
        rows.append(pd.DataFrame({
            "provider_id": c["provider_id"][started], "delivery_area": c["delivery_area"][started],
            "publication_month": pub, "rating": pd.array(np.where(rated, stars, 0)[started], dtype="Int64"),
            "published_date": published,
        }))
    r = pd.concat(rows, ignore_index=True)
    r["rating"] = r["rating"].mask(r["rating"] == 0)
    return r


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------

def generate(scale: float = 1.0, seed: int | None = None,
             params: ModuleType = default_params) -> dict[str, pd.DataFrame]:
    """Generate one DataFrame per table of the data contract.

    Parameters
    ----------
    scale : volume relative to the report (1.0 = the report's volumes).
    seed : seed of the one random generator (default `synth_params.DEFAULT_SEED`).
    params : module or namespace with the generator's parameters (default
        `romlab.data.synth_params`), so a calibration can try other values without editing it.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    p = params
    rng = np.random.default_rng(p.DEFAULT_SEED if seed is None else seed)
    contracts = _contracts(rng, p)
    part, hid = _participations(rng, p, scale, contracts)
    reports, deviations = _periodic_reports(rng, p, part, hid, contracts)
    results = _results(rng, p, part, hid)
    events = _register_events(rng, p, part, hid)
    ratings = _ratings(rng, p, contracts, part, scale)
    providers = pd.DataFrame({"provider_id": sorted(contracts["provider_id"].unique())})
    providers["provider_name"] = "Leverantör " + providers["provider_id"].str[1:]
    used = contracts[["provider_id", "delivery_area", "generation", "contract_start", "contract_end",
                      "end_recorded_date"]].reset_index(drop=True)
    tables = {
        "participations": part, "periodic_reports": reports, "deviation_reports": deviations,
        "result_reports": results, "register_events": events, "providers": providers,
        "contracts": used, "provider_ratings": ratings,
    }
    for name, df in tables.items():
        for col in df.columns:
            if df[col].dtype.kind == "M":
                df[col] = df[col].astype("datetime64[ns]")
        tables[name] = df.reset_index(drop=True)
    return tables


def write(tables: dict[str, pd.DataFrame], out: str | Path, fmt: str = "parquet", *,
          seed: int | None = None, scale: float | None = None) -> dict[str, Path]:
    """Write the tables as `<out>/<table>.parquet` (or `.csv`); returns the paths.

    With the `seed` and `scale` they were generated with, also `<out>/synth.json`
    (seed, scale, generator version, each file's sha256: `provenance.write_synth_info`),
    which a run's manifest reports; without them a `synth.json` left there is removed,
    since the tables may not be the generator's."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, df in tables.items():
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            df.to_parquet(path, index=False, compression="zstd")
        elif fmt == "csv":
            df.to_csv(path, index=False, date_format="%Y-%m-%d")
        else:
            raise ValueError(f"unknown format {fmt!r}: use 'parquet' or 'csv'")
        paths[name] = path
    from romlab.run import provenance

    if seed is not None and scale is not None:
        provenance.write_synth_info(out, paths, seed=seed, scale=scale, fmt=fmt)
    else:
        (out / provenance.SYNTH_INFO).unlink(missing_ok=True)
    return paths


def synth(out: str | Path, scale: float = 1.0, seed: int | None = None, fmt: str = "parquet") -> dict[str, Path]:
    """Generate the synthetic data and write them to `out` (see `generate`), with
    `synth.json` beside them (see `write`)."""
    seed = default_params.DEFAULT_SEED if seed is None else seed
    return write(generate(scale=scale, seed=seed), out, fmt=fmt, seed=seed, scale=scale)
