"""Account actions and their audit entries (who, when, what)."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import AccountEvent, FirstPassword
from accounts.services import (
    account_set_active,
    password_reset,
    surveyor_create,
    surveyor_update,
    surveyor_villages_assign,
    village_surveyors_assign,
)
from accounts.tests.helpers import new_surveyor
from server.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def actions(user) -> list[str]:
    return list(
        AccountEvent.objects.filter(target=user).order_by("id").values_list("action", flat=True)
    )


def test_creating_a_surveyor_records_the_account_its_villages_and_a_sealed_first_password(
    city, officer
):
    created = surveyor_create(
        actor=officer,
        commune=city.commune_a,
        full_name="  Nguyễn  Văn Nam ",
        phone="0912 345 678",
        school="THCS Lê Chân",
        villages=[city.village_a1],
    )
    user = created.user
    assert user.username == "namnv.11311"
    assert (user.last_name, user.first_name) == ("Nguyễn Văn", "Nam")
    assert user.check_password(created.password) and len(created.password) == 14
    assert user.account_profile.phone == "0912345678" and user.account_profile.must_change_password
    assert created.password not in FirstPassword.objects.get(user=user).secret
    assert actions(user) == ["create", "assign"]
    create = AccountEvent.objects.get(target=user, action="create")
    assert create.actor == officer and create.area == city.commune_a
    assert create.details["after"]["full_name"] == "Nguyễn Văn Nam"
    assert AccountEvent.objects.get(target=user, action="assign").details["village"] == "11311-01"


def test_a_second_namesake_gets_the_next_free_username(city, officer):
    new_surveyor(officer, city.commune_a, name="Nguyễn Văn Nam")
    assert (
        new_surveyor(officer, city.commune_a, name="Nguyễn Văn Nam").user.username == "namnv2.11311"
    )


def test_creating_refuses_a_taken_username_and_a_bad_phone_with_field_errors(city, officer):
    new_surveyor(officer, city.commune_a, username="hoa.tt")
    with pytest.raises(ValidationFailed) as caught:
        surveyor_create(
            actor=officer,
            commune=city.commune_a,
            full_name="Trần Thị Hoa",
            username="hoa.tt",
            phone="12",
        )
    assert set(caught.value.errors) == {"username", "phone"}


def test_an_update_records_before_and_after_of_the_changed_fields_only(city, officer):
    user = new_surveyor(officer, city.commune_a).user
    surveyor_update(
        actor=officer,
        commune=city.commune_a,
        user=user,
        full_name="Trần Thị Hoa",
        phone="0987654321",
        school="",
    )
    event = AccountEvent.objects.get(target=user, action="update")
    assert event.details == {"before": {"phone": ""}, "after": {"phone": "0987654321"}}
    assert (
        surveyor_update(
            actor=officer,
            commune=city.commune_a,
            user=user,
            full_name="Trần Thị Hoa",
            phone="0987654321",
            school="",
        )
        is False
    )
    assert actions(user).count("update") == 1


def test_reassigning_villages_records_each_assign_and_unassign(city, officer):
    user = new_surveyor(officer, city.commune_a, villages=[city.village_a1]).user
    added, removed = surveyor_villages_assign(
        actor=officer, commune=city.commune_a, user=user, villages=[city.village_a2]
    )
    assert ([v.code for v in added], [v.code for v in removed]) == (["11311-02"], ["11311-01"])
    assert actions(user) == ["create", "assign", "assign", "unassign"]
    assert sorted(user.memberships.values_list("area__code", flat=True)) == ["11311-02"]


def test_a_village_may_have_several_surveyors(city, officer):
    first = new_surveyor(
        officer, city.commune_a, name="Trần Thị Hoa", villages=[city.village_a1]
    ).user
    second = new_surveyor(officer, city.commune_a, name="Lê Văn Bình").user
    village_surveyors_assign(actor=officer, village=city.village_a1, users=[first, second])
    assert sorted(city.village_a1.memberships.values_list("user__username", flat=True)) == sorted(
        [first.username, second.username]
    )
    village_surveyors_assign(actor=officer, village=city.village_a1, users=[second])
    assert list(city.village_a1.memberships.values_list("user__username", flat=True)) == [
        second.username
    ]
    assert actions(first)[-1] == "unassign"


def test_deactivating_drops_tokens_and_is_audited_and_reactivating_too(city, officer):
    user = new_surveyor(officer, city.commune_a).user
    Token.objects.create(user=user)
    assert account_set_active(actor=officer, commune=city.commune_a, user=user, active=False)
    user.refresh_from_db()
    assert not user.is_active and not Token.objects.filter(user=user).exists()
    assert (
        account_set_active(actor=officer, commune=city.commune_a, user=user, active=False) is False
    )
    account_set_active(actor=officer, commune=city.commune_a, user=user, active=True)
    assert actions(user) == ["create", "deactivate", "reactivate"]
    assert AccountEvent.objects.get(target=user, action="deactivate").details == {
        "before": {"active": True},
        "after": {"active": False},
    }


def test_a_password_reset_makes_a_new_password_to_change_and_is_audited(city, officer):
    created = new_surveyor(officer, city.commune_a)
    user = created.user
    user.account_profile.must_change_password = False
    user.account_profile.save()
    password = password_reset(actor=officer, commune=city.commune_a, user=user)
    user.refresh_from_db()
    assert password != created.password and user.check_password(password)
    assert user.account_profile.must_change_password
    event = AccountEvent.objects.get(target=user, action="password_reset")
    assert event.actor == officer and password not in str(event.details)
