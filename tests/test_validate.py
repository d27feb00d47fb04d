"""Cross-table rules (romlab.dataset.validate), each on hand-made data with one thing broken."""

from __future__ import annotations

import pandas as pd
import pytest

import make_tiny
from make_tiny import assert_error, load_error
from romlab.dataset import validate
from romlab.dataset.errors import DataError
from romlab.dataset.load import load


def _broken(tiny, tmp_path):
    return make_tiny.write_parquet(tiny, tmp_path / "d")


def test_orphan_report(tiny, tmp_path):
    tiny["periodic_reports"].loc[4, "participation_id"] = 99
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    assert_error(err, folder / "periodic_reports.parquet", "participation_id",
                 "reference:participations.participation_id", 1)
    assert err.examples["report_id"].tolist() == [5]


def test_participation_without_contract(tiny, tmp_path):
    tiny["participations"].loc[2, "delivery_area"] = "A9"
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    assert_error(err, folder / "participations.parquet", "provider_id,delivery_area",
                 "reference:contracts.provider_id,delivery_area", 1)


def test_report_from_unknown_provider(tiny, tmp_path):
    tiny["periodic_reports"].loc[[0, 1], "provider_id"] = "P7"
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    assert_error(err, folder / "periodic_reports.parquet", "provider_id", "reference:providers.provider_id", 2)


def test_register_event_for_unknown_person(tiny, tmp_path):
    tiny["register_events"].loc[1, "person_id"] = 999
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    assert_error(err, folder / "register_events.parquet", "person_id", "reference:participations.person_id", 1)


def test_provider_switch_is_allowed(tiny, tiny_dir):
    # report 4 is filed by P2 for participation 2, which started with P1
    rep = tiny["periodic_reports"].set_index("report_id")
    part = tiny["participations"].set_index("participation_id")
    assert rep.loc[4, "provider_id"] != part.loc[rep.loc[4, "participation_id"], "provider_id"]
    load(tiny_dir)  # no error


def test_result_before_start(tiny, tmp_path):
    # participation 1 started 2023-01-02
    tiny["result_reports"].loc[0, "event_date"] = pd.Timestamp("2022-12-30")
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    assert_error(err, folder / "result_reports.parquet", "event_date", "result_not_before_start", 1)
    assert err.examples["participation_start_date"].tolist() == [pd.Timestamp("2023-01-02")]


def test_result_on_start_day_is_fine(tiny, tmp_path):
    tiny["result_reports"].loc[0, "event_date"] = pd.Timestamp("2023-01-02")
    load(_broken(tiny, tmp_path))


def test_report_before_start_month(tiny, tmp_path):
    # participation 2 started 2023-05-08: a report for April is outside it, May is inside
    tiny["periodic_reports"].loc[2, "month"] = pd.Timestamp("2023-04-01")
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    assert_error(err, folder / "periodic_reports.parquet", "month", "report_within_participation", 1)


def test_more_hours_than_the_month_holds(tiny, tmp_path):
    # February 2023 has 28 days = 672 hours; report 2 (RoM 1, whole hours) has 4 + 2 already
    tiny["periodic_reports"].loc[1, "hours_own_work"] = 667.0  # 673 in all
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    assert_error(err, folder / "periodic_reports.parquet", validate.HOURS_COLUMN_LABEL, "hours_fit_month", 1)
    assert err.examples["hours_total"].tolist() == [673.0]
    assert err.examples["hours_in_month"].tolist() == [672.0]


def test_a_full_month_of_hours_is_fine(tiny, tmp_path):
    tiny["periodic_reports"].loc[1, "hours_own_work"] = 666.0  # 672 = 24 × 28
    load(_broken(tiny, tmp_path))


def test_quarter_hours_in_a_rom1_report(tiny, tmp_path):
    # reports 1 and 2 belong to participation 1 (RoM 1)
    tiny["periodic_reports"].loc[0, "hours_guidance"] = 2.25
    tiny["periodic_reports"].loc[1, "hours_guidance"] = 0.5
    tiny["periodic_reports"].loc[1, "hours_language"] = 1.75
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    # hours_language comes before hours_guidance in the contract
    assert_error(err, folder / "periodic_reports.parquet", "hours_language", "hour_unit", 1)
    assert "hours_guidance (2 rows)" in err.detail
    assert err.examples["generation"].tolist() == [1]


def test_finer_than_quarter_hours_in_a_rom2_report(tiny, tmp_path):
    tiny["periodic_reports"].loc[2, "hours_information"] = 0.1  # participation 2, RoM 2
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    assert_error(err, folder / "periodic_reports.parquet", "hours_information", "hour_unit", 1)


def test_quarter_hours_in_rom2_are_fine(tiny_dir):
    ds = load(tiny_dir)
    assert ds.periodic_reports.set_index("report_id").loc[3, "hours_motivational"] == 1.25


def test_checks_run_on_frames_directly(tiny):
    validate.check_dataset(tiny)  # the valid data pass
    tiny["result_reports"].loc[1, "participation_id"] = 42
    with pytest.raises(DataError) as info:
        validate.check_dataset(tiny, {"result_reports": "x.csv"})
    assert (info.value.file, info.value.rule) == ("x.csv", "reference:participations.participation_id")


def test_cross_table_checks_are_vectorised_on_a_big_frame(tiny):
    """A smoke test that the checks take whole columns (100k reports in well under a second)."""
    import time

    rep = tiny["periodic_reports"]
    big = rep.loc[rep.index.repeat(20_000)].reset_index(drop=True)
    big["report_id"] = range(1, len(big) + 1)
    tables = dict(tiny, periodic_reports=big)
    t = time.perf_counter()
    validate.check_dataset(tables, resubmission="latest")  # the copies are resubmissions
    with pytest.raises(DataError) as e:  # and without that rule, duplicates
        validate.check_dataset(tables)
    assert e.value.rule == "duplicate_report" and e.value.n_rows == len(big)
    assert time.perf_counter() - t < 5


def test_report_after_end_month(tiny, tmp_path):
    # participation 1 ended 2023-04-16: a report for May is outside it, April is inside
    rows = tiny["periodic_reports"]["participation_id"] == 1
    first = rows.idxmax()
    tiny["periodic_reports"].loc[first, ["month", "submitted_date"]] = [pd.Timestamp("2023-05-01"),
                                                                        pd.Timestamp("2023-06-05")]
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    assert_error(err, folder / "periodic_reports.parquet", "month", "report_within_participation", 1)
    assert err.examples["participation_end_date"].tolist() == [pd.Timestamp("2023-04-16")]


def test_result_type_of_the_other_generation(tiny, tmp_path):
    # participation 1 is RoM 1: an R3M (a RoM 2 result) does not belong to it
    tiny["result_reports"].loc[0, "result_type"] = "R3M"
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    assert_error(err, folder / "result_reports.parquet", "result_type", "result_type_fits_generation", 1)


def test_start_before_the_service_opened(tiny, tmp_path):
    tiny["participations"].loc[0, ["recorded_date", "start_date"]] = [pd.Timestamp("2020-03-01"),
                                                                      pd.Timestamp("2020-03-30")]
    folder = _broken(tiny, tmp_path)
    err = load_error(folder)
    assert_error(err, folder / "participations.parquet", "start_date", "service_started", 1)
