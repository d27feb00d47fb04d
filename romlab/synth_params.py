"""Parameters of the synthetic-data generator, in one readable place.

The real microdata are confidential, so romlab ships a generator whose data have the
report's structure and volumes. Each parameter that is calibrated against a published
number names its source: the report (`002`, line L…) or a published table
(`data/published/tabell_XX.csv`). Parameters without a source are modelling choices
(marked "choice"). Only this module and the comparison/tests may hold published
values: no function that computes a table reads them.

Later section issues tune these values so that a run on the default data reproduces
the published tables; keep every change here, with its source.
"""

from __future__ import annotations

import datetime as dt

D = dt.date

#: Default seed of the default synthetic data (choice).
DEFAULT_SEED = 20231003  # the report's decision date, 3 Oct 2023

#: First and last start dates of the generated intake (issue 3: May 2020 – Jun 2025).
INTAKE_FIRST = D(2020, 5, 1)
INTAKE_LAST = D(2025, 6, 30)
#: Final data cut-off of the generated data: nothing is known after it (choice: late 2025).
FINAL_CUTOFF = D(2025, 11, 30)

#: Starts per calendar day at scale 1.0, by period (first day, last day, starts/day).
#: Windows 1–4 (2020-05-01 … 2022-09-07) hold about 138 000 starts: Tabell 18 has
#: N = 137 840 (tabell_18.csv, L2933). Windows 5–6 are set so that about 815 000 RoM 1
#: periodic reports fall in July 2022 – May 2023 (urval.csv step 1, L850).
INTAKE_RATE: tuple[tuple[D, D, float], ...] = (
    (D(2020, 5, 1), D(2020, 12, 7), 112.0),    # window 1 (L642: target 6 500/month, not reached)
    (D(2020, 12, 8), D(2021, 7, 31), 180.0),   # window 2: widened (L650–660)
    (D(2021, 8, 1), D(2021, 11, 15), 150.0),   # window 3: closed below 400 days (L666–680)
    (D(2021, 11, 16), D(2022, 9, 7), 185.0),   # window 4
    (D(2022, 9, 8), D(2023, 2, 28), 420.0),    # window 5: bar lowered to 180 days (L700)
    (D(2023, 3, 1), D(2023, 4, 16), 420.0),    # window 6: bar lowered to 120 days (L715)
    (D(2023, 4, 17), D(2025, 6, 30), 230.0),   # RoM 2 (choice)
)
#: Weekday starts only (choice: an anvisning starts on a working day).
WEEKDAYS_ONLY = True

# --- Participants ----------------------------------------------------------------------
#: Group shares, from the report-month counts of Tabell 7–11 (all sum to 420 957).
SHARE_WOMEN = 199_175 / 420_957                  # tabell_07.csv, L1676
SHARE_BORN_ABROAD = 290_149 / 420_957            # tabell_10.csv, L1880
SHARE_WOMEN_AMONG_BORN_ABROAD = 145_056 / 290_149  # tabell_10.csv, L1880
SHARE_DISABILITY = 32_779 / 420_957              # tabell_11.csv, L1948
SHARE_BELOW_UPPER_SECONDARY = 153_709 / 420_957  # tabell_08.csv, L1743
#: Among those with at least upper secondary: share with post-secondary (choice).
SHARE_POST_SECONDARY_OF_UPPER = 0.37
#: Age groups under 25 / 25–55 / over 55 (tabell_09.csv, L1811).
AGE_GROUP_SHARES = (25_186 / 420_957, 292_481 / 420_957, 103_290 / 420_957)
AGE_RANGES = ((18, 24), (25, 55), (56, 64))
#: Registration time at start, shares of max 1 / 1–2 / 2–3 / 3–4 / over 4 years (choice;
#: the report gives none). Window 3 was closed below 400 days (L666–680): there the
#: first group is mostly framework-programme participants.
REGISTRATION_SHARES = (0.34, 0.26, 0.14, 0.10, 0.16)
REGISTRATION_SHARES_WINDOW3 = (0.10, 0.34, 0.20, 0.14, 0.22)

#: Level shares A / B / C by window (tabell_12.csv L2027 gives 18 / 38 / 44 % of
#: report-months in Jul 2022 – May 2023; windows 1–4 are a choice around it).
LEVEL_SHARES_BY_WINDOW: dict[int, tuple[float, float, float]] = {
    1: (0.22, 0.40, 0.38),
    2: (0.27, 0.39, 0.34),
    3: (0.15, 0.35, 0.50),
    4: (0.20, 0.38, 0.42),
    5: (0.18, 0.38, 0.44),
    6: (0.18, 0.38, 0.44),
    7: (0.25, 0.40, 0.35),
}
#: How covariates tilt the level (log-odds of a lower level per unit; choice): born
#: abroad, disability, below upper secondary, over 55, registration group index 0–4.
LEVEL_TILT = {"born_abroad": 0.35, "disability": 0.5, "below_upper": 0.3, "over_55": 0.4, "registration": 0.25}
#: Job-chance bands per level (choice: within the service's band, L530–545).
JOB_CHANCE_BANDS = {"A": (0.45, 0.70), "B": (0.30, 0.45), "C": (0.12, 0.30)}

# --- Stay, placement periods, provider switches ----------------------------------------
#: Maximum stay 12 months (L762), two placement periods; period 2 from day 183 (choice).
MAX_STAY_DAYS = 365
PLACEMENT_PERIOD_1_DAYS = 182
#: Monthly hazard of an interruption (avbrott) (choice).
DROPOUT_HAZARD_PER_MONTH = 0.025
#: Share of placement-period changes reported twice in the same month (calibrates the
#: 65 800 of criterion 4, urval.csv step 4, L900).
P_DOUBLE_REPORT_AT_PERIOD_CHANGE = 0.80
#: Share of participations that switch provider once (calibrates 449 600 → 442 984,
#: urval.csv steps 5–6, L943 and L1527).
P_PROVIDER_SWITCH = 0.075
#: Deviation reports: per-person propensity Beta(a, b) that a month has one
#: (calibrates the 127 500 of criterion 3, urval.csv step 3, L886).
DEVIATION_BETA = (0.9, 3.3)

# --- Hours per activity ----------------------------------------------------------------
#: Quantile knots (percentile → hours) of each activity's monthly hours, from Tabell 2
#: (tabell_02.csv, L1196–1233), plus an end knot at the 100th percentile (choice).
#: Hours are drawn through these inverse CDFs with a Gaussian copula (person and month
#: effects), so activities correlate within a report.
_P = (0.0, 10.0, 50.0, 80.0, 90.0, 95.0, 97.5, 99.0, 99.9, 99.999, 100.0)
HOUR_QUANTILES: dict[str, tuple[float, ...]] = {
    "hours_own_work": (0, 0, 21, 156, 165, 171, 177, 179, 184, 310.1, 330),
    "hours_health": (0, 0, 0, 0, 0, 0, 0, 4, 21, 85.3, 100),
    "hours_development_meeting": (0, 1, 2, 2, 3, 4, 4, 8, 25, 172, 190),
    "hours_information": (0, 0, 0, 2, 4, 6, 10, 16, 37, 153.1, 170),
    "hours_other_actor": (0, 0, 0, 0, 0, 0, 53.4, 92, 176, 200, 210),
    "hours_employer_contacts": (0, 0, 0, 2, 4, 9, 20, 36, 102, 182, 190),
    "hours_short_training": (0, 0, 0, 0, 0, 0, 0, 0, 16, 178.3, 190),
    "hours_motivational": (0, 0, 0, 0, 1, 2, 3, 5, 30, 166, 180),
    "hours_practical": (0, 0, 0, 4, 5, 9, 20, 34, 90, 182, 190),
    "hours_digital": (0, 0, 0, 0, 0, 1, 2, 6, 20, 182, 190),
    "hours_language": (0, 0, 0, 0, 0, 2, 4, 8, 30, 182, 190),
    "hours_guidance": (0, 0, 0, 2, 4, 8, 15, 30, 84, 176, 190),
}
HOUR_PERCENTILES = _P
#: Share of the copula's variance that is common to a person (all months) and to a
#: report-month (all activities) (choice; tuned against Tabell 4–5).
COPULA_PERSON = 0.25
COPULA_MONTH = 0.25
#: Shift of the copula's latent scale by group (choice; sign from Tabell 7–12).
HOURS_SHIFT = {"born_abroad": 0.10, "under_25": -0.12, "disability": -0.06, "below_upper": 0.05, "level_C": 0.04}

# --- Results ---------------------------------------------------------------------------
#: Final R2 share by window × level, from Tabell 15 (tabell_15.csv, L2426–2436); RoM 1
#: windows 5–6 and RoM 2 (7) are a choice. Window 4 is uplifted (choice) because its
#: published shares are cut short by the follow-up (footnote 31).
R2_SHARE: dict[int, dict[str, float]] = {
    1: {"A": 0.37, "B": 0.32, "C": 0.32},
    2: {"A": 0.45, "B": 0.40, "C": 0.35},
    3: {"A": 0.33, "B": 0.29, "C": 0.27},
    4: {"A": 0.38, "B": 0.34, "C": 0.30},
    5: {"A": 0.38, "B": 0.34, "C": 0.30},
    6: {"A": 0.38, "B": 0.34, "C": 0.30},
    7: {"A": 0.40, "B": 0.34, "C": 0.29},
}
#: Effects on the R2 probability (linear probability scale), from Tabell 18
#: (tabell_18.csv, L2863–2925). Applied to deviations from the window × level mean.
R2_EFFECTS = {
    "woman": 0.00, "born_abroad": 0.02, "born_abroad_woman": -0.05, "disability": -0.02,
    "upper_secondary": 0.05, "age_25_55": -0.03, "age_55_plus": -0.15,
    "reg_1_2y": -0.00, "reg_2_3y": -0.03, "reg_3_4y": -0.04, "reg_over_4y": -0.07,
}
#: Share of R1 that become R2: about 70 % (L2349–2352).
R1_TO_R2 = 0.70
#: Work as a share of results by window × level, from Tabell 20 (tabell_20.csv, L3048).
WORK_SHARE_OF_RESULTS: dict[int, dict[str, float]] = {
    1: {"A": 0.73, "B": 0.76, "C": 0.73},
    2: {"A": 0.80, "B": 0.83, "C": 0.79},
    3: {"A": 0.88, "B": 0.86, "C": 0.81},
    4: {"A": 0.86, "B": 0.87, "C": 0.81},
    5: {"A": 0.86, "B": 0.86, "C": 0.81},
    6: {"A": 0.86, "B": 0.86, "C": 0.81},
    7: {"A": 0.86, "B": 0.86, "C": 0.81},
}
#: Days from the start to the work/studies start (R1 event): gamma(shape, scale) days,
#: at most MAX_STAY_DAYS + 61 (R1 up to two months after the end, L762–770) (choice).
R1_DELAY_GAMMA = (1.6, 100.0)
#: Share of R1 during the stay that end the participation (choice).
P_R1_ENDS_STAY = 0.85
#: Filing and approval lags in days (choice): R1 filed 0–30 days after the event; R2
#: filed 0–45 days after four months of work/studies, with a late tail (footnote 12).
R1_FILING_DAYS = (0, 30)
R2_FILING_DAYS = (0, 45)
P_R2_LATE = 0.04
R2_LATE_EXTRA_DAYS = (60, 240)
APPROVAL_DAYS = (3, 25)
P_R2_REJECTED = 0.03
#: RoM 2: share of 3-month results that reach 6 months (choice).
R3M_TO_R6M = 0.80
#: Provider quality: sd of a contract's effect on the result probability (choice).
PROVIDER_EFFECT_SD = 0.06

# --- Register events (§5.3.2, Tabell 23) -----------------------------------------------
#: For work results, by level: P(subsidised decision), P(exit to unsubsidised work);
#: the rest is not found in the registers. From Tabell 23 column 2 over Tabell 14 work
#: shares (tabell_23.csv L3325–3348, tabell_14.csv L2247): A 6/31, 18/31; B 7/28, 13/28;
#: C 9/24, 9/24. About 80 % identified (L3268).
REGISTER_MATCH: dict[str, tuple[float, float]] = {
    "A": (6 / 31, 18 / 31), "B": (7 / 28, 13 / 28), "C": (9 / 24, 9 / 24),
}
#: Participants without a result who still leave the register for work (choice).
P_EXIT_WITHOUT_RESULT = 0.08

# --- Providers and contracts -----------------------------------------------------------
#: Delivery areas: 72 in RoM 1, 81 in RoM 2 (domain.md, `001`).
N_AREAS = {1: 72, 2: 81}
N_PROVIDERS = 260
#: Contracts per delivery area: 3 + Poisson(mean) (choice).
CONTRACTS_PER_AREA_EXTRA = {1: 6.0, 2: 5.0}
ROM1_CONTRACT_START = D(2020, 3, 31)
ROM1_CONTRACT_END = D(2024, 6, 30)
ROM2_CONTRACT_START = D(2023, 4, 17)
#: RoM 2: share of contracts that start late (choice, so some are too young to review),
#: and share that end early, between 2024-03 and 2025-09 (choice).
P_ROM2_LATE_START = 0.12
P_ROM2_EARLY_END = 0.08
#: Rating publications: every other month (odd months) from/to (`000` L23, L67).
RATINGS_FIRST = D(2023, 11, 1)
#: A contract gets no rating with fewer starts than this in the last 12 months (choice).
RATING_MIN_STARTS = 30
