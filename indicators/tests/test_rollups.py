"""Districts and cities: counts are sums of their communes; standards are shares of their units."""

import pytest

from indicators import figures as fig
from indicators import services, storage
from indicators.models import AreaCohort, AreaFigures
from indicators.rulebook import rules_active, rules_named
from indicators.tests.helpers import figures, good_commune, people
from surveys.models import Resident
from tests.factories import area

pytestmark = pytest.mark.django_db


def units(levels: list[int], programme: str = "primary") -> list[dict]:
    base = {"mn5": 0, "primary": 0, "literacy": 0, "lower_secondary": 0}
    return [
        {"code": str(i), "name": str(i), "kind": "commune", "levels": {**base, programme: level}}
        for i, level in enumerate(levels)
    ]


def test_a_district_meets_a_level_when_90_percent_of_its_communes_do_and_not_one_fewer():
    tier = rules_named("nd20-2014").district
    nine_of_ten = fig.tier_standards(units=units([3] * 9 + [0]), tier=tier)
    assert nine_of_ten["primary"]["level"] == 3
    assert nine_of_ten["primary"]["levels"][0] == {
        "level": 1,
        "met": True,
        "units": 10,
        "units_met": 9,
        "share": 90.0,
        "min": 90,
    }
    assert fig.tier_standards(units=units([3] * 8 + [0, 0]), tier=tier)["primary"]["level"] == 0


def test_a_district_needs_95_percent_for_lower_secondary_level_2_and_all_for_level_3():
    tier = rules_named("nd20-2014").district
    assert (
        fig.tier_standards(units=units([2] * 19 + [1], "lower_secondary"), tier=tier)[
            "lower_secondary"
        ]["level"]
        == 2
    )
    assert (
        fig.tier_standards(units=units([2] * 18 + [1], "lower_secondary"), tier=tier)[
            "lower_secondary"
        ]["level"]
        == 1
    )
    assert (
        fig.tier_standards(units=units([3] * 19 + [2], "lower_secondary"), tier=tier)[
            "lower_secondary"
        ]["level"]
        == 2
    )
    assert (
        fig.tier_standards(units=units([3] * 20, "lower_secondary"), tier=tier)["lower_secondary"][
            "level"
        ]
        == 3
    )


def test_a_province_needs_every_district_under_nd20_but_81_percent_of_communes_for_literacy_in_two_tiers():
    nd20, two_tier = rules_named("nd20-2014").province, rules_named("two-tier-2025").province
    assert nd20.units == "districts" and two_tier.units == "communes"
    assert fig.tier_standards(units=units([1] * 99 + [0]), tier=nd20)["primary"]["level"] == 0
    assert (
        fig.tier_standards(units=units([1] * 90 + [0] * 10), tier=two_tier)["primary"]["level"] == 1
    )
    assert (
        fig.tier_standards(units=units([1] * 81 + [0] * 19, "literacy"), tier=two_tier)["literacy"][
            "level"
        ]
        == 1
    )
    assert (
        fig.tier_standards(units=units([1] * 80 + [0] * 20, "literacy"), tier=two_tier)["literacy"][
            "level"
        ]
        == 0
    )
    assert (
        fig.tier_standards(units=units([1] * 9 + [0], "literacy"), tier=nd20)["literacy"]["level"]
        == 1
    )


def test_an_area_without_units_meets_nothing():
    result = fig.tier_standards(units=[], tier=rules_named("nd20-2014").district)
    assert result["mn5"] == {
        "met": False,
        "levels": [
            {"level": 1, "met": False, "units": 0, "units_met": 0, "share": None, "min": 90}
        ],
    }


@pytest.fixture
def third(city):
    commune = area("11312", "Phường Trại Cau", "commune", city.district)
    return area("11312-01", "Tổ dân phố 1", "village", commune)


def test_a_district_sums_its_communes_and_judges_the_share_of_communes_meeting(city, third):
    good_commune(city.village_a1)
    people(third, 3, age=5)
    people(city.village_b1, 7, age=5)  # under the city, not the district
    district = figures(city.district)
    assert district["cohorts"]["5"]["total"] == 4
    assert district["indicators"]["mn5_attending"] == {
        "numerator": 1,
        "denominator": 4,
        "rate": 25.0,
    }
    assert district["units_kind"] == "communes"
    assert [(u["code"], u["levels"]["mn5"]) for u in district["units"]] == [
        ("11311", 1),
        ("11312", 0),
    ]
    assert district["standards"]["mn5"]["met"] is False
    assert district["standards"]["mn5"]["reasons"] == [
        "tỷ lệ xã đạt chuẩn phổ cập giáo dục mầm non cho trẻ em 5 tuổi mức độ 1: 50,00% (1/2) < 90%"
    ]


def test_a_city_counts_are_the_sums_of_its_communes(city, third):
    good_commune(city.village_a1, per_age=2)
    good_commune(third)
    people(city.village_b1, 5, age=11, sex="female", ethnicity="02")
    people(city.other_village, 9, age=11)  # another city
    city_figs = figures(city.city)
    communes = [figures(c) for c in (city.commune_a, third.parent, city.commune_b)]
    for age in ("5", "11", "33"):
        assert city_figs["cohorts"][age] == {
            k: sum(c["cohorts"][age][k] for c in communes) for k in city_figs["cohorts"][age]
        }
    for key, value in city_figs["indicators"].items():
        if isinstance(value, dict):
            assert value["numerator"] == sum(c["indicators"][key]["numerator"] for c in communes)
            assert value["denominator"] == sum(
                c["indicators"][key]["denominator"] for c in communes
            )
    assert city_figs["indicators"]["th_11_rest_in_primary"] is False  # the five in commune B


def test_under_nd20_a_city_is_judged_on_its_districts_and_the_communes_directly_under_it(
    city, third
):
    good_commune(city.village_a1)
    good_commune(third)
    good_commune(city.village_b1)
    met = figures(city.city)
    assert met["units_kind"] == "districts"
    assert [(u["code"], u["kind"]) for u in met["units"]] == [
        ("303", "district"),
        ("11602", "commune"),
    ]
    assert met["standards"]["primary"]["level"] == 3 and met["standards"]["mn5"]["met"] is True
    people(city.village_b1, 5, age=5)  # commune B falls below the preschool threshold
    fallen = figures(city.city)
    assert fallen["standards"]["mn5"]["met"] is False
    assert fallen["standards"]["mn5"]["levels"][0] == {
        "level": 1,
        "met": False,
        "units": 2,
        "units_met": 1,
        "share": 50.0,
        "min": 100,
    }
    assert fallen["standards"]["primary"]["level"] == 3


def test_under_two_tier_rules_a_city_is_judged_on_all_its_communes(city, third):
    good_commune(city.village_a1)
    good_commune(third)
    good_commune(city.village_b1)
    people(city.village_b1, 5, age=5)
    figs = figures(city.city, rules="two-tier-2025")
    assert figs["rules"] == "two-tier-2025" and figs["units_kind"] == "communes"
    assert [u["code"] for u in figs["units"]] == ["11311", "11312", "11602"]
    assert figs["standards"]["mn5"]["levels"][0] == {
        "level": 1,
        "met": False,
        "units": 3,
        "units_met": 2,
        "share": pytest.approx(66.6666667),
        "min": 90,
    }
    assert figs["standards"]["primary"]["level"] == 3
    assert figs["standards"]["mn5"]["reasons"] == [
        "tỷ lệ xã đạt chuẩn phổ cập giáo dục mầm non cho trẻ em 5 tuổi mức độ 1: 66,67% (2/3) < 90%"
    ]


def test_roll_ups_sum_stored_cells_and_never_count_residents(
    city, third, django_assert_max_num_queries
):
    good_commune(city.village_a1)
    figures(city.city)
    rules_list = rules_active()
    with django_assert_max_num_queries(20) as captured:
        services.area_rollup(area=city.district, round_year=2025, rules_list=rules_list)
    assert not [q for q in captured.captured_queries if "surveys_resident" in q["sql"]]
    assert AreaCohort.objects.filter(area=city.district).exists()


def test_roll_ups_after_a_change_equal_a_full_recount(city, third):
    good_commune(city.village_a1, per_age=3)
    good_commune(third)
    people(city.village_b1, 4, age=5)
    figures(city.city)
    people(city.village_a1, 2, age=5, sex="female", ethnicity="05")
    gone = people(third, 1, age=16)
    services.communes_refresh(communes=[city.commune_a, third.parent], round_year=2025)
    gone[0].delete()
    Resident.objects.filter(commune=city.commune_a, birth_year=2020).update(
        disability="cannot_study"
    )
    services.communes_refresh(communes=[city.commune_a, third.parent], round_year=2025)
    incremental = {
        a.code: sorted(map(sorted_items, storage.cells_read(area_id=a.pk, round_year=2025)))
        for a in (city.district, city.city)
    }
    docs = {
        a.code: AreaFigures.objects.get(area=a, rules__name="nd20-2014").figures
        for a in (city.district, city.city)
    }
    services.area_refresh(area=city.city, round_year=2025)
    for above in (city.district, city.city):
        assert incremental[above.code] == sorted(
            map(sorted_items, storage.cells_read(area_id=above.pk, round_year=2025))
        )
        assert (
            docs[above.code] == AreaFigures.objects.get(area=above, rules__name="nd20-2014").figures
        )
    assert docs["31"]["cohorts"]["5"] == {
        "total": 10,
        "female": 2,
        "minority": 2,
        "female_minority": 2,
        "disabled": 5,
        "ppc": 5,
    }


def sorted_items(cell: dict) -> tuple:
    return tuple(sorted(cell.items()))
