"""The provider review (romlab.review) on hand-made contracts: every rule of
*Kvalitetsvillkor för resultat* (`000`) pinned at its edges.

Month convention (`000` L118–125): m0 = the month before publication. For publication
2025-03, m0 = 2025-02; starts counted in m0 − 22 … m0 − 11 = 2023-04 … 2024-03, i.e. 12 …
23 months before the publication month; the first participant in m0 − 12 = 2024-02 or
earlier; the contract started in m0 − 22 = 2023-04 or earlier; data cut-off 2025-02-28.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from romlab import paths, review
from romlab.run.config import ConfigError
from romlab.data.load import LoadInfo, _make_dataset, load
from romlab.review import ReviewConfig
from romlab.data.contract import TABLES

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
               result_type="R3M", filed_by=None, end_reason="completed"):
        """``n`` participations starting on ``start``; the first ``results`` of them get an
        approved result of ``result_type`` (approved on ``approved``; None = never)."""
        ids = []
        for i in range(n):
            k = next(self._ids)
            s = D(start)
            self.parts.append(dict(
                participation_id=k, person_id=1000 + k, provider_id=pid, delivery_area=area, generation=2,
                recorded_date=s - pd.Timedelta(days=5), start_date=s, end_date=s + pd.Timedelta(days=60),
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
    # `000` L124–125: publication March 2025 → starts April 2023 … March 2024
    assert review.measurement_window("2025-03") == ("2023-04", "2024-03")
    assert review.measurement_window("2025-01") == ("2023-02", "2024-01")
    assert review.measurement_window("2024-01") == ("2022-02", "2023-01")  # across a year end


def test_month_index_round_trip_and_previous_follow_up():
    assert review.month_label(review.month_index("2025-03")) == "2025-03"
    assert review.month_index(D("2025-03-31")) == review.month_index("2025-03")
    assert review.previous_follow_up("2025-03") == "2025-01"
    assert review.previous_follow_up("2025-01") == "2024-11"
    assert review.review_months("2025-03") == ("2025-01", "2025-03")
    assert review.review_months("2025-03", "2025-01") == ("2025-01", "2025-03")
    with pytest.raises(ConfigError):
        review.review_months("2025-03", "2025-03")


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


def test_run_reviews_writes_one_executed_notebook_per_review(tmp_path):
    import nbformat

    runs = review.run_reviews(paths.SAMPLE, tmp_path, reviews=[("2025-01", "2025-03")])
    (run,) = runs
    assert run.notebook == tmp_path / "oversyn_2025-01_2025-03" / "review_kvalitetsvillkor.ipynb"
    nb = nbformat.read(run.notebook, as_version=4)
    assert not any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'publication_month = "2025-03"' in injected[0].source and 'second_month = "2025-01"' in injected[0].source
    assert sorted(p.name for p in run.exports) == [
        "resultatuppfoljning_2025-01.csv", "resultatuppfoljning_2025-01.xlsx",
        "resultatuppfoljning_2025-03.csv", "resultatuppfoljning_2025-03.xlsx"]
