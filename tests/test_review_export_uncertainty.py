"""The follow-up file and the review list with the measure's uncertainty (issue: the file
gains "KI nedre", "KI övre", "Förväntat resultatmått", "Faktiskt/förväntat"; the list
"Risk för felaktig hävning"), under the same disclosure rule as the measure."""

from __future__ import annotations

import pandas as pd
import pytest

from romlab import review
from romlab.review.export import FILE_HEADINGS, SUPPRESSED


@pytest.fixture(scope="module")
def fus():
    return review.open_follow_ups("")  # the committed sample


def _number(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.str.replace(",", ".", regex=False), errors="coerce")


def test_the_file_gains_the_interval_and_the_expected_measure_hidden_with_the_measure(fus):
    cfg = review.ReviewConfig(min_cell=3)  # the sample's contracts are small: show some
    fu = review.with_uncertainty(fus, "2025-03", cfg)
    t = review.follow_up_file(fu, cfg, shown=True)
    new = [FILE_HEADINGS[k] for k in ("lower", "upper", "expected_measure", "oe")]
    assert new == ["KI nedre", "KI övre", "Förväntat resultatmått", "Faktiskt/förväntat"]
    assert list(t.columns[-4:]) == new
    hidden = t[FILE_HEADINGS["participants"]] == SUPPRESSED
    assert hidden.any() and (~hidden).any()
    for col in new:  # hidden exactly where the measure is
        assert ((t[col] == SUPPRESSED) == hidden).all(), col
    shown = t[~hidden]
    measure, low, high = (_number(shown[FILE_HEADINGS[k]]) for k in ("measure", "lower", "upper"))
    assert ((low <= measure + 1e-9) & (measure <= high + 1e-9)).all()  # the interval holds the measure
    top = 100 * max(cfg.level_weights.values()) if isinstance(cfg.level_weights, dict) else 100 * max(
        dict(cfg.level_weights).values())
    assert ((low >= 0) & (high <= top + 1e-9)).all()  # a weighted measure reaches the largest weight
    # actual / expected as printed: the measure over the expected measure (two decimals)
    ratio = measure / _number(shown[FILE_HEADINGS["expected_measure"]])
    assert (abs(ratio - _number(shown[FILE_HEADINGS["oe"]])) < 0.02 + 1e-9).all()


def test_the_plain_file_is_unchanged_without_uncertainty(fus):
    t = review.follow_up_file(review.follow_up(fus, "2025-03"), shown=True)
    assert "KI nedre" not in t.columns and len(t.columns) == 8


def test_the_review_list_shows_the_risk_of_a_wrong_termination(fus):
    cfg = review.ReviewConfig(min_cell=3)
    rv = review.review(fus, "2025-03", cfg=cfg)
    risk = review.termination_risk(fus, "2025-03", cfg=cfg)
    t = review.review_list(rv, cfg, min_conditions=2, risk=risk)
    col = "Risk för felaktig hävning"
    assert col in t.columns and col not in review.review_list(rv, cfg, min_conditions=2).columns
    hidden = t["Deltagare 2025-03"] == SUPPRESSED
    assert (t.loc[hidden, col] == SUPPRESSED).all()
    shown = t.loc[~hidden & (t[col] != "–"), col]
    values = _number(shown.str.removesuffix(" %"))
    assert len(values) and values.between(0, 100).all()


def test_the_trade_off_from_a_given_risk_is_the_one_it_computes(fus):
    risk = review.termination_risk(fus, "2025-03")
    pd.testing.assert_frame_equal(review.rule_tradeoff(fus, "2025-03", risk=risk), review.rule_tradeoff(fus, "2025-03"))
