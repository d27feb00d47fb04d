"""The synthetic participations: intake, the participants' groups and levels, the
contract each start chooses, the stay and how it ends.

`participations(rng, p, scale, contracts)` returns the participations table of the data
contract and the hidden values the later parts draw from (the contract, the true end,
the results drawn by `outcomes.draw_outcomes`, the groups).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab.dataset import codes
from romlab.report.classify import window as classify_window

from . import rom2
from .draws import DAY, day, draw, mixed_shares, uniform_days
from .outcomes import draw_outcomes
from .providers import choose_contract


def _start_dates(rng, p, scale: float) -> np.ndarray:
    """Start dates: a Poisson number of starts per day (weekdays only if ``WEEKDAYS_ONLY``)
    at the intake rate of its period, times `scale`."""
    parts = []
    for first, last, rate in p.INTAKE_RATE:
        days = np.arange(day(first), day(last) + DAY, DAY)
        if p.WEEKDAYS_ONLY:
            wd = (days.astype(np.int64) + 3) % 7  # 0 = Monday
            days = days[wd < 5]
            rate = rate * 7 / 5
        n = rng.poisson(rate * scale, size=len(days))
        parts.append(np.repeat(days, n))
    return np.concatenate(parts)


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
    by_sex = mixed_shares(age_shares, [1 - share_dw, share_dw],
                           [np.ones(3), getattr(p, "AGE_ODDS_DOMESTIC_WOMEN", np.ones(3))])
    age_group = draw(rng.random(n), by_sex[domestic_woman.astype(int)])
    lo = np.array([r[0] for r in p.AGE_RANGES])[age_group]
    hi = np.array([r[1] for r in p.AGE_RANGES])[age_group]
    age = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    dis_odds = np.array(getattr(p, "DISABILITY_AGE_ODDS", (1.0, 1.0, 1.0)), dtype=float)
    p_dis = mixed_shares([1 - p.SHARE_DISABILITY, p.SHARE_DISABILITY], age_shares,
                          np.column_stack([np.ones(3), dis_odds]))[:, 1]
    disability = u_disability < p_dis[age_group]
    tilt = getattr(p, "REGISTRATION_AGE_TILT", {})
    reg_odds = np.exp(np.outer([tilt.get(i, 0.0) for i in range(3)], np.arange(5)))
    by_age = np.stack([mixed_shares(p.REGISTRATION_SHARES, age_shares, reg_odds),
                       mixed_shares(p.REGISTRATION_SHARES_WINDOW3, age_shares, reg_odds)])
    reg_group = draw(rng.random(n), by_age[(window == 3).astype(int), age_group])
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
    """Level by a latent need score: the window's lowest scores go to A (its shares);
    job chance uniform within the level's band (``JOB_CHANCE_BANDS``), which
    `participations` redraws for RoM 2 (`rom2.job_chance`)."""
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


def _contract_of_each(rng, p, contracts: pd.DataFrame, gen: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Index into `contracts` of each start's contract: a delivery area by area size (a
    fixed lognormal weight per area), then a contract active in it (`choose_contract`)."""
    area = np.empty(len(start), dtype=int)
    for gg in (1, 2):
        m = gen == gg
        aw = rng.lognormal(0, 0.6, p.N_AREAS[gg])
        area[m] = rng.choice(np.arange(1, p.N_AREAS[gg] + 1), size=m.sum(), p=aw / aw.sum())
    return choose_contract(rng, contracts, gen, area, start)


def stay_ends(rng, p, start: np.ndarray, r1_date: np.ndarray, has_r1: np.ndarray,
              contract_end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """End date and reason of each stay, and which first results count.

    A stay runs up to 12 months (``MAX_STAY_DAYS``); it is interrupted after an
    exponential time (``DROPOUT_HAZARD_PER_MONTH``) or early for a share who never settle
    in (``P_EARLY_DROPOUT``), or ends the day before work or studies begin for a share of
    those with a first result (``P_R1_ENDS_STAY``). A result counts only if the work or
    studies began by two months after the end (report §3.4). A contract that ended
    before the stay did ends the participation with it (``provider_terminated``)."""
    n = len(start)
    planned_end = start + (p.MAX_STAY_DAYS - 1) * DAY
    dropout_days = rng.exponential(30.4 / p.DROPOUT_HAZARD_PER_MONTH, n).astype(int)
    early = rng.random(n) < p.P_EARLY_DROPOUT  # leave within the first weeks (never settle in)
    dropout_days = np.where(early, rng.integers(*p.EARLY_DROPOUT_DAYS, n), dropout_days)
    ends_by_r1 = has_r1 & (r1_date <= planned_end) & (rng.random(n) < p.P_R1_ENDS_STAY)
    end = planned_end.copy()
    reason = np.full(n, "completed", dtype=object)
    drop = start + dropout_days * DAY
    m = drop < end
    end[m], reason[m] = drop[m], "interrupted"
    m = ends_by_r1 & (r1_date - DAY < end)
    end[m], reason[m] = np.maximum(r1_date[m] - DAY, start[m]), "work_or_studies"
    has_r1 = has_r1 & (r1_date <= end + 61 * DAY)
    m = ~np.isnat(contract_end) & (contract_end < end)
    end[m], reason[m] = contract_end[m], "provider_terminated"
    return end, reason, has_r1


def _birth_dates(rng, start: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Birth dates whose completed years on the start date are the drawn `age` exactly
    (no 29 February, no day after the 27th of a month)."""
    age_days = (age * 365.25 + rng.random(len(start)) * 364).astype(int)
    birth = start - age_days * DAY
    by = birth.astype("datetime64[Y]").astype(int) + 1970
    sy = start.astype("datetime64[Y]").astype(int) + 1970
    bmd = birth - birth.astype("datetime64[Y]").astype("datetime64[D]")
    smd = start - start.astype("datetime64[Y]").astype("datetime64[D]")
    completed = sy - by - (smd < bmd)
    birth = birth + ((completed - age) * 365) * DAY
    return np.where((birth - birth.astype("datetime64[M]").astype("datetime64[D]")) > 27 * DAY,
                    birth - 3 * DAY, birth)  # avoid 29 Feb and month-end edge cases


def participations(rng, p, scale: float, contracts: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The participations table and the hidden values the later parts draw from:
    ``contract_idx``, the true ``end`` (also of stays still ongoing at the cut-off),
    ``ongoing``, ``has_r1``, ``has_final``, ``r1_date``, ``work``, ``window`` and the
    groups ``g``. RoM 2 participants' job chance is drawn last, from its own stream,
    given the level and the 3-month result (`rom2.job_chance`; with
    ``ROM2_RESULT_STRUCTURE`` on)."""
    start = _start_dates(rng, p, scale)
    n = len(start)
    gen = np.where(start >= day(codes.ROM2_START), 2, 1)
    window = classify_window(pd.Series(start.astype("datetime64[ns]"))).to_numpy(dtype=int)
    g = _groups(rng, p, n, window)
    level, job_chance = _levels(rng, p, g, window)
    ci = _contract_of_each(rng, p, contracts, gen, start)
    drawn = draw_outcomes(rng, p, g, window, level, contracts["_quality"].to_numpy()[ci], start, gen)
    r1_date = start + drawn["delay"] * DAY
    end, reason, has_r1 = stay_ends(rng, p, start, r1_date, drawn["has_r1"],
                                    contracts["contract_end"].to_numpy().astype("datetime64[D]")[ci])
    has_final = drawn["has_final"] & has_r1
    if p.ROM2_RESULT_STRUCTURE:  # RoM 2's score, given the level and the 3-month result (own stream)
        job_chance = np.where(gen == 2, 0.0, job_chance)
        job_chance[gen == 2] = rom2.job_chance(rng, p, level[gen == 2], has_final[gen == 2])

    final = day(p.FINAL_CUTOFF)
    end_recorded = end + uniform_days(rng, 0, 10, n)
    ongoing = end_recorded > final
    recorded = start - uniform_days(rng, 3, 30, n)
    birth = _birth_dates(rng, start, g["age"])
    person = np.int64(10_000_000) + rng.permutation(n).astype(np.int64)
    part = pd.DataFrame({
        "participation_id": np.arange(1, n + 1, dtype=np.int64),
        "person_id": person,
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
        "has_final": has_final, "r1_date": r1_date, "work": drawn["work"], "window": window, "g": g,
    }
    # RoM 2 participants who were in RoM 1 before (choice: 4 % come back)
    back = np.flatnonzero((gen == 2) & (rng.random(n) < 0.04))
    rom1 = np.flatnonzero(gen == 1)
    if len(back) and len(rom1):
        part.loc[back, "person_id"] = part["person_id"].to_numpy()[rng.choice(rom1, len(back))]
    return part, hidden
