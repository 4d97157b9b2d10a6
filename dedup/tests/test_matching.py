from django.conf import settings

from dedup.blocking import candidate_pairs, count_namesakes, keys
from dedup.matching import compare, national_id_link, profile_from_values

THRESHOLD = settings.DEDUP_REVIEW_THRESHOLD


def profile(**overrides):
    values = {
        "id": "a",
        "household_id": "h1",
        "village_id": 1,
        "commune_id": 10,
        "full_name": "Nguyễn Thị Hương",
        "sex": "female",
        "birth_year": 2014,
        "birth_month": 3,
        "birth_day": 9,
        "national_id": "",
        "guardian_name": "Nguyễn Văn Nam",
        "status": "present",
        "ethnicity": "01",
        "disability": "none",
        "highest_grade_completed": 5,
        "literacy_stage": 0,
        "primary_completed_year": 2025,
    }
    values.update(overrides)
    return profile_from_values(values)


def scored(a, b):
    count_namesakes([a, b])
    return compare(a, b)


def test_the_same_child_without_diacritics_in_another_household_is_queued():
    match = scored(profile(), profile(id="b", household_id="h2", full_name="NGUYEN THI HUONG"))
    assert match.score >= THRESHOLD
    assert {"name_plain", "date_exact", "guardian_same", "same_village"} <= set(match.reasons)


def test_a_swapped_day_and_month_still_matches():
    match = scored(profile(), profile(id="b", household_id="h2", birth_month=9, birth_day=3))
    assert "date_swapped" in match.reasons
    assert match.score >= THRESHOLD


def test_a_typo_in_the_given_name_is_found_by_blocking_and_scored():
    a, b = profile(), profile(id="b", household_id="h2", full_name="Nguyễn Thị Hưong")
    assert set(keys(a)) & set(keys(b))
    b2 = profile(id="c", household_id="h3", full_name="Nguyễn Thị Huơng")
    assert scored(a, b2).score >= THRESHOLD


def test_namesakes_with_different_birth_years_stay_apart():
    a = profile(
        full_name="Nguyễn Văn Hùng",
        sex="male",
        birth_year=1980,
        birth_month=5,
        birth_day=2,
        guardian_name="",
    )
    b = profile(
        id="b",
        household_id="h2",
        full_name="Nguyễn Văn Hùng",
        sex="male",
        birth_year=1982,
        guardian_name="",
    )
    assert not set(keys(a)) & set(keys(b))  # never even compared
    assert list(candidate_pairs([a, b])) == []


def test_namesakes_with_different_birth_years_on_the_same_day_are_compared_but_not_queued():
    a = profile(full_name="Nguyễn Văn Hùng", sex="male", birth_year=1980, guardian_name="")
    b = profile(
        id="b",
        household_id="h2",
        full_name="Nguyễn Văn Hùng",
        sex="male",
        birth_year=1982,
        guardian_name="",
    )
    assert list(candidate_pairs([a, b])) == [(0, 1)]  # the key for a mistyped year
    match = scored(a, b)
    assert "year_differs" in match.reasons and match.score < THRESHOLD


def test_namesakes_born_the_same_year_on_other_days_stay_apart():
    a = profile(
        full_name="Nguyễn Văn Hùng",
        sex="male",
        birth_year=1980,
        birth_month=2,
        birth_day=1,
        guardian_name="",
    )
    b = profile(
        id="b",
        household_id="h2",
        full_name="Nguyễn Văn Hùng",
        sex="male",
        birth_year=1980,
        birth_month=7,
        birth_day=20,
        guardian_name="",
    )
    assert scored(a, b).score < THRESHOLD


def test_children_of_different_parents_are_not_matched():
    match = scored(profile(), profile(id="b", household_id="h2", guardian_name="Trần Văn Bình"))
    assert "guardian_differs" in match.reasons
    assert match.score < scored(profile(), profile(id="c", household_id="h3")).score


def test_different_national_ids_rule_a_pair_out():
    a = profile(
        full_name="Nguyễn Văn Hùng",
        sex="male",
        birth_year=1980,
        birth_month=None,
        birth_day=None,
        guardian_name="",
        national_id="031080000001",
    )
    b = profile(
        id="b",
        household_id="h2",
        full_name="Nguyễn Văn Hùng",
        sex="male",
        birth_year=1980,
        birth_month=None,
        birth_day=None,
        guardian_name="",
    )
    assert scored(a, b).score >= THRESHOLD  # one without an ID: nothing against
    b.national_id = "031080000002"
    match = scored(a, b)
    assert "national_id_differs" in match.reasons and match.score < THRESHOLD


def test_only_an_exact_national_id_with_matching_sex_and_year_links_automatically():
    a = profile(national_id="031214000001")
    assert national_id_link(
        a, profile(id="b", national_id="031214000001", full_name="NGUYEN THI HUONG")
    )
    assert not national_id_link(a, profile(id="b", national_id="031214000001", birth_year=2013))
    assert not national_id_link(a, profile(id="b", national_id="031214000001", sex="male"))
    assert not national_id_link(
        a, profile(id="b", national_id="031214000001", full_name="Trần Văn Bình")
    )
    assert not national_id_link(a, profile(id="b", national_id=""))
    assert not national_id_link(profile(national_id="1234"), profile(id="b", national_id="1234"))
