"""Repeated learning: alike recommendations from different reviews are grouped, nothing else is."""

from __future__ import annotations

import random
import time

from portal.actions.learning import normalise, repeated_learning, similarity

COERCIVE_X = "All agencies should ensure staff receive training on recognising coercive and controlling behaviour."
COERCIVE_H = "Agencies should ensure that staff are trained to recognise coercive and controlling behaviour."
COERCIVE_J = "Staff across the partnership must be trained in recognising coercive control and controlling behaviour"
HOUSING_X = "The housing provider should review its policy on tenancy transfers for victims of domestic abuse."
HOUSING_X_AGAIN = "Housing providers should review their tenancy transfer policy for domestic abuse victims."
GP_H = "GP practices should routinely ask about domestic abuse when patients present with anxiety or depression."
POLICE_U = (
    "The police should share information with children's social care within 24 hours of a domestic abuse incident."
)
POLICE_A = (
    "Information about domestic abuse incidents should be shared by police with children's social care "
    "within one working day."
)
RISK_A = "Mental health services should complete a DASH risk assessment when a patient discloses abuse."
SHORT_U = "Training for staff"

KNOWN = [
    (1, "DHR Case X 2021", COERCIVE_X),
    (2, "DHR Case X 2021", HOUSING_X),
    (3, "DHR Case X 2021", HOUSING_X_AGAIN),  # the same lesson twice in one review
    (4, "DHR Case H 2022", COERCIVE_H),
    (5, "DHR Case H 2022", GP_H),
    (6, "DHR Case U 2023", POLICE_U),
    (7, "DHR Case U 2023", SHORT_U),
    (8, "DHR Case A 2024", POLICE_A),
    (9, "DHR Case A 2024", RISK_A),
    (10, "DHR Case J 2022", COERCIVE_J),
]


def test_alike_across_reviews_grouped_alike_within_one_review_not_unlike_apart():
    assert repeated_learning(KNOWN) == [[1, 4, 10], [6, 8]]


def test_same_answer_whatever_the_input_order():
    shuffled = list(reversed(KNOWN))
    groups = repeated_learning(shuffled)
    assert groups == [[10, 4, 1], [8, 6]]  # members in input order, groups by their first member
    assert sorted(sorted(group) for group in groups) == [[1, 4, 10], [6, 8]]


def test_same_review_alone_is_never_a_group():
    assert similarity(HOUSING_X, HOUSING_X_AGAIN) >= 80
    assert repeated_learning([(2, "X", HOUSING_X), (3, "X", HOUSING_X_AGAIN)]) == []
    # The same texts in two reviews are one lesson learned twice.
    assert repeated_learning([(2, "X", HOUSING_X), (3, "H", HOUSING_X_AGAIN)]) == [[2, 3]]


def test_a_short_subset_does_not_join_everything_about_training():
    assert similarity(SHORT_U, COERCIVE_X) < 80
    assert all(7 not in group for group in repeated_learning(KNOWN))


def test_threshold_is_honoured():
    assert repeated_learning(KNOWN, threshold=100) == []
    assert similarity(COERCIVE_X, COERCIVE_J) < 90
    assert repeated_learning(KNOWN, threshold=95) == [[1, 4]]


def test_normalise_drops_case_punctuation_and_stop_words():
    assert normalise("The POLICE should, ensure: training!") == normalise("police train")
    assert normalise("") == ""


def test_empty_and_blank_texts_match_nothing():
    assert repeated_learning([]) == []
    assert repeated_learning([(1, "X", COERCIVE_X)]) == []
    assert repeated_learning([(1, "X", ""), (2, "H", "   "), (3, "J", "the and of")]) == []


def test_two_thousand_recommendations_in_a_few_seconds():
    # Realistic wording: recommendations assembled from the phrases reviews use, so many are
    # alike and many are not. Generous bound: two cores are shared by the whole team.
    rng = random.Random(12)
    who = ["The police", "Adult social care", "The GP practice", "Housing services", "The IDVA service", "Probation"]
    what = [
        "should train staff to recognise coercive and controlling behaviour",
        "should complete a DASH risk assessment at every disclosure",
        "should refer high-risk victims to MARAC without delay",
        "should share information with children's social care within one working day",
        "should review its policy on tenancy transfers for victims",
        "should ask routinely about domestic abuse in mental health assessments",
        "should record the voice of the child in every assessment",
        "should audit the quality of safeguarding referrals each quarter",
    ]
    extra = ["", " across the partnership", " and report progress to the CSP", " by March 2026", " with a named lead"]
    recs = [
        (index, f"Case {index % 400}", f"{rng.choice(who)} {rng.choice(what)}{rng.choice(extra)}.")
        for index in range(2000)
    ]
    started = time.perf_counter()
    groups = repeated_learning(recs)
    elapsed = time.perf_counter() - started
    assert elapsed < 15, elapsed
    assert groups and all(len({recs[i][1] for i in group}) >= 2 for group in groups)
