"""Providers, contracts and ratings of the synthetic data.

- `contracts(rng, p)`: the contracts per delivery area of both generations, with the
  hidden columns the other parts use (``_area``, ``_anchor``, ``_weight``, ``_quality``,
  ``_weak``);
- `choose_contract(rng, contracts, gen, area, start)`: the contract each start chooses;
- `ratings(rng, p, contracts, part, scale)`: the RoM 2 contracts' ratings every other month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab import months

from .draws import DAY, day, substream, uniform_days


def contracts(rng, p) -> pd.DataFrame:
    """Contracts per delivery area for both generations, with size and quality.

    The first contract of each area (its anchor) runs for the whole generation, so every
    start finds an active contract. RoM 2 contracts vary for the provider review: sizes
    (``_weight``), some late-starting, some ended early, and quality (``_quality``, the
    effect on the result probability) with a few weak contracts (``_weak``).
    """
    out = pd.concat([_contracts_of_generation(rng, p, gen) for gen in (1, 2)], ignore_index=True)
    _rom2_size_and_quality(rng, p, out)
    return out


def _providers_by_area(rng, p, gen: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area of each contract of generation `gen` (at least three per area), whether it is
    the area's first (its anchor), and its provider (0-based): big providers hold many
    contracts (a Zipf-like choice), no provider twice in an area."""
    n_areas = p.N_AREAS[gen]
    n_per = 3 + rng.poisson(p.CONTRACTS_PER_AREA_EXTRA[gen], size=n_areas)
    area = np.repeat(np.arange(1, n_areas + 1), n_per)
    first = np.r_[True, area[1:] != area[:-1]]
    n = len(area)
    weights = 1.0 / np.arange(1, p.N_PROVIDERS + 1) ** 0.8
    weights /= weights.sum()
    prov = rng.choice(p.N_PROVIDERS, size=n, p=weights)
    # de-duplicate within area by shifting duplicates to the next free provider id
    df = pd.DataFrame({"area": area, "prov": prov})
    dup = df.duplicated(["area", "prov"])
    while dup.any():
        df.loc[dup, "prov"] = (df.loc[dup, "prov"] + rng.integers(1, 40, dup.sum())) % p.N_PROVIDERS
        dup = df.duplicated(["area", "prov"])
    return area, first, df["prov"].to_numpy()


def _contract_dates(rng, p, gen: int, first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of each contract: the anchors run for the whole generation, others
    may start late or end early (RoM 2 contracts have no end unless ended early)."""
    n = len(first)
    if gen == 1:
        start = np.full(n, day(p.ROM1_CONTRACT_START))
        late = ~first & (rng.random(n) < 0.15)
        start[late] = day("2021-01-01") + uniform_days(rng, 0, 500, late.sum())
        end = np.full(n, day(p.ROM1_CONTRACT_END))
        early = ~first & (rng.random(n) < 0.10)
        end[early] = day("2021-09-01") + uniform_days(rng, 0, 450, early.sum())
    else:
        start = np.full(n, day(p.ROM2_CONTRACT_START))
        late = ~first & (rng.random(n) < p.P_ROM2_LATE_START)
        start[late] = day("2023-09-01") + uniform_days(rng, 0, 420, late.sum())
        end = np.full(n, np.datetime64("NaT", "D"))
        early = ~first & (rng.random(n) < p.P_ROM2_EARLY_END)
        end[early] = day("2024-03-01") + uniform_days(rng, 0, 570, early.sum())
    end = np.where(~np.isnat(end) & (end <= start), start + 180 * DAY, end)
    return start, end


def _contracts_of_generation(rng, p, gen: int) -> pd.DataFrame:
    final = day(p.FINAL_CUTOFF)
    area, first, prov = _providers_by_area(rng, p, gen)
    start, end = _contract_dates(rng, p, gen, first)
    n = len(area)
    return pd.DataFrame({
        "provider_id": [f"P{x + 1:04d}" for x in prov],
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
    })


def _rom2_size_and_quality(rng, p, out: pd.DataFrame) -> None:
    """RoM 2 size and quality, set in `out`: a spread around a small positive mean plus a
    few weak contracts (synth_params, "Providers and contracts"), from an independent
    generator of the same seed (spawn key 8000) so that the main stream (RoM 1, every
    later draw) is untouched."""
    g2 = np.flatnonzero(out["generation"].to_numpy() == 2)
    sub = substream(rng, 8000)
    weak = sub.random(len(g2)) < p.P_ROM2_WEAK
    quality = np.where(weak, sub.normal(*p.ROM2_WEAK_QUALITY, len(g2)),
                       sub.normal(p.ROM2_QUALITY_MEAN, p.ROM2_QUALITY_SD, len(g2)))
    out.loc[g2, "_quality"] = quality
    out.loc[g2, "_weight"] = sub.lognormal(0.0, p.ROM2_SIZE_SIGMA, len(g2))
    out["_weak"] = False
    out.loc[g2, "_weak"] = weak


def choose_contract(rng, contracts: pd.DataFrame, gen: np.ndarray, area: np.ndarray,
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


def ratings(rng, p, contracts: pd.DataFrame, part: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    """Ratings of RoM 2 contracts every other month (quality conditions §3.1), going with results.

    A stand-in for the rating model (synth_params, "Providers and contracts"): the
    contract's participants who started RATING_START_MONTHS before the publication and
    ended with work or studies before it, against the national rate of their start
    month and level (time since start and level allowed for), shrunk towards 1, plus
    noise; stars 1–4 by quantiles among the rated contracts. None when fewer than
    RATING_MIN_STARTS starts in the last 12 months or the contract has ended.
    """
    final = day(p.FINAL_CUTOFF)
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
