"""Who manages which team: every role, in and out of scope, pages and API. Out of scope is 404."""

import pytest

from accounts.tests.conftest import page_client
from accounts.tests.helpers import new_surveyor
from tests.factories import api_client, make_user

pytestmark = pytest.mark.django_db

# role → (area attribute, the communes it manages)
ROLES = {
    "commune_officer": ("commune_a", {"commune_a"}),
    "district_supervisor": ("district", {"commune_a"}),
    "city_staff": ("city", {"commune_a", "commune_b"}),
    "surveyor": ("village_a1", set()),
}
COMMUNES = ["commune_a", "commune_b", "other_commune"]
CASES = [(role, commune) for role in ROLES for commune in COMMUNES]


def user_for(city, role):
    area_name, _managed = ROLES[role]
    return make_user(f"u-{role}", role, getattr(city, area_name))


@pytest.mark.parametrize(("role", "commune"), CASES)
def test_the_team_page_is_200_for_a_manager_of_the_commune_and_404_otherwise(city, role, commune):
    client = page_client(user_for(city, role))
    response = client.get(f"/team/{getattr(city, commune).code}/")
    assert response.status_code == (200 if commune in ROLES[role][1] else 404)


@pytest.mark.parametrize(("role", "commune"), CASES)
def test_the_team_api_is_200_for_a_manager_of_the_commune_and_404_otherwise(city, role, commune):
    response = api_client(user_for(city, role)).get(f"/api/team/{getattr(city, commune).code}/")
    assert response.status_code == (200 if commune in ROLES[role][1] else 404)


@pytest.mark.parametrize(("role", "commune"), CASES)
def test_a_surveyor_of_a_commune_is_managed_only_by_managers_of_that_commune(city, role, commune):
    root = make_user("root", "city_staff", city.city)
    other = make_user("root-other", "city_staff", city.other_city)
    owner = other if commune == "other_commune" else root
    member = new_surveyor(owner, getattr(city, commune)).user
    client = api_client(user_for(city, role))
    code = getattr(city, commune).code
    patched = client.patch(
        f"/api/team/{code}/surveyors/{member.pk}/", {"phone": "0987654321"}, format="json"
    )
    reset = client.post(f"/api/team/{code}/surveyors/{member.pk}/password-reset")
    page = page_client(user_for(city, role)).get(f"/team/{code}/surveyors/{member.pk}/")
    expected = 200 if commune in ROLES[role][1] else 404
    assert (patched.status_code, reset.status_code, page.status_code) == (
        expected,
        expected,
        expected,
    )


def test_a_commune_officer_cannot_reach_a_surveyor_of_another_commune_through_their_own_commune(
    city, officer
):
    staff = make_user("tp", "city_staff", city.city)
    stranger = new_surveyor(staff, city.commune_b).user
    client = api_client(officer)
    assert (
        client.patch(
            f"/api/team/{city.commune_a.code}/surveyors/{stranger.pk}/",
            {"active": False},
            format="json",
        ).status_code
        == 404
    )
    assert (
        client.put(
            f"/api/team/{city.commune_a.code}/surveyors/{stranger.pk}/villages",
            {"villages": []},
            format="json",
        ).status_code
        == 404
    )
    stranger.refresh_from_db()
    assert stranger.is_active


def test_a_commune_officer_cannot_assign_a_village_of_another_commune(city, officer):
    member = new_surveyor(officer, city.commune_a).user
    response = api_client(officer).put(
        f"/api/team/{city.commune_a.code}/surveyors/{member.pk}/villages",
        {"villages": [city.village_b1.code]},
        format="json",
    )
    assert response.status_code == 400
    assert "villages" in response.json()["errors"]
    assert not member.memberships.exists()


def test_a_district_supervisor_sees_the_communes_below_and_city_staff_all_of_the_city(city):
    district = page_client(make_user("huyen", "district_supervisor", city.district)).get(
        f"/team/{city.district.code}/"
    )
    staff = page_client(make_user("tp", "city_staff", city.city)).get(f"/team/{city.city.code}/")
    assert [c["commune"].code for c in district.context["communes"]] == ["11311"]
    assert sorted(c["commune"].code for c in staff.context["communes"]) == ["11311", "11602"]


def test_an_officer_cannot_change_an_account_with_other_roles_on_their_team(city, officer):
    colleague = make_user("xa-a2", "commune_officer", city.commune_a)
    from areas.models import Membership

    Membership.objects.create(user=colleague, area=city.village_a1, role="surveyor")
    response = api_client(officer).post(
        f"/api/team/{city.commune_a.code}/surveyors/{colleague.pk}/password-reset"
    )
    assert response.status_code == 403
    assert colleague.check_password("mật-khẩu-thử-123")


def test_a_surveyor_has_no_team_index(city):
    response = page_client(make_user("gv", "surveyor", city.village_a1)).get("/team/")
    assert response.status_code == 404
