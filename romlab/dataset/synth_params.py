"""Parameters of the synthetic-data generator, in one readable place.

The real microdata are confidential, so romlab ships a generator whose data have the
report's structure and volumes. Each parameter that is calibrated against a published
number names its source: the report (its section, table, figure or footnote) or a
published table (`data/published/tabell_XX.csv`). Parameters without a source are modelling choices
(marked "choice"). Only this module and the comparison/tests may hold published
values: no function that computes a table reads them.

A calibration tunes these values so that a run on the default data reproduces the
published tables; keep every change here, with its source.
"""

from __future__ import annotations

import datetime as dt

D = dt.date

#: Default seed of the default synthetic data (choice).
DEFAULT_SEED = 20231003  # the report's decision date, 3 Oct 2023

#: First and last start dates of the generated intake (choice: May 2020 – Jun 2025).
INTAKE_FIRST = D(2020, 5, 1)
INTAKE_LAST = D(2025, 6, 30)
#: Final data cut-off of the generated data: nothing is known after it (choice: late 2025).
FINAL_CUTOFF = D(2025, 11, 30)

#: Starts per calendar day at scale 1.0, by period (first day, last day, starts/day).
#: Windows 1–4 (2020-05-01 … 2022-09-07) hold about 138 000 starts: Tabell 18 has
#: N = 137 840 (tabell_18.csv). Their split, about 19 000 / 25 000 / 22 000 /
#: 30 000 / 42 000 starts in windows 1, 2, 3, early window 4 (16 Nov 2021 – 31 Jan
#: 2022) and later window 4, is the intake under which Tabell 14 (33 / 38 / 33 / 30 %,
#: tabell_14.csv), Tabell 15 and the previous report's 37 % for
#: starts May 2020 – Jul 2021 (report §5.1) hold together with each window at its own
#: Tabell 15 share (a linear program over the three; the autumn-2021 cohorts are large
#: and weak, §5.1). Windows 5–6 are set so that about 815 000 RoM 1 periodic
#: reports fall in July 2022 – May 2023 (§3.5.1, urval.csv step 1) with the other steps
#: of the selection flow within 5 % (urval.csv).
#: The first start month, May 2020, is a ramp-up month with about 30 starts (26 on the
#: default data): it is the base of Tabell 18's start-month fixed effects, so Tabell
#: 18's constant is in effect the result share of that month's starters (at level A,
#: window 1 and every regressor 0), and its robust standard error, 0.09 (Tabell 18,
#: "Konstant"), is about √(p(1 − p) / n) with p ≈ 0.5: n ≈ 30. The report's own windows
#: started slowly (§3.3, Fönster 1 and 2: a registration-time bar until May 2020,
#: intake far below the 6 500 a month aimed at); window 1's other months carry its
#: volume.
INTAKE_RATE: tuple[tuple[D, D, float], ...] = (
    (D(2020, 5, 1), D(2020, 5, 31), 1.0),      # window 1, first month: ~26 starts (Tabell 18)
    (D(2020, 6, 1), D(2020, 12, 7), 100.0),    # window 1 (§3.3: target 6 500/month, not reached)
    (D(2020, 12, 8), D(2021, 7, 31), 106.0),   # window 2: widened (§3.3)
    (D(2021, 8, 1), D(2021, 11, 15), 207.0),   # window 3: closed below 400 days (§3.3)
    (D(2021, 11, 16), D(2022, 1, 31), 392.0),  # window 4, early (in Tabell 14's population)
    (D(2022, 2, 1), D(2022, 9, 7), 192.0),     # window 4, later
    (D(2022, 9, 8), D(2023, 2, 28), 340.0),    # window 5: bar lowered to 180 days (§3.3)
    (D(2023, 3, 1), D(2023, 4, 16), 260.0),    # window 6: bar lowered to 120 days (§3.3)
    (D(2023, 4, 17), D(2025, 6, 30), 230.0),   # RoM 2 (choice)
)
#: Weekday starts only (choice: an anvisning starts on a working day).
WEEKDAYS_ONLY = True

# --- Participants ----------------------------------------------------------------------
#: Group shares, from the report-month counts of Tabell 7–11 (all sum to 420 957).
SHARE_WOMEN = 199_175 / 420_957                  # tabell_07.csv
SHARE_BORN_ABROAD = 290_149 / 420_957            # tabell_10.csv
SHARE_WOMEN_AMONG_BORN_ABROAD = 145_056 / 290_149  # tabell_10.csv
SHARE_DISABILITY = 32_779 / 420_957              # tabell_11.csv
SHARE_BELOW_UPPER_SECONDARY = 153_709 / 420_957  # tabell_08.csv
#: Among those with at least upper secondary: share with post-secondary (choice).
SHARE_POST_SECONDARY_OF_UPPER = 0.37
#: Age groups under 25 / 25–55 / over 55 among participants: Tabell 9's report-month
#: counts (tabell_09.csv) reweighted by the report-months per participant of
#: each group on the default data (the young leave sooner, the over-55 later: their
#: counts came out at 0.90, 0.94 and 1.08 of Tabell 9's with the counts as shares).
AGE_GROUP_SHARES = (25_186 / 0.897, 292_481 / 0.943, 103_290 / 1.079)
AGE_RANGES = ((18, 24), (25, 55), (56, 64))
#: Registration time at start, shares of max 1 / 1–2 / 2–3 / 3–4 / over 4 years (choice;
#: the report gives none). Window 3 was closed below 400 days (§3.3): there the
#: first group is mostly framework-programme participants.
REGISTRATION_SHARES = (0.34, 0.26, 0.14, 0.10, 0.16)
REGISTRATION_SHARES_WINDOW3 = (0.10, 0.34, 0.20, 0.14, 0.22)

# Groups that go together (each keeps its overall share above). Tabell 16's raw gaps
# between groups (within window × level) are wider than Tabell 18's coefficients, which
# hold the other groups fixed: under 25 do 5 points better than 25–55 (Tabell 16, mean
# over its cells) against 3 in Tabell 18, registered up to a year 10 points better than
# over 4 years against 7, disability 4 points worse against 2, and domestic-born women
# several points better than domestic-born men against 0.00. The difference is the
# groups' composition; these associations are fitted to it (calibration:
# tools/calibrate_groups.py; the report gives no cross-tabulation of the groups).
#: Registration time by age: the registration-group shares of an age group are
#: REGISTRATION_SHARES × exp(tilt × group index 0–4), rescaled (fitted, as above):
#: the young are mostly registered up to a year, the over-55 longer.
REGISTRATION_AGE_TILT = {0: -0.8, 1: 0.0, 2: 0.1}
#: Disability by age: odds of a disability for under 25 / 25–55 / over 55 relative to
#: one another (fitted, as above).
DISABILITY_AGE_ODDS = (0.5, 1.0, 2.5)
#: Age of domestic-born women: odds of under 25 / 25–55 / over 55 relative to everyone
#: else (fitted, as above: domestic-born women younger than domestic-born men).
AGE_ODDS_DOMESTIC_WOMEN = (1.6, 1.0, 0.5)

#: Level shares A / B / C by window (tabell_12.csv gives 18 / 38 / 44 % of
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
#: Job-chance bands per level (choice: within the service's band, §3.2).
JOB_CHANCE_BANDS = {"A": (0.45, 0.70), "B": (0.30, 0.45), "C": (0.12, 0.30)}

# --- Stay, placement periods, provider switches ----------------------------------------
#: Maximum stay 12 months (§3.4), two placement periods; period 2 from day 183 (choice).
MAX_STAY_DAYS = 365
PLACEMENT_PERIOD_1_DAYS = 182
#: Monthly hazard of an interruption (avbrott) (choice), and a share who leave within
#: the first weeks (days drawn from EARLY_DROPOUT_DAYS): together with the deviation
#: propensity they shape the selection flow of §3.5.1 (urval.csv: −172 500 in criterion
#: 2; 108 500 persons with 4.1 report-months each).
DROPOUT_HAZARD_PER_MONTH = 0.012
P_EARLY_DROPOUT = 0.06
EARLY_DROPOUT_DAYS = (10, 75)
#: Share of placement-period changes reported twice in the same month (calibrates the
#: 65 800 of criterion 4, §3.5.1, urval.csv step 4).
P_DOUBLE_REPORT_AT_PERIOD_CHANGE = 0.84
#: Share of participations that switch provider once (calibrates 449 600 → 442 984,
#: urval.csv steps 5–6: footnote 15 and Tabell 5's observations).
P_PROVIDER_SWITCH = 0.12
#: Deviation reports: per-person propensity Beta(a, b) that a month has one; U-shaped,
#: so that some persons lose most months (calibrates the 127 500 of criterion 3,
#: §3.5.1, urval.csv step 3, with 108 500 persons).
DEVIATION_BETA = (0.10, 0.40)

# --- Hours per activity ----------------------------------------------------------------
#: Share of report-months with at least one hour of each activity, from Tabell 6
#: (tabell_06.csv), in percent (the rare activities a little below the
#: printed value, so their untrimmed means in Tabell 3 also fit); below it an activity has no hours. "Eget
#: arbete" is not in Tabell 6: its zero share lies between Tabell 2's 10th (0 h) and
#: 50th (21 h) percentiles (choice).
HOUR_SHARE_ANY: dict[str, float] = {
    "hours_own_work": 62.0,
    "hours_health": 1.8, "hours_development_meeting": 97.0, "hours_information": 31.0,
    "hours_other_actor": 3.0, "hours_employer_contacts": 37.0, "hours_short_training": 1.0,
    "hours_motivational": 14.5, "hours_practical": 48.0, "hours_digital": 4.7,
    "hours_language": 6.8, "hours_guidance": 41.0,
}
#: Quantile knots (percentile → hours) above the zero mass, from Tabell 2
#: (tabell_02.csv); the 100th percentile (= the 99.999th), Eget arbete's 65th and the
#: knots between published percentiles (98; 99.75, 40 % of the way from the 99th to the
#: 99.9th; Praktiskt stöd's 70th) are a choice; the 99.999th of the activities in total
#: support is 0.5 × the printed value (a thinner extreme tail, so Tabell 4's 99.9 % and
#: 100 % columns fit) (they set the untrimmed means of Tabell 3). Hours are the
#: floor of the interpolated inverse CDF in the reporting unit (whole hours in RoM 1,
#: quarter hours in RoM 2), drawn through a Gaussian copula (person and month effects).
HOUR_KNOTS: dict[str, tuple[tuple[float, float], ...]] = {
    "hours_own_work": ((50, 21), (65, 135), (80, 156), (90, 165), (95, 171), (97.5, 177), (99, 179), (99.9, 184), (99.999, 310.1), (100, 310.1)),
    "hours_health": ((99, 4), (99.75, 10.8), (99.9, 21), (99.999, 42.7), (100, 42.7)),
    "hours_development_meeting": ((10, 1), (33, 2), (80, 2), (90, 3), (95, 4), (97.5, 4), (99, 8), (99.9, 25), (99.999, 86), (100, 86)),
    "hours_information": ((74, 2), (90, 4), (95, 6), (97.5, 10), (99, 16), (99.75, 24.4), (99.9, 37), (99.999, 76.6), (100, 85)),
    "hours_other_actor": ((97.5, 53.4), (98, 85), (99, 100), (99.9, 176), (99.999, 200), (100, 200)),
    "hours_employer_contacts": ((80, 2), (90, 4), (95, 9), (97.5, 20), (99, 36), (99.75, 62.4), (99.9, 102), (99.999, 91), (100, 91)),
    "hours_short_training": ((99.9, 16), (99.999, 89.2), (100, 89.2)),
    "hours_motivational": ((90, 1), (95, 2), (97.5, 3), (99, 5), (99.75, 15), (99.9, 30), (99.999, 83), (100, 83)),
    "hours_practical": ((70, 2), (80, 4), (90, 5), (95, 9), (97.5, 20), (99, 34), (99.75, 56.4), (99.9, 90), (99.999, 91), (100, 95)),
    "hours_digital": ((95, 1), (97.5, 2), (99, 6), (99.75, 11.6), (99.9, 20), (99.999, 91), (100, 91)),
    "hours_language": ((95, 2), (97.5, 4), (99, 8), (99.75, 16.8), (99.9, 30), (99.999, 91), (100, 91)),
    "hours_guidance": ((80, 2), (90, 4), (95, 8), (97.5, 15), (99, 30), (99.75, 51.6), (99.9, 84), (99.999, 88), (100, 95)),
}
#: Rounding to the reporting unit: floor(hours / unit + HOUR_ROUNDING) (0.5 = nearest;
#: lower rounds down more often) (choice; tuned so the total's median is Tabell 5's 7 h
#: untrimmed and 6 h trimmed). Rounding up a little more often (0.55) with a
#: smaller HOURS_TOTAL_SCALE (0.99) lifts the low totals and keeps the high ones, so
#: the median stays 7 h with the trimmed mean near Tabell 5's 8.2 h and the share kept
#: by the trimming at Tabell 5's 95.03 % (420 957 of 442 984).
HOUR_ROUNDING = 0.55
#: Calibration note (knife edge): Tabell 5's medians, 7 h untrimmed and 6 h trimmed
#: hold only while P(total ≤ 6 h) lies in [0.475, 0.5); on the default data it
#: is 0.495 (HOUR_ROUNDING, HOURS_TOTAL_SCALE). A second knife edge: the share kept by
#: the trimming (Tabell 5's observations, 95.03 % ± 0.1 in the test) moves with the mass
#: at the cut-off (37 h, 0.2 % of report-months). Any change to the hours model, or to
#: the draws before it, can flip the untrimmed median to 6:
#: tests/test_support_published.py catches it.
#: Share of the copula's variance that is common to a person (all months) and to a
#: report-month (all activities) (choice; tuned against Tabell 4–5).
COPULA_PERSON = 0.02
COPULA_MONTH = 0.20
#: Sign of each activity's loading on the month component (choice): activities with
#: opposite signs trade off within a month, which concentrates the total (Tabell 5:
#: median 7 h untrimmed, 6 h trimmed, with a mean of 8.2 h trimmed).
HOUR_MONTH_SIGN: dict[str, float] = {
    "hours_practical": -1.0, "hours_guidance": -1.0, "hours_motivational": -1.0,
}
#: Degrees of freedom of the Student-t copula (lower = more months extreme in several
#: activities at once) (choice).
COPULA_T_DF = 3.0
#: Hours by group, as multipliers of an activity's hours (before rounding), per
#: dimension and group; a report-month's multiplier is the product over its groups.
#: From the trimmed group means of Tabell 7–12 over their observation-weighted average
#: (tabell_07.csv, tabell_08, tabell_09, tabell_10
#:, tabell_11, tabell_12); activities printed 0,0–0,1
#: carry no information on the split and are left alone. ``level_registration`` (keys
#: level + registration group index, "A0" = level A registered up to a year … "C4" =
#: level C over 4 years) holds Tabell 13's structure (tabell_13.csv; §4.4.7): the five
#: activities of about an hour, fitted by two multiplicative updates to its trimmed
#: means on the default data, each level's multipliers normalised to a report-month
#: weighted mean of 1 (so Tabell 12 is left as it was). They carry the printed
#: rounding (±0.05 h on 0.7–1.9 h). The small activities (printed 0,0–0,2) are left
#: alone, as above.
HOURS_GROUP_RATIO: dict[str, dict[str, dict]] = {
    "age_group": {
        "hours_employer_contacts": {0: 0.947, 1: 1.065, 2: 0.828},
        "hours_guidance": {0: 1.052, 1: 1.052, 2: 0.841},
        "hours_information": {0: 0.882, 1: 1.008, 2: 1.008},
        "hours_practical": {0: 0.865, 1: 1.009, 2: 1.009},
    },
    "below_upper": {
        "hours_employer_contacts": {False: 0.916, True: 1.145},
        "hours_guidance": {False: 0.961, True: 1.068},
        "hours_practical": {False: 0.947, True: 1.092},
    },
    "born_abroad": {
        "hours_employer_contacts": {False: 0.685, True: 1.142},
        "hours_guidance": {False: 0.929, True: 1.032},
        "hours_practical": {False: 0.853, True: 1.066},
    },
    "disability": {
        "hours_employer_contacts": {False: 1.018, True: 0.791},
        "hours_guidance": {False: 1.008, True: 0.907},
        "hours_practical": {False: 1.006, True: 0.934},
    },
    "level": {
        "hours_guidance": {"A": 0.953, "B": 0.953, "C": 1.059},
    },
    "woman": {
        "hours_employer_contacts": {False: 1.055, True: 0.938},
        "hours_guidance": {False: 0.95, True: 1.056},
    },
    "level_registration": {
        "hours_development_meeting": {
            "A0": 0.99, "A1": 0.997, "A2": 0.977, "A3": 0.999, "A4": 1.088,
            "B0": 1.002, "B1": 1.002, "B2": 0.998, "B3": 0.99, "B4": 0.998,
            "C0": 1.102, "C1": 0.972, "C2": 0.967, "C3": 0.969, "C4": 0.964,
        },
        "hours_information": {
            "A0": 1.043, "A1": 0.844, "A2": 0.991, "A3": 1.034, "A4": 1.266,
            "B0": 0.885, "B1": 1.053, "B2": 0.833, "B3": 1.028, "B4": 1.34,
            "C0": 0.957, "C1": 0.929, "C2": 0.912, "C3": 1.125, "C4": 1.108,
        },
        "hours_employer_contacts": {
            "A0": 0.912, "A1": 0.93, "A2": 0.96, "A3": 0.723, "A4": 1.892,
            "B0": 0.902, "B1": 0.912, "B2": 0.91, "B3": 1.126, "B4": 1.437,
            "C0": 1.03, "C1": 0.811, "C2": 1.062, "C3": 1.066, "C4": 1.083,
        },
        "hours_practical": {
            "A0": 0.956, "A1": 0.942, "A2": 1.043, "A3": 0.908, "A4": 1.396,
            "B0": 0.952, "B1": 0.96, "B2": 0.933, "B3": 1.152, "B4": 1.171,
            "C0": 1.051, "C1": 0.945, "C2": 0.924, "C3": 1.035, "C4": 1.036,
        },
        "hours_guidance": {
            "A0": 1.051, "A1": 0.934, "A2": 1.106, "A3": 0.839, "A4": 0.953,
            "B0": 1.051, "B1": 0.902, "B2": 0.932, "B3": 1.083, "B4": 1.09,
            "C0": 1.041, "C1": 1.053, "C2": 1.053, "C3": 0.888, "C4": 0.93,
        },
    },
}
#: A further multiplier of every activity in total support by group (applied with the
#: above), fitted so that the trimmed total by group meets Tabell 7–12's "Sammanlagt
#: stöd" row (tabell_07.csv … tabell_12.csv): eight damped multiplicative updates,
#: each dimension's multipliers normalised to a weighted mean of 1 (choice of method);
#: one more update on the default data after the recalibration of the group structure
#: (the groups' associations and Tabell 13's multipliers had moved the over-55 total up).
#: Scale of every activity in total support (choice). Tabell 7–12's group means
#: average 8.15–8.18 h over their observation counts, a little below Tabell 5's rounded
#: 8.2; a scale below 1 would move the group means toward them but the total's
#: median (7 h, a knife edge at P(total ≤ 6 h) ≈ 0.49) below it. Since the
#: recalibration of the group structure (which moved P(total ≤ 6 h) to 0.5007 at 1.0
#: with the trimmed mean at 8.27 h) 0.99 together with HOUR_ROUNDING 0.55.
HOURS_TOTAL_SCALE = 0.99
HOURS_GROUP_TOTAL_RATIO: dict[str, dict] = {
    "woman": {True: 0.986, False: 1.013},
    "below_upper": {True: 1.009, False: 0.995},
    "age_group": {0: 0.957, 1: 0.989, 2: 1.039},
    "born_abroad": {False: 0.979, True: 1.009},
    "disability": {False: 1.002, True: 0.981},
    "level": {"A": 0.981, "B": 0.998, "C": 1.009},
    # foreign-born men: Tabell 10 prints 8.4 for foreign-born women and men alike
    "foreign_man": {True: 0.976, False: 1.0},
}

# --- Results ---------------------------------------------------------------------------
#: Final R2 share (approved eventually) by window × level; the draw compensates the
#: results lost to the stay rule and to rejection, so these are the shares seen once
#: follow-up is complete. Windows 1–3: Tabell 15 (tabell_15.csv); with the
#: intake of INTAKE_RATE, Tabell 14 (tabell_14.csv: 33 / 38 / 33 / 30 %) then
#: holds too. Window 4: see R2_SHARE_PERIODS. Windows 5–6 and RoM 2 (7): choice
#: (§5.1.1 on Figur 2: lower again from March 2022); RoM 2's is the 3-month result,
#: with its reasoning under "RoM 2 results" below. Window 3's B and C are
#: a quarter point apart from 29 / 27 % so that their difference stays significant at
#: the 99 % level (§5.1.1 on Tabell 15) on the default data (the recalibration of the
#: group structure had brought it to p = 0.011). Window 1's A and B/C are half a point apart from 37 / 32 %:
#: with window 1's level gaps the level fixed effects of Tabell 18 move, and with them
#: its constant (see R2_START_MONTH_SHIFT).
R2_SHARE: dict[int, dict[str, float]] = {
    1: {"A": 0.372, "B": 0.316, "C": 0.316},
    2: {"A": 0.45, "B": 0.40, "C": 0.35},
    3: {"A": 0.33, "B": 0.292, "C": 0.267},
    4: {"A": 0.40, "B": 0.35, "C": 0.30},
    5: {"A": 0.36, "B": 0.32, "C": 0.28},
    6: {"A": 0.36, "B": 0.32, "C": 0.28},
    7: {"A": 0.40, "B": 0.34, "C": 0.29},
}
#: Final R2 share by level for start periods that override their window's
#: (first day, last day, shares). Window 4 is split at the 18-month boundary of the
#: October 2023 report: its early starters (16 Nov 2021 – 31 Jan 2022) are in Tabell 14's
#: population and, with windows 1–3, must give its 38 / 33 / 30 % (tabell_14.csv):
#: with INTAKE_RATE's large autumn-2021 intake (the weak cohorts the report blames for
#: the fall from 37 %, §5.1) that is a little above window 3's Tabell 15 shares
#: (so no dip: §5.1.1 on Figur 2 has results lower again only from March
#: 2022). The later starters make window 4's observed shares of Tabell 15 (35 / 31 /
#: 27 %) at the cut-off, where their R2 are still incomplete (footnote 31),
#: so their final shares are higher.
R2_SHARE_PERIODS: tuple[tuple[D, D, dict[str, float]], ...] = (
    (D(2021, 11, 16), D(2022, 1, 31), {"A": 0.335, "B": 0.304, "C": 0.281}),
    (D(2022, 2, 1), D(2022, 9, 7), {"A": 0.423, "B": 0.368, "C": 0.307}),
)
#: Shift of the R2 probability by start month (linear scale): the first start month is
#: the base of Tabell 18's start-month fixed effects, so its level sets the constant
#: (Konstant 0.49, tabell_18.csv). With about 26 starters in that month
#: (INTAKE_RATE) the constant moves in steps of 1/26 ≈ 0.04 with the number of them who
#: reach R2, and any change to the generator redraws them; together with window 1's
#: level gaps (R2_SHARE[1], which move the level fixed effects and so the constant
#: continuously) this is fitted on the default data: 0.485 (standard error 0.095;
#: published 0.49 and 0.09). Refit both after a change to the generator
#: (tools/calibrate_groups.py prints Tabell 18 in full).
R2_START_MONTH_SHIFT: dict[str, float] = {"2020-05": 0.11}
#: Effects on the R2 probability (linear probability scale), from Tabell 18
#: (tabell_18.csv), applied to deviations from the start period × level
#: mean. The draw compensates the results lost to the stay rule and to rejection, but
#: window 4's later starters are seen at the cut-off with about 84 % of their R2, which
#: shrinks the pooled estimates by about 1/1.05; so each value is the Tabell 18
#: coefficient × 1.05, less the part R2_EFFECTS_CELL adds in its cells (pooled over
#: the window population). Each value is then set so that the estimate on the default
#: data prints as Tabell 18 does (two decimals; fitted with tools/calibrate_groups.py):
#: the estimates carry a sampling error of about 0.005 (their standard errors), so a
#: change to the generator can move a printed digit.
R2_EFFECTS = {
    "woman": 0.003, "born_abroad": 0.029, "born_abroad_woman": -0.056, "disability": -0.018,
    "upper_secondary": 0.045, "age_25_55": -0.032, "age_55_plus": -0.149,
    "reg_1_2y": -0.001, "reg_2_3y": -0.036, "reg_3_4y": -0.040, "reg_over_4y": -0.069,
}
#: Extra effects in single window × level cells: window 2 widened mainly towards
#: participants with higher job chances (§5.1.1), and its level A shows much wider
#: group gaps than elsewhere (Tabell 16, window 2 level A: born abroad 39 vs
#: born in Sweden 49 %, disability 28 vs 45 %, upper secondary 49 vs 33 %, registered
#: over 4 years 34 vs up to a year 45 %). Window 3 was closed to those registered
#: under 400 days outside the framework programmes (§3.3); there the shortest
#: registered do much better than the rest (up to a year 40 / 35 / 32 % against
#: 22–35 %, Tabell 16 window 3), and in level A those registered 3–4 years much worse
#: (22 % against 26–40 % for the other registration groups, Tabell 16 window 3 level
#: A). The group structure of Tabell 16 and 21 (tools/calibrate_groups.py): the over-55 trail 25–55 by more
#: in windows 1–2 (Tabell 16: 12–18 points, mean 15, against 11–15, mean 12, in
#: windows 3–4); in window 1 those registered 2–4 years trail those registered up to a
#: year by less (−5 to +1 points, Tabell 16 window 1); in window 1 level A those with a
#: disability do better than the rest (Tabell 16: 46 vs 36 %; Tabell 21: work 38 vs
#: 27 %).
R2_EFFECTS_CELL: dict[tuple[int, str], dict[str, float]] = {
    (1, "A"): {"disability": 0.12, "age_55_plus": -0.04, "reg_2_3y": 0.03, "reg_3_4y": 0.03},
    **{(1, lv): {"age_55_plus": -0.04, "reg_2_3y": 0.03, "reg_3_4y": 0.03} for lv in "BC"},
    (2, "A"): {"born_abroad": -0.09, "born_abroad_woman": -0.04, "disability": -0.14,
               "upper_secondary": 0.115, "reg_3_4y": -0.04, "reg_over_4y": -0.065,
               "age_55_plus": -0.025},
    **{(2, lv): {"age_55_plus": -0.025} for lv in "BC"},
    (3, "A"): {"reg_1_2y": -0.04, "reg_2_3y": -0.04, "reg_3_4y": -0.12, "reg_over_4y": -0.04},
    **{(3, lv): {"reg_1_2y": -0.04, "reg_2_3y": -0.04, "reg_3_4y": -0.04, "reg_over_4y": -0.04}
       for lv in "BC"},
}
#: Share of R1 that become R2: about 70 % (§5.1.1).
R1_TO_R2 = 0.70
#: Work as a share of results by window × level, from Tabell 20 (tabell_20.csv).
#: Windows 1–2 level A (and window 1 level B) have 1–2 points fewer studies
#: than Tabell 20's (73 / 76 and 80 %), so that Tabell 14's education share of level A
#: (6 %, tabell_14.csv) holds (with WORK_SHARE_PERIODS).
WORK_SHARE_OF_RESULTS: dict[int, dict[str, float]] = {
    1: {"A": 0.75, "B": 0.77, "C": 0.73},
    2: {"A": 0.82, "B": 0.83, "C": 0.79},
    3: {"A": 0.88, "B": 0.86, "C": 0.81},
    4: {"A": 0.86, "B": 0.87, "C": 0.81},
    5: {"A": 0.86, "B": 0.86, "C": 0.81},
    6: {"A": 0.86, "B": 0.86, "C": 0.81},
    7: {"A": 0.86, "B": 0.86, "C": 0.81},
}
#: Work share of results for start periods that override their window's (as
#: R2_SHARE_PERIODS): window 4 keeps Tabell 20's 86 / 87 / 81 %, in level A
#: as 90 % for the early starters (in Tabell 14's population, so that its education
#: share of level A, 6 %, holds) and 83 % for the later ones.
WORK_SHARE_PERIODS: tuple[tuple[D, D, dict[str, float]], ...] = (
    (D(2021, 11, 16), D(2022, 1, 31), {"A": 0.90, "B": 0.87, "C": 0.81}),
    (D(2022, 2, 1), D(2022, 9, 7), {"A": 0.83, "B": 0.87, "C": 0.81}),
)
#: Effects on the probability that a result is studies rather than work (linear scale,
#: centred within window × level; reference: domestic-born man, under 25, registered at
#: most a year), from the studies share of results by group, Tabell 22 over Tabell 16
#: (tabell_22.csv, tabell_16.csv): women 25 % vs men 14 %
#: (foreign-born women 27 % vs men 13 %), under 25 27 %, 25–55 19 %, over 55 8 %,
#: registered up to a year 25 %, 1–4 years 17 %, over 4 years 12 %. Fitted by least
#: squares to Tabell 22's deviations of each group from its row (window × level),
#: every cell weighted alike, given the groups' composition (age and registration time
#: go together: REGISTRATION_AGE_TILT), so age carries less of the gap than the raw
#: shares suggest.
STUDIES_EFFECTS = {
    "woman": 0.067, "born_abroad": -0.032, "born_abroad_woman": 0.072, "disability": 0.01,
    "upper_secondary": 0.023, "age_25_55": -0.034, "age_55_plus": -0.145,
    "reg_1_2y": -0.074, "reg_2_3y": -0.073, "reg_3_4y": -0.059, "reg_over_4y": -0.12,
}
#: Days from the start to the work/studies start (R1 event): gamma(shape, scale) days,
#: at most MAX_STAY_DAYS + 61 (R1 up to two months after the end, §3.4) (choice).
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
#: RoM 2: share of 3-month results that reach 6 months, one share for all (choice); used
#: only with ROM2_RESULT_STRUCTURE off (the generator as it was before RoM 2 had its own result structure).
R3M_TO_R6M = 0.80

# --- RoM 2 results: 6 months, the assessed job chance ----------------------------------
from romlab.dataset.synth_params_rom2 import *  # noqa: E402,F401,F403  (in their own file, with their reasoning)

#: Provider quality: sd of a contract's effect on the result probability (choice).
PROVIDER_EFFECT_SD = 0.06

# --- Register events (§5.3.2, Tabell 23) -----------------------------------------------
#: For work results, by level: P(subsidised decision), P(exit to unsubsidised work);
#: the rest is not found in the registers. From Tabell 23 column 2 over Tabell 14 work
#: shares (tabell_23.csv, tabell_14.csv): A 6/31, 18/31; B 7/28, 13/28;
#: C 9/24, 9/24. About 80 % identified (footnote 32).
REGISTER_MATCH: dict[str, tuple[float, float]] = {
    "A": (6 / 31, 18 / 31), "B": (7 / 28, 13 / 28), "C": (9 / 24, 9 / 24),
}
#: Participants without a result who still leave the register for work (choice).
P_EXIT_WITHOUT_RESULT = 0.08

# --- Providers and contracts -----------------------------------------------------------
#: Delivery areas: 72 in RoM 1, 81 in RoM 2 (the agency's status report of May 2023, §8.5).
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
#: RoM 2 contract quality (its effect on the 3-month result probability, linear scale;
#: choice, so that the provider review of the quality conditions has something to find): most contracts
#: N(ROM2_QUALITY_MEAN, ROM2_QUALITY_SD); a small share are weak, N(mean, sd) of
#: ROM2_WEAK_QUALITY, drawn from a generator spawned off the main one so that RoM 1 and
#: every later draw stay as they were. The mean over all contracts is about 0, so the
#: RoM 2 result shares of R2_SHARE[7] hold. On the default data the 2025 reviews find a
#: handful of contracts meeting all three conditions and a handful missing by one.
P_ROM2_WEAK = 0.012
ROM2_WEAK_QUALITY = (-0.14, 0.03)
ROM2_QUALITY_SD = 0.02
ROM2_QUALITY_MEAN = -P_ROM2_WEAK * ROM2_WEAK_QUALITY[0] / (1 - P_ROM2_WEAK)
#: RoM 2 contract size: lognormal(0, sigma) weight in the choice of provider (choice;
#: RoM 1 keeps 0.7). The smallest contracts get no rating (RATING_MIN_STARTS).
ROM2_SIZE_SIGMA = 0.4
#: Rating publications: every other month (odd months) from/to (quality conditions §2 and §3.1).
RATINGS_FIRST = D(2023, 11, 1)
#: A contract gets no rating with fewer starts than this in the last 12 months (choice;
#: scaled down with the data below scale 1, to at least 3, so the sample has ratings).
RATING_MIN_STARTS = 30
#: Rating model (choice; the real one is in "Betygsmodellen i Rusta och matcha", quality
#: conditions §3.1 and §3.3): participants who started RATING_START_MONTHS (from, to) months
#: before the publication month; observed = ended with work or studies before the
#: publication; expected = the national rate of the same start month and level (so time
#: since start and level are allowed for); score = (observed + k) / (expected + k) with
#: k = RATING_SHRINK, plus N(0, RATING_NOISE_SD) for what the model sees and the result
#: measure does not; stars 1–4 by the score's quantiles among the rated contracts
#: (shares RATING_SHARES of 1, 2, 3, 4 stars).
RATING_START_MONTHS = (2, 19)
RATING_SHRINK = 8.0
RATING_NOISE_SD = 0.02
RATING_SHARES = (0.15, 0.35, 0.35, 0.15)
