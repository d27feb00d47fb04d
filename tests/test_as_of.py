"""As-of cut-off on hand-made data (tests/make_tiny.py), answers worked out by hand.

As of 2023-08-11:

* participations: 5 in the file; #4 recorded 2023-08-14 is hidden; #5 recorded on
  2023-08-11 is visible; #2 ended 2023-09-01, recorded 2023-09-02, so it is ongoing:
  end_date, end_reason and end_recorded_date blanked (3 values).
* periodic_reports: 6; #5 submitted 2023-08-12 and #6 submitted 2023-09-04 hidden; #4
  submitted 2023-08-11 visible.
* deviation_reports: 2; #2 submitted 2023-08-15 hidden.
* result_reports: 3; #3 filed 2023-08-20 hidden; #2 approved 2023-08-14 is not approved
  (approved_date blanked: 1 value).
* register_events: 2; #2 recorded 2023-08-25 hidden.
* providers: always known, 2 visible.
* contracts: 4; (P2, A2) starts 2023-10-01, hidden; (P2, A1) ends 2023-09-30, known
  2023-08-20, so in force: contract_end and end_recorded_date blanked (2 values).
* provider_ratings: 3; the September 2023 rating published 2023-09-14 hidden.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import make_tiny
from make_tiny import AS_OF
from romlab.dataset.load import load

EXPECTED = pd.DataFrame(
    [
        ("participations", 5, 1, 0, 4, 3),
        ("periodic_reports", 6, 2, 0, 4, 0),
        ("deviation_reports", 2, 1, 0, 1, 0),
        ("result_reports", 3, 1, 0, 2, 1),
        ("register_events", 2, 1, 0, 1, 0),
        ("providers", 2, 0, 0, 2, 0),
        ("contracts", 4, 1, 0, 3, 2),
        ("provider_ratings", 3, 1, 0, 2, 0),
    ],
    columns=["table", "rows_in_file", "rows_hidden_as_of", "rows_hidden_with_participation", "rows_visible",
             "values_blanked"],
)


@pytest.fixture
def cut(tiny_dir):
    return load(tiny_dir, as_of=AS_OF)


def test_summary_counts_exactly_what_was_hidden(cut):
    assert cut.as_of == pd.Timestamp("2023-08-11")
    pd.testing.assert_frame_equal(cut.as_of_summary, EXPECTED, check_dtype=False)
    assert dict(zip(cut.row_counts().table, cut.row_counts().rows)) == dict(
        zip(EXPECTED.table, EXPECTED.rows_visible))


def test_reports_submitted_after_the_cut_off_are_hidden(cut):
    assert sorted(cut.periodic_reports["report_id"]) == [1, 2, 3, 4]  # 4 submitted on the day
    assert 5 not in set(cut.periodic_reports["report_id"])            # submitted 2023-08-12
    assert cut.deviation_reports["deviation_id"].tolist() == [1]


def test_participation_ended_after_the_cut_off_is_ongoing(cut, tiny):
    p = cut.participations.set_index("participation_id")
    assert sorted(p.index) == [1, 2, 3, 5]
    assert pd.isna(p.loc[2, "end_date"]) and pd.isna(p.loc[2, "end_reason"])
    assert pd.isna(p.loc[2, "end_recorded_date"])
    assert p.loc[1, "end_date"] == pd.Timestamp("2023-04-16")  # known before: kept
    assert p.loc[1, "end_reason"] == "provider_terminated"
    # dtypes survive the blanking
    assert p["end_date"].dtype == "datetime64[ns]"
    assert p["end_reason"].dtype == tiny["participations"]["end_reason"].dtype


def test_result_approved_after_the_cut_off_is_not_approved(cut):
    r = cut.result_reports.set_index("result_id")
    assert sorted(r.index) == [1, 2]
    assert pd.isna(r.loc[2, "approved_date"])
    assert r.loc[1, "approved_date"] == pd.Timestamp("2023-03-20")


def test_contract_ended_after_the_cut_off_is_in_force(cut):
    c = cut.contracts.set_index(["provider_id", "delivery_area"])
    assert ("P2", "A2") not in c.index
    assert pd.isna(c.loc[("P2", "A1"), "contract_end"])
    assert pd.isna(c.loc[("P2", "A1"), "end_recorded_date"])
    assert c.loc[("P1", "A2"), "contract_end"] == pd.Timestamp("2023-04-16")


def test_rating_published_later_is_hidden(cut):
    assert cut.provider_ratings["publication_month"].max() == pd.Timestamp("2023-06-01")
    assert cut.register_events["event_id"].tolist() == [1]
    assert len(cut.providers) == 2


def test_rows_keep_their_row_number_in_the_file(cut):
    assert cut.periodic_reports.index.tolist() == [0, 1, 2, 3]
    assert cut.participations.index.tolist() == [0, 1, 2, 4]


def test_as_of_view_equals_loading_as_of(tiny_dir, cut):
    full = load(tiny_dir)
    view = full.as_of_view(dt.date(2023, 8, 11))
    assert view.as_of == cut.as_of
    for name, frame in cut.tables().items():
        pd.testing.assert_frame_equal(view[name], frame)
    pd.testing.assert_frame_equal(view.as_of_summary, cut.as_of_summary)
    # the full dataset is untouched
    assert len(full.periodic_reports) == 6
    assert full.participations["end_date"].notna().sum() == 2


def test_as_of_view_of_a_cut_dataset(tiny_dir, cut):
    earlier = cut.as_of_view("2023-06-30")
    direct = load(tiny_dir, as_of="2023-06-30")
    for name, frame in direct.tables().items():
        pd.testing.assert_frame_equal(earlier[name], frame)
    with pytest.raises(ValueError):
        cut.as_of_view("2023-12-31")


def test_cut_off_day_boundaries(tiny_dir):
    # the day before: report 4 (submitted 2023-08-11) and participation 5 not yet known
    before = load(tiny_dir, as_of="2023-08-10")
    assert 4 not in set(before.periodic_reports["report_id"])
    assert 5 not in set(before.participations["participation_id"])
    # on 2023-08-14 result 2 is approved
    later = load(tiny_dir, as_of=pd.Timestamp("2023-08-14"))
    assert later.result_reports.set_index("result_id").loc[2, "approved_date"] == pd.Timestamp("2023-08-14")
    # a time of day does not matter: the whole cut-off day is known
    noon = load(tiny_dir, as_of="2023-08-11 12:00")
    assert noon.as_of == pd.Timestamp("2023-08-11")
    pd.testing.assert_frame_equal(noon.as_of_summary, EXPECTED, check_dtype=False)


def test_bad_as_of(tiny_dir):
    with pytest.raises(ValueError):
        load(tiny_dir, as_of="not a date")


def test_filtered_read_equals_cutting_after_reading():
    """load(as_of=…) leaves rows known later unread (Parquet filter); the result, row
    numbers and summary included, equals reading everything and cutting afterwards."""
    from romlab import paths

    a = load(paths.SAMPLE, as_of="2023-08-11")
    b = load(paths.SAMPLE).as_of_view("2023-08-11")
    for name in a.tables():
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    pd.testing.assert_frame_equal(a.as_of_summary, b.as_of_summary)
    assert a.as_of_summary["rows_hidden_as_of"].sum() > 0


def test_late_registration_is_hidden_with_everything_that_belongs_to_it(tiny, tmp_path):
    """Issue 11, point 2: participation 2 started 2023-05-08 but was recorded (registered)
    on 2023-08-20, after the fact. The file is valid. Worked by hand from make_tiny:

    As of 2023-08-11, participation 2 is not yet known: hidden with its reports 3 and 4
    (submitted 2023-06-05 and 2023-08-11, so hidden only because of it), its deviation 1
    and its result 2 (filed 2023-08-07): rows_hidden_with_participation 2, 1, 1. Report 6
    (submitted 2023-09-04) and its end values are hidden by their own dates, so they are
    not counted with it; the 3 end values of participation 2 and the approval of result 2
    are no longer blanked (their rows are hidden). Everything else as in EXPECTED.

    As of 2023-08-20 (its recording day) it is visible: of its rows only report 6
    (submitted 2023-09-04) is hidden, and its end (recorded 2023-09-02) is blanked. Also
    visible by then: participation 4 (recorded 2023-08-14), report 5 (2023-08-12),
    deviation 2 (2023-08-15), result 3 (filed 2023-08-20) and result 2's approval
    (2023-08-14), contract (P2, A1)'s end (known 2023-08-20). Still hidden: register
    event 2 (recorded 2023-08-25), contract (P2, A2) (starts 2023-10-01), the September
    rating (published 2023-09-14).
    """
    p = tiny["participations"]
    p.loc[p["participation_id"] == 2, "recorded_date"] = pd.Timestamp("2023-08-20")
    assert (p["recorded_date"] > p["start_date"]).sum() == 1
    folder = make_tiny.write_parquet(tiny, tmp_path / "late")
    full = load(folder)  # valid: a start entered after the fact is no error
    assert 2 in set(full.participations["participation_id"])

    columns = list(EXPECTED.columns)
    before = load(folder, as_of=AS_OF)
    pd.testing.assert_frame_equal(before.as_of_summary, pd.DataFrame([
        ("participations", 5, 2, 0, 3, 0),
        ("periodic_reports", 6, 4, 2, 2, 0),
        ("deviation_reports", 2, 2, 1, 0, 0),
        ("result_reports", 3, 2, 1, 1, 0),
        ("register_events", 2, 1, 0, 1, 0),
        ("providers", 2, 0, 0, 2, 0),
        ("contracts", 4, 1, 0, 3, 2),
        ("provider_ratings", 3, 1, 0, 2, 0),
    ], columns=columns), check_dtype=False)
    assert sorted(before.participations["participation_id"]) == [1, 3, 5]
    assert sorted(before.periodic_reports["report_id"]) == [1, 2]
    assert before.deviation_reports.empty
    assert before.result_reports["result_id"].tolist() == [1]
    # the same through an as-of view of the full load
    view = full.as_of_view(AS_OF)
    pd.testing.assert_frame_equal(view.as_of_summary, before.as_of_summary)

    on_the_day = load(folder, as_of="2023-08-20")
    pd.testing.assert_frame_equal(on_the_day.as_of_summary, pd.DataFrame([
        ("participations", 5, 0, 0, 5, 3),
        ("periodic_reports", 6, 1, 0, 5, 0),
        ("deviation_reports", 2, 0, 0, 2, 0),
        ("result_reports", 3, 0, 0, 3, 0),
        ("register_events", 2, 1, 0, 1, 0),
        ("providers", 2, 0, 0, 2, 0),
        ("contracts", 4, 1, 0, 3, 0),
        ("provider_ratings", 3, 1, 0, 2, 0),
    ], columns=columns), check_dtype=False)
    part = on_the_day.participations.set_index("participation_id")
    assert sorted(part.index) == [1, 2, 3, 4, 5]
    assert part.loc[2, "start_date"] == pd.Timestamp("2023-05-08") and pd.isna(part.loc[2, "end_date"])
    assert sorted(on_the_day.periodic_reports["report_id"]) == [1, 2, 3, 4, 5]
    # the day before its recording it is still hidden
    assert 2 not in set(load(folder, as_of="2023-08-19").participations["participation_id"])
