"""The provider review (romlab.review) on hand-made contracts: every rule of
*Kvalitetsvillkor för resultat* (`000`) pinned at its edges, and the work a review does
once (one load per batch, one preparation per publication month, one smallest cell).

Month convention (`000` §3.2, §3.4): m0 = the month before publication. For publication
2025-03, m0 = 2025-02; starts counted in m0 − 22 … m0 − 11 = 2023-04 … 2024-03, i.e. 12 …
23 months before the publication month; the first participant in m0 − 12 = 2024-02 or
earlier; the contract started in m0 − 22 = 2023-04 or earlier; data cut-off 2025-02-28.
"""

from __future__ import annotations

import itertools
import shutil
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from romlab import months, paths, review
from romlab.dataset import load as loader
from romlab.dataset.contract import TABLES
from romlab.dataset.load import Dataset, LoadInfo, _make_dataset, load
from romlab.publication import disclosure
from romlab.review import ReviewConfig, batch, measure
from romlab.run import execute
from romlab.run.config import ConfigError, RunConfig

D = pd.Timestamp
PUB = "2025-03"


# --------------------------------------------------------------------------- builder

class Builder:
    """Hand-made RoM 2 contracts, participations, results and ratings → a Dataset whose
    tables are valid against the data contract (they also load from Parquet)."""

    def __init__(self):
        self.contracts, self.parts, self.results, self.ratings = [], [], [], []
        self._ids = itertools.count(1)

    def contract(self, pid, area="R2-01", start="2023-04-17", end=None, end_recorded=None):
        end = None if end is None else D(end)
        rec = None if end is None else D(end_recorded or end - pd.Timedelta(days=90))
        self.contracts.append((pid, area, 2, D(start), end, rec))
        return self

    def starts(self, pid, area="R2-01", start="2023-06-01", n=1, level="B", results=0, approved="2024-06-01",
               result_type="R3M", filed_by=None, end_reason="completed", recorded=None):
        """``n`` participations starting on ``start`` (recorded on ``recorded``, default five
        days before the start); the first ``results`` of them get an approved result of
        ``result_type`` (approved on ``approved``; None = never)."""
        ids = []
        for i in range(n):
            k = next(self._ids)
            s = D(start)
            self.parts.append(dict(
                participation_id=k, person_id=1000 + k, provider_id=pid, delivery_area=area, generation=2,
                recorded_date=s - pd.Timedelta(days=5) if recorded is None else D(recorded), start_date=s, end_date=s + pd.Timedelta(days=60),
                end_reason=end_reason, end_recorded_date=s + pd.Timedelta(days=61), level=level,
                job_chance=0.3, sex="woman", born_abroad=False, disability=False, education="upper_secondary",
                age_at_start=30, days_registered=100, framework_programme="none"))
            if i < results:
                appr = None if approved is None else D(approved)
                filed = (appr - pd.Timedelta(days=3)) if appr is not None else s + pd.Timedelta(days=120)
                self.results.append(dict(
                    participation_id=k, provider_id=filed_by or pid, result_type=result_type, outcome="work",
                    event_date=s + pd.Timedelta(days=10), filed_date=filed, approved_date=appr))
            ids.append(k)
        return self

    def rating(self, pid, area, month, stars):
        m = D(month + "-01")
        self.ratings.append((pid, area, m, stars, m + pd.Timedelta(days=14)))
        return self

    def tables(self) -> dict[str, pd.DataFrame]:
        contracts = pd.DataFrame(self.contracts, columns=["provider_id", "delivery_area", "generation",
                                                          "contract_start", "contract_end", "end_recorded_date"])
        providers = pd.DataFrame({"provider_id": sorted(contracts["provider_id"].unique())})
        providers["provider_name"] = "Leverantör " + providers["provider_id"]
        parts = pd.DataFrame(self.parts)
        res = pd.DataFrame(self.results, columns=["participation_id", "provider_id", "result_type", "outcome",
                                                  "event_date", "filed_date", "approved_date"])
        res.insert(0, "result_id", np.arange(1, len(res) + 1))
        # a rating publication far on, so the data reach every follow-up tested
        ratings = self.ratings + [(contracts["provider_id"][0], contracts["delivery_area"][0], D("2025-11-01"),
                                   None, D("2025-11-15"))]
        ratings = pd.DataFrame(ratings, columns=["provider_id", "delivery_area", "publication_month", "rating",
                                                 "published_date"]).drop_duplicates(
            ["provider_id", "delivery_area", "publication_month"])
        ratings["rating"] = ratings["rating"].astype("Int64")
        empty = {name: pd.DataFrame({c: pd.Series(dtype=object) for c in TABLES[name].schema.columns})
                 for name in ("periodic_reports", "deviation_reports", "register_events")}
        tables = {"participations": parts, **empty, "result_reports": res, "providers": providers,
                  "contracts": contracts, "provider_ratings": ratings}
        tables = {name: tables[name] for name in TABLES}
        return {name: TABLES[name].schema.validate(df) for name, df in tables.items()}

    def dataset(self):
        return _make_dataset(self.tables(), None, LoadInfo())


def row(fu: pd.DataFrame, pid: str, area: str = "R2-01") -> pd.Series:
    r = fu.loc[(fu["provider_id"] == pid) & (fu["delivery_area"] == area)]
    assert len(r) == 1, f"{pid}/{area} not in the frame"
    return r.iloc[0]


# --------------------------------------------------------------------------- months

def test_measurement_window_of_the_documents_example():
    # `000` §3.2: publication March 2025 → starts April 2023 … March 2024
    assert review.measurement_window("2025-03") == ("2023-04", "2024-03")
    assert review.measurement_window("2025-01") == ("2023-02", "2024-01")
    assert review.measurement_window("2024-01") == ("2022-02", "2023-01")  # across a year end


def test_months_come_from_romlab_months_and_previous_follow_up():
    # the review keeps no month arithmetic of its own
    assert not hasattr(review, "month_index") and not hasattr(review, "month_label")
    assert months.shift(months.to_month(D("2025-03-31")), 0) == "2025-03"
    assert months.index(D("2025-03-31")) == months.index("2025-03")
    assert review.previous_follow_up("2025-03") == "2025-01"
    assert review.previous_follow_up("2025-01") == "2024-11"
    assert review.review_months("2025-03") == ("2025-01", "2025-03")
    assert review.review_months("2025-03", "2025-01") == ("2025-01", "2025-03")
    with pytest.raises(ConfigError):
        review.review_months("2025-03", "2025-03")
    with pytest.raises(ConfigError):
        review.review_months("2025-13")


def test_publication_cutoff_is_the_last_day_of_the_month_before():
    assert review.publication_cutoff("2025-03") == D("2025-02-28")
    assert review.publication_cutoff("2024-03") == D("2024-02-29")
    assert review.publication_cutoff("2025-01") == D("2024-12-31")
    assert review.publication_cutoff("2025-03", ReviewConfig(cutoff_day=11)) == D("2025-02-11")
    assert review.publication_cutoff("2025-03", ReviewConfig(cutoff_months_before=0)) == D("2025-03-31")


def test_placement_stop_three_weeks_before_termination():
    assert review.placement_stop("2025-06-30") == D("2025-06-09")
    assert review.placement_stop("2025-06-30", ReviewConfig(placement_stop_days=14)) == D("2025-06-16")


# --------------------------------------------------------------------------- starts counted

def test_start_months_counted_at_both_edges():
    """Publication 2025-03: starting 11 months before the publication month (2024-04 =
    m0 − 10) is out, 12 months before (2024-03 = m0 − 11) in; 22 months back from m0
    (2023-04) in, 23 back from m0 (2023-03, 24 before publication) out. The edges are
    the first and last day of each month."""
    b = Builder().contract("P1")
    b.starts("P1", start="2023-04-03", level="B", results=1)   # m0 − 22, first working day: in
    b.starts("P1", start="2023-03-31", level="B", results=1)   # m0 − 23: out
    b.starts("P1", start="2024-03-29", level="B", results=0)   # m0 − 11: in
    b.starts("P1", start="2024-04-01", level="B", results=1)   # m0 − 10: out
    # the contract's first participant, well before
    fu = review.follow_up(b.dataset(), PUB)
    r = row(fu, "P1")
    assert r["participants"] == 2
    assert r["results"] == 1
    assert r["measure"] == pytest.approx(0.5)
    assert fu.attrs["window"] == ("2023-04", "2024-03")


def test_interruptions_stay_in_the_denominator():
    b = Builder().contract("P1")
    b.starts("P1", start="2023-06-01", n=4, end_reason="interrupted")
    b.starts("P1", start="2023-06-01", n=1, results=1, end_reason="work_or_studies")
    r = row(review.follow_up(b.dataset(), PUB), "P1")
    assert r["participants"] == 5
    assert r["measure"] == pytest.approx(0.2)


# --------------------------------------------------------------------------- eligibility

def test_first_participant_exactly_twelve_months_back_is_in_the_follow_up():
    b = Builder().contract("P1").contract("P2", area="R2-02")
    b.starts("P1", start="2024-02-29", n=10, results=1)                  # m0 − 12: eligible
    b.starts("P2", area="R2-02", start="2024-03-01", n=10, results=1)    # m0 − 11: too young
    fu = review.follow_up(b.dataset(), PUB)
    p1, p2 = row(fu, "P1"), row(fu, "P2", "R2-02")
    assert p1["months_since_first"] == 12 and p1["eligible"] and p1["in_follow_up"]
    assert p2["months_since_first"] == 11 and not p2["eligible"] and not p2["in_follow_up"]
    # its participants are in the start months, but it is not followed up
    assert p2["participants"] == 10 and not p2["below_threshold"]
    with pytest.raises(AssertionError):
        row(review.follow_up_file(fu).rename(columns={"Leverantörs-id": "provider_id",
                                                      "Leveransområde": "delivery_area"}), "P2", "R2-02")


def test_contract_active_exactly_22_months():
    b = Builder().contract("P1", start="2023-04-17").contract("P2", area="R2-02", start="2023-05-01")
    b.starts("P1", start="2023-06-01", n=10)
    b.starts("P2", area="R2-02", start="2023-06-01", n=10)
    fu = review.follow_up(b.dataset(), PUB)
    assert row(fu, "P1")["months_active"] == 22 and row(fu, "P1")["active_ok"]
    assert row(fu, "P2", "R2-02")["months_active"] == 21 and not row(fu, "P2", "R2-02")["active_ok"]
    # two months earlier the first contract had 20 months
    assert row(review.follow_up(b.dataset(), "2025-01"), "P1")["months_active"] == 20


def test_ended_contract_is_followed_up_and_counts_months_to_its_end():
    b = Builder().contract("P1", end="2024-12-31", end_recorded="2024-10-01")
    b.contract("P2", area="R2-02", end="2025-06-30", end_recorded="2025-03-05")  # end known after the cut-off
    b.starts("P1", start="2023-06-01", n=10, results=1)
    b.starts("P2", area="R2-02", start="2023-06-01", n=10, results=1)
    fu = review.follow_up(b.dataset(), PUB)
    p1, p2 = row(fu, "P1"), row(fu, "P2", "R2-02")
    assert p1["in_follow_up"] and p1["ended"] and p1["months_active"] == 20 and not p1["active_ok"]
    assert pd.isna(p2["contract_end"]) and not p2["ended"] and p2["months_active"] == 22


# --------------------------------------------------------------------------- measure

def test_measure_exactly_20_percent_is_not_below():
    b = Builder().contract("P1").contract("P2", area="R2-02")
    b.starts("P1", start="2023-06-01", n=10, level="B", results=2)               # 2 / 10 = 20 %
    b.starts("P2", area="R2-02", start="2023-06-01", n=10, level="B", results=1)  # 10 %
    fu = review.follow_up(b.dataset(), PUB)
    assert row(fu, "P1")["measure"] == pytest.approx(0.2) and not row(fu, "P1")["below_threshold"]
    assert row(fu, "P2", "R2-02")["below_threshold"]


def test_measure_at_20_percent_with_floating_point_noise_is_not_below():
    # six results at weight 1/3 among ten participants: 20 % up to float noise
    b = Builder().contract("P1")
    b.starts("P1", start="2023-06-01", n=10, level="A", results=6)
    cfg = ReviewConfig(level_weights={"A": 1 / 3, "B": 1.0, "C": 1.0})
    r = row(review.follow_up(b.dataset(), PUB, cfg), "P1")
    assert r["measure"] == pytest.approx(0.2) and not r["below_threshold"]


def test_level_weights_multiply_results_and_divide_by_all_participants():
    b = Builder().contract("P1")
    b.starts("P1", start="2023-06-01", n=4, level="A", results=1)
    b.starts("P1", start="2023-06-01", n=3, level="B", results=1)
    b.starts("P1", start="2023-06-01", n=3, level="C", results=1)
    r = row(review.follow_up(b.dataset(), PUB), "P1")
    w = review.DEFAULT_LEVEL_WEIGHTS
    assert w["B"] == 1.0 and w["A"] == pytest.approx(20 / 29) and w["C"] == pytest.approx(38 / 29)
    assert r["measure"] == pytest.approx((w["A"] + w["B"] + w["C"]) / 10)
    assert (r["participants_A"], r["participants_B"], r["participants_C"]) == (4, 3, 3)
    assert r["results"] == 3 and r["persons_with_result"] == 3


def test_result_approved_after_the_cutoff_does_not_count():
    b = Builder().contract("P1")
    b.starts("P1", start="2023-06-01", n=1, results=1, approved="2025-02-28")   # on the cut-off: counts
    b.starts("P1", start="2023-06-01", n=1, results=1, approved="2025-03-01")   # the day after: not
    b.starts("P1", start="2023-06-01", n=1, results=1, approved=None)           # never approved
    b.starts("P1", start="2023-06-01", n=7)
    r = row(review.follow_up(b.dataset(), PUB), "P1")
    assert r["participants"] == 10 and r["results"] == 1
    # at the next follow-up (cut-off 2025-04-30) the late approval counts
    assert row(review.follow_up(b.dataset(), "2025-05"), "P1")["results"] == 2


def test_the_data_are_cut_by_the_datasets_as_of_view(monkeypatch):
    """A follow-up sees the data as known at its cut-off, through `Dataset.as_of_view`:
    a participation recorded after the cut-off is not counted, though it started in the
    window; at the next follow-up it is."""
    b = Builder().contract("P1")
    b.starts("P1", start="2023-06-01", n=9)
    b.starts("P1", start="2023-06-01", n=1, results=1, recorded="2025-03-03", approved="2025-03-10")
    ds = b.dataset()
    cuts = []
    real = Dataset.as_of_view
    monkeypatch.setattr(Dataset, "as_of_view", lambda self, date: cuts.append(pd.Timestamp(date)) or real(self, date))
    r = row(review.follow_up(ds, PUB), "P1")
    assert cuts == [D("2025-02-28")]
    assert r["participants"] == 9 and r["results"] == 0
    r = row(review.follow_up(ds, "2025-05"), "P1")
    assert r["participants"] == 10 and r["results"] == 1


def test_which_result_counts_is_a_parameter():
    b = Builder().contract("P1")
    b.starts("P1", start="2023-06-01", n=1, results=1, result_type="R3M")
    b.starts("P1", start="2023-06-01", n=1, results=1, result_type="R6M")
    b.starts("P1", start="2023-06-01", n=8)
    ds = b.dataset()
    assert row(review.follow_up(ds, PUB), "P1")["results"] == 1
    assert row(review.follow_up(ds, PUB, ReviewConfig(result_values={"R6M": 1})), "P1")["results"] == 1
    half = ReviewConfig(result_values="R3M=0.5,R6M=0.5")
    assert row(review.follow_up(ds, PUB, half), "P1")["results"] == pytest.approx(1.0)


def test_results_filed_by_another_provider():
    b = Builder().contract("P1").contract("P2")
    b.contract("P2", area="R2-02")
    b.starts("P1", start="2023-06-01", n=1, results=1, filed_by="P2")  # switched provider
    b.starts("P1", start="2023-06-01", n=9)
    ds = b.dataset()
    assert row(review.follow_up(ds, PUB), "P1")["results"] == 1
    assert row(review.follow_up(ds, PUB, ReviewConfig(own_results_only=True)), "P1")["results"] == 0


# --------------------------------------------------------------------------- ratings

def test_missing_rating_counts_as_one():
    b = Builder().contract("P1").contract("P2", area="R2-02").contract("P3", area="R2-03")
    for pid, area in [("P1", "R2-01"), ("P2", "R2-02"), ("P3", "R2-03")]:
        b.starts(pid, area=area, start="2023-06-01", n=10)
    b.rating("P1", "R2-01", PUB, None)     # published without a rating
    b.rating("P2", "R2-02", PUB, 2)
    # P3: no row at all in the publication
    fu = review.follow_up(b.dataset(), PUB)
    assert pd.isna(row(fu, "P1")["rating"]) and row(fu, "P1")["rating_used"] == 1 and row(fu, "P1")["rating_ok"]
    assert row(fu, "P2", "R2-02")["rating_used"] == 2 and not row(fu, "P2", "R2-02")["rating_ok"]
    assert pd.isna(row(fu, "P3", "R2-03")["rating"]) and row(fu, "P3", "R2-03")["rating_ok"]


def test_rating_of_the_latest_publication_on_or_before_the_month():
    b = Builder().contract("P1")
    b.starts("P1", start="2023-06-01", n=10)
    b.rating("P1", "R2-01", "2025-01", 1).rating("P1", "R2-01", "2025-03", 3)
    ds = b.dataset()
    assert row(review.follow_up(ds, "2025-03"), "P1")["rating"] == 3
    assert row(review.follow_up(ds, "2025-02"), "P1")["rating"] == 1


# --------------------------------------------------------------------------- review

def _review_builder() -> Builder:
    """Four contracts for the review 2025-01 + 2025-03:
    P1 meets all three; P2 rating 2 at the second follow-up (two of three); P3 started
    2023-09 (active 17 months, two of three); P4 measure 30 % (one of three: active only,
    plus the rating)."""
    b = Builder()
    b.contract("P1").contract("P2", area="R2-02").contract("P3", area="R2-03", start="2023-09-01")
    b.contract("P4", area="R2-04")
    b.starts("P1", start="2023-06-01", n=20, results=2)
    b.starts("P2", area="R2-02", start="2023-06-01", n=20, results=2)
    b.starts("P3", area="R2-03", start="2023-10-02", n=20, results=2)
    b.starts("P4", area="R2-04", start="2023-06-01", n=20, results=6)
    for m in ("2025-01", "2025-03"):
        b.rating("P1", "R2-01", m, 1).rating("P3", "R2-03", m, 1).rating("P4", "R2-04", m, 1)
    b.rating("P2", "R2-02", "2025-01", 1).rating("P2", "R2-02", "2025-03", 2)
    return b


def test_review_meets_all_and_two_of_three_with_reasons():
    rv = review.review(_review_builder().dataset(), "2025-03")
    assert rv.attrs["months"] == ("2025-01", "2025-03")
    p1, p2, p3, p4 = (row(rv, p, a) for p, a in [("P1", "R2-01"), ("P2", "R2-02"), ("P3", "R2-03"),
                                                  ("P4", "R2-04")])
    assert p1["meets_all"] and p1["conditions_met"] == 3 and p1["reasons"] == "uppfyller alla villkor"
    assert not p2["meets_all"] and p2["conditions_met"] == 2 and p2["missing_condition"] == "betyg"
    assert p2["reasons"] == "betyg 2 i 2025-03"
    assert not p3["meets_all"] and p3["conditions_met"] == 2 and p3["missing_condition"] == "avtalstid"
    assert p3["reasons"] == "avtal aktivt 17 månader vid 2025-03 (minst 22)"
    assert p4["conditions_met"] == 2 and p4["missing_condition"] == "resultatmått"
    assert p4["reasons"] == "resultatmått 30,0 % i 2025-01; resultatmått 30,0 % i 2025-03"
    summary = review.review_summary(rv)["Antal"]
    assert summary["Uppfyller alla tre villkoren"] == 1
    assert summary["Uppfyller två av tre (saknar ett villkor)"] == 3
    shown = review.review_list(rv, min_conditions=3)
    assert list(shown["Leverantör"]) == ["Leverantör P1"]
    assert list(review.near_misses(rv)["Saknat villkor"]) == ["betyg", "resultatmått", "avtalstid"]


def test_review_measure_must_be_below_at_both_follow_ups():
    b = Builder().contract("P1")
    b.starts("P1", start="2023-02-01", n=10, results=5)   # in the 2025-01 window only: 50 % there
    b.starts("P1", start="2023-06-01", n=10, results=1)
    rv = review.review(b.dataset(), "2025-01", "2025-03")
    r = row(rv, "P1")
    assert r["measure_1"] == pytest.approx(0.3) and r["measure_2"] == pytest.approx(0.1)
    assert not r["cond_measure"] and r["conditions_met"] == 2


def test_review_contract_not_in_the_first_follow_up_fails_the_measure_condition():
    b = Builder().contract("P1", start="2023-04-17")
    b.starts("P1", start="2024-01-15", n=10)  # first participant m0 − 13 at 2025-03, m0 − 11 at 2025-01
    rv = review.review(b.dataset(), "2025-03")
    r = row(rv, "P1")
    assert not r["in_follow_up_1"] and r["in_follow_up_2"] and not r["cond_measure"]
    assert "ingår inte i uppföljningen 2025-01 (första deltagaren för 11 månader sedan, minst 12)" in r["reasons"]


def test_active_months_at_both_follow_ups_is_an_option():
    ds = _review_builder().dataset()
    assert row(review.review(ds, "2025-03"), "P1")["cond_active"]
    both = review.review(ds, "2025-03", cfg=ReviewConfig(active_months_at="both"))
    assert not row(both, "P1")["cond_active"]  # 20 months at 2025-01


def test_placement_stop_only_for_contracts_on_the_list():
    rv = review.review(_review_builder().dataset(), "2025-03", termination_date="2025-06-30")
    assert row(rv, "P1")["placement_stop"] == D("2025-06-09")
    assert pd.isna(row(rv, "P2", "R2-02")["placement_stop"])
    assert "Placeringsstopp" in review.review_list(rv)


# --------------------------------------------------------------------------- weights

def test_weights_change_the_list():
    """All-C contract at 18 % raw: below 20 % unweighted, 23.6 % with the default weights."""
    b = Builder().contract("P1").contract("P2", area="R2-02")
    b.starts("P1", start="2023-06-01", n=50, level="C", results=9)
    b.starts("P2", area="R2-02", start="2023-06-01", n=50, level="A", results=13)  # 26 % raw, 17.9 % weighted
    ds = b.dataset()
    sets = {"standard": review.DEFAULT_LEVEL_WEIGHTS, "ovägt": {"A": 1, "B": 1, "C": 1}}
    t = review.weight_sensitivity(ds, "2025-03", sets=sets)
    assert t.loc["standard", "Uppfyller alla villkor"] == 1
    assert t.loc["ovägt", "Tillkommer"] == "P1/R2-01"
    assert t.loc["ovägt", "Faller bort"] == "P2/R2-02"
    detail = review.weight_sensitivity_detail(ds, "2025-03", sets=sets)
    assert detail.loc[("P1", "R2-01"), ("ovägt", "Alla villkor")] == "ja"
    assert detail.loc[("P1", "R2-01"), ("standard", "Alla villkor")] == "nej"


def test_level_neutral_weights_equalise_the_levels():
    b = Builder().contract("P1")
    b.starts("P1", start="2023-06-01", n=10, level="A", results=4)
    b.starts("P1", start="2023-06-01", n=10, level="B", results=2)
    b.starts("P1", start="2023-06-01", n=10, level="C", results=1)
    w = review.level_neutral_weights(b.dataset(), PUB)
    overall = 7 / 30
    assert w["A"] == pytest.approx(overall / 0.4) and w["C"] == pytest.approx(overall / 0.1)
    assert set(review.weight_sets(b.dataset(), PUB)) >= {"Ovägt", "Nivåneutral"}


# --------------------------------------------------------------------------- file, config, reach

def test_follow_up_file_headings_and_suppression(tmp_path):
    b = Builder().contract("P1").contract("P2", area="R2-02")
    b.starts("P1", start="2023-06-01", n=40, results=12)
    b.starts("P2", area="R2-02", start="2023-06-01", n=9, results=1)
    b.rating("P1", "R2-01", PUB, 3)
    fu = review.follow_up(b.dataset(), PUB)
    f = review.follow_up_file(fu, shown=True)
    assert list(f.columns) == ["Leverantör", "Leverantörs-id", "Leveransområde", "Avtalet upphör/upphörde",
                               "Antal deltagare", "Antal resultat", "Viktat resultatmått (%)", "Betyg"]
    assert f.iloc[0].tolist() == ["Leverantör P1", "P1", "R2-01", "", "40", "12", "30,0", "3"]
    assert f.iloc[1].tolist()[4:] == ["..", "..", "..", ""]
    files = review.export_follow_up(fu, tmp_path / "resultatuppfoljning_2025-03")
    csv = pd.read_csv(files["csv"], sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert csv.equals(f.astype(str))
    xl = pd.read_excel(files["xlsx"], header=1)
    assert list(xl.columns) == list(f.columns)
    assert xl.loc[0, "Viktat resultatmått (%)"] == 30.0 and xl.loc[1, "Antal deltagare"] == ".."


def test_config_overrides_are_coerced_and_checked():
    cfg = ReviewConfig.from_overrides({"level_weights": "A=1,B=1,C=1", "threshold": "0.25",
                                       "start_months_back": "11,22", "cutoff_day": "", "own_results_only": "ja"})
    assert cfg.level_weights == {"A": 1.0, "B": 1.0, "C": 1.0} and cfg.threshold == 0.25
    assert cfg.start_months_back == (11, 22) and cfg.cutoff_day is None and cfg.own_results_only
    with pytest.raises(ConfigError, match="unknown ReviewConfig key"):
        ReviewConfig.from_overrides({"treshold": 0.2})
    with pytest.raises(ConfigError):
        ReviewConfig(level_weights={"A": 1, "B": 1})
    with pytest.raises(ConfigError):
        ReviewConfig(active_months_at="first")


def test_data_reach():
    ds = _review_builder().dataset()
    assert review.data_end(ds) == D("2025-11-15")
    assert review.within_reach(ds, "2025-03")[0]
    assert not review.within_reach(ds, "2025-05")[0]  # no ratings published for 2025-05
    cut = ds.as_of_view("2025-02-27")
    assert not review.within_reach(cut, "2025-03")[0]
    with pytest.raises(review.DataReachError):
        review.follow_up(cut, "2025-03")


def test_hand_made_tables_load_and_give_the_same_follow_up(tmp_path):
    b = _review_builder()
    folder = tmp_path / "hand"
    folder.mkdir()
    for name, df in b.tables().items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    loaded = review.follow_up(load(folder), PUB)
    direct = review.follow_up(b.dataset(), PUB)
    pd.testing.assert_frame_equal(loaded, direct, check_dtype=False)


def test_run_reviews_skips_reviews_the_data_do_not_reach(tmp_path):
    runs = review.run_reviews(paths.SAMPLE, tmp_path, reviews=[("2025-11", "2026-01")])
    assert runs[0].notebook is None and "2026-01" in runs[0].skipped
    assert not any(tmp_path.iterdir())


def test_cli_review_parser():
    from romlab.run.cli import build_parser

    args = build_parser().parse_args(["review", "--data", "d", "--out", "o", "--review", "2025-01,2025-03",
                                      "--set", "threshold=0.25"])
    assert args.review == ["2025-01,2025-03"] and args.set == ["threshold=0.25"] and not args.stored


def test_rating_agreement_spearman():
    b = Builder()
    for i, stars in enumerate([1, 2, 3, 4, 2], start=1):
        area = f"R2-{i:02d}"
        b.contract(f"P{i}", area=area)
        b.starts(f"P{i}", area=area, start="2023-06-01", n=20, results=[1, 4, 6, 9, 3][i - 1])
        b.rating(f"P{i}", area, PUB, stars)
    fu = review.follow_up(b.dataset(), PUB)
    t = review.rating_agreement(fu)["Värde"]
    assert t["Avtal med betyg (minst 10 deltagare)"] == "5"
    assert t["Spearmans rangkorrelation"] == "0,97"
    tab = review.rating_table(fu)
    assert list(tab.index) == ["1", "2", "3", "4"] and tab.loc["2", "Avtal"] == 2


def test_run_reviews_writes_one_executed_notebook_per_review(tmp_path, monkeypatch):
    """The notebook runs on the batch's saved follow-ups: the data folder is moved away
    while it runs, so a notebook that read the data would fail."""
    import nbformat

    data = tmp_path / "data"
    shutil.copytree(paths.SAMPLE, data)
    real = execute.execute_notebook

    def without_data(src, dst, parameters, cwd):
        data.rename(tmp_path / "away")
        try:
            real(src, dst, parameters, cwd)
        finally:
            (tmp_path / "away").rename(data)

    monkeypatch.setattr(execute, "execute_notebook", without_data)
    out = tmp_path / "out"
    runs = review.run_reviews(data, out, reviews=[("2025-01", "2025-03")])
    (run,) = runs
    assert run.notebook == out / "oversyn_2025-01_2025-03" / "review_kvalitetsvillkor.ipynb"
    nb = nbformat.read(run.notebook, as_version=4)
    assert not any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'publication_month = "2025-03"' in injected[0].source and 'second_month = "2025-01"' in injected[0].source
    assert f'bundle = "{batch.BUNDLE}"' in injected[0].source and not (run.notebook.parent / batch.BUNDLE).exists()
    assert sorted(p.name for p in run.exports) == [
        "resultatuppfoljning_2025-01.csv", "resultatuppfoljning_2025-01.xlsx",
        "resultatuppfoljning_2025-03.csv", "resultatuppfoljning_2025-03.xlsx",
        "trattdiagram_2025-01.png", "trattdiagram_2025-01.svg", "trattdiagram_2025-03.png", "trattdiagram_2025-03.svg"]
    assert all(p.is_file() and p.stat().st_size for p in run.exports)


# --------------------------------------------------------------------------- once

def _count_prepare(monkeypatch) -> Counter:
    """Count `measure.prepare` per publication month."""
    calls = Counter()
    real = measure.prepare

    def counted(ds, month, cfg, end=None):
        calls[months.to_month(month)] += 1
        return real(ds, month, cfg, end)

    monkeypatch.setattr(measure, "prepare", counted)
    return calls


def test_everything_a_notebook_shows_prepares_each_month_once(monkeypatch):
    calls = _count_prepare(monkeypatch)
    cfg = ReviewConfig()
    src = review.FollowUps(_review_builder().dataset(), cfg)
    fu = review.follow_up(src, "2025-03", cfg)
    rv = review.review(src, "2025-01", "2025-03", cfg)
    review.parameter_table(src, "2025-01", "2025-03", cfg)
    review.follow_up_file(fu, cfg)
    review.weight_sensitivity(src, "2025-01", "2025-03", cfg=cfg)
    review.weight_sensitivity_detail(src, "2025-01", "2025-03", cfg=cfg)
    assert calls == {"2025-01": 1, "2025-03": 1}
    # other weights reuse the prepared month; another count of results prepares anew
    review.follow_up(src, "2025-03", cfg.replace(level_weights="A=1,B=1,C=1"))
    review.follow_up(src, "2025-03", cfg.replace(result_values={"R6M": 1}))
    assert calls == {"2025-01": 1, "2025-03": 2}
    # the same answers as from the Dataset directly (which prepares for this call alone)
    pd.testing.assert_frame_equal(rv, review.review(src.ds, "2025-01", "2025-03", cfg))
    assert calls == {"2025-01": 2, "2025-03": 3}


def test_weight_sensitivity_on_a_dataset_prepares_each_month_once(monkeypatch):
    calls = _count_prepare(monkeypatch)
    review.weight_sensitivity(_review_builder().dataset(), "2025-01", "2025-03")
    assert calls == {"2025-01": 1, "2025-03": 1}  # level-neutral weights and four sets share them


def _fake_notebook(seen: list):
    """Stands in for papermill: records the parameters and what the saved follow-ups
    answer without the data, and copies the notebook."""
    def run(src, dst, parameters, cwd):
        saved = review.FollowUps.load(cwd / parameters["bundle"])
        seen.append((parameters, saved.cfg, saved.ds, review.follow_up(saved, parameters["publication_month"])))
        shutil.copy(src, dst)
    return run


def test_a_batch_loads_once_and_prepares_each_month_once(monkeypatch, tmp_path):
    """Two reviews sharing 2025-03: one load, three months prepared once each, and the
    notebooks run on the saved follow-ups, which hold no data."""
    loads = []
    real_load = loader.load
    monkeypatch.setattr(loader, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    calls = _count_prepare(monkeypatch)
    seen = []
    monkeypatch.setattr(execute, "execute_notebook", _fake_notebook(seen))
    runs = review.run_reviews(paths.SAMPLE, tmp_path, reviews=[("2025-01", "2025-03"), ("2025-03", "2025-05")])
    assert len(loads) == 1
    assert calls == {"2025-01": 1, "2025-03": 1, "2025-05": 1}
    assert [r.skipped for r in runs] == ["", ""] and len(seen) == 2
    assert all(ds is None for _, _, ds, _ in seen)
    ds = real_load(paths.SAMPLE)
    pd.testing.assert_frame_equal(seen[0][3], review.follow_up(ds, "2025-03"))
    assert not list(tmp_path.rglob(batch.BUNDLE))


def test_open_follow_ups_reads_a_bundle_and_no_data(monkeypatch, tmp_path):
    src = review.FollowUps(_review_builder().dataset())
    review.review(src, "2025-03")
    path = src.keep(["2025-01", "2025-03"]).save(tmp_path / batch.BUNDLE)
    monkeypatch.setattr(loader, "load", lambda *a, **k: pytest.fail("the data were loaded"))
    saved = review.open_follow_ups("nowhere", ReviewConfig(), bundle=path)
    pd.testing.assert_frame_equal(review.review(saved, "2025-03"), review.review(src, "2025-03"))
    with pytest.raises(review.DataReachError, match="not among the saved follow-ups"):
        review.follow_up(saved, "2025-05")
    with pytest.raises(ValueError, match="saved with the defaults"):
        review.open_follow_ups("nowhere", ReviewConfig(threshold=0.25), bundle=path)
    with pytest.raises(ValueError):
        src.save(tmp_path / "with_data.pkl")  # the data never leave in a bundle


def test_open_follow_ups_without_its_bundle_loads_the_data(tmp_path):
    with pytest.warns(UserWarning, match="is gone"):
        src = review.open_follow_ups(paths.SAMPLE, bundle=tmp_path / "gone.pkl")
    assert src.ds is not None and review.follow_up(src, PUB).attrs["publication_month"] == PUB


# --------------------------------------------------------------------------- one min_cell

def test_min_cell_is_the_runs_and_goes_through_the_shared_rule(monkeypatch):
    assert ReviewConfig().min_cell == RunConfig.min_cell == RunConfig.for_period("2023-10").min_cell
    calls = []
    real = disclosure.primary
    monkeypatch.setattr(disclosure, "primary", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    b = Builder().contract("P1").contract("P2", area="R2-02")
    b.starts("P1", start="2023-06-01", n=7, results=1)
    b.starts("P2", area="R2-02", start="2023-06-01", n=12, results=2)
    fu = review.follow_up(b.dataset(), PUB)
    f10 = review.follow_up_file(fu, shown=True)
    f5 = review.follow_up_file(fu, ReviewConfig(min_cell=5), shown=True)
    assert calls and set(calls) == {10, 5}
    assert f10["Antal deltagare"].tolist() == ["..", "12"] and f5["Antal deltagare"].tolist() == ["7", "12"]
    assert f10["Antal resultat"].tolist() == ["..", ".."] and f5["Antal resultat"].tolist() == ["..", ".."]
    assert review.hidden(pd.Series([4, 5, None]), 5).tolist() == [True, False, False]


def test_set_min_cell_on_the_command_line_reaches_the_review(monkeypatch, tmp_path):
    from romlab.run.cli import main

    b = _review_builder()
    b.contract("P5", area="R2-05").starts("P5", area="R2-05", start="2023-06-01", n=7, results=1)
    for m in ("2025-01", "2025-03"):
        b.rating("P5", "R2-05", m, 1)
    data = tmp_path / "hand"
    data.mkdir()
    for name, df in b.tables().items():
        df.to_parquet(data / f"{name}.parquet", index=False)
    seen = []
    monkeypatch.setattr(execute, "execute_notebook", _fake_notebook(seen))
    for cell, out in (("10", tmp_path / "default"), ("5", tmp_path / "five")):
        args = ["review", "--data", str(data), "--out", str(out), "--review", "2025-01,2025-03"]
        assert main(args + ([] if cell == "10" else ["--set", f"min_cell={cell}"])) == 0
    (p10, c10, _, _), (p5, c5, _, _) = seen
    assert p10["overrides"] == {} and c10.min_cell == 10
    assert p5["overrides"] == {"min_cell": 5} and c5.min_cell == 5
    assert ReviewConfig.from_overrides(p5["overrides"]) == c5  # the notebook's cfg is the batch's

    def p5_row(out):
        csv = pd.read_csv(out / "oversyn_2025-01_2025-03" / "resultatuppfoljning_2025-03.csv", sep=";", dtype=str,
                          keep_default_na=False, encoding="utf-8-sig")
        return csv.loc[csv["Leverantörs-id"] == "P5"].iloc[0]

    assert p5_row(tmp_path / "default")["Antal deltagare"] == ".."
    assert p5_row(tmp_path / "five")["Antal deltagare"] == "7"
    assert p5_row(tmp_path / "five")["Viktat resultatmått (%)"] == "14,3"


# --------------------------------------------------------------------------- layout

def test_the_review_sits_below_the_runner_and_imports_lightly():
    """The review's modules import only public names of romlab.run (the papermill
    execution in `romlab.run.execute`, never the runner), and importing the review (what
    a batch's notebook does before reading its saved follow-ups) loads neither the
    runner nor the loader and its pandera schemas."""
    import ast
    import subprocess
    import sys

    folder = paths.ROOT / "romlab" / "review"
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("romlab.run"):
                assert node.module != "romlab.run.runner", f"{path.name} imports the runner"
                assert not any(a.name.startswith("_") for a in node.names), f"{path.name}: private {node.module}"
    code = ("import sys, romlab.review; "
            "print(sorted(m for m in ('romlab.run.runner', 'romlab.dataset.load', 'pandera') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
