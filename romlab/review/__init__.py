"""Provider review: Arbetsförmedlingen's quality conditions for results in Rusta och matcha.

The source is *Kvalitetsvillkor för resultat i Rusta och matcha*
(`shared/seeds/000_3b1d2ce01ccbcee3.txt`, "`000`"; line numbers L…). It applies to
RoM 2 provider contracts (leverantörsavtal = provider × delivery area).

- A **result follow-up** (resultatuppföljning) is published every other month
  (`000` L17–66); a **review** (resultatöversyn) consists of two consecutive follow-ups,
  at most twice a year (L18–20).
- A contract can be terminated when **all three** conditions hold (L38–78):
  1. rating (betyg) 1 at both follow-ups, a missing rating counting as 1 (L67–70,
     L80–93) → `follow_up` column ``rating_ok``, `review` column ``cond_rating``;
  2. a result measure (resultatmått) below 20 % at both follow-ups (L72–74, L95–108)
     → `follow_up` columns ``measure``, ``below_threshold``; `review` ``cond_measure``;
  3. the contract active at least 22 months, counted from the month before the
     publication (L76–78, L92–93, L170–175) → ``months_active``; `review` ``cond_active``.
- The **result measure** (L118–150): approved results among all participants who
  started with the provider 11–22 months before the publication month, counted from the
  month before it (publication 2025-03 → starts 2023-04 … 2024-03, L123–125);
  interruptions stay in the denominator (L127–131); full and part time alike (L133);
  results weighted by level A/B/C, "each provider's results divided by the number of
  participants" (L145–147): ``measure = sum(weight[level] × result) / participants``.
- Only contracts whose first participant started at least 12 months before (same
  month convention) are in a follow-up (L91, L115, L118–120); ended contracts can be
  (L113–114). Placement stop three weeks before a termination (L35–36).

Month convention, implemented once (`month_index`): m0 = the month before the
publication month; "k months before" is m0 − k. Starts in m0 − 22 … m0 − 11; the first
participant in m0 − 12 or earlier; the contract's start month m0 − 22 or earlier.

Every choice the document leaves open is a field of `ReviewConfig` with a documented
default (assumptions A50–A69). The computations return DataFrames; tables meant to be
shown or exported carry Swedish headings and suppress small counts as
`romlab.publication.disclosure` does.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from romlab import paths
from romlab.run.config import ConfigError, to_month
from romlab.publication.disclosure import SUPPRESSED

__all__ = [
    "ReviewConfig", "DataReachError", "DEFAULT_LEVEL_WEIGHTS", "DEFAULT_REVIEWS",
    "month_index", "month_label", "previous_follow_up", "review_months", "near_misses", "follow_up_summary", "measurement_window", "publication_cutoff",
    "data_end", "within_reach", "follow_up", "review", "review_summary", "review_list",
    "follow_up_file", "export_follow_up", "placement_stop", "level_neutral_weights", "weight_sets",
    "weight_sensitivity", "weight_sensitivity_detail", "rating_agreement", "rating_table",
    "parameter_table", "as_png", "plot_measure_distribution", "plot_rating_vs_measure", "run_reviews", "ReviewRun",
    "refresh_stored_notebook",
]

#: Result payments per level in SEK: A about 20 000, C about 38 000 (`002` L2197–2201,
#: `001` L2968–2970); B is not published: the midpoint, 29 000 (assumption A52).
RESULT_PAYMENT_SEK: dict[str, float] = {"A": 20_000.0, "B": 29_000.0, "C": 38_000.0}
#: Default level weights: proportional to the result payment, normalised to B = 1
#: (A 0.690, B 1, C 1.310). With RoM 2's level mix (about A 25 / B 40 / C 35 %) the mean
#: weight is about 1.03, so the measure stays on the scale of a share and the 20 % line
#: keeps its plain meaning (A51).
DEFAULT_LEVEL_WEIGHTS: dict[str, float] = {lv: v / RESULT_PAYMENT_SEK["B"] for lv, v in RESULT_PAYMENT_SEK.items()}
LEVELS = ("A", "B", "C")
#: The reviews of a year in the document's example (`000` L23–66): Jan+Mar and Sep+Nov.
DEFAULT_REVIEWS: tuple[tuple[str, str], ...] = (("2025-01", "2025-03"), ("2025-09", "2025-11"))
NOTEBOOK = paths.NOTEBOOKS / "review_kvalitetsvillkor.ipynb"


class DataReachError(ValueError):
    """The data do not reach a follow-up's data cut-off (or lack its ratings)."""


# --------------------------------------------------------------------------- config

def _weights(value: Any) -> dict[str, float]:
    """{"A": w, ...} from a mapping or a string "A=0.69,B=1,C=1.31" (':' also accepted)."""
    if isinstance(value, str):
        pairs = [p for p in re.split(r"[,;\s]+", value.strip().strip("{}")) if p]
        value = dict(re.split(r"[=:]", p, maxsplit=1) for p in pairs)
    out = {str(k).strip().strip("'\""): float(v) for k, v in dict(value).items()}
    return out


def _opt_int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "last")):
        return None
    return int(value)


@dataclass(frozen=True)
class ReviewConfig:
    """Every choice of the provider review that the document leaves open (A50–A69).

    Build with ``ReviewConfig()`` or `ReviewConfig.from_overrides` (string values from a
    CLI or papermill are coerced). Change one value with ``cfg.replace(threshold=0.25)``.
    """

    #: Level weights of the result measure (`000` L135–150 names no values) (A51, A52).
    level_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LEVEL_WEIGHTS))
    #: Which approved RoM 2 results count and how much, per participant (summed, at most
    #: 1): {"R3M": 1} the 3-month result (default), {"R6M": 1} the 6-month result,
    #: {"R3M": 0.5, "R6M": 0.5} as the payment is split (`001` L2575–2597) (A53).
    result_values: dict[str, float] = field(default_factory=lambda: {"R3M": 1.0})
    #: Count a result only when the provider who filed it is the one the participant
    #: started with (False: every approved result of the participation counts) (A54).
    own_results_only: bool = False
    #: Threshold: the condition is "below" this share (`000` L72, L98) (A55).
    threshold: float = 0.20
    #: The measure is compared with the threshold after rounding to this many decimals
    #: (of the fraction): 9 only removes floating-point noise; 3 would compare the
    #: published 0.1 %-precision figure (A56).
    round_decimals: int = 9
    #: Start months counted, as (nearest, farthest) months before m0 (`000` L123) (A57).
    start_months_back: tuple[int, int] = (11, 22)
    #: First participant at least this many months before m0 (`000` L115, L118) (A58).
    min_months_since_first: int = 12
    #: Contract active at least this many months, start month to m0 (`000` L78, L170) (A59).
    min_months_active: int = 22
    #: "second": the 22 months are checked at the review's second follow-up, when the
    #: decision is taken (L76–78); "both": at both follow-ups (A60).
    active_months_at: str = "second"
    #: Highest rating that meets the rating condition (`000` L67, L80) and the rating a
    #: missing one counts as (`000` L68–70) (A61).
    max_rating: int = 1
    missing_rating: int = 1
    #: The publication's data cut-off: the last day (or ``cutoff_day``) of the month this
    #: many months before the publication month. Default: the last day of m0 (A62).
    cutoff_months_before: int = 1
    cutoff_day: int | None = None
    #: Placement stop this many days before a termination (`000` L35: three weeks) (A63).
    placement_stop_days: int = 21
    #: Service generation reviewed (the document is about RoM 2 contracts) (A64).
    generation: int = 2
    #: Smallest cell (persons) shown; as `RunConfig.min_cell` (A14, A65).
    min_cell: int = 10

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "level_weights", _weights(self.level_weights))
            object.__setattr__(self, "result_values", _weights(self.result_values))
            back = self.start_months_back
            if isinstance(back, str):
                back = [x for x in re.split(r"[,.\s()\[\]]+", back) if x]
            object.__setattr__(self, "start_months_back", tuple(int(x) for x in back))
            object.__setattr__(self, "cutoff_day", _opt_int(self.cutoff_day))
            for name in ("round_decimals", "min_months_since_first", "min_months_active", "max_rating",
                         "missing_rating", "cutoff_months_before", "placement_stop_days", "generation",
                         "min_cell"):
                object.__setattr__(self, name, int(getattr(self, name)))
            object.__setattr__(self, "threshold", float(self.threshold))
            own = self.own_results_only
            if isinstance(own, str):
                own = own.strip().lower() in ("1", "true", "yes", "ja", "sant")
            object.__setattr__(self, "own_results_only", bool(own))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"ReviewConfig: {exc}") from None
        if set(self.level_weights) != set(LEVELS) or any(w < 0 for w in self.level_weights.values()):
            raise ConfigError(f"level_weights needs non-negative weights for A, B and C, got {self.level_weights}")
        if not self.result_values or set(self.result_values) - {"R3M", "R6M"}:
            raise ConfigError(f"result_values: RoM 2 result types are R3M and R6M, got {self.result_values}")
        lo_hi = self.start_months_back
        if len(lo_hi) != 2 or not 0 <= lo_hi[0] <= lo_hi[1]:
            raise ConfigError(f"start_months_back must be (nearest, farthest), got {lo_hi}")
        if self.active_months_at not in ("second", "both"):
            raise ConfigError(f"active_months_at must be 'second' or 'both', got {self.active_months_at!r}")
        if not 0 < self.threshold < 1:
            raise ConfigError(f"threshold must be a share in (0, 1), got {self.threshold}")
        if self.cutoff_day is not None and not 1 <= self.cutoff_day <= 31:
            raise ConfigError(f"cutoff_day must be 1–31 or None (last day), got {self.cutoff_day}")

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any] | None = None) -> "ReviewConfig":
        """A config with some fields replaced; unknown keys raise `ConfigError`."""
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(cls.keys()))
        if unknown:
            raise ConfigError(f"unknown ReviewConfig key(s): {', '.join(unknown)}; valid keys: {', '.join(cls.keys())}")
        return cls(**overrides)

    def replace(self, **changes: Any) -> "ReviewConfig":
        return dataclasses.replace(self, **changes)


# --------------------------------------------------------------------------- months

def month_index(value: Any) -> Any:
    """Months since year 0 (``year * 12 + month - 1``) of a month or date (A50).

    Scalars ("2025-03", a date, a Timestamp) give an int; a datetime Series gives an
    integer Series (NA stays NA). The one place the month arithmetic lives: "k months
    before the month before publication" is ``month_index(pub) - 1 - k``.
    """
    if isinstance(value, pd.Series):
        return value.dt.year * 12 + value.dt.month - 1
    if isinstance(value, pd.DatetimeIndex):
        return value.year * 12 + value.month - 1
    m = to_month(value)
    return int(m[:4]) * 12 + int(m[5:7]) - 1


def month_label(index: int) -> str:
    """Inverse of `month_index`: "YYYY-MM"."""
    index = int(index)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def previous_follow_up(publication_month: Any) -> str:
    """The follow-up before ``publication_month``: follow-ups come every other month."""
    return month_label(month_index(publication_month) - 2)


def measurement_window(publication_month: Any, cfg: ReviewConfig | None = None) -> tuple[str, str]:
    """(first, last) start month counted in the measure of ``publication_month``.

    m0 = the month before publication; starts in m0 − 22 … m0 − 11 (`000` L122–125):
    2025-03 → ("2023-04", "2024-03").
    """
    cfg = cfg or ReviewConfig()
    m0 = month_index(publication_month) - 1
    near, far = cfg.start_months_back
    return month_label(m0 - far), month_label(m0 - near)


def publication_cutoff(publication_month: Any, cfg: ReviewConfig | None = None) -> pd.Timestamp:
    """The data cut-off of a follow-up: results approved after it do not count (A62).

    Default: the last day of the month before publication (2025-03 → 2025-02-28).
    """
    cfg = cfg or ReviewConfig()
    month = pd.Period(month_label(month_index(publication_month) - cfg.cutoff_months_before), freq="M")
    last = month.end_time.normalize()
    if cfg.cutoff_day is None:
        return last
    return min(month.start_time + pd.Timedelta(days=cfg.cutoff_day - 1), last)


def placement_stop(termination_date: Any, cfg: ReviewConfig | None = None) -> pd.Timestamp:
    """Placement stop (placeringsstopp): three weeks before the termination (`000` L35–36)."""
    cfg = cfg or ReviewConfig()
    return pd.Timestamp(termination_date).normalize() - pd.Timedelta(days=cfg.placement_stop_days)


def data_end(ds) -> pd.Timestamp:
    """The last date the data know of: the dataset's ``as_of`` cut-off if it has one,
    else the latest "known from" date in any table (the synthetic data: 2025-11-30)."""
    if ds.as_of is not None:
        return ds.as_of
    from romlab.data.contract import TABLES

    latest = []
    for name, spec in TABLES.items():
        df = ds[name]
        for col in filter(None, (spec.known_at, *spec.field_known_at)):
            if col in df and len(df):
                latest.append(df[col].max())
    return pd.Timestamp(max(d for d in latest if pd.notna(d))).normalize()


def _rating_months(ds) -> pd.Series:
    return pd.Series(pd.to_datetime(ds.provider_ratings["publication_month"]).unique()).sort_values(kind="stable")


def within_reach(ds, publication_month: Any, cfg: ReviewConfig | None = None) -> tuple[bool, str]:
    """Whether the data reach a follow-up: its data cut-off is on or before `data_end`
    and the ratings of its publication month are in the data (A66). Returns (ok, why)."""
    cfg = cfg or ReviewConfig()
    m = to_month(publication_month)
    cut = publication_cutoff(m, cfg)
    end = data_end(ds)
    if cut > end:
        return False, f"{m}: cut-off {cut.date()} after the data end {end.date()}"
    if not (_rating_months(ds) == pd.Timestamp(m + "-01")).any():
        return False, f"{m}: no ratings published for {m} in the data"
    return True, f"{m}: cut-off {cut.date()} on or before the data end {end.date()}"


# --------------------------------------------------------------------------- follow-up

@dataclass
class _Prepared:
    """What a follow-up needs, before weights and the threshold are applied."""

    month: str
    cutoff: pd.Timestamp
    window: tuple[str, str]
    contracts: pd.DataFrame  # one row per contract known at the cut-off
    participants: pd.DataFrame  # one row per participation in the window: key, level, value, has_result


KEY = ["provider_id", "delivery_area"]


def _prepare(ds, publication_month: Any, cfg: ReviewConfig) -> _Prepared:
    month = to_month(publication_month)
    cutoff = publication_cutoff(month, cfg)
    end = data_end(ds)
    if cutoff > end:
        raise DataReachError(f"follow-up {month}: its data cut-off {cutoff.date()} is after the end of the "
                             f"data ({end.date()})")
    m0 = month_index(month) - 1
    near, far = cfg.start_months_back

    c = ds.contracts
    c = c.loc[(c["generation"] == cfg.generation) & (c["contract_start"] <= cutoff),
              KEY + ["contract_start", "contract_end", "end_recorded_date"]].copy()
    # an end date is known only once recorded (as the loader's as-of cut does)
    c.loc[~(c["end_recorded_date"] <= cutoff), "contract_end"] = pd.NaT
    c = c.drop(columns="end_recorded_date")

    # the unit is the participation, counted with the contract it started with; its
    # results count there, whoever filed them unless own_results_only (A54, A68)
    p = ds.participations
    p = p.loc[(p["generation"] == cfg.generation) & (p["start_date"] <= cutoff) & (p["recorded_date"] <= cutoff),
              ["participation_id", *KEY, "start_date", "level"]]
    first = p.groupby(KEY, sort=False)["start_date"].min().rename("first_start").reset_index()
    smi = month_index(p["start_date"])
    p = p.loc[smi.between(m0 - far, m0 - near)]

    r = ds.result_reports
    r = r.loc[r["result_type"].isin(list(cfg.result_values)) & (r["approved_date"] <= cutoff)
              & (r["filed_date"] <= cutoff), ["participation_id", "provider_id", "result_type"]]
    r = r.merge(p[["participation_id", "provider_id"]], on="participation_id", suffixes=("", "_start"))
    if cfg.own_results_only:
        r = r.loc[r["provider_id"] == r["provider_id_start"]]
    r = r.drop_duplicates(["participation_id", "result_type"])
    value = (r["result_type"].map(cfg.result_values).groupby(r["participation_id"]).sum().clip(upper=1.0))
    part = p[["participation_id", *KEY, "level"]].copy()
    part["value"] = part["participation_id"].map(value).fillna(0.0).to_numpy()

    contracts = c.merge(first, on=KEY, how="left")
    return _Prepared(month, cutoff, measurement_window(month, cfg), contracts, part)


def _ratings_at(ds, month: str) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Ratings of the latest rating publication on or before ``month`` (`000` L80:
    "senaste betygspubliceringen") and that publication's month (None if none) (A67)."""
    r = ds.provider_ratings
    pm = pd.Timestamp(month + "-01")
    months = r["publication_month"]
    before = months[months <= pm]
    if before.empty:
        return pd.DataFrame(columns=[*KEY, "rating"]), None
    latest = before.max()
    out = r.loc[months == latest, [*KEY, "rating"]]
    return out, latest


def _aggregate(prep: _Prepared, ds, cfg: ReviewConfig, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    w = dict(cfg.level_weights if weights is None else _weights(weights))
    part = prep.participants
    m0 = month_index(prep.month) - 1
    wv = part["level"].map(w).astype(float) * part["value"]
    g = part.assign(_w=wv.to_numpy(), _has=(part["value"] > 0).to_numpy()).groupby(KEY, sort=False)
    agg = g.agg(participants=("participation_id", "size"), results=("value", "sum"),
                persons_with_result=("_has", "sum"), weighted_results=("_w", "sum"))
    by_level = pd.crosstab([part["provider_id"], part["delivery_area"]], part["level"])
    by_level = by_level.reindex(columns=list(LEVELS), fill_value=0).add_prefix("participants_")
    by_level.columns.name = None
    agg = agg.join(by_level).reset_index()

    out = prep.contracts.merge(agg, on=KEY, how="left")
    for col in ["participants", "persons_with_result", *[f"participants_{lv}" for lv in LEVELS]]:
        out[col] = out[col].fillna(0).astype("int64")
    for col in ["results", "weighted_results"]:
        out[col] = out[col].fillna(0.0)
    out["measure"] = (out["weighted_results"] / out["participants"]).where(out["participants"] > 0)

    start_m = month_index(out["contract_start"])
    end_m = month_index(out["contract_end"])
    out["ended"] = (out["contract_end"] <= prep.cutoff).fillna(False).astype(bool)
    out["months_since_first"] = (m0 - month_index(out["first_start"])).astype("Int64")
    last_m = np.where(out["ended"], end_m.fillna(m0), m0)
    out["months_active"] = (np.minimum(last_m, m0) - start_m).astype("int64")
    out["eligible"] = (out["months_since_first"] >= cfg.min_months_since_first).fillna(False).astype(bool)
    out["in_follow_up"] = out["eligible"] & (out["participants"] > 0)

    ratings, rating_month = _ratings_at(ds, prep.month)
    out = out.merge(ratings, on=KEY, how="left")
    out["rating"] = out["rating"].astype("Int64")
    out["rating_month"] = pd.NaT if rating_month is None else rating_month
    out["rating_used"] = out["rating"].fillna(cfg.missing_rating).astype("int64")
    out["rating_ok"] = out["rating_used"] <= cfg.max_rating
    out["below_threshold"] = (out["measure"].round(cfg.round_decimals) < cfg.threshold).fillna(False).astype(bool)
    out["below_threshold"] &= out["in_follow_up"]
    out["active_ok"] = out["months_active"] >= cfg.min_months_active

    out = out.merge(ds.providers[["provider_id", "provider_name"]], on="provider_id", how="left")
    cols = ["provider_id", "provider_name", "delivery_area", "contract_start", "contract_end", "ended",
            "first_start", "months_since_first", "months_active", "eligible", "in_follow_up",
            "participants", *[f"participants_{lv}" for lv in LEVELS], "persons_with_result", "results",
            "weighted_results", "measure", "below_threshold", "rating", "rating_month", "rating_used",
            "rating_ok", "active_ok"]
    out = out[cols].sort_values(KEY, kind="stable").reset_index(drop=True)
    out.attrs.update({"publication_month": prep.month, "cutoff": prep.cutoff, "window": prep.window,
                      "weights": w})
    return out


def follow_up(ds, publication_month: Any, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """The result follow-up (resultatuppföljning) of one publication month, per contract.

    One row per RoM 2 contract known at the publication's cut-off (`publication_cutoff`),
    sorted by provider and delivery area. Columns:

    - ``participants`` (and ``participants_A/B/C``): participations that started with the
      contract in the months of `measurement_window` (m0 − 22 … m0 − 11, `000`
      L122–125), however they ended: interruptions stay (L127–131);
    - ``results``: the counted approved results (`ReviewConfig.result_values`, approved
      on or before the cut-off, L121–122); ``persons_with_result``;
      ``weighted_results`` = Σ weight[level] × result; ``measure`` = weighted_results /
      participants (L145–147), NA without participants;
    - ``first_start``, ``months_since_first`` (m0 − its month), ``eligible`` (at least
      12, L115, L118–120), ``in_follow_up`` (eligible and participants > 0);
    - ``contract_end`` (as known at the cut-off), ``ended``, ``months_active`` (from the
      contract's start month to m0, or to its end month if ended, L170–175);
    - ``rating`` (latest rating publication on or before the month, L80; NA = none),
      ``rating_used`` (NA → 1, L68–70), and the three condition flags ``rating_ok``,
      ``below_threshold`` (``measure`` < 20 %, L98; only for contracts in the follow-up),
      ``active_ok`` (``months_active`` ≥ 22).

    The frame's ``attrs`` hold the publication month, cut-off, start window and weights.
    Raises `DataReachError` if the data end before the cut-off.
    """
    cfg = cfg or ReviewConfig()
    return _aggregate(_prepare(ds, publication_month, cfg), ds, cfg)


# --------------------------------------------------------------------------- review

def review_months(first: Any, second: Any = None) -> tuple[str, str]:
    """The two follow-ups of a review, earlier first. ``second`` empty or None: the
    follow-up two months before ``first`` ("2025-03" → ("2025-01", "2025-03"))."""
    a, b = to_month(first), to_month(second) if second not in (None, "") else previous_follow_up(first)
    if a == b:
        raise ConfigError(f"a review needs two different follow-ups, got {a} twice")
    return (a, b) if a < b else (b, a)


def _pct(s: pd.Series) -> pd.Series:
    return (s * 100).map(lambda v: f"{v:.1f}".replace(".", ",") + " %" if pd.notna(v) else "")


def _combine(fu1: pd.DataFrame, fu2: pd.DataFrame, cfg: ReviewConfig, termination_date: Any = None) -> pd.DataFrame:
    m1, m2 = fu1.attrs["publication_month"], fu2.attrs["publication_month"]
    keep = ["provider_id", "delivery_area", "in_follow_up", "participants", "measure", "below_threshold",
            "rating", "rating_used", "rating_ok", "months_active", "active_ok", "months_since_first", "ended"]
    a = fu1[keep].rename(columns={c: f"{c}_1" for c in keep if c not in KEY})
    b = fu2[keep + ["provider_name", "contract_start", "contract_end"]].rename(
        columns={c: f"{c}_2" for c in keep if c not in KEY})
    rv = b.merge(a, on=KEY, how="outer")
    # contracts in at least one follow-up; missing from one fails the measure condition (A69)
    rv = rv.loc[rv["in_follow_up_1"].fillna(False).astype(bool) | rv["in_follow_up_2"].fillna(False).astype(bool)]
    for k in (1, 2):
        rv[f"in_follow_up_{k}"] = rv[f"in_follow_up_{k}"].fillna(False).astype(bool)
        rv[f"below_threshold_{k}"] = rv[f"below_threshold_{k}"].fillna(False).astype(bool)
        rv[f"rating_used_{k}"] = rv[f"rating_used_{k}"].fillna(cfg.missing_rating).astype("int64")
        rv[f"rating_ok_{k}"] = rv[f"rating_used_{k}"] <= cfg.max_rating
        rv[f"active_ok_{k}"] = rv[f"active_ok_{k}"].fillna(False).astype(bool)
        rv[f"participants_{k}"] = rv[f"participants_{k}"].fillna(0).astype("int64")
    rv["cond_rating"] = rv["rating_ok_1"] & rv["rating_ok_2"]
    rv["cond_measure"] = rv["below_threshold_1"] & rv["below_threshold_2"]
    rv["cond_active"] = rv["active_ok_2"] & (rv["active_ok_1"] if cfg.active_months_at == "both" else True)
    rv["conditions_met"] = rv[["cond_rating", "cond_measure", "cond_active"]].sum(axis=1).astype("int64")
    rv["meets_all"] = rv["conditions_met"] == 3
    missing = np.select([~rv["cond_rating"], ~rv["cond_measure"], ~rv["cond_active"]],
                        ["betyg", "resultatmått", "avtalstid"], "")
    rv["missing_condition"] = np.where(rv["conditions_met"] == 2, missing, "")
    rv["ended_2"] = rv["ended_2"].fillna(False).astype(bool)

    # reasons: one clause per unmet condition, in Swedish, for the provider to read
    def clause(mask: pd.Series, text) -> np.ndarray:
        return np.where(mask.to_numpy(), text, "")

    parts = []
    for k, m in ((1, m1), (2, m2)):
        parts.append(clause(~rv[f"rating_ok_{k}"], "betyg " + rv[f"rating_used_{k}"].astype(str) + f" i {m}"))
    for k, m in ((1, m1), (2, m2)):
        since = rv[f"months_since_first_{k}"]
        young = "ingår inte i uppföljningen " + m + " (första deltagaren för " + since.fillna(0).astype(
            "int64").astype(str) + f" månader sedan, minst {cfg.min_months_since_first})"
        why = np.where(since.isna().to_numpy(), f"ingår inte i uppföljningen {m} (inga deltagare)",
                       np.where((since < cfg.min_months_since_first).fillna(True).to_numpy(), young,
                                f"inga deltagare i mätperioden för {m}"))
        parts.append(clause(~rv[f"in_follow_up_{k}"], why))
        parts.append(clause(rv[f"in_follow_up_{k}"] & ~rv[f"below_threshold_{k}"],
                            "resultatmått " + _pct(rv[f"measure_{k}"]) + f" i {m}"))
    for k, m in ((1, m1), (2, m2)) if cfg.active_months_at == "both" else ((2, m2),):
        months = rv[f"months_active_{k}"].fillna(0).astype("int64").astype(str)
        parts.append(clause(~rv[f"active_ok_{k}"], "avtal aktivt " + months
                            + f" månader vid {m} (minst {cfg.min_months_active})"))
    text = np.full(len(rv), "", dtype=object)
    for p in parts:  # a handful of clauses, each vectorised over the contracts
        text = np.where(p == "", text, np.where(text == "", p, text + "; " + p))
    rv["reasons"] = np.where(text == "", "uppfyller alla villkor", text)
    if termination_date is not None and str(termination_date) != "":
        rv["placement_stop"] = pd.Series(pd.NaT, index=rv.index, dtype="datetime64[ns]")
        rv.loc[rv["meets_all"] & ~rv["ended_2"], "placement_stop"] = placement_stop(termination_date, cfg)
    rv = rv.sort_values(["conditions_met", "provider_id", "delivery_area"], ascending=[False, True, True],
                        kind="stable").reset_index(drop=True)
    rv.attrs.update({"months": (m1, m2), "weights": fu2.attrs["weights"]})
    return rv


def review(ds, first_month: Any, second_month: Any = None, cfg: ReviewConfig | None = None,
           termination_date: Any = None) -> pd.DataFrame:
    """The review (resultatöversyn) of two follow-ups: which conditions each contract meets.

    ``first_month``/``second_month`` are the two publication months in any order (empty
    ``second_month``: the follow-up two months before ``first_month``). One row per
    contract in at least one of the two follow-ups, sorted by conditions met (most first).
    Columns per follow-up k = 1 (earlier), 2 (later): ``measure_k``, ``participants_k``,
    ``in_follow_up_k``, ``below_threshold_k``, ``rating_k`` (NA = none),
    ``rating_used_k``, ``months_active_k``; and

    - ``cond_rating``: rating 1 or none at both (`000` L67–70, L80);
    - ``cond_measure``: in both follow-ups and the measure below 20 % at both (L72–74);
    - ``cond_active``: active at least 22 months at the second follow-up (L76–78,
      L170–175; ``active_months_at="both"``: at both);
    - ``conditions_met`` (0–3), ``meets_all``, ``missing_condition`` (for contracts
      meeting two: "betyg", "resultatmått" or "avtalstid"), ``reasons`` (Swedish: every unmet
      condition with its figure), ``ended_2`` (the contract had already ended);
    - ``placement_stop`` (only with ``termination_date``): three weeks before it, for the
      contracts that meet all conditions and have not ended (L35–36).
    """
    cfg = cfg or ReviewConfig()
    m1, m2 = review_months(first_month, second_month)
    fu1, fu2 = follow_up(ds, m1, cfg), follow_up(ds, m2, cfg)
    return _combine(fu1, fu2, cfg, termination_date)


def review_summary(rv: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """Contracts in the review by how many conditions they meet, and per condition."""
    cfg = cfg or ReviewConfig()
    pct, months = f"{cfg.threshold * 100:g} %", cfg.min_months_active
    n = len(rv)
    rows = [
        ("Avtal i översynen", n),
        ("Villkor 1: betyg 1 eller inget betyg vid båda", int(rv["cond_rating"].sum())),
        (f"Villkor 2: resultatmått under {pct} vid båda", int(rv["cond_measure"].sum())),
        (f"Villkor 3: aktivt avtal minst {months} månader", int(rv["cond_active"].sum())),
        ("Uppfyller alla tre villkoren", int(rv["meets_all"].sum())),
        ("Uppfyller alla tre, avtalet redan upphört", int((rv["meets_all"] & rv["ended_2"]).sum())),
        ("Uppfyller två av tre (saknar ett villkor)", int((rv["conditions_met"] == 2).sum())),
        ("– saknar betyg 1 eller inget betyg", int((rv["missing_condition"] == "betyg").sum())),
        (f"– saknar resultatmått under {pct}", int((rv["missing_condition"] == "resultatmått").sum())),
        (f"– saknar {months} månaders aktivt avtal", int((rv["missing_condition"] == "avtalstid").sum())),
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
    out = review_list(t.assign(conditions_met=t["conditions_met"]), cfg, min_conditions=2)
    out.insert(0, "Saknat villkor", t["missing_condition"].to_numpy())
    out.attrs = {}
    return out


def _suppressed_count(s: pd.Series, min_cell: int) -> pd.Series:
    return s.map(lambda v: SUPPRESSED if pd.isna(v) or v < min_cell else f"{int(v)}")


def review_list(rv: pd.DataFrame, cfg: ReviewConfig | None = None, min_conditions: int = 2) -> pd.DataFrame:
    """The review list to show (Swedish headings): contracts meeting at least
    ``min_conditions`` conditions, with the measure and rating at both follow-ups and the
    reasons. Participants and measures of contracts with fewer than ``min_cell``
    participants are suppressed (`..`)."""
    cfg = cfg or ReviewConfig()
    m1, m2 = rv.attrs.get("months", ("1", "2"))
    t = rv.loc[rv["conditions_met"] >= min_conditions]
    if t.empty:
        t = rv.iloc[:0]

    def measure(k):
        return _pct(t[f"measure_{k}"]).where(t[f"participants_{k}"] >= cfg.min_cell, SUPPRESSED).where(
            t[f"in_follow_up_{k}"], "–")

    def rating(k):
        return t[f"rating_{k}"].map(lambda v: "inget" if pd.isna(v) else str(int(v)))

    out = pd.DataFrame({
        "Leverantör": t["provider_name"].fillna(t["provider_id"]),
        "Leveransområde": t["delivery_area"],
        f"Deltagare {m2}": _suppressed_count(t["participants_2"], cfg.min_cell),
        f"Resultatmått {m1}": measure(1),
        f"Resultatmått {m2}": measure(2),
        f"Betyg {m1}": rating(1),
        f"Betyg {m2}": rating(2),
        "Aktiva månader": t["months_active_2"].fillna(0).astype("int64"),
        "Villkor uppfyllda (av 3)": t["conditions_met"],
        "Skäl": t["reasons"],
    })
    if "placement_stop" in t:
        out["Placeringsstopp"] = t["placement_stop"].dt.strftime("%Y-%m-%d").fillna("")
    return out.reset_index(drop=True)


def follow_up_summary(fu: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """The follow-up in a few counts (Swedish headings): contracts known at the
    cut-off, too young (first participant less than 12 months before), without
    participants in the start months, in the follow-up, with fewer than ``min_cell``
    participants, rated, and below the threshold; the median measure."""
    cfg = cfg or ReviewConfig()
    inf = fu["in_follow_up"]
    shown = inf & (fu["participants"] >= cfg.min_cell)
    med = fu.loc[inf, "measure"].median()
    rows = [
        ("RoM 2-avtal kända vid datauttaget", len(fu)),
        (f"För nya (första deltagaren för mindre än {cfg.min_months_since_first} månader sedan)",
         int((~fu["eligible"]).sum())),
        ("Inga deltagare i mätperioden", int((fu["eligible"] & (fu["participants"] == 0)).sum())),
        ("Avtal i resultatuppföljningen", int(inf.sum())),
        ("– varav upphörda", int((inf & fu["ended"]).sum())),
        (f"– varav färre än {cfg.min_cell} deltagare", int((inf & ~shown).sum())),
        ("– varav utan betyg", int((inf & fu["rating"].isna()).sum())),
        (f"– varav resultatmått under {cfg.threshold * 100:g} %", int(fu["below_threshold"].sum())),
        ("Deltagare i mätperioden", int(fu.loc[inf, "participants"].sum())),
        ("Median resultatmått (%)", "–" if pd.isna(med) else f"{med * 100:.1f}".replace(".", ",")),
    ]
    return pd.DataFrame(rows, columns=["Uppföljning " + str(fu.attrs.get("publication_month", "")), "Antal"]
                        ).set_index("Uppföljning " + str(fu.attrs.get("publication_month", "")))


# --------------------------------------------------------------------------- follow-up file

#: Swedish headings of the published follow-up file.
FILE_HEADINGS = {
    "provider_name": "Leverantör", "provider_id": "Leverantörs-id", "delivery_area": "Leveransområde",
    "contract_end": "Avtalet upphör/upphörde", "participants": "Antal deltagare",
    "results": "Antal resultat", "measure": "Viktat resultatmått (%)", "rating": "Betyg",
}


def follow_up_file(fu: pd.DataFrame, cfg: ReviewConfig | None = None, shown: bool = False) -> pd.DataFrame:
    """The follow-up file of one publication month as the agency would publish it:
    contracts in the follow-up, Swedish headings (`FILE_HEADINGS`), the measure in
    percent with one decimal, the rating (empty: none).

    Disclosure as the report's tables (`romlab.publication.disclosure`): a count based on fewer than
    ``min_cell`` persons is suppressed, and so is the measure of a contract with fewer
    than ``min_cell`` participants. With ``shown=True`` suppressed cells read ``..``
    (for display and CSV); otherwise they are NA (numbers stay numbers, for Excel).
    """
    cfg = cfg or ReviewConfig()
    t = fu.loc[fu["in_follow_up"]]
    small = t["participants"] < cfg.min_cell
    out = pd.DataFrame({
        FILE_HEADINGS["provider_name"]: t["provider_name"].fillna(t["provider_id"]),
        FILE_HEADINGS["provider_id"]: t["provider_id"],
        FILE_HEADINGS["delivery_area"]: t["delivery_area"],
        FILE_HEADINGS["contract_end"]: t["contract_end"].dt.strftime("%Y-%m-%d"),
        FILE_HEADINGS["participants"]: t["participants"].astype("Int64").mask(small),
        FILE_HEADINGS["results"]: t["results"].round(1).astype("Float64").mask(
            t["persons_with_result"] < cfg.min_cell),
        FILE_HEADINGS["measure"]: (t["measure"] * 100).round(1).astype("Float64").mask(small),
        FILE_HEADINGS["rating"]: t["rating"],
    }).reset_index(drop=True)
    if shown:
        def number(v, decimals):
            if pd.isna(v):
                return SUPPRESSED
            if decimals == 0 or float(v).is_integer() and decimals is None:
                return f"{int(v)}"
            return f"{v:.1f}".replace(".", ",")

        out[FILE_HEADINGS["participants"]] = out[FILE_HEADINGS["participants"]].map(lambda v: number(v, 0))
        out[FILE_HEADINGS["results"]] = out[FILE_HEADINGS["results"]].map(lambda v: number(v, None))
        out[FILE_HEADINGS["measure"]] = out[FILE_HEADINGS["measure"]].map(lambda v: number(v, 1))
        out[FILE_HEADINGS["rating"]] = out[FILE_HEADINGS["rating"]].map(lambda v: "" if pd.isna(v) else str(int(v)))
        out[FILE_HEADINGS["contract_end"]] = out[FILE_HEADINGS["contract_end"]].fillna("")
    return out


def export_follow_up(fu: pd.DataFrame, stem: str | Path, cfg: ReviewConfig | None = None) -> dict[str, Path]:
    """Write the follow-up file as ``<stem>.xlsx`` and ``<stem>.csv`` (Swedish headings).

    The CSV is written the way Swedish Excel reads it: ``;`` separators, decimal commas,
    UTF-8 with BOM, suppressed cells as ``..``. The Excel sheet ("Resultatuppföljning")
    keeps numbers as numbers and writes ``..`` in suppressed cells. Returns the paths.
    """
    cfg = cfg or ReviewConfig()
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    month = fu.attrs.get("publication_month", "")
    shown = follow_up_file(fu, cfg, shown=True)
    csv_path = stem.with_suffix(".csv")
    shown.to_csv(csv_path, sep=";", index=False, encoding="utf-8-sig")
    raw = follow_up_file(fu, cfg).astype(object)
    raw = raw.where(raw.notna(), None)
    for col in (FILE_HEADINGS["participants"], FILE_HEADINGS["results"], FILE_HEADINGS["measure"]):
        raw[col] = raw[col].map(lambda v: SUPPRESSED if v is None else v)
    xlsx_path = stem.with_suffix(".xlsx")
    with pd.ExcelWriter(xlsx_path, engine="xlsxwriter") as xl:
        raw.to_excel(xl, sheet_name="Resultatuppföljning", index=False, startrow=1)
        sheet = xl.sheets["Resultatuppföljning"]
        sheet.write(0, 0, f"Resultatuppföljning Rusta och matcha 2, publicering {month}; "
                          f"resultat godkända t.o.m. {fu.attrs['cutoff'].date() if 'cutoff' in fu.attrs else ''}; "
                          f"'{SUPPRESSED}' = färre än {cfg.min_cell} personer")
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, len(raw.columns) - 1, 16)
    return {"xlsx": xlsx_path, "csv": csv_path}


# --------------------------------------------------------------------------- weights

def level_neutral_weights(ds, publication_month: Any, cfg: ReviewConfig | None = None) -> dict[str, float]:
    """Weights that make the measure level-neutral at ``publication_month``: weight[l] =
    overall result rate / rate in level l, over all participants in the follow-up, so a
    contract with the national rate in every level gets the national rate whatever its
    level mix (an alternative to the payment weights; A51)."""
    cfg = cfg or ReviewConfig()
    prep = _prepare(ds, publication_month, cfg)
    part = prep.participants
    rate = part.groupby("level")["value"].mean().reindex(list(LEVELS))
    overall = part["value"].mean()
    return {lv: (float(overall / rate[lv]) if rate[lv] > 0 else 1.0) for lv in LEVELS}


def weight_sets(ds=None, publication_month: Any = None, cfg: ReviewConfig | None = None) -> dict[str, dict[str, float]]:
    """Named weight sets to compare (A51): the default (payment, B = 1), unweighted, the
    payment ratio with A = 1 (the literal SEK ratio, higher on average), and — with data
    — the level-neutral weights of ``publication_month``."""
    cfg = cfg or ReviewConfig()
    sets = {
        "Ersättning, B = 1 (standard)": dict(DEFAULT_LEVEL_WEIGHTS),
        "Ovägt": {lv: 1.0 for lv in LEVELS},
        "Ersättning, A = 1": {lv: v / RESULT_PAYMENT_SEK["A"] for lv, v in RESULT_PAYMENT_SEK.items()},
    }
    if ds is not None and publication_month is not None:
        sets["Nivåneutral"] = level_neutral_weights(ds, publication_month, cfg)
    if cfg.level_weights != DEFAULT_LEVEL_WEIGHTS:
        sets = {"Vald (overrides)": dict(cfg.level_weights), **sets}
    return sets


def _sensitivity(ds, first_month, second_month, sets, cfg):
    m1, m2 = review_months(first_month, second_month)
    p1, p2 = _prepare(ds, m1, cfg), _prepare(ds, m2, cfg)
    lists = {}
    for name, w in sets.items():
        c = cfg.replace(level_weights=w)
        rv = _combine(_aggregate(p1, ds, c), _aggregate(p2, ds, c), c)
        lists[name] = rv
    return lists


def weight_sensitivity(ds, first_month: Any, second_month: Any = None, sets: Mapping[str, Mapping] | None = None,
                       cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """How the review changes under other level weights: one row per weight set with the
    weights, the contracts below 20 % at the second follow-up, the contracts on the list
    (all three conditions), and those that join or leave the list compared with the first
    set (the default). Contract ids are listed ``provider/area``."""
    cfg = cfg or ReviewConfig()
    m1, m2 = review_months(first_month, second_month)
    sets = dict(sets) if sets is not None else weight_sets(ds, m2, cfg)
    lists = _sensitivity(ds, m1, m2, sets, cfg)
    base_name = next(iter(lists))

    def ids(rv, mask):
        return set((rv.loc[mask, "provider_id"] + "/" + rv.loc[mask, "delivery_area"]).tolist())

    base = ids(lists[base_name], lists[base_name]["meets_all"])
    rows = []
    for name, rv in lists.items():
        on = ids(rv, rv["meets_all"])
        w = _weights(sets[name])
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


def weight_sensitivity_detail(ds, first_month: Any, second_month: Any = None,
                              sets: Mapping[str, Mapping] | None = None, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """Per contract that is on the list under at least one weight set: its measure at the
    second follow-up under each set (percent, suppressed below ``min_cell``
    participants) and whether it meets all conditions ("ja"/"nej")."""
    cfg = cfg or ReviewConfig()
    m1, m2 = review_months(first_month, second_month)
    sets = dict(sets) if sets is not None else weight_sets(ds, m2, cfg)
    lists = _sensitivity(ds, m1, m2, sets, cfg)
    on_any = set()
    for rv in lists.values():
        on_any |= set(map(tuple, rv.loc[rv["meets_all"], KEY].to_numpy()))
    cols = {}
    for name, rv in lists.items():
        r = rv.set_index(KEY)
        r = r.loc[r.index.isin(on_any)]
        cols[(name, f"Resultatmått {m2}")] = _pct(r["measure_2"]).where(r["participants_2"] >= cfg.min_cell,
                                                                         SUPPRESSED)
        cols[(name, "Alla villkor")] = r["meets_all"].map({True: "ja", False: "nej"})
    out = pd.DataFrame(cols)
    out.index.names = ["Leverantör", "Leveransområde"]
    return out.sort_index()


# --------------------------------------------------------------------------- ratings

def _shown_contracts(fu: pd.DataFrame, cfg: ReviewConfig) -> pd.DataFrame:
    return fu.loc[fu["in_follow_up"] & (fu["participants"] >= cfg.min_cell)]


def rating_agreement(fu: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """How strongly rating and result measure agree (`000` L167–168: "oftast starkt"):
    Spearman's rank correlation between stars (1–4) and the measure over the rated
    contracts in the follow-up with at least ``min_cell`` participants, with its
    p-value; and the share of unrated contracts below 20 % for comparison."""
    from scipy.stats import spearmanr

    cfg = cfg or ReviewConfig()
    t = _shown_contracts(fu, cfg)
    rated = t.loc[t["rating"].notna()]
    if len(rated) >= 3 and rated["rating"].nunique() > 1:
        res = spearmanr(rated["rating"].astype(float), rated["measure"])
        rho, pval = float(res.statistic), float(res.pvalue)
    else:
        rho = pval = float("nan")
    return pd.DataFrame({
        "Mått": ["Avtal med betyg (minst %d deltagare)" % cfg.min_cell, "Spearmans rangkorrelation",
                 "p-värde", "Avtal utan betyg (minst %d deltagare)" % cfg.min_cell],
        "Värde": [f"{len(rated)}", "–" if np.isnan(rho) else f"{rho:.2f}".replace(".", ","),
                  "–" if np.isnan(pval) else ("< 0,001" if pval < 0.001 else f"{pval:.3f}".replace(".", ",")),
                  f"{int(t['rating'].isna().sum())}"],
    }).set_index("Mått")


def _rating_label(s: pd.Series) -> pd.Series:
    return s.map(lambda v: "Inget betyg" if pd.isna(v) else f"{int(v)}")


RATING_ORDER = ["1", "2", "3", "4", "Inget betyg"]


def rating_table(fu: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """Result measure by rating (Swedish headings): contracts, median and quartiles of
    the measure, share below the threshold, over the contracts in the follow-up with at
    least ``min_cell`` participants. Rows with fewer than ``min_cell`` contracts still
    show (contracts are not persons), but a rating group of fewer than 3 shows no
    quartiles."""
    cfg = cfg or ReviewConfig()
    t = _shown_contracts(fu, cfg).assign(Betyg=lambda d: _rating_label(d["rating"]))
    g = t.groupby("Betyg")["measure"]
    out = pd.DataFrame({
        "Avtal": g.size(),
        "Median (%)": g.median() * 100,
        "Nedre kvartil (%)": g.quantile(0.25) * 100,
        "Övre kvartil (%)": g.quantile(0.75) * 100,
        f"Andel under {cfg.threshold * 100:g} % (%)": t.groupby("Betyg")["below_threshold"].mean() * 100,
    }).reindex([r for r in RATING_ORDER if r in set(t["Betyg"])])
    out.loc[out["Avtal"] < 3, ["Nedre kvartil (%)", "Övre kvartil (%)"]] = np.nan
    return out.round(1)


# --------------------------------------------------------------------------- figures

def _figure(width=8.0, height=4.0):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def as_png(fig):
    """A figure as a PNG image for a notebook (``IPython.display.Image``), rendered
    without run-dependent metadata so re-executing gives the same bytes."""
    import io

    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return Image(data=buf.getvalue(), format="png")


def plot_measure_distribution(fu: pd.DataFrame, cfg: ReviewConfig | None = None):
    """Histogram of the result measure (percent) over the contracts in the follow-up with
    at least ``min_cell`` participants, by whether they are rated 1 or unrated, with the
    20 % line. Returns a matplotlib Figure (not attached to pyplot)."""
    import seaborn as sns

    cfg = cfg or ReviewConfig()
    t = _shown_contracts(fu, cfg)
    d = pd.DataFrame({"Resultatmått (%)": t["measure"] * 100,
                      "Betyg": np.where(t["rating_ok"], "1 eller inget", "2–4")})
    fig = _figure()
    ax = fig.add_subplot()
    if len(d):
        top = max(60.0, float(np.ceil(d["Resultatmått (%)"].max() / 2.5) * 2.5))
        sns.histplot(d, x="Resultatmått (%)", hue="Betyg", hue_order=["2–4", "1 eller inget"], multiple="stack",
                     bins=np.arange(0, top + 2.5, 2.5), ax=ax, palette=["#9ab8d6", "#c0392b"])
    ax.axvline(cfg.threshold * 100, color="black", linestyle="--", linewidth=1.2)
    ax.text(cfg.threshold * 100, ax.get_ylim()[1] * 0.95, f" {cfg.threshold * 100:.0f} %", va="top")
    ax.set_ylabel("Antal avtal")
    ax.set_title(f"Resultatmått per avtal, publicering {fu.attrs.get('publication_month', '')} "
                 f"(avtal med minst {cfg.min_cell} deltagare)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_rating_vs_measure(fu: pd.DataFrame, cfg: ReviewConfig | None = None):
    """Box plot of the result measure (percent) by rating (1–4, none), with the 20 % line.
    Returns a matplotlib Figure."""
    import seaborn as sns

    cfg = cfg or ReviewConfig()
    t = _shown_contracts(fu, cfg)
    d = pd.DataFrame({"Resultatmått (%)": t["measure"] * 100, "Betyg": _rating_label(t["rating"])})
    order = [r for r in RATING_ORDER if r in set(d["Betyg"])]
    fig = _figure(7.0, 4.0)
    ax = fig.add_subplot()
    if len(d):
        sns.boxplot(d, x="Betyg", y="Resultatmått (%)", order=order, ax=ax, color="#9ab8d6", fliersize=3)
    ax.axhline(cfg.threshold * 100, color="black", linestyle="--", linewidth=1.2)
    ax.set_title(f"Betyg och resultatmått, publicering {fu.attrs.get('publication_month', '')}", fontsize=10)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- notebook helpers

def parameter_table(ds, first_month: Any, second_month: Any = None, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """The review's dates and choices as a two-column table (Parameter, Värde)."""
    cfg = cfg or ReviewConfig()
    m1, m2 = review_months(first_month, second_month)
    rows = []
    for m in (m1, m2):
        w = measurement_window(m, cfg)
        rows += [(f"Uppföljning {m}: datauttag", str(publication_cutoff(m, cfg).date())),
                 (f"Uppföljning {m}: startmånader i resultatmåttet", f"{w[0]} – {w[1]}"),
                 (f"Uppföljning {m}: första deltagaren senast", month_label(
                     month_index(m) - 1 - cfg.min_months_since_first))]
    rows += [
        ("Resultat som räknas", ", ".join(f"{k} × {v:g}".replace(".", ",") for k, v in cfg.result_values.items())),
        ("Nivåvikter A / B / C", " / ".join(f"{cfg.level_weights[lv]:.3f}".replace(".", ",") for lv in LEVELS)),
        ("Gräns för resultatmått", f"{cfg.threshold * 100:g} %"),
        ("Aktivt avtal minst (månader)", f"{cfg.min_months_active} (vid {'båda' if cfg.active_months_at == 'both' else m2})"),
        ("Saknat betyg räknas som", str(cfg.missing_rating)),
        ("Placeringsstopp före hävning (dagar)", str(cfg.placement_stop_days)),
        ("Minsta cell som visas", str(cfg.min_cell)),
        ("Data t.o.m.", str(data_end(ds).date())),
    ]
    return pd.DataFrame(rows, columns=["Parameter", "Värde"]).set_index("Parameter")


# --------------------------------------------------------------------------- batch

@dataclass
class ReviewRun:
    """One review of a batch: its months, the executed notebook and exported files, or
    why it was skipped."""

    first: str
    second: str
    notebook: Path | None = None
    exports: list[Path] = field(default_factory=list)
    skipped: str = ""


def run_reviews(data: str | Path, out: str | Path, reviews=DEFAULT_REVIEWS, overrides: Mapping | None = None,
                notebook: Path = NOTEBOOK, mapping: str | Path | None = None) -> list[ReviewRun]:
    """Execute the review notebook once per review (papermill) and export both follow-up
    files (Excel and CSV) beside it: ``<out>/oversyn_<first>_<second>/``.

    `data` is a folder, a DuckDB file or a SQLAlchemy URL (passed to `romlab.load` as
    given), read through the `mapping` file if one is given. A review runs only if the
    data reach both its follow-ups (`within_reach`: the cut-offs on or before the end of
    the data, the ratings of both months published); otherwise it is returned with
    ``skipped`` saying why. The data are loaded once. The notebook is executed in its
    review folder, with `data_dir` and `mapping` relative to it (a URL without its
    password).
    """
    from romlab.run import provenance
    from romlab.data.load import load
    from romlab.run.execute import clean_executed as _strip_papermill_metadata, execute_notebook as _execute

    cfg = ReviewConfig.from_overrides(overrides)
    data = provenance.data_arg(data)
    mapping = Path(mapping).resolve() if mapping else None
    out = Path(out).resolve()
    ds = load(data, mapping=mapping)
    done = []
    for first, second in reviews:
        m1, m2 = review_months(first, second)
        run = ReviewRun(m1, m2)
        reach = [within_reach(ds, m, cfg) for m in (m1, m2)]
        if not all(ok for ok, _ in reach):
            run.skipped = "; ".join(why for ok, why in reach if not ok)
            done.append(run)
            continue
        folder = out / f"oversyn_{m1}_{m2}"
        folder.mkdir(parents=True, exist_ok=True)
        dst = folder / notebook.name
        _execute(notebook, dst, {"publication_month": m2, "second_month": m1,
                                 "data_dir": provenance.relative_to(folder, data),
                                 "overrides": dict(overrides or {}),
                                 "mapping": provenance.relative_to(folder, mapping)}, cwd=folder)
        _strip_papermill_metadata(dst)
        run.notebook = dst
        for m in (m1, m2):
            files = export_follow_up(follow_up(ds, m, cfg), folder / f"resultatuppfoljning_{m}", cfg)
            run.exports += [files["xlsx"], files["csv"]]
        done.append(run)
    return done


def refresh_stored_notebook(notebook: Path = NOTEBOOK) -> Path:
    """Re-execute the stored review notebook in place with its default parameters (the
    committed sample), as `romlab.run.runner.refresh_stored` does for the section notebooks."""
    from romlab.run.execute import execute_in_place

    return execute_in_place(notebook)
