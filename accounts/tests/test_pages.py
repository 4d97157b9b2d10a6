"""The team page, login cards and the history, as a commune officer sees them."""

import re

import pytest
from django.contrib.auth import authenticate

from accounts.models import FirstPassword
from accounts.services import password_reset
from accounts.tests.conftest import page_client
from accounts.tests.helpers import new_surveyor
from surveys.models import Visit
from surveys.selectors import round_current
from tests.factories import api_client, make_household, make_user

pytestmark = pytest.mark.django_db


def test_the_team_page_shows_villages_progress_and_surveyors_in_vietnamese_order(
    city, officer, officer_page, django_assert_max_num_queries
):
    for name in ["Trần Văn Bình", "Nguyễn Thị An", "Lê Văn Ánh"]:
        new_surveyor(officer, city.commune_a, name=name, villages=[city.village_a1])
    make_household(city.village_a1, "T-1")  # the factory records this round's visit
    second = make_household(city.village_a1, "T-2")
    Visit.objects.filter(household=second).delete()
    with django_assert_max_num_queries(14):
        response = officer_page.get(f"/team/{city.commune_a.code}/")
    assert response.status_code == 200
    team = response.context["team"]
    row = team.villages[0]
    assert (row.village.code, row.visited, row.total, row.percent) == ("11311-01", 1, 2, 50)
    assert [m.name for m in team.members] == ["Nguyễn Thị An", "Lê Văn Ánh", "Trần Văn Bình"]
    assert [m.name for m in row.surveyors] == ["Nguyễn Thị An", "Lê Văn Ánh", "Trần Văn Bình"]
    html = response.content.decode()
    assert (
        "Thêm điều tra viên" in html
        and "1 / 2 hộ (50%)" in html
        and "chưa có điều tra viên" in html
    )


def test_the_team_api_reports_the_same_figures(city, officer, officer_api):
    new_surveyor(officer, city.commune_a, name="Trần Thị Hoa", villages=[city.village_a2])
    make_household(city.village_a2, "T-1")
    body = officer_api.get(f"/api/team/{city.commune_a.code}/").json()
    assert body["round"] == round_current()
    assert body["villages"][1] == {
        "code": "11311-02",
        "name": "Tổ dân phố 2",
        "visited": 1,
        "total": 1,
        "surveyors": ["hoatt.11311"],
    }
    assert body["surveyors"][0]["must_change_password"] is True


def test_adding_a_surveyor_from_the_page_leads_to_their_page_and_their_login_card(
    city, officer_page
):
    response = officer_page.post(
        f"/team/{city.commune_a.code}/new/",
        {
            "full_name": "Đặng Thị Hương",
            "phone": "0912345678",
            "school": "TH Lê Chân",
            "username": "",
            "villages": [str(city.village_a1.pk)],
        },
    )
    assert response.status_code == 302
    cards = officer_page.get(f"/team/{city.commune_a.code}/cards/")
    html = cards.content.decode()
    assert "huongdt.11311" in html and "http://testserver/" in html and "<svg" in html
    assert cards["Cache-Control"] == "no-store"
    password = re.search(r'class="secret">([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})<', html).group(1)
    assert authenticate(username="huongdt.11311", password=password) is not None


def test_login_cards_show_first_passwords_only_to_the_officer_who_issued_them(
    city, officer, officer_page
):
    created = new_surveyor(officer, city.commune_a)
    colleague = page_client(make_user("xa-a2", "commune_officer", city.commune_a))
    assert (
        created.password in officer_page.get(f"/team/{city.commune_a.code}/cards/").content.decode()
    )
    assert (
        created.password
        not in colleague.get(f"/team/{city.commune_a.code}/cards/").content.decode()
    )
    assert (
        page_client(make_user("xa-b", "commune_officer", city.commune_b))
        .get(f"/team/{city.commune_a.code}/cards/")
        .status_code
        == 404
    )


def test_printed_cards_can_be_forgotten_and_expired_ones_disappear(city, officer, officer_page):
    first = new_surveyor(officer, city.commune_a, name="Trần Thị Hoa")
    officer_page.post(f"/team/{city.commune_a.code}/cards/")
    assert not FirstPassword.objects.exists()
    password = password_reset(actor=officer, commune=city.commune_a, user=first.user)
    FirstPassword.objects.update(expires_at="2020-01-01T00:00:00Z")
    assert password not in officer_page.get(f"/team/{city.commune_a.code}/cards/").content.decode()
    assert not FirstPassword.objects.exists()


def test_the_history_lists_changes_with_dates_and_is_scoped(city, officer, officer_page):
    new_surveyor(officer, city.commune_a, name="Trần Thị Hoa", villages=[city.village_a1])
    staff = make_user("tp", "city_staff", city.city)
    new_surveyor(staff, city.commune_b, name="Lê Văn Bình")
    html = officer_page.get(f"/team/{city.commune_a.code}/history/").content.decode()
    assert "Tạo tài khoản" in html and "Phân công thôn" in html and "hoatt.11311" in html
    assert "binhlv.11602" not in html
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", html)
    events = api_client(officer).get(f"/api/team/{city.commune_a.code}/events/").json()["results"]
    assert [e["action"] for e in events] == ["assign", "create"]
    assert api_client(officer).get(f"/api/team/{city.commune_b.code}/events/").status_code == 404
    city_events = api_client(staff).get(f"/api/team/{city.city.code}/events/").json()["results"]
    assert {e["target"] for e in city_events} == {"hoatt.11311", "binhlv.11602"}


def test_the_team_pages_fit_a_phone(city, officer, officer_page):
    html = officer_page.get(f"/team/{city.commune_a.code}/").content.decode()
    assert 'name="viewport" content="width=device-width' in html
    assert "accounts/team.css" in html
