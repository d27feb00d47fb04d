"""The synthetic result reports and register events.

- `results(rng, p, part, hid)`: RoM 1 R1/R2 and RoM 2 3- and 6-month results of the
  participants `outcomes.draw_outcomes` gave a result, with filing and approval dates
  (which 3-month results last 6 months: `rom2.six_month`);
- `register_events(rng, p, part, hid)`: subsidised and unsubsidised work found in the
  register for a share of the work results, and exits without a result.

Each draws from its own stream (`draws.outcome_rng`), so neither shifts any other draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from romlab import months

from . import rom2
from .draws import DAY, day, outcome_rng, systematic, uniform_days


def results(rng, p, part: pd.DataFrame, hid: dict) -> pd.DataFrame:
    """The result reports (see the module's docstring); only those filed by the final
    cut-off, an approval after it left empty."""
    rng_root, rng = rng, outcome_rng(rng, 2)  # own stream: filing and approval draws shift nothing else
    final = day(p.FINAL_CUTOFF)
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
    f1 = r1_date[i1] + uniform_days(rng, *p.R1_FILING_DAYS, len(i1))
    add(i1, "R1", r1_date[i1], f1, f1 + uniform_days(rng, 1, 10, len(i1)))
    i2 = i1[hid["has_final"][i1]]
    e2 = r1_date[i2] + 122 * DAY
    f2 = e2 + uniform_days(rng, *p.R2_FILING_DAYS, len(i2))
    late = rng.random(len(i2)) < p.P_R2_LATE
    f2[late] += uniform_days(rng, *p.R2_LATE_EXTRA_DAYS, late.sum())
    a2 = f2 + uniform_days(rng, *p.APPROVAL_DAYS, len(i2))
    # rejections: systematic per start month × level, so cell shares keep their value
    strata = months.index(part["start_date"].to_numpy().astype("datetime64[D]")[i2]) * 3 + np.searchsorted(
        np.array(list("ABC")), part["level"].to_numpy()[i2])
    a2[systematic(rng, np.full(len(i2), p.P_R2_REJECTED), strata)] = np.datetime64("NaT")
    add(i2, "R2", r1_date[i2], f2, a2)
    # RoM 2: results after 3 and 6 months of work/studies
    j = np.flatnonzero(hid["has_final"] & (gen == 2))
    f3 = r1_date[j] + 91 * DAY + uniform_days(rng, 0, 30, len(j))
    a3 = f3 + uniform_days(rng, *p.APPROVAL_DAYS, len(j))
    add(j, "R3M", r1_date[j], f3, a3)
    if p.ROM2_RESULT_STRUCTURE:  # by outcome and level, from its own stream (rom2.six_month)
        j6 = rom2.six_month(rng_root, p, j, part["level"].to_numpy(), hid["work"],
                            part["start_date"].to_numpy())
    else:
        j6 = j[rng.random(len(j)) < p.R3M_TO_R6M]
    f6 = r1_date[j6] + 182 * DAY + uniform_days(rng, 0, 30, len(j6))
    add(j6, "R6M", r1_date[j6], f6, f6 + uniform_days(rng, *p.APPROVAL_DAYS, len(j6)))

    res = pd.concat(frames, ignore_index=True)
    res = res[res["filed_date"].to_numpy() <= final].copy()
    appr = res["approved_date"].to_numpy().astype("datetime64[D]")
    res["approved_date"] = np.where(appr > final, np.datetime64("NaT", "D"), appr)
    res = res.sort_values(["participation_id", "filed_date", "result_type"], kind="stable")
    res.insert(0, "result_id", np.arange(1, len(res) + 1, dtype=np.int64))
    return res.reset_index(drop=True)


def register_events(rng, p, part: pd.DataFrame, hid: dict) -> pd.DataFrame:
    """The register events (see the module's docstring), recorded by the final cut-off."""
    rng = outcome_rng(rng, 3)  # own stream: register draws shift nothing else
    final = day(p.FINAL_CUTOFF)
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
                     hid["r1_date"][idx] + uniform_days(rng, -5, 5, len(idx)),
                     start[idx] + uniform_days(rng, 30, 500, len(idx)))
    recorded = event + uniform_days(rng, 0, 20, len(idx))
    keep = recorded <= final
    ev = pd.DataFrame({
        "person_id": part["person_id"].to_numpy()[idx][keep], "event_type": etype[keep],
        "event_date": event[keep], "recorded_date": recorded[keep],
    }).sort_values(["recorded_date", "person_id", "event_type"], kind="stable")
    ev.insert(0, "event_id", np.arange(1, len(ev) + 1, dtype=np.int64))
    return ev.reset_index(drop=True)
