"""Every choice of the provider review that the quality-conditions document leaves open.

`ReviewConfig` holds them, each with its default and the assumption that records it
(A50–A69 in docs/assumptions.md). Build it with ``ReviewConfig()`` or
`ReviewConfig.from_overrides` (string values from the command line or papermill are
coerced); change one value with ``cfg.replace(threshold=0.25)``. The smallest cell shown
is the run's (`RunConfig.min_cell`, A14): one default for the whole of romlab.

The source is *Kvalitetsvillkor för resultat i Rusta och matcha* (`000`), cited by its
sections: §2 (the review: two consecutive follow-ups, the placement stop; Figur 1 the
year's plan), §3 (the three conditions), §3.1 (the rating), §3.2 (the result measure and
its weights, "Viktat resultatmått"; footnote 3: "too short a time"), §3.3 (rating and
measure compared), §3.4 (22 months of an active contract).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from romlab.run.config import ConfigError, RunConfig, check_keys

__all__ = ["ReviewConfig", "DEFAULT_LEVEL_WEIGHTS", "DEFAULT_REVIEWS", "RESULT_PAYMENT_SEK", "LEVELS", "KEY",
           "parse_weights", "parse_overrides"]

#: Result payments per level in SEK: A about 20 000, C about 38 000 (the report `002` §5.1,
#: beside Tabell 14; the status report `001` §7.5); B is not published: the midpoint,
#: 29 000 (assumption A52).
RESULT_PAYMENT_SEK: dict[str, float] = {"A": 20_000.0, "B": 29_000.0, "C": 38_000.0}
#: Default level weights: proportional to the result payment, normalised to B = 1
#: (A 0.690, B 1, C 1.310). With RoM 2's level mix (about A 25 / B 40 / C 35 %) the mean
#: weight is about 1.03, so the measure stays on the scale of a share and the 20 % line
#: keeps its plain meaning (A51).
DEFAULT_LEVEL_WEIGHTS: dict[str, float] = {lv: v / RESULT_PAYMENT_SEK["B"] for lv, v in RESULT_PAYMENT_SEK.items()}
LEVELS = ("A", "B", "C")
#: A contract (leverantörsavtal): provider × delivery area.
KEY = ["provider_id", "delivery_area"]
#: The reviews of a year in the document's example (`000` §2, Figur 1): Jan+Mar and Sep+Nov.
DEFAULT_REVIEWS: tuple[tuple[str, str], ...] = (("2025-01", "2025-03"), ("2025-09", "2025-11"))

#: Fields that decide which participants and results a follow-up counts (`measure.prepare`);
#: the others only weigh, compare and show them.
PREPARATION_FIELDS = ("result_values", "own_results_only", "start_months_back", "cutoff_months_before",
                      "cutoff_day", "generation")


def parse_weights(value: Any) -> dict[str, float]:
    """{"A": w, ...} from a mapping or a string "A=0.69,B=1,C=1.31" (':' also accepted)."""
    if isinstance(value, str):
        pairs = [p for p in re.split(r"[,;\s]+", value.strip().strip("{}")) if p]
        value = dict(re.split(r"[=:]", p, maxsplit=1) for p in pairs)
    return {str(k).strip().strip("'\""): float(v) for k, v in dict(value).items()}


def _opt_int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "last")):
        return None
    return int(value)


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a field's value (dicts as sorted item tuples)."""
    return tuple(sorted(value.items())) if isinstance(value, dict) else value


@dataclass(frozen=True)
class ReviewConfig:
    """Every choice of the provider review that the document leaves open (A50–A69).

    Build with ``ReviewConfig()`` or `ReviewConfig.from_overrides` (string values from a
    CLI or papermill are coerced). Change one value with ``cfg.replace(threshold=0.25)``.
    """

    #: Level weights of the result measure (`000` §3.2 names no values) (A51, A52).
    level_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LEVEL_WEIGHTS))
    #: Which approved RoM 2 results count and how much, per participant (summed, at most
    #: 1): {"R3M": 1} the 3-month result (default), {"R6M": 1} the 6-month result,
    #: {"R3M": 0.5, "R6M": 0.5} as the payment is split (`001` §7.4) (A53).
    result_values: dict[str, float] = field(default_factory=lambda: {"R3M": 1.0})
    #: Count a result only when the provider who filed it is the one the participant
    #: started with (False: every approved result of the participation counts) (A54).
    own_results_only: bool = False
    #: Threshold: the condition is "below" this share (`000` §3 condition 2, §3.2) (A55).
    threshold: float = 0.20
    #: The measure is compared with the threshold after rounding to this many decimals
    #: (of the fraction): 9 only removes floating-point noise; 3 would compare the
    #: published 0.1 %-precision figure (A56).
    round_decimals: int = 9
    #: Start months counted, as (nearest, farthest) months before m0 (`000` §3.2: publication
    #: March 2025 → starts April 2023 – March 2024) (A57).
    start_months_back: tuple[int, int] = (11, 22)
    #: First participant at least this many months before m0 (`000` §3.2, footnote 3) (A58).
    min_months_since_first: int = 12
    #: Contract active at least this many months, start month to m0 (`000` §3, §3.4) (A59).
    min_months_active: int = 22
    #: "second": the 22 months are checked at the review's second follow-up, when the
    #: decision is taken; "both": at both follow-ups (A60).
    active_months_at: str = "second"
    #: Highest rating that meets the rating condition (`000` §3 condition 1, §3.1) and the
    #: rating a missing one counts as (A61).
    max_rating: int = 1
    missing_rating: int = 1
    #: The publication's data cut-off: the last day (or ``cutoff_day``) of the month this
    #: many months before the publication month. Default: the last day of m0 (A62).
    cutoff_months_before: int = 1
    cutoff_day: int | None = None
    #: Placement stop this many days before a termination (`000` §2: three weeks) (A63).
    placement_stop_days: int = 21
    #: Service generation reviewed (the document is about RoM 2 contracts) (A64).
    generation: int = 2
    #: Smallest cell (persons) shown: the run's `RunConfig.min_cell` unless overridden (A14, A65).
    min_cell: int = RunConfig.min_cell

    def __post_init__(self) -> None:
        try:
            self._coerce()
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"ReviewConfig: {exc}") from None
        self._check()

    def _coerce(self) -> None:
        put = object.__setattr__
        put(self, "level_weights", parse_weights(self.level_weights))
        put(self, "result_values", parse_weights(self.result_values))
        back = self.start_months_back
        if isinstance(back, str):
            back = [x for x in re.split(r"[,.\s()\[\]]+", back) if x]
        put(self, "start_months_back", tuple(int(x) for x in back))
        put(self, "cutoff_day", _opt_int(self.cutoff_day))
        for name in ("round_decimals", "min_months_since_first", "min_months_active", "max_rating",
                     "missing_rating", "cutoff_months_before", "placement_stop_days", "generation", "min_cell"):
            put(self, name, int(getattr(self, name)))
        put(self, "threshold", float(self.threshold))
        own = self.own_results_only
        if isinstance(own, str):
            own = own.strip().lower() in ("1", "true", "yes", "ja", "sant")
        put(self, "own_results_only", bool(own))

    def _check(self) -> None:
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
        if self.min_cell < 0:
            raise ConfigError(f"min_cell must be >= 0, got {self.min_cell}")

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """Valid keys for overrides."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def check_keys(cls, keys) -> None:
        """`ConfigError` naming the valid keys if any of `keys` is not one."""
        check_keys("ReviewConfig", keys, cls.keys())

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any] | None = None) -> "ReviewConfig":
        """A config with some fields replaced; unknown keys raise `ConfigError`."""
        overrides = dict(overrides or {})
        cls.check_keys(overrides)
        return cls(**overrides)

    def replace(self, **changes: Any) -> "ReviewConfig":
        return dataclasses.replace(self, **changes)

    def to_overrides(self) -> dict[str, Any]:
        """The fields that differ from the defaults, as plain values (dicts, lists,
        numbers): what `from_overrides` turns back into this config, e.g. a notebook's
        papermill parameter."""
        default = ReviewConfig()
        out = {}
        for name in self.keys():
            value = getattr(self, name)
            if value != getattr(default, name):
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def key(self, fields: tuple[str, ...] | None = None) -> tuple:
        """A hashable key of the config (or of some of its fields), for caches."""
        return tuple((name, _frozen(getattr(self, name))) for name in (fields or self.keys()))


def parse_overrides(items) -> dict[str, str]:
    """``["key=value", ...]`` (a CLI's repeated ``--set``) → {key: value} strings, the keys
    checked against `ReviewConfig` (`ReviewConfig.from_overrides` coerces the values)."""
    out: dict[str, str] = {}
    for item in items or ():
        key, sep, value = str(item).partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"expected key=value, got {item!r}")
        out[key.strip()] = value.strip()
    ReviewConfig.check_keys(out)
    return out
