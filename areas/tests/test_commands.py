import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from areas.models import Area, AreaDifficulty, Membership
from areas.services import area_is_difficult

pytestmark = pytest.mark.django_db

CSV = """code,name,kind,parent_code,difficult
11311-01,Tổ dân phố 1,village,11311,0
31,Thành phố Hải Phòng,city,,0
11311,Phường Lê Chân,commune,303,0
303,Quận Lê Chân,district,31,
11602,Xã Bạch Long Vĩ,commune,31,1
11602-01,Thôn 1,village,11602,0
11311-02,Tổ dân phố 2,village,11311,0
"""


def load(tmp_path, text, *args) -> tuple[dict, str]:
    path = tmp_path / "areas.csv"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("load_areas", str(path), *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_it_builds_the_tree_in_any_row_order(tmp_path):
    summary, err = load(tmp_path, CSV)
    assert summary == {"created": 7, "updated": 0, "unchanged": 0, "rejected": 0} and err == ""
    village = Area.objects.get(code="11311-01")
    assert village.parent.code == "11311" and village.parent.parent.code == "303"
    assert village.is_within(Area.objects.get(code="31"))
    assert Area.objects.get(code="11602").parent.code == "31"  # two-tier shape
    assert Area.objects.get(code="11602").difficult is True


def test_it_is_idempotent_and_updates_names(tmp_path):
    load(tmp_path, CSV)
    summary, _err = load(tmp_path, CSV.replace("Tổ dân phố 2", "Tổ dân phố số 2"))
    assert summary == {"created": 0, "updated": 1, "unchanged": 6, "rejected": 0}
    assert Area.objects.get(code="11311-02").name == "Tổ dân phố số 2"
    assert Area.objects.count() == 7


def test_moving_a_commune_moves_its_subtree(tmp_path):
    load(tmp_path, CSV)
    load(
        tmp_path,
        CSV.replace("11311,Phường Lê Chân,commune,303,0", "11311,Phường Lê Chân,commune,31,0"),
    )
    village = Area.objects.get(code="11311-01")
    assert village.path.startswith(Area.objects.get(code="31").path)
    assert not village.is_within(Area.objects.get(code="303"))


def test_village_codes_are_local_to_their_commune(tmp_path):
    text = CSV + "01,Thôn A,village,11311,0\n01,Thôn B,village,11602,0\n"
    summary, _err = load(tmp_path, text)
    assert summary["created"] == 9 and Area.objects.filter(code="01").count() == 2


def test_bad_rows_are_reported_and_the_rest_load(tmp_path):
    text = (
        CSV
        + "x1,Nowhere,village,99999,0\nx2,Bad kind,hamlet,31,0\nx3,Flag,commune,31,maybe\n11311-09,,village,11311,0\n"
    )
    summary, err = load(tmp_path, text)
    assert summary["created"] == 7 and summary["rejected"] == 4
    assert "line 9: parent_code" in err and "line 10: kind" in err and "line 11: difficult" in err
    assert "line 12: name" in err


def test_a_wrong_shape_is_refused(tmp_path):
    summary, err = load(tmp_path, CSV + "x4,Village under city,village,31,0\n")
    assert summary["rejected"] == 1 and "parent_code" in err


def test_a_wrong_header_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="header"):
        load(tmp_path, "code,name,kind\n31,HP,city\n")


def test_year_records_the_difficulty_flag_of_that_school_year(tmp_path):
    load(tmp_path, CSV, "--year", "2025")
    commune = Area.objects.get(code="11602")
    assert AreaDifficulty.objects.get(area=commune, year=2025).difficult is True
    assert area_is_difficult(area=commune, year=2025) is True
    load(
        tmp_path,
        CSV.replace("11602,Xã Bạch Long Vĩ,commune,31,1", "11602,Xã Bạch Long Vĩ,commune,31,0"),
        "--year",
        "2026",
    )
    assert area_is_difficult(area=commune, year=2025) is True
    assert area_is_difficult(area=commune, year=2026) is False


def run_add_user(*args) -> str:
    out = StringIO()
    call_command("add_user", *args, stdout=out)
    return out.getvalue()


def test_add_user_creates_and_updates_users_with_memberships(tmp_path):
    load(tmp_path, CSV)
    line = run_add_user("gv01", "--role", "surveyor", "--area", "11311-01")
    assert line.startswith("created gv01") and "password:" in line
    run_add_user("gv01", "--role", "surveyor", "--area", "11311-02", "--password", "mới-123456")
    user = get_user_model().objects.get(username="gv01")
    assert user.check_password("mới-123456")
    assert sorted(Membership.objects.filter(user=user).values_list("area__code", flat=True)) == [
        "11311-01",
        "11311-02",
    ]


def test_add_user_city_staff_may_use_the_admin(tmp_path):
    load(tmp_path, CSV)
    run_add_user("tp", "--role", "city_staff", "--area", "31", "--password", "thành-phố-123")
    user = get_user_model().objects.get(username="tp")
    assert (
        user.is_staff and user.has_perm("areas.change_area") and user.has_perm("surveys.add_round")
    )
    assert not user.has_perm("surveys.delete_household")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--role", "surveyor", "--area", "11311"], "^area: "),
        (["x", "--role", "commune_officer", "--area", "99999"], "no area"),
        (["x", "--role", "district_supervisor", "--area", "11311"], "^area: "),
    ],
)
def test_add_user_refuses_a_role_at_the_wrong_kind_of_area(tmp_path, args, message):
    load(tmp_path, CSV)
    with pytest.raises(CommandError, match=message):
        run_add_user(*args)
