"""The funnel plot of a follow-up (romlab.review.funnel): control limits worked by hand
and by a second computation (sums of binomial terms with math.comb, no scipy), the
contracts shown and marked, the note, and byte-identical files."""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
import pytest

from romlab.review import ReviewConfig, funnel


def hand_limit(n: int, target: float, p: float) -> float:
    """Spiegelhalter's interpolated binomial p-quantile / n, from the distribution
    function summed term by term: r = least r with F(r) ≥ p, α = (F(r) − p) / (F(r) −
    F(r − 1)), limit = (r − α) / n, clipped to [0, 1]."""
    cdf, r, below = 0.0, None, 0.0
    for k in range(n + 1):
        prev = cdf
        cdf += comb(n, k) * target ** k * (1 - target) ** (n - k)
        if cdf >= p:
            r, below = k, prev
            break
    alpha = (cdf - p) / (cdf - below)
    return min(max((r - alpha) / n, 0.0), 1.0)


# --------------------------------------------------------------------------- limits

def test_binomial_limits_at_ten_participants_worked_by_hand():
    # Binomial(10, 0.2): F(4) = 0.967207, F(5) = 0.993631, F(6) = 0.999136, F(0) = 0.107374.
    # 97.5 %: r = 5, α = (0.993631 − 0.975) / (0.993631 − 0.967207) = 0.70506 → (5 − 0.70506)/10
    # 99.9 %: r = 6, α = (0.999136 − 0.999) / (0.999136 − 0.993631) = 0.0246 → (6 − 0.0246)/10
    # 2.5 % and 0.1 %: r = 0, (0 − α)/10 < 0 → clipped to 0
    lo95, hi95 = funnel.control_limits(10, 0.2, 0.95)
    lo998, hi998 = funnel.control_limits(10, 0.2, 0.998)
    assert float(hi95) == pytest.approx(0.42949, abs=2e-5)
    assert float(hi998) == pytest.approx(0.59754, abs=2e-5)
    assert float(lo95) == 0.0 and float(lo998) == 0.0


@pytest.mark.parametrize("n", [1, 7, 25, 60, 100, 333])
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_binomial_limits_agree_with_a_second_computation(n, level):
    lo, hi = funnel.control_limits(np.array([n]), 0.2, level)
    tail = (1 - level) / 2
    assert lo[0] == pytest.approx(hand_limit(n, 0.2, tail), abs=1e-9)
    assert hi[0] == pytest.approx(hand_limit(n, 0.2, 1 - tail), abs=1e-9)


def test_binomial_limits_at_a_hundred_and_the_normal_approximation():
    # n = 100: the limits straddle 20 % asymmetrically (the binomial's right skew)
    lo, hi = funnel.control_limits(100, 0.2, 0.95)
    assert float(lo) == pytest.approx(hand_limit(100, 0.2, 0.025), abs=1e-12)
    assert 0.2 - float(lo) > float(hi) - 0.2 - 0.01
    # normal: 0.2 ± 1.959964 · √(0.2 · 0.8 / 100) = 0.2 ± 0.0783986
    nlo, nhi = funnel.control_limits(100, 0.2, 0.95, method="normal")
    assert float(nlo) == pytest.approx(0.2 - 0.0783986, abs=1e-6)
    assert float(nhi) == pytest.approx(0.2 + 0.0783986, abs=1e-6)
    # 99.8 %: z = 3.090232
    nlo, nhi = funnel.control_limits(100, 0.2, 0.998, method="normal")
    assert float(nhi) == pytest.approx(0.2 + 3.090232 * 0.04, abs=1e-6)


def test_limits_narrow_with_n_and_reject_bad_input():
    lo, hi = funnel.control_limits(np.array([20, 50, 200, 1000]), 0.2, 0.95)
    assert np.all(np.diff(hi) < 0) and np.all(np.diff(lo) > 0)
    lo, hi = funnel.control_limits(np.array([0, 10]), 0.2, 0.95)
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and hi[1] > 0.2
    with pytest.raises(ValueError, match="whole numbers"):
        funnel.control_limits(10.5, 0.2, 0.95)
    with pytest.raises(ValueError, match="method"):
        funnel.control_limits(10, 0.2, 0.95, method="poisson")
    with pytest.raises(ValueError, match="level"):
        funnel.control_limits(10, 0.2, 95)


# --------------------------------------------------------------------------- contracts

def follow_up() -> pd.DataFrame:
    """Six contracts of a hand-made follow-up: P5 too small to show (and on the list),
    P6 not in the follow-up."""
    fu = pd.DataFrame({
        "provider_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
        "delivery_area": ["R2-01", "R2-01", "R2-02", "R2-02", "R2-03", "R2-03"],
        "provider_name": ["A", "B", "C", "D", "E", "F"],
        "in_follow_up": [True, True, True, True, True, False],
        "participants": [100, 40, 100, 250, 5, 30],
        "measure": [0.07, 0.15, 0.19, 0.30, 0.0, 0.10],
    })
    fu.attrs["publication_month"] = "2025-03"
    return fu


def review_of(fu: pd.DataFrame, listed: set[str]) -> pd.DataFrame:
    return fu[["provider_id", "delivery_area"]].assign(meets_all=fu["provider_id"].isin(listed))


def test_funnel_data_shows_contracts_with_ten_participants_and_marks_the_list():
    fu = follow_up()
    fd = funnel.funnel_data(fu, ReviewConfig(), review_of(fu, {"P2", "P3", "P5"}))
    c = fd.contracts
    assert list(c["provider_id"]) == ["P1", "P2", "P3", "P4"]  # P5 < 10 participants, P6 not followed up
    assert list(c["on_list"]) == [False, True, True, False]
    assert fd.left_out == 1 and fd.left_out_listed == 1
    assert "färre än 10 deltagare visas inte: 1 avtal, varav 1 på granskningslistan" in fd.note
    # zones at the contracts' own n: P1's 7 % at n = 100 is below the 99.8 % limit (8.1 %)
    lo998 = hand_limit(100, 0.2, 0.001)
    assert 0.07 < lo998 < 0.19
    assert c.set_index("provider_id").loc["P1", "lower_998"] == pytest.approx(lo998)
    assert list(c["zone"]) == [-2, 0, 0, 2]
    assert c.set_index("provider_id").loc["P4", "zone_label"] == "Över övre 99,8 %-gränsen"
    # the lines: every whole n from the smallest to the largest shown
    assert fd.limits["n"].iloc[0] == 40 and fd.limits["n"].iloc[-1] == 250 and len(fd.limits) == 211
    s = funnel.funnel_summary(fd)
    assert s["Avtal"].tolist() == [1, 0, 2, 0, 1, 1]
    assert s["Varav på granskningslistan"].tolist() == [0, 0, 2, 0, 0, 1]


def test_a_frame_of_keys_is_a_list_and_a_bad_one_says_so():
    fu = follow_up()
    keys = pd.DataFrame({"provider_id": ["P4"], "delivery_area": ["R2-02"]})
    assert funnel.funnel_data(fu, review=keys).contracts["on_list"].tolist() == [False, False, False, True]
    with pytest.raises(KeyError, match="delivery_area"):
        funnel.funnel_data(fu, review=pd.DataFrame({"provider_id": ["P4"]}))
    with pytest.raises(KeyError, match="measure"):
        funnel.funnel_data(fu.drop(columns="measure"))


def _collection(ax, label):
    found = [c for c in ax.collections if c.get_label() == label]
    assert len(found) == 1, label
    return np.asarray(found[0].get_offsets())


def test_the_plot_marks_exactly_the_listed_contracts():
    fu = follow_up()
    fig = funnel.plot_funnel(fu, review_of(fu, {"P2", "P3", "P5"}), ReviewConfig())
    ax = fig.axes[0]
    np.testing.assert_allclose(_collection(ax, "På granskningslistan"), [[40, 15.0], [100, 19.0]])
    np.testing.assert_allclose(_collection(ax, "Avtal"), [[100, 7.0], [250, 30.0]])
    assert ax.get_title(loc="left") == "Resultatmått mot antal deltagare, uppföljning 2025-03"
    assert ax.get_xlabel() == "Antal deltagare"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["Gräns 20 %", "Kontrollgränser 95 %", "Kontrollgränser 99,8 %", "Avtal",
                      "På granskningslistan"]
    # the 20 % line
    assert any(np.allclose(line.get_ydata(), [20, 20]) for line in ax.get_lines())


def test_files_are_byte_identical(tmp_path):
    fu = follow_up()
    paths = []
    for k in (1, 2):
        folder = tmp_path / str(k)
        folder.mkdir()
        fig = funnel.plot_funnel(fu, review_of(fu, {"P2"}))
        paths.append(funnel.save(fig, "tratt", folder))
    assert [p.name for p in paths[0]] == ["tratt.svg", "tratt.png"]
    for a, b in zip(*paths):
        assert a.read_bytes() == b.read_bytes()
    assert funnel.save(fig, "tratt", "") == []
