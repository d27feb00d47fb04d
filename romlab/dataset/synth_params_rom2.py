"""The synthetic generator's parameters for RoM 2's results: the 3 → 6-month continuation
and the assessed job chance of RoM 2's assessment tool, each with its source or
reasoning (`romlab.dataset.synth.rom2` draws them). Part of
`romlab.dataset.synth_params`, which imports every name here."""

from __future__ import annotations

#: RoM 2's 3-month result share by level is R2_SHARE[7] (40 / 34 / 29 % in A / B / C):
#: no published value exists (the report has no RoM 2 results, §2.2). Reasoning: a
#: 3-month result needs work or studies to last 3 months instead of RoM 1's 4; about
#: 70 % of R1 (the start of work or studies) reach R2 at 4 months (§5.1.1), so at a
#: constant monthly retention of 0.70^(1/4) ≈ 0.915 about 0.70^(3/4) ≈ 0.77 of them reach
#: 3 months, and the 3-month share is about 0.77 / 0.70 ≈ 1.1 times the R2 share of the
#: same starts: 1.1 × windows 5–6's 36 / 32 / 28 % ≈ 39 / 35 / 31 %, which R2_SHARE[7]
#: rounds to a steeper A > B > C. R2_SHARE[7] (and R2_EFFECTS, which give RoM 2 the group
#: differences of Tabell 18) cannot change without moving RoM 1: the result draw is
#: systematic per start month × level, and April 2023 holds RoM 1 and RoM 2 starts in the
#: same strata. RoM 2's structure below is therefore drawn afterwards, from streams of
#: its own (`romlab.dataset.synth.rom2`).
#:
#: On (the default), RoM 2 has the structure below; off, the generator draws RoM 2's job
#: chance and 6-month results as before RoM 2 had its own structure (uniform within JOB_CHANCE_BANDS, a share
#: R3M_TO_R6M of 3-month results), so a test can show that no RoM 1 record depends on it.
ROM2_RESULT_STRUCTURE = True
#: RoM 2: share of 3-month results that last 6 months, by outcome and level (choice).
#: Overall about 0.80: with RoM 1's retention of 0.70 over the first 4 months of work or
#: studies (R1 to R2, §5.1.1), a constant monthly retention would keep 0.70^(3/4) ≈ 0.77
#: from month 3 to month 6; spells that have lasted 3 months are more stable than new ones
#: (a falling hazard), so a little more. The agency's status report (seed 001, §7.4, on
#: the new result model) gives the reason for 6 months: a share of participants come back
#: as job seekers shortly after 4 months. Level: 3 points more in A and less in C (jobs
#: found with a higher job chance last longer; choice). Studies: 4 points below work
#: (many courses of municipal adult education run 10–20 weeks, so fewer study spells
#: span 6 months; choice). With work 81–86 % of RoM 2 results (WORK_SHARE_OF_RESULTS[7])
#: the level shares are about 0.82 / 0.79 / 0.76, and the 6-month result share about
#: 33 / 27 / 22 % in A / B / C (below RoM 1's 4-month R2 shares of 36 / 32 / 28 % in
#: windows 5–6, as a longer result must be).
ROM2_R3M_TO_R6M: dict[str, dict[str, float]] = {
    "work": {"A": 0.83, "B": 0.80, "C": 0.77},
    "studies": {"A": 0.79, "B": 0.76, "C": 0.73},
}
#: RoM 2's assessed job chance (bedömd jobbchans) of the new assessment tool, which takes
#: time registered into account and has other level bounds than RoM 1's (seed 001 §2.3;
#: the report §2.2). Its distribution among participants: SKR, *Från bidrag till jobb,
#: del 2* (seed 004), Bilaga 2, the column "KROM och ROM 2" for September 2023 (45 006
#: participants by job chance in percent: 0–4, 5–9, 10–14, 15–19, 20–24, 25–29, 30–39,
#: 40–49, 50–59, 60–100), uniform within each bin. Choices: the lowest bin starts at 1 %
#: (no participant is placed on a score of 0) and the open top bin ends at 75 % (the
#: tool sends those with higher chances to no matching service, seed 001 §2.3); the
#: column also holds RoM 1 participants still in the service in September 2023 (RoM 1
#: starts ended in April 2023), taken as RoM 2's. The level bounds are this
#: distribution's quantiles at RoM 2's level shares (LEVEL_SHARES_BY_WINDOW[7]: C the
#: lowest 35 %, A the highest 25 %): about C up to 17.5 %, B 17.5–30.9 %, A from 30.9 %
#: (`romlab.dataset.synth.rom2.job_chance_bands`). RoM 1 keeps JOB_CHANCE_BANDS.
ROM2_JOB_CHANCE_BINS: tuple[tuple[float, ...], tuple[int, ...]] = (
    (0.01, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.50, 0.60, 0.75),
    (1587, 4103, 5867, 8532, 7559, 5500, 6900, 3194, 1160, 604),
)
#: How much the job chance tells within a level (choice): P(3-month result | u) =
#: p (1 + b (u − ½)), u the score's position in its level (0–1), p the level's share, b
#: this slope; the top fifth of a level then has a result share 0.8 b p above the bottom
#: fifth's: with b = 0.375 about 12 / 10 / 9 points in A / B / C (a ratio of 1.35). No
#: published value exists: the report could not split a level by job chance because RoM
#: 1's tool ignored time registered, and announces the analysis for RoM 2 (§2.2); the
#: agency's evaluation found the new tool's job chances informative about actual average
#: outcomes (seed 001 §2.3). Between levels the 3-month share rises much less than the
#: job chance (A/C: 0.40 / 0.29 ≈ 1.4 for mean scores about 0.42 / 0.11 ≈ 4), but the
#: result payment falls from C to A (about 38 000 against 20 000 SEK, seed 001 §7.5), which pulls the
#: levels together; within a level the payment is the same, so the gradient is taken a
#: little steeper than between neighbouring levels (A/B and B/C ≈ 1.2).
ROM2_JOB_CHANCE_SLOPE = 0.375
