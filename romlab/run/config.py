"""Run configuration: every period-dependent choice of a run, derived once from the
report month and overridable by keyword (or ``--set key=value`` strings).

`RunConfig.for_period("2023-10")` reproduces the October 2023 report; each derivation
rule is stated in `RunConfig.for_period` and logged in ``docs/assumptions.md`` (A06–A14).
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from romlab import months
from romlab.report.classify import WINDOW_ROM2, WINDOWS

#: RoM 1 started in May 2020 (report §2.3, §3.3); first start month of the results
#: population.
SERVICE_START_MONTH = "2020-05"
DEFAULT_PERIOD = "2023-10"
#: RoM 1 took its last participants on 2023-04-16, RoM 2 its first on 2023-04-17 (the
#: agency's status report of May 2023, §2; report §2.3): April 2023 is a month of both.
ROM1_FIRST_INTAKE_MONTH = "2020-03"
ROM1_LAST_START_MONTH = "2023-04"
ROM2_FIRST_START_MONTH = "2023-04"

#: The report's parts a period can have (``RunConfig.sections``), in report order:
#: support (§4) and results (§5) for each generation of the service.
SECTIONS: tuple[str, ...] = ("rom1_support", "rom1_results", "rom2_support", "rom2_results")

#: numpy.percentile methods accepted for ``percentile_method``.
PERCENTILE_METHODS: tuple[str, ...] = (
    "inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
    "hazen", "weibull", "linear", "median_unbiased", "normal_unbiased",
    "lower", "higher", "midpoint", "nearest",
)


class ConfigError(ValueError):
    """A run-configuration key or value is not valid."""


# ----------------------------------------------------------------- month helpers



def to_month(value: Any) -> str:
    """Normalise a month to ``"YYYY-MM"`` (`romlab.months.to_month`; a `ConfigError` if it is none)."""
    try:
        return months.to_month(value)
    except months.MonthError as e:
        raise ConfigError(str(e)) from None



def _to_timestamp(value: Any) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"not a date: {value!r} (expected 'YYYY-MM-DD')") from exc
    if pd.isna(ts):
        raise ConfigError(f"not a date: {value!r}")
    return ts.normalize()


def _split(value: Any) -> list:
    """'a..b', 'a,b', 'a b', '[a, b]' or a sequence → list of parts."""
    if isinstance(value, str):
        text = value.strip().strip("[]()")
        if ".." in text:
            return [p.strip().strip("'\"") for p in text.split("..")]
        return [p.strip().strip("'\"") for p in re.split(r"[,\s]+", text) if p.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _month_range(value: Any) -> tuple[str, str]:
    parts = _split(value)
    if len(parts) != 2:
        raise ConfigError(f"not a month range: {value!r} (expected 'YYYY-MM..YYYY-MM')")
    first, last = to_month(parts[0]), to_month(parts[1])
    if first > last:
        raise ConfigError(f"month range {first}..{last}: first after last")
    return first, last


def _int_tuple(value: Any) -> tuple[int, ...]:
    if isinstance(value, str) and ".." in value:
        lo, hi = _split(value)
        return tuple(range(int(lo), int(hi) + 1))
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*-\s*\d+\s*", value):
        lo, hi = value.split("-")
        return tuple(range(int(lo), int(hi) + 1))
    return tuple(int(v) for v in _split(value))


def _sorted_ints(value: Any) -> tuple[int, ...]:
    return tuple(sorted(set(_int_tuple(value))))


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"not an integer: {value!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        value = value.strip()
    return int(value)


# --------------------------------------------------------------------- RunConfig

@dataclass(frozen=True)
class RunConfig:
    """Every choice of a run that depends on the report period or is a convention.

    Build it with `RunConfig.for_period` (derives the period fields) or
    `RunConfig.from_dict`; direct construction coerces and checks values the same way.
    Months are ``"YYYY-MM"`` strings, month ranges ``(first, last)`` inclusive, dates
    ``pd.Timestamp`` at midnight (so they compare with datetime columns).
    """

    #: Report month, "YYYY-MM" (the October 2023 report: "2023-10").
    period: str = DEFAULT_PERIOD
    #: Data cut-off: nothing known after this date is used (A06).
    data_cutoff: pd.Timestamp = field(default_factory=lambda: pd.Timestamp("2023-08-11"))
    #: Months of the periodic reports analysed for support, inclusive (A07).
    support_months: tuple[str, str] = ("2022-07", "2023-05")
    #: Service generations whose periodic reports are analysed (RoM 1 only, report §2.2, §2.3) (A08).
    support_generations: tuple[int, ...] = (1,)
    #: Follow-up needed for a complete R2 (report §3.4).
    followup_months: int = 18
    #: Start months of the results population with full follow-up, inclusive (A09).
    population_start_months: tuple[str, str] = ("2020-05", "2022-01")
    #: Follow-up a window needs after its last day to be analysed for results (A10).
    min_window_followup_months: int = 10
    #: Intake windows analysed for results (A10).
    windows: tuple[int, ...] = (1, 2, 3, 4)
    #: Trimming: keep values at or below this percentile (report §4.2) (A11).
    trim_percentile: float = 95.0
    #: numpy.percentile ``method`` for the trimming cut-off (A12).
    percentile_method: str = "linear"
    #: Significance level of group tests (A13).
    significance_level: float = 0.05
    #: Smallest cell (persons or report-months) shown; smaller cells are suppressed (A14);
    #: a numerator or its complement below it hides its cell too (A75).
    min_cell: int = 10
    #: Protection interval: how wide, at least, the range of values an attacker can
    #: narrow a hidden small count to must stay (A76); 0 means ``min_cell``.
    protection_width: int = 0
    #: The report's parts this period has, of `SECTIONS` (A81).
    sections: tuple[str, ...] = ("rom1_support", "rom1_results")
    #: A generation's support part needs at least this share of the support months to be
    #: months in which it took participants (A82).
    support_generation_share: float = 0.5
    #: Months between two reports of the series: RoM 1's results part runs while its
    #: followed population still grows from one report to the next (A83).
    report_interval_months: int = 6
    #: RoM 2: follow-up a complete 6-month result needs: 12 months' service, 6 months'
    #: work or studies, 2 months to file (A84).
    rom2_followup_months: int = 20
    #: RoM 2: start months of the followed population, inclusive; () while no RoM 2 start
    #: month has ``rom2_followup_months`` of follow-up (A84).
    rom2_population_start_months: tuple[str, ...] = ()

    # ---- coercion and checks -------------------------------------------------
    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            try:
                coerced = _COERCE[f.name](value)
            except ConfigError as exc:
                raise ConfigError(f"{f.name}: {exc}") from None
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{f.name}: cannot read {value!r} ({exc})") from None
            object.__setattr__(self, f.name, coerced)
        self._check()

    def _check(self) -> None:
        if not 0 < self.trim_percentile <= 100:
            raise ConfigError(f"trim_percentile must be in (0, 100], got {self.trim_percentile}")
        if not 0 < self.significance_level < 1:
            raise ConfigError(f"significance_level must be in (0, 1), got {self.significance_level}")
        if self.percentile_method not in PERCENTILE_METHODS:
            raise ConfigError(f"percentile_method {self.percentile_method!r} is not a numpy.percentile "
                              f"method; valid: {', '.join(PERCENTILE_METHODS)}")
        if self.min_cell < 0:
            raise ConfigError(f"min_cell must be >= 0, got {self.min_cell}")
        if self.protection_width < 0:
            raise ConfigError(f"protection_width must be >= 0 (0: min_cell), got {self.protection_width}")
        if self.followup_months < 0 or self.min_window_followup_months < 0:
            raise ConfigError("followup_months and min_window_followup_months must be >= 0")
        valid_windows = {w for w, _, _ in WINDOWS}
        bad = [w for w in self.windows if w not in valid_windows]
        if bad:
            raise ConfigError(f"windows: unknown window(s) {bad}; valid: {sorted(valid_windows)}")
        bad_sections = [x for x in self.sections if x not in SECTIONS]
        if bad_sections:
            raise ConfigError(f"sections: unknown section(s) {bad_sections}; valid: {', '.join(SECTIONS)}")
        if not 0 < self.support_generation_share <= 1:
            raise ConfigError(f"support_generation_share must be in (0, 1], got {self.support_generation_share}")
        if self.report_interval_months < 1 or self.rom2_followup_months < 0:
            raise ConfigError("report_interval_months must be >= 1 and rom2_followup_months >= 0")
        bad_gen = [g for g in self.support_generations if g not in (1, 2)]
        if bad_gen:
            raise ConfigError(f"support_generations: unknown generation(s) {bad_gen}; valid: [1, 2]")

    # ---- construction --------------------------------------------------------
    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """Valid keys for overrides, `to_dict` and `from_dict`."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def _check_keys(cls, keys) -> None:
        check_keys("RunConfig", keys, cls.keys())

    @classmethod
    def for_period(cls, period: Any = DEFAULT_PERIOD, **overrides: Any) -> "RunConfig":
        """The configuration of the report published in month ``period``.

        ``period`` is the report month: "2023-10", 202310, "2023-10-03", a date or a
        ``pd.Period``. Derived (M = the report month):

        - ``data_cutoff`` = the 11th of M − 2 (2023-10 → 2023-08-11, report §2.2) (A06);
        - ``support_months`` = (M − 15, M − 5): the last month of periodic reports is
          M − 5, the first 10 months earlier (2023-10 → 2022-07..2023-05, report §2.2, §3.5.1)
          (A07); ``support_generations`` = (1,) (RoM 1 only, report §2.2, §2.3) (A08);
        - ``population_start_months`` = (2020-05, the latest start month whose last day
          plus ``followup_months`` months is on or before ``data_cutoff``)
          (2023-10 → 2020-05..2022-01, report §5.1) (A09);
        - ``windows`` = the RoM 1 windows 1–6 whose last day plus
          ``min_window_followup_months`` months is on or before ``data_cutoff``
          (2023-10 → 1–4, report §3.4) (A10);
        - ``rom2_population_start_months`` = (2023-04, the latest start month whose last
          day plus ``rom2_followup_months`` months is on or before ``data_cutoff``), or ()
          when that is before RoM 2's first month (2025-10 → 2023-04..2023-11) (A84);
        - ``sections`` (`sections_for`, A81–A83): RoM 1's or RoM 2's support part when at
          least ``support_generation_share`` of the support months are months in which the
          generation took participants; RoM 1's results part while its followed population
          still grows (it holds more RoM 1 start months than the report
          ``report_interval_months`` earlier); RoM 2's results part once
          ``rom2_population_start_months`` is not empty (2023-10 and 2024-04: RoM 1;
          2024-10: RoM 1's results, RoM 2's support; 2025-04: both results parts, RoM 2's
          support; 2025-10: RoM 2).

        Every field can be overridden by keyword, typed or as a string
        (``trim_percentile="99"``, ``windows="1,2,3"``, ``support_months="2022-07..2023-05"``,
        ``data_cutoff="2023-08-11"``). An overridden ``data_cutoff``, ``followup_months``
        or ``min_window_followup_months`` feeds the derivations above; an overridden
        derived field wins. Unknown keys raise `ConfigError` listing the valid keys.
        """
        cls._check_keys(overrides)
        month = to_month(overrides.pop("period", period))
        derived: dict[str, Any] = {"period": month}

        cutoff = overrides.get("data_cutoff")
        cutoff = _to_timestamp(cutoff) if cutoff is not None else months.first_day(months.shift(month, -2)) + pd.Timedelta(days=10)
        derived["data_cutoff"] = cutoff

        last_support = months.shift(month, -5)
        derived["support_months"] = (months.shift(last_support, -10), last_support)

        followup = _as_int(overrides.get("followup_months", cls.followup_months))
        last_start = months.last_start_with_followup(cutoff, followup)
        if last_start < SERVICE_START_MONTH and "population_start_months" not in overrides:
            raise ConfigError(
                f"period {month}: no start month since {SERVICE_START_MONTH} has {followup} months of "
                f"follow-up by the cut-off {cutoff.date()}; give population_start_months explicitly")
        derived["population_start_months"] = (SERVICE_START_MONTH, min(last_start, ROM1_LAST_START_MONTH))


        min_follow = _as_int(overrides.get("min_window_followup_months", cls.min_window_followup_months))
        derived["windows"] = windows_with_followup(cutoff, min_follow)

        derived.update(cls._generations(derived, overrides, cutoff, followup))
        derived.update(overrides)
        return cls(**derived)

    @classmethod
    def _generations(cls, derived: dict, overrides: dict, cutoff: pd.Timestamp, followup: int) -> dict:
        """`for_period`'s RoM 2 population and the period's parts (A81–A84)."""
        rom2_follow = _as_int(overrides.get("rom2_followup_months", cls.rom2_followup_months))
        rom2_last = months.last_start_with_followup(cutoff, rom2_follow)
        rom2 = (ROM2_FIRST_START_MONTH, rom2_last) if rom2_last >= ROM2_FIRST_START_MONTH else ()
        share = _as_float(overrides.get("support_generation_share", cls.support_generation_share))
        interval = _as_int(overrides.get("report_interval_months", cls.report_interval_months))
        return {"rom2_population_start_months": rom2,
                "sections": sections_for(derived["support_months"], cutoff, followup, rom2, share, interval)}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "RunConfig":
        """Inverse of `to_dict`; a partial mapping derives the missing fields from its
        ``period`` like `for_period`."""
        values = dict(values)
        cls._check_keys(values)
        period = values.pop("period", DEFAULT_PERIOD)
        return cls.for_period(period, **values)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable values (ISO dates, lists), e.g. papermill parameters."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, pd.Timestamp):
                v = v.date().isoformat()
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out

    def with_overrides(self, **overrides: Any) -> "RunConfig":
        """A copy with some fields replaced (coerced and checked; nothing re-derived)."""
        self._check_keys(overrides)
        return dataclasses.replace(self, **overrides)

    # ---- helper properties -----------------------------------------------------
    @property
    def report_month(self) -> pd.Timestamp:
        """First day of the report month."""
        return months.first_day(self.period)

    @property
    def support_first_month(self) -> pd.Timestamp:
        """First day of the first month of periodic reports analysed."""
        return months.first_day(self.support_months[0])

    @property
    def support_last_month(self) -> pd.Timestamp:
        """Last day of the last month of periodic reports analysed."""
        return months.last_day(self.support_months[1])

    @property
    def population_first_start(self) -> pd.Timestamp:
        """First start date of the full-follow-up results population."""
        return months.first_day(self.population_start_months[0])

    @property
    def population_last_start(self) -> pd.Timestamp:
        """Last start date of the full-follow-up results population."""
        return months.last_day(self.population_start_months[1])

    @property
    def window_start_months(self) -> tuple[str, str] | None:
        """Start months covered by the analysed windows (2023-10: 2020-05..2022-09):
        from the service start (or the first window's first month if later) to the last
        window's last month; ``None`` if that is undefined."""
        if pd.isna(self.windows_first_start) or pd.isna(self.windows_last_start):
            return None
        return to_month(self.windows_first_start), to_month(self.windows_last_start)

    @property
    def windows_first_start(self) -> pd.Timestamp:
        """First start date of the analysed windows (not before the service start);
        ``NaT`` if no window is analysed."""
        if not self.windows:
            return pd.NaT
        first = pd.Timestamp(_WINDOW_BOUNDS[min(self.windows)][0])
        return max(first, months.first_day(SERVICE_START_MONTH))

    @property
    def windows_last_start(self) -> pd.Timestamp:
        """Last start date of the analysed windows (last day of the last window);
        ``NaT`` if no window is analysed or the last is open-ended (RoM 2)."""
        if not self.windows:
            return pd.NaT
        last = _WINDOW_BOUNDS[max(self.windows)][1]
        return pd.Timestamp(last) if last is not None else pd.NaT


_WINDOW_BOUNDS = {w: (first, last) for w, first, last in WINDOWS}


def windows_with_followup(cutoff: Any, min_followup_months: int) -> tuple[int, ...]:
    """RoM 1 windows (1–6) whose last day plus ``min_followup_months`` months is on or
    before ``cutoff`` (A10)."""
    cut = _to_timestamp(cutoff)
    return tuple(
        w for w, _, last in WINDOWS
        if w != WINDOW_ROM2 and last is not None
        and pd.Timestamp(last) + pd.DateOffset(months=min_followup_months) <= cut
    )


def sections_for(support_months: tuple[str, str], cutoff: Any, followup_months: int,
                 rom2_population: tuple[str, ...], share: float = 0.5, interval: int = 6) -> tuple[str, ...]:
    """The report's parts a period has (A81–A83; see `RunConfig.for_period`): each
    generation's support part when at least `share` of the support months are months in
    which it took participants (RoM 1 from 2020-03 to 2023-04, RoM 2 from 2023-04);
    RoM 1's results part while its followed population (start months with
    `followup_months` of follow-up, up to 2023-04) holds more start months than at the
    cut-off `interval` months earlier; RoM 2's results part when `rom2_population` is
    not empty."""
    cut = _to_timestamp(cutoff)
    first, last = (months.index(m) for m in support_months)
    support = range(first, last + 1)
    rom1 = (months.index(ROM1_FIRST_INTAKE_MONTH), months.index(ROM1_LAST_START_MONTH))
    rom1_share = sum(rom1[0] <= m <= rom1[1] for m in support) / len(support)
    rom2_share = sum(m >= months.index(ROM2_FIRST_START_MONTH) for m in support) / len(support)

    def rom1_last(at: pd.Timestamp) -> str:
        return min(months.last_start_with_followup(at, followup_months), ROM1_LAST_START_MONTH)

    growing = rom1_last(cut) > rom1_last(cut - pd.DateOffset(months=interval))
    has = {"rom1_support": rom1_share >= share, "rom1_results": growing,
           "rom2_support": rom2_share >= share, "rom2_results": bool(rom2_population)}
    return tuple(s for s in SECTIONS if has[s])


def check_keys(kind: str, keys, valid) -> None:
    """`ConfigError` naming the valid keys when any of `keys` is not one of `valid` (the
    fields of `kind`, e.g. RunConfig or ReviewConfig)."""
    unknown = sorted(set(keys) - set(valid))
    if unknown:
        raise ConfigError(f"unknown {kind} key(s): {', '.join(unknown)}; valid keys: {', '.join(valid)}")


def parse_overrides(items) -> dict[str, str]:
    """``["key=value", ...]`` (e.g. a CLI's repeated ``--set``) → {key: value} strings,
    to pass to `RunConfig.for_period`, which coerces them."""
    out: dict[str, str] = {}
    for item in items or ():
        key, sep, value = str(item).partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"expected key=value, got {item!r}")
        out[key.strip()] = value.strip()
    RunConfig._check_keys(out)
    return out


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"not a number: {value!r}")
    return float(value.strip() if isinstance(value, str) else value)


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"not a string: {value!r}")
    return value.strip()


#: Field → coercion to its declared type (strings from a CLI included).
_COERCE: dict[str, typing.Callable[[Any], Any]] = {
    "period": to_month,
    "data_cutoff": _to_timestamp,
    "support_months": _month_range,
    "support_generations": _sorted_ints,
    "followup_months": _as_int,
    "population_start_months": _month_range,
    "min_window_followup_months": _as_int,
    "windows": _sorted_ints,
    "trim_percentile": _as_float,
    "percentile_method": _as_str,
    "significance_level": _as_float,
    "min_cell": _as_int,
    "protection_width": _as_int,
    "sections": lambda v: tuple(dict.fromkeys(_as_str(x) for x in _split(v) if str(x).strip())),
    "support_generation_share": _as_float,
    "report_interval_months": _as_int,
    "rom2_followup_months": _as_int,
    "rom2_population_start_months": lambda v: _month_range(v) if _split(v) and any(str(x).strip() for x in _split(v)) else (),
}
assert set(_COERCE) == {f.name for f in dataclasses.fields(RunConfig)}
