"""The review (resultatöversyn): the three quality conditions over two follow-ups.

A contract can be terminated when **all three** conditions hold (`000` §3):

1. rating (betyg) 1 at both follow-ups, a missing rating counting as 1 (§3 condition 1,
   §3.1) → ``cond_rating``;
2. a result measure below 20 % at both follow-ups (§3 condition 2, §3.2) →
   ``cond_measure``;
3. the contract active at least 22 months, counted from the month before the
   publication (§3, §3.4) → ``cond_active``.

`review` combines two follow-ups (`romlab.review.measure`) into one row per contract
with the conditions it meets and, in Swedish, why it misses the others; the placement
stop falls three weeks before a termination (§2). The level weights are not published
(§3.2), so `weight_sensitivity` shows how the list moves under other weights. Every
function that takes the data takes a Dataset or a `measure.FollowUps`; with the latter
each month is prepared once however many of them are called.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from romlab.review.config import DEFAULT_LEVEL_WEIGHTS, KEY, LEVELS, RESULT_PAYMENT_SEK, ReviewConfig, parse_weights
from romlab.review.export import SUPPRESSED, count_shown, hidden, percent
from romlab.review.measure import follow_ups, review_months

__all__ = ["placement_stop", "review", "review_summary", "near_misses", "review_list", "level_neutral_weights",
           "weight_sets", "weight_sensitivity", "weight_sensitivity_detail"]


def placement_stop(termination_date: Any, cfg: ReviewConfig | None = None) -> pd.Timestamp:
    """Placement stop (placeringsstopp): three weeks before the termination (`000` §2)."""
    cfg = cfg or ReviewConfig()
    return pd.Timestamp(termination_date).normalize() - pd.Timedelta(days=cfg.placement_stop_days)


# --------------------------------------------------------------------------- the conditions

def _merge(fu1: pd.DataFrame, fu2: pd.DataFrame, cfg: ReviewConfig) -> pd.DataFrame:
    """The two follow-ups side by side (suffixes _1, _2) for the contracts in at least
    one of them; missing from one fails the measure condition (A69)."""
    keep = ["provider_id", "delivery_area", "in_follow_up", "participants", "measure", "below_threshold",
            "rating", "rating_used", "rating_ok", "months_active", "active_ok", "months_since_first", "ended"]
    a = fu1[keep].rename(columns={c: f"{c}_1" for c in keep if c not in KEY})
    b = fu2[keep + ["provider_name", "contract_start", "contract_end"]].rename(
        columns={c: f"{c}_2" for c in keep if c not in KEY})
    rv = b.merge(a, on=KEY, how="outer")
    rv = rv.loc[rv["in_follow_up_1"].fillna(False).astype(bool) | rv["in_follow_up_2"].fillna(False).astype(bool)]
    for k in (1, 2):
        rv[f"in_follow_up_{k}"] = rv[f"in_follow_up_{k}"].fillna(False).astype(bool)
        rv[f"below_threshold_{k}"] = rv[f"below_threshold_{k}"].fillna(False).astype(bool)
        rv[f"rating_used_{k}"] = rv[f"rating_used_{k}"].fillna(cfg.missing_rating).astype("int64")
        rv[f"rating_ok_{k}"] = rv[f"rating_used_{k}"] <= cfg.max_rating
        rv[f"active_ok_{k}"] = rv[f"active_ok_{k}"].fillna(False).astype(bool)
        rv[f"participants_{k}"] = rv[f"participants_{k}"].fillna(0).astype("int64")
    rv["ended_2"] = rv["ended_2"].fillna(False).astype(bool)
    return rv


def _conditions(rv: pd.DataFrame, cfg: ReviewConfig) -> pd.DataFrame:
    """The three conditions, how many are met, and the one missing when two are."""
    rv["cond_rating"] = rv["rating_ok_1"] & rv["rating_ok_2"]
    rv["cond_measure"] = rv["below_threshold_1"] & rv["below_threshold_2"]
    rv["cond_active"] = rv["active_ok_2"] & (rv["active_ok_1"] if cfg.active_months_at == "both" else True)
    rv["conditions_met"] = rv[["cond_rating", "cond_measure", "cond_active"]].sum(axis=1).astype("int64")
    rv["meets_all"] = rv["conditions_met"] == 3
    missing = np.select([~rv["cond_rating"], ~rv["cond_measure"], ~rv["cond_active"]],
                        ["betyg", "resultatmått", "avtalstid"], "")
    rv["missing_condition"] = np.where(rv["conditions_met"] == 2, missing, "")
    return rv


def _clause(mask: pd.Series, text) -> np.ndarray:
    return np.where(mask.to_numpy(), text, "")


def _reasons(rv: pd.DataFrame, m1: str, m2: str, cfg: ReviewConfig) -> np.ndarray:
    """One Swedish clause per unmet condition, for the provider to read, joined by "; "
    ("uppfyller alla villkor" when none is unmet); each clause vectorised over the contracts."""
    parts = []
    for k, m in ((1, m1), (2, m2)):
        parts.append(_clause(~rv[f"rating_ok_{k}"], "betyg " + rv[f"rating_used_{k}"].astype(str) + f" i {m}"))
    for k, m in ((1, m1), (2, m2)):
        since = rv[f"months_since_first_{k}"]
        young = "ingår inte i uppföljningen " + m + " (första deltagaren för " + since.fillna(0).astype(
            "int64").astype(str) + f" månader sedan, minst {cfg.min_months_since_first})"
        why = np.where(since.isna().to_numpy(), f"ingår inte i uppföljningen {m} (inga deltagare)",
                       np.where((since < cfg.min_months_since_first).fillna(True).to_numpy(), young,
                                f"inga deltagare i mätperioden för {m}"))
        parts.append(_clause(~rv[f"in_follow_up_{k}"], why))
        parts.append(_clause(rv[f"in_follow_up_{k}"] & ~rv[f"below_threshold_{k}"],
                             "resultatmått " + percent(rv[f"measure_{k}"]) + f" i {m}"))
    for k, m in ((1, m1), (2, m2)) if cfg.active_months_at == "both" else ((2, m2),):
        active = rv[f"months_active_{k}"].fillna(0).astype("int64").astype(str)
        parts.append(_clause(~rv[f"active_ok_{k}"], "avtal aktivt " + active
                             + f" månader vid {m} (minst {cfg.min_months_active})"))
    text = np.full(len(rv), "", dtype=object)
    for p in parts:
        text = np.where(p == "", text, np.where(text == "", p, text + "; " + p))
    return np.where(text == "", "uppfyller alla villkor", text)


def _combine(fu1: pd.DataFrame, fu2: pd.DataFrame, cfg: ReviewConfig, termination_date: Any = None) -> pd.DataFrame:
    m1, m2 = fu1.attrs["publication_month"], fu2.attrs["publication_month"]
    rv = _conditions(_merge(fu1, fu2, cfg), cfg)
    rv["reasons"] = _reasons(rv, m1, m2, cfg)
    if termination_date is not None and str(termination_date) != "":
        rv["placement_stop"] = pd.Series(pd.NaT, index=rv.index, dtype="datetime64[ns]")
        rv.loc[rv["meets_all"] & ~rv["ended_2"], "placement_stop"] = placement_stop(termination_date, cfg)
    rv = rv.sort_values(["conditions_met", "provider_id", "delivery_area"], ascending=[False, True, True],
                        kind="stable").reset_index(drop=True)
    rv.attrs.update({"months": (m1, m2), "weights": fu2.attrs["weights"]})
    return rv


def review(data, first_month: Any, second_month: Any = None, cfg: ReviewConfig | None = None,
           termination_date: Any = None) -> pd.DataFrame:
    """The review (resultatöversyn) of two follow-ups: which conditions each contract meets.

    `data` is a Dataset or a `FollowUps`. ``first_month``/``second_month`` are the two
    publication months in any order (empty ``second_month``: the follow-up two months
    before ``first_month``). One row per contract in at least one of the two follow-ups,
    sorted by conditions met (most first). Columns per follow-up k = 1 (earlier), 2
    (later): ``measure_k``, ``participants_k``, ``in_follow_up_k``,
    ``below_threshold_k``, ``rating_k`` (NA = none), ``rating_used_k``,
    ``months_active_k``; and

    - ``cond_rating``: rating 1 or none at both (`000` §3 condition 1, §3.1);
    - ``cond_measure``: in both follow-ups and the measure below 20 % at both (§3
      condition 2);
    - ``cond_active``: active at least 22 months at the second follow-up (§3, §3.4;
      ``active_months_at="both"``: at both);
    - ``conditions_met`` (0–3), ``meets_all``, ``missing_condition`` (for contracts
      meeting two: "betyg", "resultatmått" or "avtalstid"), ``reasons`` (Swedish: every
      unmet condition with its figure), ``ended_2`` (the contract had already ended);
    - ``placement_stop`` (only with ``termination_date``): three weeks before it, for the
      contracts that meet all conditions and have not ended (§2).
    """
    src = follow_ups(data, cfg)
    m1, m2 = review_months(first_month, second_month)
    return _combine(src.follow_up(m1, cfg), src.follow_up(m2, cfg), cfg or src.cfg, termination_date)


# --------------------------------------------------------------------------- shown

def review_summary(rv: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """Contracts in the review by how many conditions they meet, and per condition."""
    cfg = cfg or ReviewConfig()
    pct, active = f"{cfg.threshold * 100:g} %", cfg.min_months_active
    rows = [
        ("Avtal i översynen", len(rv)),
        ("Villkor 1: betyg 1 eller inget betyg vid båda", int(rv["cond_rating"].sum())),
        (f"Villkor 2: resultatmått under {pct} vid båda", int(rv["cond_measure"].sum())),
        (f"Villkor 3: aktivt avtal minst {active} månader", int(rv["cond_active"].sum())),
        ("Uppfyller alla tre villkoren", int(rv["meets_all"].sum())),
        ("Uppfyller alla tre, avtalet redan upphört", int((rv["meets_all"] & rv["ended_2"]).sum())),
        ("Uppfyller två av tre (saknar ett villkor)", int((rv["conditions_met"] == 2).sum())),
        ("– saknar betyg 1 eller inget betyg", int((rv["missing_condition"] == "betyg").sum())),
        (f"– saknar resultatmått under {pct}", int((rv["missing_condition"] == "resultatmått").sum())),
        (f"– saknar {active} månaders aktivt avtal", int((rv["missing_condition"] == "avtalstid").sum())),
    ]
    return pd.DataFrame(rows, columns=["Avtal", "Antal"]).set_index("Avtal")


def near_misses(rv: pd.DataFrame, cfg: ReviewConfig | None = None, per_condition: int = 10) -> pd.DataFrame:
    """Contracts that meet two of the three conditions, grouped by the one they miss
    ("Saknat villkor"): all of them by count, and as a list (`review_list` columns) the
    ``per_condition`` closest to the list in each group: the lowest measure at the
    second follow-up first (for a missed measure condition: the lowest of the two
    measures' maximum)."""
    cfg = cfg or ReviewConfig()
    t = rv.loc[rv["conditions_met"] == 2].copy()
    t["_key"] = np.where(t["missing_condition"] == "resultatmått",
                         t[["measure_1", "measure_2"]].max(axis=1), t["measure_2"])
    order = {"betyg": 0, "resultatmått": 1, "avtalstid": 2}
    t = t.assign(_o=t["missing_condition"].map(order)).sort_values(["_o", "_key", "provider_id", "delivery_area"],
                                                                   kind="stable")
    t = t.groupby("missing_condition", sort=False).head(per_condition)
    out = review_list(t, cfg, min_conditions=2)
    out.insert(0, "Saknat villkor", t["missing_condition"].to_numpy())
    out.attrs = {}
    return out


def review_list(rv: pd.DataFrame, cfg: ReviewConfig | None = None, min_conditions: int = 2,
                risk: pd.DataFrame | None = None) -> pd.DataFrame:
    """The review list to show (Swedish headings): contracts meeting at least
    ``min_conditions`` conditions, with the measure and rating at both follow-ups and the
    reasons; with `risk` (`decision_risk.decision_risk`), "Risk för felaktig hävning" (the
    probability that the contract's true measure is at or above the threshold: the rule
    would terminate it wrongly). Participants, measures and risks of contracts with fewer
    than ``min_cell`` participants are suppressed (``..``, `export.hidden`)."""
    cfg = cfg or ReviewConfig()
    if risk is not None:
        attrs = dict(rv.attrs)
        rv = rv.merge(risk[[*KEY, "risk_of_wrong_termination"]], on=KEY, how="left").set_axis(rv.index)
        rv.attrs = attrs
    m1, m2 = rv.attrs.get("months", ("1", "2"))
    t = rv.loc[rv["conditions_met"] >= min_conditions]
    if t.empty:
        t = rv.iloc[:0]

    def measure(k):
        return percent(t[f"measure_{k}"]).mask(hidden(t[f"participants_{k}"], cfg.min_cell), SUPPRESSED).where(
            t[f"in_follow_up_{k}"], "–")

    def rating(k):
        return t[f"rating_{k}"].map(lambda v: "inget" if pd.isna(v) else str(int(v)))

    out = pd.DataFrame({
        "Leverantör": t["provider_name"].fillna(t["provider_id"]),
        "Leveransområde": t["delivery_area"],
        f"Deltagare {m2}": count_shown(t["participants_2"], cfg.min_cell),
        f"Resultatmått {m1}": measure(1),
        f"Resultatmått {m2}": measure(2),
        f"Betyg {m1}": rating(1),
        f"Betyg {m2}": rating(2),
        "Aktiva månader": t["months_active_2"].fillna(0).astype("int64"),
        "Villkor uppfyllda (av 3)": t["conditions_met"],
        "Skäl": t["reasons"],
    })
    if "risk_of_wrong_termination" in t:
        out["Risk för felaktig hävning"] = percent(t["risk_of_wrong_termination"]).replace("", "–").mask(
            hidden(t["participants_2"], cfg.min_cell), SUPPRESSED)
    if "placement_stop" in t:
        out["Placeringsstopp"] = t["placement_stop"].dt.strftime("%Y-%m-%d").fillna("")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- weights

def level_neutral_weights(data, publication_month: Any, cfg: ReviewConfig | None = None) -> dict[str, float]:
    """Weights that make the measure level-neutral at ``publication_month``: weight[l] =
    overall result rate / rate in level l, over all participants in the follow-up, so a
    contract with the national rate in every level gets the national rate whatever its
    level mix (an alternative to the payment weights; A51). `data`: a Dataset or a
    `FollowUps`."""
    part = follow_ups(data, cfg).prepared(publication_month, cfg).participants
    rate = part.groupby("level")["value"].mean().reindex(list(LEVELS))
    overall = part["value"].mean()
    return {lv: (float(overall / rate[lv]) if rate[lv] > 0 else 1.0) for lv in LEVELS}


def weight_sets(data=None, publication_month: Any = None, cfg: ReviewConfig | None = None) -> dict[str, dict[str, float]]:
    """Named weight sets to compare (A51): the default (payment, B = 1), unweighted, the
    payment ratio with A = 1 (the literal SEK ratio, higher on average), and — with data
    — the level-neutral weights of ``publication_month``."""
    cfg = cfg or getattr(data, "cfg", None) or ReviewConfig()
    sets = {
        "Ersättning, B = 1 (standard)": dict(DEFAULT_LEVEL_WEIGHTS),
        "Ovägt": {lv: 1.0 for lv in LEVELS},
        "Ersättning, A = 1": {lv: v / RESULT_PAYMENT_SEK["A"] for lv, v in RESULT_PAYMENT_SEK.items()},
    }
    if data is not None and publication_month is not None:
        sets["Nivåneutral"] = level_neutral_weights(data, publication_month, cfg)
    if cfg.level_weights != DEFAULT_LEVEL_WEIGHTS:
        sets = {"Vald (overrides)": dict(cfg.level_weights), **sets}
    return sets


def _sensitivity(data, first_month, second_month, sets, cfg) -> tuple[str, dict, dict[str, pd.DataFrame]]:
    """(second month, the weight sets, {set: review under it}); every month prepared once."""
    src = follow_ups(data, cfg)
    cfg = cfg or src.cfg
    m1, m2 = review_months(first_month, second_month)
    sets = dict(sets) if sets is not None else weight_sets(src, m2, cfg)
    lists = {}
    for name, w in sets.items():
        c = cfg.replace(level_weights=w)
        lists[name] = _combine(src.follow_up(m1, c), src.follow_up(m2, c), c)
    return m2, sets, lists


def weight_sensitivity(data, first_month: Any, second_month: Any = None, sets: Mapping[str, Mapping] | None = None,
                       cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """How the review changes under other level weights: one row per weight set with the
    weights, the contracts below 20 % at the second follow-up, the contracts on the list
    (all three conditions), and those that join or leave the list compared with the first
    set (the default). Contract ids are listed ``provider/area``."""
    m2, sets, lists = _sensitivity(data, first_month, second_month, sets, cfg)
    base_name = next(iter(lists))

    def ids(rv, mask):
        return set((rv.loc[mask, "provider_id"] + "/" + rv.loc[mask, "delivery_area"]).tolist())

    base = ids(lists[base_name], lists[base_name]["meets_all"])
    rows = []
    for name, rv in lists.items():
        on = ids(rv, rv["meets_all"])
        w = parse_weights(sets[name])
        rows.append({
            "Viktning": name,
            "Vikter A / B / C": " / ".join(f"{w[lv]:.2f}".replace(".", ",") for lv in LEVELS),
            f"Under 20 % i {m2}": int(rv["below_threshold_2"].sum()),
            "Under 20 % vid båda": int(rv["cond_measure"].sum()),
            "Uppfyller alla villkor": len(on),
            "Tillkommer": ", ".join(sorted(on - base)),
            "Faller bort": ", ".join(sorted(base - on)),
        })
    return pd.DataFrame(rows).set_index("Viktning")


def weight_sensitivity_detail(data, first_month: Any, second_month: Any = None,
                              sets: Mapping[str, Mapping] | None = None, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """Per contract that is on the list under at least one weight set: its measure at the
    second follow-up under each set (percent, suppressed below ``min_cell``
    participants, `export.hidden`) and whether it meets all conditions ("ja"/"nej")."""
    m2, _, lists = _sensitivity(data, first_month, second_month, sets, cfg)
    min_cell = (cfg or getattr(data, "cfg", None) or ReviewConfig()).min_cell
    on_any = set()
    for rv in lists.values():
        on_any |= set(map(tuple, rv.loc[rv["meets_all"], KEY].to_numpy()))
    cols = {}
    for name, rv in lists.items():
        r = rv.set_index(KEY)
        r = r.loc[r.index.isin(on_any)]
        cols[(name, f"Resultatmått {m2}")] = percent(r["measure_2"]).mask(hidden(r["participants_2"], min_cell),
                                                                          SUPPRESSED)
        cols[(name, "Alla villkor")] = r["meets_all"].map({True: "ja", False: "nej"})
    out = pd.DataFrame(cols)
    out.index.names = ["Leverantör", "Leveransområde"]
    return out.sort_index()
