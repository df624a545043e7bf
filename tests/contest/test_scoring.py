import pytest

from contest.rules import ScoringRules, TeamMode
from contest.scoring import score_answer, speed_factor, team_score
from quizbank.grading import Grade, MultiplePolicy
from quizbank.models import QuestionType as Q

RIGHT = Grade(credit=1.0, correct=True)
WRONG = Grade(credit=0.0, correct=False)
HALF = Grade(credit=0.5, correct=False)


def score(grade: Grade, *, points: float = 2, qtype: Q = Q.SINGLE, elapsed: float = 10,
          limit: float = 30, **rules: object) -> float:  # fmt: skip
    return score_answer(
        question_points=points, qtype=qtype, grade=grade,
        rules=ScoringRules.model_validate(rules), elapsed_s=elapsed, limit_s=limit,
    )  # fmt: skip


def test_correct_answer_earns_the_bank_points() -> None:
    assert score(RIGHT, points=2) == 2


def test_wrong_answer_earns_nothing_without_penalty() -> None:
    assert score(WRONG) == 0


def test_wrong_penalty_deducts_points_for_a_wrong_answer() -> None:
    assert score(WRONG, wrong_penalty=1) == -1


def test_partial_credit_is_not_penalised() -> None:
    assert score(HALF, qtype=Q.MULTIPLE, points=4, wrong_penalty=1) == 2


def test_points_override_per_type_replaces_bank_points() -> None:
    assert score(RIGHT, qtype=Q.MULTIPLE, points=2, points_override={"多选": 5}) == 5
    assert score(RIGHT, qtype=Q.SINGLE, points=2, points_override={"多选": 5}) == 2


def test_speed_bonus_instant_answer_gets_full_points() -> None:
    assert score(RIGHT, points=10, elapsed=0, speed_bonus=True) == 10


def test_speed_bonus_answer_at_the_limit_gets_half() -> None:
    assert score(RIGHT, points=10, elapsed=30, speed_bonus=True) == 5


def test_speed_bonus_answer_after_a_third_of_the_time() -> None:
    # 10 × (1 − ½ · 10/30) = 10 × 5/6 = 8.333… → 8.33
    assert score(RIGHT, points=10, elapsed=10, speed_bonus=True) == 8.33


def test_speed_bonus_scales_partial_credit() -> None:
    # 4 × 0.5 × (1 − ½ · 15/30) = 2 × 0.75 = 1.5
    assert score(HALF, qtype=Q.MULTIPLE, points=4, elapsed=15, speed_bonus=True) == 1.5


def test_speed_factor_clamps_elapsed_to_the_limit() -> None:
    assert speed_factor(elapsed_s=60, limit_s=30) == 0.5
    assert speed_factor(elapsed_s=-1, limit_s=30) == 1.0


def test_partial_policy_round_trips_in_rules() -> None:
    rules = ScoringRules.model_validate({"multiple_policy": "partial", "partial_fraction": 0.4})
    assert rules.multiple_policy is MultiplePolicy.PARTIAL and rules.partial_fraction == 0.4


MEMBERS = [10.0, 8.0, 6.0]  # three participants of a five-person team


def test_team_sum_adds_participant_scores() -> None:
    assert team_score(TeamMode.SUM, MEMBERS, 5, None, 1) == (24.0, True)


def test_team_avg_participants_divides_by_participants() -> None:
    assert team_score(TeamMode.AVG_PARTICIPANTS, MEMBERS, 5, None, 1) == (8.0, True)


def test_team_avg_registered_divides_by_registered_members() -> None:
    assert team_score(TeamMode.AVG_REGISTERED, MEMBERS, 5, None, 1) == (4.8, True)


def test_team_avg_registered_never_divides_by_fewer_than_participants() -> None:
    assert team_score(TeamMode.AVG_REGISTERED, MEMBERS, 2, None, 1) == (8.0, True)


def test_team_top_n_avg_averages_the_best_n() -> None:
    assert team_score(TeamMode.TOP_N_AVG, MEMBERS, 5, 2, 1) == (9.0, True)


def test_team_top_n_avg_divides_by_n_when_fewer_took_part() -> None:
    # (10 + 8 + 6) / 4 = 6
    assert team_score(TeamMode.TOP_N_AVG, MEMBERS, 5, 4, 1) == (6.0, True)


def test_team_below_min_participants_is_unranked() -> None:
    assert team_score(TeamMode.SUM, MEMBERS, 5, None, 4) == (24.0, False)


def test_team_without_participants_scores_zero_unranked() -> None:
    assert team_score(TeamMode.AVG_PARTICIPANTS, [], 5, None, 1) == (0.0, False)


def test_top_n_avg_needs_n() -> None:
    with pytest.raises(ValueError):
        team_score(TeamMode.TOP_N_AVG, MEMBERS, 5, None, 1)
