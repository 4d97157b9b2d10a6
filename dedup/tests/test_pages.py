import pytest
from django.test import Client

from dedup.models import DuplicatePair
from dedup.tests.conftest import add_person, check

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(city):
    fields = {
        "full_name": "Đỗ Thị Hằng",
        "sex": "female",
        "birth_year": 1995,
        "birth_month": 8,
        "birth_day": 1,
    }
    first = add_person(city.village_a1, "P-1", **fields)
    second = add_person(city.village_a1, "P-2", **{**fields, "full_name": "Do Thi Hang"})
    check(first, second)
    return DuplicatePair.objects.get()


@pytest.fixture
def browser(officer):
    client = Client()
    client.force_login(officer)
    return client


def test_the_queue_page_is_in_vietnamese_and_lists_the_pair(browser, pair):
    page = browser.get("/dedup/").content.decode()
    assert "Có thể trùng lặp" in page and "Đỗ Thị Hằng" in page and f"/dedup/{pair.pk}/" in page


def test_the_pair_page_compares_side_by_side_and_decides(browser, pair):
    page = browser.get(f"/dedup/{pair.pk}/").content.decode()
    assert "So sánh hai bản ghi" in page and "Do Thi Hang" in page and 'class="diff"' in page
    response = browser.post(f"/dedup/{pair.pk}/", {"decision": "different", "note": ""})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == "different"
    page = browser.get(f"/dedup/{pair.pk}/").content.decode()
    assert "Đã lưu quyết định." in page


def test_a_pair_out_of_scope_is_404_on_the_page(city, pair):
    from tests.factories import make_user

    client = Client()
    client.force_login(make_user("xa-b", "commune_officer", city.commune_b))
    assert client.get(f"/dedup/{pair.pk}/").status_code == 404
    assert "Đỗ Thị Hằng" not in client.get("/dedup/").content.decode()
