"""A commune's indicators and standards at every boundary (DOMAIN.md §3, §5–7)."""

from fractions import Fraction

import pytest
from django.utils import timezone, translation

from areas.services import area_set_difficulty
from indicators import figures as fig
from indicators.cells import recount
from indicators.rules import builtin_documents, rules_parse
from indicators.tests.helpers import condition, figures, good_commune, people
from indicators.texts import rate_text
from tests.factories import ROUND

pytestmark = pytest.mark.django_db


def test_19_of_20_is_95_percent_and_meets_the_threshold(city):
    people(city.village_a1, 19, age=5, level="preschool", grade=5)
    people(city.village_a1, 1, age=5)
    figs = figures(city.commune_a)
    assert figs["indicators"]["mn5_attending"] == {"numerator": 19, "denominator": 20, "rate": 95.0}
    assert condition(figs, "mn5", 1, "mn5_attending") == {
        "indicator": "mn5_attending",
        "numerator": 19,
        "denominator": 20,
        "rate": 95.0,
        "min": 95,
        "met": True,
    }


def test_one_person_fewer_is_94_74_percent_and_does_not_meet(city):
    people(city.village_a1, 18, age=5, level="preschool", grade=5)
    people(city.village_a1, 1, age=5)
    figs = figures(city.commune_a)
    assert figs["indicators"]["mn5_attending"]["rate"] == pytest.approx(94.7368421)
    assert condition(figs, "mn5", 1, "mn5_attending")["met"] is False
    assert figs["standards"]["mn5"]["met"] is False
    assert (
        "tỷ lệ trẻ 5 tuổi đi học mẫu giáo đạt 94,74% < 95%" in figs["standards"]["mn5"]["reasons"]
    )


def test_a_rate_just_below_the_threshold_never_reads_as_equal_to_it():
    assert fig.meets(18999, 20000, Fraction(95)) is False  # 94.995%
    assert fig.meets(19000, 20000, Fraction(95)) is True
    assert rate_text(94.995, missing=95) == "94,99%"
    assert rate_text(94.995) == "95,00%"
    assert rate_text(93.1) == "93,10%"


def test_6_year_olds_in_grade_1_below_95_percent_explain_why(city):
    people(city.village_a1, 27, age=6, level="primary", grade=1)
    people(city.village_a1, 2, age=6)
    figs = figures(city.commune_a)
    assert figs["indicators"]["th_grade1_at6"]["numerator"] == 27
    assert condition(figs, "primary", 1, "th_grade1_at6")["met"] is True
    assert condition(figs, "primary", 2, "th_grade1_at6")["met"] is False
    assert figs["indicators"]["th_grade1_at6"]["rate"] == pytest.approx(93.1034483)


def test_an_especially_difficult_commune_meets_the_lower_threshold(city):
    assert city.commune_b.difficult
    people(city.village_b1, 9, age=5, level="preschool", grade=5)
    people(city.village_b1, 1, age=5)
    figs = figures(city.commune_b)
    assert figs["difficult"] is True
    assert condition(figs, "mn5", 1, "mn5_attending") == {
        "indicator": "mn5_attending",
        "numerator": 9,
        "denominator": 10,
        "rate": 90.0,
        "min": 90,
        "met": True,
    }


def test_the_difficult_threshold_is_inclusive_and_one_fewer_fails(city):
    people(city.village_b1, 8, age=5, level="preschool", grade=5)
    people(city.village_b1, 1, age=5)
    figs = figures(city.commune_b)
    assert condition(figs, "mn5", 1, "mn5_attending")["met"] is False
    assert (
        "tỷ lệ trẻ 5 tuổi đi học mẫu giáo đạt 88,89% < 90%" in figs["standards"]["mn5"]["reasons"]
    )


def test_the_per_year_difficulty_flag_decides(city):
    area_set_difficulty(area=city.commune_a, year=ROUND, difficult=True)
    people(city.village_a1, 9, age=5, level="preschool", grade=5)
    people(city.village_a1, 1, age=5)
    figs = figures(city.commune_a)
    assert figs["difficult"] is True and condition(figs, "mn5", 1, "mn5_attending")["met"] is True
    area_set_difficulty(area=city.commune_b, year=ROUND, difficult=False)
    people(city.village_b1, 9, age=5, level="preschool", grade=5)
    people(city.village_b1, 1, age=5)
    assert condition(figures(city.commune_b), "mn5", 1, "mn5_attending")["met"] is False


def test_a_difficult_commune_is_judged_on_literacy_15_25_instead_of_15_35(city):
    for village in (city.village_a1, city.village_b1):
        people(village, 10, age=20, highest_grade_completed=9)  # literate
        people(village, 10, age=30)  # illiterate: grade 0, no literacy class
    ordinary, difficult = figures(city.commune_a), figures(city.commune_b)
    assert (
        ordinary["indicators"]["lit1_15_35"]["rate"] == 50.0
        and ordinary["indicators"]["lit1_15_25"]["rate"] == 100.0
    )
    assert ordinary["standards"]["literacy"]["level"] == 0
    assert condition(difficult, "literacy", 1, "lit1_15_25")["met"] is True
    assert difficult["standards"]["literacy"]["level"] == 1


def test_age_is_the_round_minus_the_birth_year_whatever_the_birthday(city):
    people(city.village_a1, age=6, birth_month=1, birth_day=1, level="primary", grade=1)
    people(city.village_a1, age=6, birth_month=12, birth_day=31)
    people(city.village_a1, birth_year=ROUND - 5, birth_month=1, birth_day=2)
    figs = figures(city.commune_a)
    assert figs["cohorts"]["6"]["total"] == 2 and figs["cohorts"]["5"]["total"] == 1
    assert figs["indicators"]["th_grade1_at6"] == {"numerator": 1, "denominator": 2, "rate": 50.0}


def test_cohorts_count_every_single_age_with_the_four_breakdowns(city):
    people(city.village_a1, 3, age=0, sex="female", ethnicity="02")
    people(city.village_a1, 2, age=0, sex="female")
    people(city.village_a1, 1, age=0, ethnicity="03")
    people(city.village_a1, 1, age=60)
    people(city.village_a1, 1, age=61)  # past the forms' 0–60
    figs = figures(city.commune_a)
    assert sorted(figs["cohorts"], key=int) == [str(a) for a in range(61)]
    assert figs["cohorts"]["0"] == {
        "total": 6,
        "female": 5,
        "minority": 4,
        "female_minority": 3,
        "disabled": 0,
        "ppc": 6,
    }
    assert figs["cohorts"]["60"]["total"] == 1 and figs["cohorts"]["30"]["total"] == 0


def test_people_unable_to_study_leave_both_the_ppc_and_the_numerator(city):
    people(city.village_a1, 9, age=6, level="primary", grade=1)
    people(city.village_a1, 1, age=6, disability="cannot_study")
    people(city.village_a1, 1, age=6, disability="cannot_study", level="primary", grade=1)
    figs = figures(city.commune_a)
    assert figs["cohorts"]["6"] == {
        "total": 11,
        "female": 0,
        "minority": 0,
        "female_minority": 0,
        "disabled": 2,
        "ppc": 9,
    }
    assert figs["indicators"]["th_grade1_at6"] == {"numerator": 9, "denominator": 9, "rate": 100.0}


def test_people_able_to_study_stay_in_the_ppc_unless_the_switch_says_otherwise(city):
    people(city.village_a1, 9, age=6, level="primary", grade=1)
    people(city.village_a1, 1, age=6, disability="can_study")
    assert figures(city.commune_a)["indicators"]["th_grade1_at6"] == {
        "numerator": 9,
        "denominator": 10,
        "rate": 90.0,
    }
    doc = {**builtin_documents()[0], "ppc_excludes": ["can_study", "cannot_study"]}
    every_disabled = rules_parse(doc)
    cells = recount(commune_ids=[city.commune_a.pk], round_year=ROUND)
    values, _flags = fig.indicators(cells, every_disabled)
    assert values["th_grade1_at6"] == {"numerator": 9, "denominator": 9, "rate": 100.0}
    assert fig.cohorts(cells, every_disabled)["6"]["ppc"] == 9


def test_moved_out_deceased_and_deleted_people_do_not_count_but_moved_in_people_do(city):
    people(city.village_a1, age=5, level="preschool", grade=5)
    people(city.village_a1, age=5, level="preschool", grade=5, status="moved_in", status_year=ROUND)
    people(city.village_a1, age=5, status="moved_out", status_year=ROUND)
    people(city.village_a1, age=5, status="deceased", status_year=ROUND)
    people(city.village_a1, age=5, deleted_at=timezone.now())
    gone = people(city.village_a1, age=5)[0].household
    gone.deleted_at = timezone.now()
    gone.save(update_fields=["deleted_at"])
    figs = figures(city.commune_a)
    assert figs["cohorts"]["5"]["total"] == 2
    assert figs["indicators"]["mn5_attending"] == {"numerator": 2, "denominator": 2, "rate": 100.0}


def test_an_empty_cohort_has_no_rate_and_meets_nothing(city):
    figs = figures(city.commune_a)
    assert figs["indicators"]["mn5_attending"] == {"numerator": 0, "denominator": 0, "rate": None}
    assert figs["standards"]["mn5"]["met"] is False
    assert (
        figs["standards"]["primary"]["level"] == 0 and figs["standards"]["literacy"]["level"] == 0
    )
    assert (
        "tỷ lệ trẻ 5 tuổi đi học mẫu giáo: không có ai trong độ tuổi"
        in figs["standards"]["mn5"]["reasons"]
    )


def test_a_commune_meeting_every_condition_reaches_every_top_level(city):
    good_commune(city.village_a1)
    figs = figures(city.commune_a)
    assert figs["standards"]["mn5"]["met"] is True
    assert [figs["standards"][p]["level"] for p in ("primary", "lower_secondary", "literacy")] == [
        3,
        3,
        2,
    ]
    assert all(not s["reasons"] for s in figs["standards"].values())
    assert figs["indicators"]["th_11_rest_in_primary"] is True


def test_an_11_year_old_neither_done_nor_in_primary_stops_primary_level_2(city):
    good_commune(city.village_a1, per_age=10)
    people(
        city.village_a1, age=11, level="lower_secondary", grade=6
    )  # not completed, not in primary
    figs = figures(city.commune_a)
    assert figs["indicators"]["th_11_rest_in_primary"] is False
    assert figs["flags"]["th_11_rest_in_primary"]["gap"] == 1
    assert figs["standards"]["primary"]["level"] == 1
    assert (
        "1 trẻ 11 tuổi chưa hoàn thành chương trình tiểu học mà không học tiểu học"
        in figs["standards"]["primary"]["reasons"]
    )


def test_an_11_year_old_still_in_primary_keeps_the_flag(city):
    good_commune(city.village_a1, per_age=10)
    people(city.village_a1, age=11, level="primary", grade=5)
    figs = figures(city.commune_a)
    assert figs["indicators"]["th_11_rest_in_primary"] is True
    assert figs["indicators"]["th_completed_at11"] == {
        "numerator": 10,
        "denominator": 11,
        "rate": pytest.approx(90.909090909),
    }
    assert figs["standards"]["primary"]["level"] == 3


def test_lower_secondary_needs_primary_level_1_and_literacy_level_1(city):
    good_commune(city.village_a1)
    people(city.village_a1, 3, age=6)  # 1 of 4 six-year-olds in grade 1: primary level 0
    figs = figures(city.commune_a)
    assert figs["standards"]["primary"]["level"] == 0
    assert figs["standards"]["literacy"]["level"] == 2
    assert condition(figs, "lower_secondary", 1, "thcs_graduated_15_18")["met"] is True
    assert figs["standards"]["lower_secondary"]["level"] == 0
    assert figs["standards"]["lower_secondary"]["levels"][0]["requires"] == [
        {"programme": "primary", "level": 1, "met": False},
        {"programme": "literacy", "level": 1, "met": True},
    ]
    assert (
        "cần đạt chuẩn phổ cập giáo dục tiểu học mức độ 1"
        in figs["standards"]["lower_secondary"]["reasons"]
    )


def test_lower_secondary_also_falls_without_literacy_level_1(city):
    good_commune(city.village_a1)
    people(city.village_a1, 40, age=30)  # illiterate adults
    figs = figures(city.commune_a)
    assert (
        figs["standards"]["primary"]["level"] == 3 and figs["standards"]["literacy"]["level"] == 0
    )
    assert figs["standards"]["lower_secondary"]["level"] == 0


def test_literacy_level_2_needs_level_1(city):
    good_commune(city.village_a1)
    people(city.village_a1, 40, age=20, literacy_stage=0, highest_grade_completed=0)
    people(city.village_a1, 400, age=50, highest_grade_completed=9, primary_completed_year=1986)
    figs = figures(city.commune_a)
    assert condition(figs, "literacy", 2, "lit2_15_60")["met"] is True
    assert figs["standards"]["literacy"]["level"] == 0
    assert figs["standards"]["literacy"]["levels"][1]["met"] is False


def test_in_english_the_reasons_read_in_english(city):
    people(city.village_a1, 18, age=5, level="preschool", grade=5)
    people(city.village_a1, 1, age=5)
    with translation.override("en"):
        reasons = figures(city.commune_a)["standards"]["mn5"]["reasons"]
    assert "rate of 5-year-olds attending preschool is 94.74% < 95%" in reasons
