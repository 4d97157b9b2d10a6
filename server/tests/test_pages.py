import pytest
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_login_page_speaks_vietnamese():
    response = Client().get("/login/")
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()


def test_home_requires_sign_in_and_then_shows_the_users_areas(city):
    client = Client()
    assert client.get("/").url.startswith("/login/")
    make_user("xa", "commune_officer", city.commune_a, password="mật-khẩu-thử-123")
    response = client.post("/login/", {"username": "xa", "password": "mật-khẩu-thử-123"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "Cán bộ xã" in page and "Phường Lê Chân" in page


def test_a_wrong_password_is_refused_with_a_message(city):
    make_user("xa", "commune_officer", city.commune_a, password="mật-khẩu-thử-123")
    response = Client().post("/login/", {"username": "xa", "password": "sai"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_the_language_can_be_switched_to_english():
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Sign in" in client.get("/login/").content.decode()


def test_the_api_docs_are_served_without_a_cdn():
    page = Client().get("/api/docs/").content.decode()
    assert "swagger-ui" in page and "cdn." not in page and "unpkg" not in page


def test_healthz_reports_the_database():
    body = Client().get("/healthz").json()
    assert body["status"] == "ok" and body["checks"]["database"] == "ok"


def test_the_admin_speaks_vietnamese(city):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="x-12345678")
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    assert "Quản trị hệ thống điều tra PCGD-XMC" in page and "Địa bàn" in page
    assert client.get("/admin/areas/area/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 200


def test_the_admin_refuses_a_badly_shaped_tree(city):
    from django.contrib.auth import get_user_model

    from areas.models import Area

    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="x-12345678"))
    inline = {"difficulties-TOTAL_FORMS": "0", "difficulties-INITIAL_FORMS": "0"}
    form = {"code": "x-1", "name": "Thôn lạc", "kind": "village", "parent": city.city.pk, **inline}
    response = client.post("/admin/areas/area/add/", form)
    assert response.status_code == 200 and not Area.objects.filter(code="x-1").exists()
    assert "không thể trực thuộc" in response.content.decode()
    form["parent"] = city.commune_a.pk
    assert client.post("/admin/areas/area/add/", form).status_code == 302
    created = Area.objects.get(code="x-1")
    assert created.path == f"{city.commune_a.path}{created.pk}/"


def test_city_staff_manage_areas_and_rounds_in_the_admin(city):
    from tests.factories import make_user

    staff = make_user("tp", "city_staff", city.city)
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/areas/area/").status_code == 200
    assert client.get("/admin/surveys/round/").status_code == 200
    assert client.get("/admin/areas/membership/add/").status_code == 200


def test_pages_stay_vietnamese_when_the_browser_asks_for_english():
    page = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Đăng nhập" in page and "Sign in" not in page
