"""Provider review: Arbetsförmedlingen's quality conditions for results in Rusta och matcha.

The source is *Kvalitetsvillkor för resultat i Rusta och matcha* (`000`); it applies to
RoM 2 provider contracts (leverantörsavtal = provider × delivery area). A **result
follow-up** (resultatuppföljning) is published every other month; a **review**
(resultatöversyn) consists of two consecutive follow-ups, at most twice a year (§2); a
contract can be terminated when all three conditions hold at both (§3).

The package, one concern per module:

- `config`: `ReviewConfig`, every choice the document leaves open (assumptions A50–A69);
- `measure`: one publication month's follow-up and its result measure, each month
  prepared once (`FollowUps`), the data cut at its cut-off by `Dataset.as_of_view`;
- `conditions`: the three conditions over two follow-ups, the reasons, the placement
  stop, the sensitivity to the level weights;
- `export`: the follow-up file (Excel/CSV, Swedish headings) and the disclosure of the
  review's shown numbers (the report tables' rule, `romlab.publication.disclosure`);
- `figures`: the follow-up seen through its ratings (tables, figures);
- `uncertainty`: each measure's confidence interval (Wilson, exact; Kish–Wilson for the
  weighted measure); `eb_prior`: empirical-Bayes priors over contracts (beta, grid);
  `shrinkage`: shrunk measures as a view; `decision_risk`: the probability of a wrong
  termination (the two follow-ups share participants); `tradeoff`: the rule's expected
  wrong decisions under variants;
- `funnel`: the funnel plot (control limits at 95 % and 99.8 %); `risk_adjust`: expected
  against actual from the participants' characteristics, the list under the
  risk-adjusted measure (`risk_adjust_views`: as a reader sees it);
- `batch`: the reviews of a year, one notebook each, the data loaded once.

Month arithmetic is `romlab.months`'s; the smallest cell shown is the run's
(`RunConfig.min_cell`). The names below are the package's public API.
"""

from __future__ import annotations

from romlab.review.batch import NOTEBOOK, ReviewRun, open_follow_ups, refresh_stored_notebook, run_reviews
from romlab.review.conditions import (level_neutral_weights, near_misses, placement_stop, review, review_list,
                                      review_summary, weight_sensitivity, weight_sensitivity_detail, weight_sets)
from romlab.review.config import (DEFAULT_LEVEL_WEIGHTS, DEFAULT_REVIEWS, LEVELS, RESULT_PAYMENT_SEK, ReviewConfig,
                                  parse_overrides)
from romlab.review.decision_risk import decision_risk as termination_risk  # the module keeps its name
from romlab.review.export import (FILE_HEADINGS, export_follow_up, follow_up_file, follow_up_summary, hidden,
                                  parameter_table, with_uncertainty)
from romlab.review.figures import (as_png, plot_measure_distribution, plot_rating_vs_measure, rating_agreement,
                                   rating_table)
from romlab.review.funnel import funnel_data, funnel_summary, plot_funnel
from romlab.review.measure import (DataReachError, FollowUps, data_end, follow_up, follow_ups, measurement_window,
                                   previous_follow_up, publication_cutoff, review_months, within_reach)
from romlab.review.risk_adjust import adjusted_review, expected_vs_actual
from romlab.review.risk_adjust_views import adjusted_summary, expected_table, list_changes, plot_expected_vs_actual
from romlab.review.shrinkage import SHRINKAGE_CAVEAT, shrinkage_table
from romlab.review.shrinkage import shrinkage as shrunk_measures  # the module keeps its name
from romlab.review.tradeoff import rule_tradeoff, tradeoff_table
from romlab.review.uncertainty import intervals

__all__ = [
    "ReviewConfig", "DataReachError", "DEFAULT_LEVEL_WEIGHTS", "DEFAULT_REVIEWS", "RESULT_PAYMENT_SEK", "LEVELS",
    "parse_overrides", "previous_follow_up", "review_months", "measurement_window", "publication_cutoff",
    "data_end", "within_reach", "FollowUps", "follow_ups", "follow_up", "review", "review_summary", "review_list",
    "near_misses", "follow_up_summary", "follow_up_file", "export_follow_up", "FILE_HEADINGS", "hidden",
    "placement_stop", "level_neutral_weights", "weight_sets", "weight_sensitivity", "weight_sensitivity_detail",
    "rating_agreement", "rating_table", "parameter_table", "as_png", "plot_measure_distribution",
    "plot_rating_vs_measure", "run_reviews", "ReviewRun", "open_follow_ups", "refresh_stored_notebook", "NOTEBOOK",
    "intervals", "with_uncertainty", "termination_risk", "rule_tradeoff", "tradeoff_table", "shrunk_measures", "shrinkage_table", "SHRINKAGE_CAVEAT", "funnel_data",
    "funnel_summary", "plot_funnel", "expected_vs_actual", "adjusted_review", "adjusted_summary", "expected_table",
    "list_changes", "plot_expected_vs_actual",
]
