"""Expected against actual: each contract's result measure beside the measure its
participants' characteristics predict, and the review list under the risk-adjusted measure.

The quality condition compares every contract's measure with the same 20 % (`000` §3
condition 2, §3.2), whoever its participants are. Contracts whose participants are
further from work (level C, low assessed job chance, long registration, a disability)
get fewer results for reasons that are not the provider's. The usual remedy is indirect
standardisation, as in Australia's star ratings for employment-services providers
(expected outcomes from a regression on the job seekers and the local labour market) and
in health-care performance statistics (observed against expected):

1. **The model** (`fit_expected`): a linear probability model of a participant's result
   value (as the measure counts it: `measure.prepare`'s ``value``, 1 with a counted
   result, 0 without; fractions when ``result_values`` splits them) on the participants'
   characteristics, fitted by OLS (`romlab.report.regression.fit`, its sparse solver) on
   **all** providers' participants in the follow-up's measurement window
   (`measure.measurement_window`). Terms (`FIXED_EFFECTS`, `REGRESSORS`): level; the
   assessed job chance with a slope per level (RoM 2's job chance is assessed within a
   level); age group (the report's §3.1 groups, `classify.age_group`); sex; born abroad;
   disability; education (the three codes); registration time (`classify.registration_group`,
   Tabell 13's groups); and the start month (intake month: the season, and the time a
   start has had to reach a result by the cut-off). A missing characteristic is its own
   category ("saknas"); a missing job chance counts 0 with a dummy for "job chance
   missing". Predictions clipped to [0, 1] (`predict`; 3 of 80 663 on the default data,
   2025-03). A linear model rather than a logistic one: with level dummies its expected
   results add up to the actual ones within every level (before the clip), so expected
   and actual totals agree nationally (overall O/E = 1), it is fitted in a fraction of a
   second without iterations. On the default data (2025-03) its expected measures per
   contract agree with a logit's (statsmodels, same terms): correlation 0.995, at most
   1.0 percentage point apart; the review 2025-01 + 2025-03 loses the same two contracts
   under either model, and the one contract that joins under the linear model (a
   risk-adjusted 19.97 %) stays off under the logit.
2. **No delivery-area effects** (`AREA_EFFECTS`): the data hold no labour-market variable,
   and dummies for the delivery area would absorb provider quality in areas with a few
   contracts (RoM 2 has 2–14 contracts per area in the default data), so the model does
   **not** adjust for local labour markets; a contract in a weak labour market still
   looks worse than it is.
3. **Per contract** (`contract_expected`), with w = the level weight of the measure
   (`ReviewConfig.level_weights`, `000` §3.2, A51) and p̂ the predicted probabilities:
   actual O = Σ w·y, expected E = Σ w·p̂ (weighted like the measure, so the expected
   measure E / n is on the measure's scale; unweighted when the weights are all 1);
   ``oe`` = O / E; its interval O/E ± z·√(Σ w²·p̂(1 − p̂)) / E, the variance of O when
   each participant's result is Bernoulli(p̂), independent (the Poisson-binomial
   variance, weighted), z for ``level`` (95 %: 1.96); the model's own estimation error
   is left out (small beside a contract's, the model resting on every participant). The
   lower bound is clipped at 0.
4. **The risk-adjusted measure** = O/E × the overall measure (Σ w·y / n over every
   participant of the fit): the measure a contract would have with the average case mix.
   `adjusted_conditions` applies condition 2 (below 20 % at both follow-ups) to it
   instead of the raw measure, keeps conditions 1 and 3, and `list_changes` shows the
   contracts that leave and join the list.

The participants' characteristics come from the Dataset's participations (joined by
``participation_id``), once per follow-up month and `FollowUps` (`participant_frame`);
saved follow-ups without the data (`FollowUps.keep`) cannot give them. Shown numbers
follow the review's disclosure rule: a contract's figures with fewer than ``min_cell``
participants are suppressed (`export.hidden`, A65).
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from romlab import months
from romlab.dataset.errors import DataError
from romlab.review.config import KEY, LEVELS, PREPARATION_FIELDS, ReviewConfig
from romlab.review.measure import DataReachError, FollowUps, follow_ups, review_months

__all__ = ["FIXED_EFFECTS", "REGRESSORS", "AREA_EFFECTS", "MISSING", "INTERVAL_LEVEL", "CHARACTERISTICS",
           "ExpectedModel", "model_columns", "participant_frame", "fit_expected", "predict", "contract_expected",
           "expected_vs_actual", "adjusted_conditions", "adjusted_review", "list_changes", "adjusted_summary",
           "expected_table", "plot_expected_vs_actual"]

#: The model's fixed effects (dummies, base = the first value in sort order), in order.
FIXED_EFFECTS: tuple[str, ...] = ("level", "age_group", "sex", "born_abroad", "disability", "education",
                                  "registration_group", "job_chance_missing", "start_month")
#: The model's regressors: the assessed job chance, one slope per level.
REGRESSORS: tuple[str, ...] = tuple(f"job_chance_{lv}" for lv in LEVELS)
#: Delivery-area fixed effects: off (see the module docstring, point 2). True adds the
#: delivery area as a fixed effect (adjusting for the area, and for its providers).
AREA_EFFECTS = False
#: A missing characteristic's category.
MISSING = "saknas"
#: Coverage of the interval of actual/expected.
INTERVAL_LEVEL = 0.95
#: The Dataset's participation columns the model reads.
CHARACTERISTICS = ("participation_id", "start_date", "job_chance", "age_at_start", "sex", "born_abroad",
                   "disability", "education", "days_registered")

#: Per FollowUps: {(…, spec): model} (the participant frames are kept on the FollowUps itself).
_MODELS: weakref.WeakKeyDictionary[FollowUps, dict] = weakref.WeakKeyDictionary()


# --------------------------------------------------------------------------- the frame

def _category(s: pd.Series) -> pd.Series:
    """A fixed effect's column as a categorical of text, missing → `MISSING` (so no row
    leaves the model). Categorical rather than text: the fit and `predict` read its codes."""
    c = s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("category")
    c = c.cat.rename_categories([str(v) for v in c.cat.categories])
    if c.isna().any():
        c = c.cat.add_categories([MISSING]).fillna(MISSING)
    return c.cat.remove_unused_categories()


def _yes_no(s: pd.Series) -> pd.Series:
    b = s.astype("boolean")
    codes = np.where(b.isna().to_numpy(), 2, b.fillna(False).to_numpy(dtype=bool).astype(np.int8))
    return _category(pd.Series(pd.Categorical.from_codes(codes, ["nej", "ja", MISSING]), index=s.index))


def model_columns(p: pd.DataFrame) -> pd.DataFrame:
    """The model's columns from participations with `CHARACTERISTICS` and ``level``:
    categoricals of text (missing → "saknas") for every fixed effect, ``start_month``
    ("YYYY-MM"), ``job_chance_A/B/C`` (the job chance in its own level's column, 0
    elsewhere and where missing) and ``job_chance_missing`` ("ja"/"nej")."""
    from romlab.report import classify

    missing = [c for c in (*CHARACTERISTICS, "level") if c not in p.columns and c != "participation_id"]
    if missing:
        raise DataError("participations", missing[0], "model_characteristics", 0,
                        detail=f"the expected-result model reads {missing}, which the participations lack")
    out = pd.DataFrame(index=p.index)
    out["level"] = _category(p["level"])
    out["age_group"] = _category(classify.age_group(p["age_at_start"]))
    out["sex"] = _category(p["sex"])
    out["born_abroad"] = _yes_no(p["born_abroad"])
    out["disability"] = _yes_no(p["disability"])
    out["education"] = _category(p["education"])
    out["registration_group"] = _category(classify.registration_group(p["days_registered"]))
    month = pd.Categorical(pd.to_datetime(p["start_date"]).dt.to_period("M"))
    month = month.rename_categories(month.categories.strftime("%Y-%m"))
    out["start_month"] = _category(pd.Series(month, index=p.index))
    jc = pd.to_numeric(p["job_chance"], errors="coerce").astype(float)
    out["job_chance_missing"] = _yes_no(jc.isna())
    for lv in LEVELS:
        out[f"job_chance_{lv}"] = np.where((p["level"] == lv).to_numpy() & jc.notna().to_numpy(),
                                           jc.fillna(0.0).to_numpy(), 0.0)
    return out


def participant_frame(data, publication_month: Any, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """The participants of a follow-up (`FollowUps.prepared`: participation_id, provider_id,
    delivery_area, level, value) with the model's columns (`model_columns`), joined from
    the Dataset's participations by ``participation_id``; once per month and `FollowUps`.
    `data`: a Dataset or a `FollowUps` holding the data. A `DataReachError` if the
    follow-ups were saved without the data (`FollowUps.keep`), a `DataError` if a
    participant is not among the participations or they lack a column the model reads."""
    src = follow_ups(data, cfg)
    cfg = cfg or src.cfg
    key = (months.to_month(publication_month), cfg.key(PREPARATION_FIELDS))
    cache = src.__dict__.setdefault("_participant_frames", {})  # kept by FollowUps.keep, saved with it
    if key in cache:
        return cache[key]
    part = src.prepared(publication_month, cfg).participants
    if src.ds is None:
        raise DataReachError(f"follow-up {key[0]}: the expected results need the participants' characteristics, "
                             f"and these follow-ups were saved without the data: open the data instead")
    p = src.ds.participations
    have = [c for c in CHARACTERISTICS if c in p.columns and c != "participation_id"]
    # participation_id is the participations' key (the data contract): a lookup by position
    at = pd.Index(p["participation_id"]).get_indexer(part["participation_id"])
    lost = int((at < 0).sum())
    if lost:
        raise DataError("participations", "participation_id", "model_characteristics", lost,
                        detail=f"follow-up {key[0]}: participants of the measurement window not among the "
                               f"participations")
    chars = p[have].take(at).reset_index(drop=True).assign(level=part["level"].to_numpy())
    cols = model_columns(chars)
    out = pd.concat([part.reset_index(drop=True), cols.drop(columns="level").reset_index(drop=True)], axis=1)
    cache[key] = out
    return out


# --------------------------------------------------------------------------- the model

@dataclass
class ExpectedModel:
    """The fitted expected-result model of a follow-up."""

    #: the OLS fit (`romlab.report.regression.RegressionResult`): coefficients, R², N
    result: Any
    #: the participants with ``expected`` (the clipped prediction) added
    frame: pd.DataFrame
    fixed_effects: tuple
    regressors: tuple
    #: predictions moved into [0, 1] by the clip
    clipped: int


def _codes(s: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes of a column and the text of each code's value (a categorical's own
    codes; otherwise `pandas.factorize`, a missing value its own code)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        cats = [str(v) for v in s.cat.categories]
        if (codes < 0).any():
            codes = np.where(codes < 0, len(cats), codes)
            cats.append("nan")
        return codes, cats
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    return codes, [str(v) for v in uniques]


def predict(result, frame: pd.DataFrame, clip: bool = True) -> np.ndarray:
    """Predicted result probabilities of the rows of ``frame`` from a `regression.fit`
    result whose fixed effects are text columns: the constant, each regressor times its
    coefficient, and each fixed effect's coefficient for the row's value (0 for the base
    value, for an omitted collinear dummy and for a value the fit has not seen).
    Clipped to [0, 1] when ``clip``."""
    params = result.params
    pred = np.full(len(frame), float(params.get("Konstant", 0.0)))
    for r in result.regressors:
        pred += float(params.get(r, 0.0)) * frame[r].to_numpy(dtype=float)
    for term in result.fixed_effects:
        cols = [term] if isinstance(term, str) else list(term)
        name = "×".join(cols)
        coef = {k[len(name) + 1:]: v for k, v in params.items() if k.startswith(name + "=")}
        # each column's distinct values once; a row's label is their combination: one
        # coefficient per combination of values (a small table), looked up by the codes
        codes, uniques = zip(*(_codes(frame[c]) for c in cols))
        labels = ["×".join(combo) for combo in itertools.product(*uniques)]
        table = np.array([coef.get(lab, 0.0) for lab in labels], dtype=float)
        pred += table[np.ravel_multi_index(codes, [len(u) for u in uniques])] if len(frame) else 0.0
    return np.clip(pred, 0.0, 1.0) if clip else pred


def fit_expected(frame: pd.DataFrame, fixed_effects=FIXED_EFFECTS, regressors=REGRESSORS, outcome: str = "value",
                 engine: str = "romlab") -> ExpectedModel:
    """The linear probability model of ``outcome`` on ``regressors`` and the dummies of
    ``fixed_effects`` (columns of text, `model_columns`), fitted by OLS
    (`romlab.report.regression.fit`, classical covariance: only the predictions are used),
    and the frame with ``expected`` = the clipped prediction. A fixed effect with one value
    adds nothing (no dummy)."""
    from romlab.report import regression

    if frame.empty:
        raise DataError("participations", "", "model_sample", 0,
                        detail="the expected-result model has no participants in the measurement window to fit")
    res = regression.fit(frame, outcome, list(regressors), list(fixed_effects), cov_type="nonrobust", engine=engine)
    raw = predict(res, frame, clip=False)
    out = frame.assign(expected=np.clip(raw, 0.0, 1.0))
    return ExpectedModel(res, out, tuple(fixed_effects), tuple(regressors), int(((raw < 0) | (raw > 1)).sum()))


def _model(src: FollowUps, month: str, cfg: ReviewConfig, fixed_effects, regressors) -> ExpectedModel:
    key = (month, cfg.key(PREPARATION_FIELDS), tuple(fixed_effects), tuple(regressors))
    cache = _MODELS.setdefault(src, {})
    if key not in cache:
        cache[key] = fit_expected(participant_frame(src, month, cfg), fixed_effects, regressors)
    return cache[key]


# --------------------------------------------------------------------------- per contract

def contract_expected(frame: pd.DataFrame, weights: dict[str, float], level: float = INTERVAL_LEVEL,
                      overall: float | None = None) -> pd.DataFrame:
    """Actual against expected per contract from participants with ``level``, ``value``
    and ``expected`` (`fit_expected`'s frame). One row per contract (sorted by key):
    ``participants``, ``actual`` = Σ w·y, ``expected_results`` = Σ w·p̂, ``variance`` =
    Σ w²·p̂(1 − p̂), ``measure`` = actual / n, ``expected_measure`` = expected_results / n,
    ``oe`` = actual / expected_results, ``oe_low``/``oe_high`` = oe ∓ z·√variance /
    expected_results (lower ≥ 0), ``risk_adjusted_measure`` = oe × ``overall`` (and its
    ``ra_low``/``ra_high``). ``overall``: default Σ w·y / n over the whole frame. The
    frame's ``attrs`` hold ``overall`` and ``level``."""
    from scipy.special import ndtri

    bad = sorted(set(frame["level"].unique()) - set(weights))
    if bad:
        raise DataError("participations", "level", "level_weights", int(frame["level"].isin(bad).sum()),
                        detail=f"no level weight for level(s) {bad}; weights: {sorted(weights)}")
    w = frame["level"].map(weights).to_numpy(dtype=float)
    y = frame["value"].to_numpy(dtype=float)
    p = frame["expected"].to_numpy(dtype=float)
    if overall is None:
        overall = float((w * y).sum() / len(frame)) if len(frame) else float("nan")
    d = pd.DataFrame({"_n": 1, "actual": w * y, "expected_results": w * p, "variance": w * w * p * (1 - p)},
                     index=frame.index)
    g = d.groupby([frame["provider_id"], frame["delivery_area"]], sort=True).sum()
    out = g.rename(columns={"_n": "participants"}).reset_index()
    out["participants"] = out["participants"].astype("int64")
    z = float(ndtri(0.5 + level / 2))
    n, e = out["participants"], out["expected_results"]
    out["measure"] = out["actual"] / n
    out["expected_measure"] = e / n
    with np.errstate(divide="ignore", invalid="ignore"):
        out["oe"] = (out["actual"] / e).where(e > 0)
        half = (z * np.sqrt(out["variance"]) / e).where(e > 0)
    out["oe_low"] = (out["oe"] - half).clip(lower=0.0)
    out["oe_high"] = out["oe"] + half
    out["risk_adjusted_measure"] = out["oe"] * overall
    out["ra_low"] = out["oe_low"] * overall
    out["ra_high"] = out["oe_high"] * overall
    out.attrs.update({"overall": overall, "level": level})
    return out


#: The columns `expected_vs_actual` adds to a follow-up.
EXPECTED_COLUMNS = ["expected_results", "variance", "expected_measure", "oe", "oe_low", "oe_high",
                    "risk_adjusted_measure", "ra_low", "ra_high"]


def expected_vs_actual(data, publication_month: Any, cfg: ReviewConfig | None = None,
                       level: float = INTERVAL_LEVEL, fixed_effects=None, regressors=REGRESSORS) -> pd.DataFrame:
    """The follow-up of ``publication_month`` (`FollowUps.follow_up`, every column) with
    `EXPECTED_COLUMNS` from `contract_expected`: the model (`fit_expected`, once per month
    and `FollowUps`) fitted on every participant of the month's window, each contract's
    expected measure, actual/expected with its ``level`` interval and the risk-adjusted
    measure (NA for contracts without participants). ``fixed_effects``: default
    `FIXED_EFFECTS`, plus ``delivery_area`` when `AREA_EFFECTS`. The frame's ``attrs``
    add ``overall`` (the overall measure), ``model`` (`ExpectedModel`). `data`: a Dataset
    or a `FollowUps` with the data."""
    src = follow_ups(data, cfg)
    cfg = cfg or src.cfg
    month = months.to_month(publication_month)
    if fixed_effects is None:
        fixed_effects = (*FIXED_EFFECTS, "delivery_area") if AREA_EFFECTS else FIXED_EFFECTS
    model = _model(src, month, cfg, fixed_effects, regressors)
    per = contract_expected(model.frame, dict(cfg.level_weights), level)
    fu = src.follow_up(month, cfg)
    out = fu.merge(per[[*KEY, *EXPECTED_COLUMNS]], on=KEY, how="left")
    out.attrs = {**fu.attrs, "overall": per.attrs["overall"], "level": level, "model": model}
    return out


# --------------------------------------------------------------------------- the list

def _below(measure: pd.Series, in_follow_up: pd.Series, cfg: ReviewConfig) -> pd.Series:
    return ((measure.round(cfg.round_decimals) < cfg.threshold).fillna(False).astype(bool)
            & in_follow_up.fillna(False).astype(bool))


def adjusted_conditions(rv: pd.DataFrame, ea1: pd.DataFrame, ea2: pd.DataFrame,
                        cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """A review (`conditions.review`) with condition 2 also applied to the risk-adjusted
    measure. ``ea1``/``ea2``: the earlier and later follow-up with
    ``risk_adjusted_measure`` (`expected_vs_actual`). Adds per follow-up k
    ``risk_adjusted_measure_k``, ``oe_k``, ``expected_measure_k`` and
    ``below_adjusted_k`` (in the follow-up and the risk-adjusted measure, rounded as the
    raw one, below ``cfg.threshold``); ``cond_measure_adjusted`` (below at both: a
    contract missing from one fails, A69), ``meets_all_adjusted`` (with the review's
    conditions 1 and 3 unchanged) and ``list_change``: "Tillkommer" (on the list only
    with the risk-adjusted measure), "Faller bort" (only with the raw one) or "". Rows
    and order as ``rv``."""
    cfg = cfg or ReviewConfig()
    out = rv.copy()
    for k, ea in ((1, ea1), (2, ea2)):
        cols = [c for c in ("risk_adjusted_measure", "oe", "expected_measure") if c in ea.columns]
        if "risk_adjusted_measure" not in cols:
            raise KeyError(f"follow-up {k} has no risk_adjusted_measure (use expected_vs_actual)")
        part = ea[[*KEY, *cols]].rename(columns={c: f"{c}_{k}" for c in cols})
        out = out.merge(part, on=KEY, how="left")
        out[f"below_adjusted_{k}"] = _below(out[f"risk_adjusted_measure_{k}"], out[f"in_follow_up_{k}"], cfg)
    out["cond_measure_adjusted"] = out["below_adjusted_1"] & out["below_adjusted_2"]
    out["meets_all_adjusted"] = out["cond_rating"] & out["cond_measure_adjusted"] & out["cond_active"]
    out["list_change"] = np.select([out["meets_all_adjusted"] & ~out["meets_all"],
                                    out["meets_all"] & ~out["meets_all_adjusted"]], ["Tillkommer", "Faller bort"], "")
    out.index = rv.index
    out.attrs = dict(rv.attrs)
    return out


def adjusted_review(data, first_month: Any, second_month: Any = None, cfg: ReviewConfig | None = None,
                    level: float = INTERVAL_LEVEL) -> pd.DataFrame:
    """The review of two follow-ups (`conditions.review`) with `adjusted_conditions`: the
    model fitted once per follow-up on its own window's participants. `data`: a
    Dataset or a `FollowUps` with the data."""
    from romlab.review.conditions import review

    src = follow_ups(data, cfg)
    cfg = cfg or src.cfg
    m1, m2 = review_months(first_month, second_month)
    rv = review(src, m1, m2, cfg)
    return adjusted_conditions(rv, expected_vs_actual(src, m1, cfg, level), expected_vs_actual(src, m2, cfg, level),
                               cfg)
