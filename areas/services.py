"""Writes to the area tree and memberships."""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _

from areas.models import (
    ALLOWED_PARENTS,
    ROLE_AREA_KINDS,
    Area,
    AreaDifficulty,
    AreaKind,
    Membership,
    Role,
)
from server.errors import ValidationFailed

CITY_STAFF_GROUP = "city_staff"
CITY_STAFF_MODELS = {
    "areas": ["area", "areadifficulty", "membership"],
    "surveys": ["round"],
    "auth": ["user"],
}


def _path_for(area: Area) -> str:
    return f"{area.parent.path if area.parent_id else '/'}{area.pk}/"


def _refresh_subtree_paths(area: Area) -> None:
    area.path = _path_for(area)
    Area.objects.filter(pk=area.pk).update(path=area.path)
    for child in area.children.all():
        child.parent = area
        _refresh_subtree_paths(child)


def area_refresh_path(*, area: Area) -> None:
    """Recompute the paths of an area and its subtree (after an edit in the admin)."""
    _refresh_subtree_paths(area)


def area_find_parent(*, code: str) -> Area | None:
    """Parents are never villages, so a parent code is unique."""
    return Area.objects.exclude(kind=AreaKind.VILLAGE).filter(code=code).first()


def area_shape_error(*, kind: str, parent: Area | None) -> str | None:
    """Why ``kind`` cannot stand under ``parent`` (the tree's shape rules), or None."""
    if parent is None and ALLOWED_PARENTS[kind]:
        return _("A %(kind)s needs a parent.") % {"kind": AreaKind(kind).label}
    if parent is not None and parent.kind not in ALLOWED_PARENTS[kind]:
        return _("A %(kind)s cannot stand under a %(parent)s.") % {
            "kind": AreaKind(kind).label,
            "parent": AreaKind(parent.kind).label,
        }
    return None


@dataclass
class AreaUpsert:
    area: Area
    created: bool
    changed: bool


@transaction.atomic
def area_upsert(
    *, code: str, name: str, kind: str, parent: Area | None, difficult: bool | None = None
) -> AreaUpsert:
    """Create or update one area, keeping codes unique and the tree well-shaped."""
    errors: dict[str, list[str]] = {}
    code, name = code.strip(), " ".join(name.split())
    if not code:
        errors["code"] = [_("The code is required.")]
    if not name:
        errors["name"] = [_("The name is required.")]
    if kind not in AreaKind.values:
        errors["kind"] = [
            _("Unknown kind %(kind)s (use city, province, district, commune or village).")
            % {"kind": kind}
        ]
    else:
        shape = area_shape_error(kind=kind, parent=parent)
        if shape:
            errors["parent_code"] = [shape]
    if errors:
        raise ValidationFailed(errors=errors)

    if kind == AreaKind.VILLAGE:
        area = Area.objects.select_for_update().filter(kind=kind, parent=parent, code=code).first()
    else:
        area = (
            Area.objects.select_for_update()
            .exclude(kind=AreaKind.VILLAGE)
            .filter(code=code)
            .first()
        )
        if area is not None and area.kind != kind:
            raise ValidationFailed(
                errors={
                    "kind": [
                        _("Code %(code)s is already a %(kind)s.")
                        % {"code": code, "kind": area.get_kind_display()}
                    ]
                }
            )
    if area is None:
        area = Area.objects.create(
            code=code, name=name, kind=kind, parent=parent, difficult=bool(difficult)
        )
        area.path = _path_for(area)
        area.save(update_fields=["path"])
        return AreaUpsert(area=area, created=True, changed=True)

    changed = False
    if area.name != name:
        area.name, changed = name, True
    if difficult is not None and area.difficult != difficult:
        area.difficult, changed = difficult, True
    moved = area.parent_id != (parent.pk if parent else None)
    if moved:
        if parent is not None and parent.path.startswith(area.path):
            raise ValidationFailed(
                errors={"parent_code": [_("An area cannot stand under itself.")]}
            )
        area.parent, changed = parent, True
    if changed:
        area.save(update_fields=["name", "difficult", "parent"])
    if moved:
        _refresh_subtree_paths(area)
    return AreaUpsert(area=area, created=False, changed=changed)


def area_set_difficulty(*, area: Area, year: int, difficult: bool) -> None:
    AreaDifficulty.objects.update_or_create(area=area, year=year, defaults={"difficult": difficult})


def area_is_difficult(*, area: Area, year: int) -> bool:
    row = AreaDifficulty.objects.filter(area=area, year=year).first()
    return row.difficult if row is not None else area.difficult


def _city_staff_group() -> Group:
    group, _created = Group.objects.get_or_create(name=CITY_STAFF_GROUP)
    wanted = Permission.objects.filter(
        content_type__app_label__in=CITY_STAFF_MODELS.keys(),
    )
    perms = [
        p for p in wanted if p.content_type.model in CITY_STAFF_MODELS[p.content_type.app_label]
    ]
    group.permissions.set(perms)
    return group


@dataclass
class UserUpsert:
    user: object
    created: bool
    password: str | None  # set when this call chose or changed the password


@transaction.atomic
def user_upsert(
    *,
    username: str,
    role: str,
    area: Area,
    password: str | None = None,
    full_name: str | None = None,
) -> UserUpsert:
    """Create or update a user and add their membership (role at area)."""
    if role not in Role.values:
        raise ValidationFailed(errors={"role": [_("Unknown role %(role)s.") % {"role": role}]})
    if area.kind not in ROLE_AREA_KINDS[role]:
        kinds = ", ".join(str(AreaKind(k).label) for k in ROLE_AREA_KINDS[role])
        raise ValidationFailed(
            errors={
                "area": [
                    _("A %(role)s is attached to a %(kinds)s.")
                    % {"role": Role(role).label, "kinds": kinds}
                ]
            }
        )
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    chosen = password
    if created and not password:
        chosen = secrets.token_urlsafe(9)
    if chosen:
        user.set_password(chosen)
    if full_name:
        parts = full_name.split()
        user.last_name, user.first_name = " ".join(parts[:-1]), parts[-1] if parts else ""
    if role == Role.CITY_STAFF:
        user.is_staff = True
    user.save()
    if role == Role.CITY_STAFF:
        user.groups.add(_city_staff_group())
    Membership.objects.get_or_create(user=user, area=area, role=role)
    return UserUpsert(user=user, created=created, password=chosen)


@transaction.atomic
def surveyor_villages_set(
    *, user, commune: Area, villages: Iterable[Area]
) -> tuple[list[Area], list[Area]]:
    """Make the user's surveyor villages inside ``commune`` exactly ``villages``: (added, removed).

    Villages of other communes are left alone. The sync pull computes each
    request's scope from these memberships, so phones follow at their next sync.
    """
    wanted = {village.pk: village for village in villages}
    if any(v.kind != AreaKind.VILLAGE or v.parent_id != commune.pk for v in wanted.values()):
        raise ValidationFailed(errors={"villages": [_("Choose villages of this commune.")]})
    current = {
        m.area_id: m.area
        for m in Membership.objects.select_related("area").filter(
            user=user, role=Role.SURVEYOR, area__parent=commune
        )
    }
    removed = [current[pk] for pk in sorted(current.keys() - wanted.keys())]
    added = [wanted[pk] for pk in sorted(wanted.keys() - current.keys())]
    if removed:
        Membership.objects.filter(user=user, role=Role.SURVEYOR, area__in=removed).delete()
    Membership.objects.bulk_create(
        [Membership(user=user, area=v, role=Role.SURVEYOR) for v in added]
    )
    user.__dict__.pop("_pcgd_memberships", None)  # areas.access caches memberships on the user
    return added, removed
