"""Who may see what. Every interface (REST, sync, websocket, export, admin) asks here.

A user sees the subtrees of the areas they hold a membership in; a superuser sees
everything. Out of scope is answered as "not found" by the callers.
"""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from areas.models import Area, AreaKind, Membership, Role


def user_memberships(*, user) -> list[Membership]:
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_pcgd_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("area"))
        user._pcgd_memberships = cached
    return cached


def user_roles(*, user) -> set[str]:
    return {m.role for m in user_memberships(user=user)}


def user_sees_everything(*, user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def scope_q(*, user, path_field: str) -> Q:
    """A filter on ``path_field`` (an Area path lookup) limiting rows to the user's scope.

    ``path_field`` is e.g. ``"path"`` for areas or ``"village__path"`` for households.
    Returns a filter that matches nothing when the user has no scope.
    """
    if user_sees_everything(user=user):
        return Q()
    paths = sorted({m.area.path for m in user_memberships(user=user)})
    # Drop paths already covered by a shorter one (a membership inside another).
    roots = [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]
    if not roots:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{path_field}__startswith": p}) for p in roots))


def areas_visible(*, user) -> QuerySet[Area]:
    return Area.objects.filter(scope_q(user=user, path_field="path"))


def area_visible(*, user, area: Area) -> bool:
    if user_sees_everything(user=user):
        return True
    return any(area.path.startswith(m.area.path) for m in user_memberships(user=user))


def area_for_user(*, user, code: str) -> Area | None:
    """The visible area with this code (non-village codes first), or None."""
    candidates = list(areas_visible(user=user).filter(code=code).order_by("kind", "path")[:2])
    non_villages = [a for a in candidates if a.kind != AreaKind.VILLAGE]
    if non_villages:
        return non_villages[0]
    return candidates[0] if len(candidates) == 1 else None


def user_can_manage(*, user, area: Area) -> bool:
    """Supervising roles (not surveyors) over an area: assignments, decisions, reports."""
    if user_sees_everything(user=user):
        return True
    return any(
        m.role != Role.SURVEYOR and area.path.startswith(m.area.path)
        for m in user_memberships(user=user)
    )
