"""Reads for team management, scoped through areas.access.

A manager (commune officer, district supervisor, city staff, superuser) reaches a
commune they may manage (``user_can_manage``) and the surveyors of its team: the
accounts whose profile names the commune, or who survey one of its villages.
Anything else is answered as "not found".
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import AccountEvent, FirstPassword, ImportJob, Profile
from accounts.passwords import unseal
from areas.access import area_for_user, scope_q, user_can_manage, user_memberships
from areas.models import Area, AreaKind, Membership, Role
from server.errors import NotFound
from surveys.models import Household
from surveys.text import vi_name_sort_key

User = get_user_model()
MANAGED_KINDS = {AreaKind.COMMUNE, AreaKind.DISTRICT, AreaKind.CITY, AreaKind.PROVINCE}


def user_full_name(user) -> str:
    return f"{user.last_name} {user.first_name}".strip()


def user_is_manager(*, user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or any(m.role != Role.SURVEYOR for m in user_memberships(user=user))


def managed_area(*, user, code: str) -> Area:
    """An area (commune, district, city) the user may manage, or NotFound."""
    area = area_for_user(user=user, code=code)
    if area is None or area.kind not in MANAGED_KINDS or not user_can_manage(user=user, area=area):
        raise NotFound()
    return area


def managed_commune(*, user, code: str) -> Area:
    area = managed_area(user=user, code=code)
    if area.kind != AreaKind.COMMUNE:
        raise NotFound()
    return area


def managed_roots(*, user) -> list[Area]:
    """The areas the user manages, highest first (their own memberships)."""
    if user.is_superuser:
        return list(Area.objects.filter(parent__isnull=True).order_by("code"))
    areas = {m.area.pk: m.area for m in user_memberships(user=user) if m.role != Role.SURVEYOR}
    return sorted(areas.values(), key=lambda a: (len(a.path), a.code))


def communes_below(*, area: Area) -> QuerySet[Area]:
    if area.kind == AreaKind.COMMUNE:
        return Area.objects.filter(pk=area.pk)
    return Area.objects.filter(kind=AreaKind.COMMUNE, path__startswith=area.path).select_related(
        "parent"
    )


def team_users(*, commune: Area) -> QuerySet:
    in_team = Q(account_profile__commune=commune) | Q(
        memberships__role=Role.SURVEYOR, memberships__area__parent=commune
    )
    return User.objects.filter(pk__in=User.objects.filter(in_team).values("pk"))


def team_member(*, user, commune: Area, user_id: int):
    """A surveyor of this commune's team, for a manager of the commune, or NotFound."""
    if not user_can_manage(user=user, area=commune):
        raise NotFound()
    member = (
        team_users(commune=commune).filter(pk=user_id).select_related("account_profile").first()
    )
    if member is None:
        raise NotFound()
    return member


def user_is_plain_surveyor(*, user) -> bool:
    """Only accounts that do nothing but survey are managed here (others: the admin)."""
    if user.is_superuser or user.is_staff:
        return False
    return not Membership.objects.filter(user=user).exclude(role=Role.SURVEYOR).exists()


def must_change_password(*, user) -> bool:
    """Someone else chose this user's password: they must choose their own first (cached per request)."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_pcgd_must_change_password", None)
    if cached is None:
        cached = Profile.objects.filter(user_id=user.pk, must_change_password=True).exists()
        user._pcgd_must_change_password = cached
    return cached


def profile_of(user) -> Profile | None:
    try:
        return user.account_profile
    except Profile.DoesNotExist:
        return None


def village_in_commune(*, commune: Area, village_id: int) -> Area:
    village = Area.objects.filter(kind=AreaKind.VILLAGE, parent=commune, pk=village_id).first()
    if village is None:
        raise NotFound()
    return village


# --- The team page -----------------------------------------------------------


@dataclass
class VillageRow:
    village: Area
    total: int = 0
    visited: int = 0
    surveyors: list = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.visited / self.total) if self.total else 0


@dataclass
class MemberRow:
    user: object
    name: str
    phone: str = ""
    school: str = ""
    must_change_password: bool = False
    villages: list = field(default_factory=list)
    pending_card: bool = False


@dataclass
class Team:
    commune: Area
    villages: list[VillageRow]
    members: list[MemberRow]

    @property
    def pending_cards(self) -> int:
        return sum(1 for m in self.members if m.pending_card)


def _progress(*, commune: Area, round_year: int) -> dict[int, tuple[int, int]]:
    """Households visited / total per village this round: one grouped query."""
    rows = (
        Household.objects.filter(village__parent=commune, deleted_at__isnull=True)
        .values("village_id")
        .annotate(
            total=Count("id", distinct=True),
            visited=Count("visits", filter=Q(visits__round_id=round_year)),
        )
    )
    return {r["village_id"]: (r["visited"], r["total"]) for r in rows}


def commune_team(*, commune: Area, round_year: int, viewer) -> Team:
    villages = {
        v.pk: VillageRow(village=v)
        for v in Area.objects.filter(kind=AreaKind.VILLAGE, parent=commune)
    }
    for village_id, (visited, total) in _progress(commune=commune, round_year=round_year).items():
        if village_id in villages:
            villages[village_id].visited, villages[village_id].total = visited, total
    users = team_users(commune=commune).select_related("account_profile")
    pending = set(
        FirstPassword.objects.filter(issued_by=viewer, expires_at__gt=timezone.now()).values_list(
            "user_id", flat=True
        )
    )
    members = {}
    for user in users:
        profile = profile_of(user)
        members[user.pk] = MemberRow(
            user=user,
            name=user_full_name(user) or user.username,
            phone=profile.phone if profile else "",
            school=profile.school if profile else "",
            must_change_password=bool(profile and profile.must_change_password),
            pending_card=user.pk in pending,
        )
    assigned = Membership.objects.filter(role=Role.SURVEYOR, area__parent=commune).values_list(
        "user_id", "area_id"
    )
    for user_id, village_id in assigned:
        if user_id in members and village_id in villages:
            villages[village_id].surveyors.append(members[user_id])
            members[user_id].villages.append(villages[village_id].village)
    for row in villages.values():
        row.surveyors.sort(key=lambda m: vi_name_sort_key(m.name))
    for member in members.values():
        member.villages.sort(key=lambda v: v.code)
    return Team(
        commune=commune,
        villages=sorted(villages.values(), key=lambda r: r.village.code),
        members=sorted(members.values(), key=lambda m: vi_name_sort_key(m.name)),
    )


def commune_summaries(*, area: Area) -> list[dict]:
    """Each commune below ``area`` with its number of villages and surveyors (two grouped queries)."""
    communes = list(communes_below(area=area).order_by("path"))
    villages = dict(
        Area.objects.filter(kind=AreaKind.VILLAGE, parent__in=communes)
        .values("parent_id")
        .annotate(n=Count("id"))
        .values_list("parent_id", "n")
    )
    surveyors = dict(
        Membership.objects.filter(
            role=Role.SURVEYOR, area__parent__in=communes, user__is_active=True
        )
        .values("area__parent_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("area__parent_id", "n")
    )
    return [
        {"commune": c, "villages": villages.get(c.pk, 0), "surveyors": surveyors.get(c.pk, 0)}
        for c in communes
    ]


# --- Cards, audit, imports -----------------------------------------------------


@dataclass
class Card:
    name: str
    username: str
    password: str | None


def login_cards(*, viewer, commune: Area) -> list[Card]:
    """First passwords issued by ``viewer`` for the commune's team, still waiting (never anyone else's)."""
    waiting = FirstPassword.objects.filter(
        issued_by=viewer, expires_at__gt=timezone.now(), user__in=team_users(commune=commune)
    ).select_related("user")
    cards = [
        Card(
            name=user_full_name(f.user) or f.user.username,
            username=f.user.username,
            password=unseal(f.secret),
        )
        for f in waiting
    ]
    return sorted((c for c in cards if c.password), key=lambda c: vi_name_sort_key(c.name))


def events_visible(*, user) -> QuerySet[AccountEvent]:
    """Account events of the areas the user manages (surveyors manage nothing: none)."""
    if not user_is_manager(user=user):
        return AccountEvent.objects.none()
    return AccountEvent.objects.filter(scope_q(user=user, path_field="area__path"))


def events_for_area(*, user, area: Area) -> QuerySet[AccountEvent]:
    return (
        events_visible(user=user)
        .filter(area__path__startswith=area.path)
        .select_related("actor", "area")
    )


def import_job(*, user, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, created_by=user).select_related("area").first()
    if job is None or not user_can_manage(user=user, area=job.area):
        raise NotFound()
    return job
