"""The result follow-up (resultatuppföljning) of one publication month: the result measure.

A follow-up is published every other month (`000` §2, Figur 1). For publication month
P, with m0 = the month before P (every count in `000` §3.2 and §3.4 runs "from the month
before" the publication):

- its data cut-off is the last day of m0 (`publication_cutoff`, A62): the data as known
  then are `Dataset.as_of_view(cut-off)`, so a participation, a result or a contract's
  end counts only once it is known, as the data contract's dates say;
- the participants are the participations that started with the contract in
  m0 − 22 … m0 − 11 (`measurement_window`; publication 2025-03 → starts 2023-04 …
  2024-03, `000` §3.2), however they ended (interruptions stay, §3.2), full and part time
  alike;
- the contract is in the follow-up when its first participant started in m0 − 12 or
  earlier (§3.2 and footnote 3), ended contracts included (footnote 2);
- the **result measure** is Σ weight[level] × result / participants ("each provider's
  results divided by the number of participants", §3.2, "Viktat resultatmått").

Month arithmetic is `romlab.months`'s. `prepare` does the expensive part of a month
once (the as-of cut and the selection of participants and results); `aggregate` applies
the weights, the threshold and the other choices of `ReviewConfig`. `FollowUps` keeps
both per month, so everything shown for a review prepares each month once, and can be
saved for the review's notebook (`FollowUps.save`), which then reads no data.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from romlab import months
from romlab.review.config import KEY, LEVELS, PREPARATION_FIELDS, ReviewConfig
from romlab.run.config import ConfigError

__all__ = ["DataReachError", "review_months", "previous_follow_up", "measurement_window", "publication_cutoff",
           "data_end", "within_reach", "Prepared", "prepare", "aggregate", "FollowUps", "follow_ups", "follow_up"]


class DataReachError(ValueError):
    """The data do not reach a follow-up's data cut-off (or lack its ratings)."""


# --------------------------------------------------------------------------- calendar

def previous_follow_up(publication_month: Any) -> str:
    """The follow-up before ``publication_month``: follow-ups come every other month."""
    return months.shift(publication_month, -2)


def review_months(first: Any, second: Any = None) -> tuple[str, str]:
    """The two follow-ups of a review, earlier first (`000` §2: two consecutive
    follow-ups). ``second`` empty or None: the follow-up two months before ``first``
    ("2025-03" → ("2025-01", "2025-03")). A `ConfigError` for a text that is no month
    or the same month twice."""
    try:
        a = months.to_month(first)
        b = months.to_month(second) if second not in (None, "") else previous_follow_up(a)
    except months.MonthError as e:
        raise ConfigError(str(e)) from None
    if a == b:
        raise ConfigError(f"a review needs two different follow-ups, got {a} twice")
    return (a, b) if a < b else (b, a)


def measurement_window(publication_month: Any, cfg: ReviewConfig | None = None) -> tuple[str, str]:
    """(first, last) start month counted in the measure of ``publication_month``:
    m0 − 22 … m0 − 11 (`000` §3.2): 2025-03 → ("2023-04", "2024-03")."""
    cfg = cfg or ReviewConfig()
    m0 = months.shift(publication_month, -1)
    near, far = cfg.start_months_back
    return months.shift(m0, -far), months.shift(m0, -near)


def publication_cutoff(publication_month: Any, cfg: ReviewConfig | None = None) -> pd.Timestamp:
    """The data cut-off of a follow-up: results approved after it do not count (A62).

    Default: the last day of the month before publication (2025-03 → 2025-02-28)."""
    cfg = cfg or ReviewConfig()
    month = months.shift(publication_month, -cfg.cutoff_months_before)
    last = months.last_day(month)
    if cfg.cutoff_day is None:
        return last
    return min(months.first_day(month) + pd.Timedelta(days=cfg.cutoff_day - 1), last)


# --------------------------------------------------------------------------- reach

def data_end(data) -> pd.Timestamp:
    """The last date the data know of: the dataset's ``as_of`` cut-off if it has one,
    else the latest "known from" date in any table (the synthetic data: 2025-11-30).
    `data` is a Dataset or a `FollowUps`."""
    if isinstance(data, FollowUps):
        return data.data_end
    if data.as_of is not None:
        return data.as_of
    from romlab.dataset.contract import TABLES

    latest = []
    for name, spec in TABLES.items():
        df = data[name]
        for col in filter(None, (spec.known_at, *spec.field_known_at)):
            if col in df and len(df):
                latest.append(df[col].max())
    return pd.Timestamp(max(d for d in latest if pd.notna(d))).normalize()


def _rating_months(ds) -> frozenset:
    return frozenset(pd.to_datetime(ds.provider_ratings["publication_month"]).dropna().drop_duplicates())


def _reach(month: str, cut: pd.Timestamp, end: pd.Timestamp, rated: frozenset) -> tuple[bool, str]:
    if cut > end:
        return False, f"{month}: cut-off {cut.date()} after the data end {end.date()}"
    if months.first_day(month) not in rated:
        return False, f"{month}: no ratings published for {month} in the data"
    return True, f"{month}: cut-off {cut.date()} on or before the data end {end.date()}"


def within_reach(data, publication_month: Any, cfg: ReviewConfig | None = None) -> tuple[bool, str]:
    """Whether the data reach a follow-up: its data cut-off is on or before `data_end`
    and the ratings of its publication month are in the data (A66). Returns (ok, why).
    `data` is a Dataset or a `FollowUps`."""
    return follow_ups(data, cfg).within_reach(publication_month, cfg)


# --------------------------------------------------------------------------- one month

@dataclass
class Prepared:
    """What a follow-up needs, before weights and the threshold are applied."""

    month: str
    cutoff: pd.Timestamp
    window: tuple[str, str]
    #: one row per contract known at the cut-off: key, provider_name, contract_start,
    #: contract_end (as known then), first_start
    contracts: pd.DataFrame
    #: one row per participation in the window: participation_id, key, level, value
    participants: pd.DataFrame
    #: the ratings of the latest rating publication on or before the month, and its month
    ratings: pd.DataFrame
    rating_month: pd.Timestamp | None


def _ratings_at(ds, month: str) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Ratings of the latest rating publication on or before ``month`` (`000` §3.1:
    "senaste betygspubliceringen") and that publication's month (None if none) (A67).
    From the data as loaded, not as of the cut-off: a month's ratings are published in
    that month, after its data cut-off."""
    r = ds.provider_ratings
    published = r["publication_month"]
    before = published[published <= months.first_day(month)]
    if before.empty:
        return pd.DataFrame(columns=[*KEY, "rating"]), None
    latest = before.max()
    return r.loc[published == latest, [*KEY, "rating"]], latest


def _result_values(results: pd.DataFrame, participants: pd.DataFrame, cfg: ReviewConfig) -> pd.Series:
    """Per participation in the window: the counted results' values, summed, at most 1
    (A53). A result counts for the contract the participant started with, whoever filed
    it, unless ``own_results_only`` (A54, A68)."""
    r = results.loc[results["result_type"].isin(list(cfg.result_values)) & results["approved_date"].notna(),
                    ["participation_id", "provider_id", "result_type"]]
    r = r.merge(participants[["participation_id", "provider_id"]], on="participation_id", suffixes=("", "_start"))
    if cfg.own_results_only:
        r = r.loc[r["provider_id"] == r["provider_id_start"]]
    r = r.drop_duplicates(["participation_id", "result_type"])
    return r["result_type"].map(cfg.result_values).groupby(r["participation_id"]).sum().clip(upper=1.0)


def prepare(ds, publication_month: Any, cfg: ReviewConfig, end: pd.Timestamp | None = None) -> Prepared:
    """The contracts, participants and counted results of one follow-up, from the data
    as known at its cut-off (`Dataset.as_of_view`: rows known later hidden, an end date
    or approval recorded later blanked). `end`: `data_end` when the caller knows it.
    Raises `DataReachError` if the data end before the cut-off."""
    month = months.to_month(publication_month)
    cutoff = publication_cutoff(month, cfg)
    end = data_end(ds) if end is None else end
    if cutoff > end:
        raise DataReachError(f"follow-up {month}: its data cut-off {cutoff.date()} is after the end of the "
                             f"data ({end.date()})")
    known = ds.as_of_view(cutoff)
    m0 = months.index(month) - 1
    near, far = cfg.start_months_back

    c = known.contracts
    c = c.loc[c["generation"] == cfg.generation, [*KEY, "contract_start", "contract_end"]]
    # the unit is the participation, counted with the contract it started with (A68)
    p = known.participations
    p = p.loc[(p["generation"] == cfg.generation) & (p["start_date"] <= cutoff),
              ["participation_id", *KEY, "start_date", "level"]]
    first = p.groupby(KEY, sort=False)["start_date"].min().rename("first_start").reset_index()
    p = p.loc[months.index(p["start_date"]).between(m0 - far, m0 - near)]
    part = p[["participation_id", *KEY, "level"]].copy()
    value = _result_values(known.result_reports, p, cfg)
    part["value"] = part["participation_id"].map(value).fillna(0.0).to_numpy()

    contracts = c.merge(first, on=KEY, how="left").merge(ds.providers[["provider_id", "provider_name"]],
                                                         on="provider_id", how="left")
    ratings, rating_month = _ratings_at(ds, month)
    return Prepared(month, cutoff, measurement_window(month, cfg), contracts, part, ratings, rating_month)


#: Columns of a follow-up, in order.
FOLLOW_UP_COLUMNS = [
    "provider_id", "provider_name", "delivery_area", "contract_start", "contract_end", "ended", "first_start",
    "months_since_first", "months_active", "eligible", "in_follow_up", "participants",
    *[f"participants_{lv}" for lv in LEVELS], "persons_with_result", "results", "weighted_results", "measure",
    "below_threshold", "rating", "rating_month", "rating_used", "rating_ok", "active_ok"]


def _counts(part: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Per contract: participants (in all and per level), results, persons with a result
    and the weighted results."""
    wv = part["level"].map(weights).astype(float) * part["value"]
    g = part.assign(_w=wv.to_numpy(), _has=(part["value"] > 0).to_numpy()).groupby(KEY, sort=False)
    agg = g.agg(participants=("participation_id", "size"), results=("value", "sum"),
                persons_with_result=("_has", "sum"), weighted_results=("_w", "sum"))
    by_level = pd.crosstab([part["provider_id"], part["delivery_area"]], part["level"])
    by_level = by_level.reindex(columns=list(LEVELS), fill_value=0).add_prefix("participants_")
    by_level.columns.name = None
    return agg.join(by_level).reset_index()


def _months_and_rating(out: pd.DataFrame, prep: Prepared, cfg: ReviewConfig) -> pd.DataFrame:
    """The contract's months (since the first participant, active) and its rating, with
    the flags of eligibility and of conditions 1 and 3 at this follow-up."""
    m0 = months.index(prep.month) - 1
    start_m = months.index(out["contract_start"])
    end_m = months.index(out["contract_end"])
    out["ended"] = (out["contract_end"] <= prep.cutoff).fillna(False).astype(bool)
    out["months_since_first"] = (m0 - months.index(out["first_start"])).astype("Int64")
    last_m = np.where(out["ended"], end_m.fillna(m0), m0)
    out["months_active"] = (np.minimum(last_m, m0) - start_m).astype("int64")
    out["eligible"] = (out["months_since_first"] >= cfg.min_months_since_first).fillna(False).astype(bool)
    out["in_follow_up"] = out["eligible"] & (out["participants"] > 0)
    out = out.merge(prep.ratings, on=KEY, how="left")
    out["rating"] = out["rating"].astype("Int64")
    out["rating_month"] = pd.NaT if prep.rating_month is None else prep.rating_month
    out["rating_used"] = out["rating"].fillna(cfg.missing_rating).astype("int64")
    out["rating_ok"] = out["rating_used"] <= cfg.max_rating
    out["active_ok"] = out["months_active"] >= cfg.min_months_active
    return out


def aggregate(prep: Prepared, cfg: ReviewConfig) -> pd.DataFrame:
    """The follow-up of a prepared month under `cfg` (see `follow_up` for the columns)."""
    w = dict(cfg.level_weights)
    out = prep.contracts.merge(_counts(prep.participants, w), on=KEY, how="left")
    for col in ["participants", "persons_with_result", *[f"participants_{lv}" for lv in LEVELS]]:
        out[col] = out[col].fillna(0).astype("int64")
    for col in ["results", "weighted_results"]:
        out[col] = out[col].fillna(0.0)
    out["measure"] = (out["weighted_results"] / out["participants"]).where(out["participants"] > 0)
    out = _months_and_rating(out, prep, cfg)
    out["below_threshold"] = (out["measure"].round(cfg.round_decimals) < cfg.threshold).fillna(False).astype(bool)
    out["below_threshold"] &= out["in_follow_up"]
    out = out[FOLLOW_UP_COLUMNS].sort_values(KEY, kind="stable").reset_index(drop=True)
    out.attrs.update({"publication_month": prep.month, "cutoff": prep.cutoff, "window": prep.window, "weights": w})
    return out


# --------------------------------------------------------------------------- every month once

class FollowUps:
    """The follow-ups of one dataset, each publication month prepared once.

    ``FollowUps(ds, cfg)`` over a loaded Dataset; every function of `romlab.review` that
    takes the data takes one too, and then shares its months: `prepared` runs `prepare`
    once per month (and per choice of which participants and results count), `follow_up`
    aggregates once per month and configuration. `keep(months)` is a copy without the
    data, holding those months, which `save` writes for a review's notebook
    (`FollowUps.load` reads it back); it answers for those months only.
    """

    def __init__(self, ds, cfg: ReviewConfig | None = None):
        self.ds = ds
        self.cfg = cfg or ReviewConfig()
        self.data_end = data_end(ds)
        self.rating_months = _rating_months(ds)
        self._prepared: dict[tuple, Prepared] = {}
        self._follow_ups: dict[tuple, pd.DataFrame] = {}

    def __repr__(self) -> str:
        held = sorted({m for m, _ in self._prepared})
        return f"FollowUps(data end {self.data_end.date()}, months prepared: {', '.join(held) or 'none'})"

    def within_reach(self, publication_month: Any, cfg: ReviewConfig | None = None) -> tuple[bool, str]:
        """As `within_reach`."""
        m = months.to_month(publication_month)
        return _reach(m, publication_cutoff(m, cfg or self.cfg), self.data_end, self.rating_months)

    def prepared(self, publication_month: Any, cfg: ReviewConfig | None = None) -> Prepared:
        """The month prepared (`prepare`), once."""
        cfg = cfg or self.cfg
        key = (months.to_month(publication_month), cfg.key(PREPARATION_FIELDS))
        if key not in self._prepared:
            if self.ds is None:
                raise DataReachError(f"follow-up {key[0]} with these choices is not among the saved follow-ups "
                                     f"({self!r}): open the data instead")
            self._prepared[key] = prepare(self.ds, key[0], cfg, end=self.data_end)
        return self._prepared[key]

    def follow_up(self, publication_month: Any, cfg: ReviewConfig | None = None) -> pd.DataFrame:
        """The follow-up of the month under `cfg` (`aggregate`), once; a copy each call."""
        cfg = cfg or self.cfg
        key = (months.to_month(publication_month), cfg.key())
        if key not in self._follow_ups:
            self._follow_ups[key] = aggregate(self.prepared(publication_month, cfg), cfg)
        return self._follow_ups[key].copy()

    def keep(self, publication_months: Iterable[Any]) -> "FollowUps":
        """A copy without the data that holds these months (prepared and aggregated so far)."""
        wanted = {months.to_month(m) for m in publication_months}
        out = object.__new__(FollowUps)
        out.ds, out.cfg, out.data_end, out.rating_months = None, self.cfg, self.data_end, self.rating_months
        out._prepared = {k: v for k, v in self._prepared.items() if k[0] in wanted}
        out._follow_ups = {k: v for k, v in self._follow_ups.items() if k[0] in wanted}
        # the participants' characteristics, when read for the expected results (`risk_adjust.participant_frame`)
        frames = self.__dict__.get("_participant_frames", {})
        out._participant_frames = {k: v for k, v in frames.items() if k[0] in wanted}
        return out

    def save(self, path: str | Path) -> Path:
        """Write these follow-ups (without the data: call `keep` first) to `path`."""
        if self.ds is not None:
            raise ValueError("only follow-ups without the data are saved: call keep(months) first")
        path = Path(path)
        with path.open("wb") as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    @staticmethod
    def load(path: str | Path) -> "FollowUps":
        """Follow-ups written by `save`."""
        with Path(path).open("rb") as f:
            out = pickle.load(f)
        if not isinstance(out, FollowUps):
            raise ValueError(f"{path}: not saved follow-ups of a review")
        return out


def follow_ups(data, cfg: ReviewConfig | None = None) -> FollowUps:
    """`data` itself if it is a `FollowUps`, else new follow-ups over the Dataset `data`."""
    return data if isinstance(data, FollowUps) else FollowUps(data, cfg)


def follow_up(data, publication_month: Any, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """The result follow-up (resultatuppföljning) of one publication month, per contract.

    `data` is a Dataset or a `FollowUps` (which prepares each month once). One row per
    RoM 2 contract known at the publication's cut-off (`publication_cutoff`), sorted by
    provider and delivery area. Columns:

    - ``participants`` (and ``participants_A/B/C``): participations that started with the
      contract in the months of `measurement_window` (m0 − 22 … m0 − 11, `000` §3.2),
      however they ended: interruptions stay (§3.2);
    - ``results``: the counted approved results (`ReviewConfig.result_values`, approved
      on or before the cut-off, §3.2); ``persons_with_result``;
      ``weighted_results`` = Σ weight[level] × result; ``measure`` = weighted_results /
      participants (§3.2, "Viktat resultatmått"), NA without participants;
    - ``first_start``, ``months_since_first`` (m0 − its month), ``eligible`` (at least
      12, §3.2 and footnote 3), ``in_follow_up`` (eligible and participants > 0);
    - ``contract_end`` (as known at the cut-off), ``ended``, ``months_active`` (from the
      contract's start month to m0, or to its end month if ended, §3.4);
    - ``rating`` (latest rating publication on or before the month, §3.1; NA = none),
      ``rating_used`` (NA → 1, §3 condition 1), and the three condition flags
      ``rating_ok``, ``below_threshold`` (``measure`` < 20 %, §3 condition 2; only for
      contracts in the follow-up), ``active_ok`` (``months_active`` ≥ 22, §3.4).

    The frame's ``attrs`` hold the publication month, cut-off, start window and weights.
    Raises `DataReachError` if the data end before the cut-off.
    """
    return follow_ups(data, cfg).follow_up(publication_month, cfg)
