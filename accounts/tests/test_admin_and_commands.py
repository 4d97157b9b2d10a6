"""The admin and add_user stay, for scripts and superusers."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from accounts.tests.helpers import new_surveyor

pytestmark = pytest.mark.django_db


def test_add_user_still_creates_a_surveyor_without_forcing_a_password_change(city):
    call_command(
        "add_user",
        "gv-script",
        "--role",
        "surveyor",
        "--area",
        "11311-01",
        "--password",
        "pcgd-demo-2026",
    )
    client = Client()
    client.post("/login/", {"username": "gv-script", "password": "pcgd-demo-2026"})
    assert client.get("/").status_code == 200


def test_the_admin_shows_users_with_their_profile_and_the_audit_read_only(city, officer):
    member = new_surveyor(officer, city.commune_a).user
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))
    page = admin.get(f"/admin/auth/user/{member.pk}/change/")
    assert page.status_code == 200 and "account_profile" in page.content.decode()
    assert admin.get("/admin/accounts/accountevent/").status_code == 200
    assert admin.get("/admin/accounts/accountevent/add/").status_code == 403
