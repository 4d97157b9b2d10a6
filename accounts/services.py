"""Writes to surveyor accounts and assignments. Each action checks access, changes, and audits.

The caller names the commune it acts in (the team page it stands on); the actor
must manage that commune (``areas.access.user_can_manage``) and the target must be
on its team, else NotFound, exactly as for a record that does not exist.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.models import AccountEvent, Action, FirstPassword, Profile
from accounts.passwords import password_generate, seal
from accounts.selectors import profile_of, team_users, user_full_name, user_is_plain_surveyor
from areas.access import user_can_manage
from areas.models import Area, AreaKind
from areas.services import surveyor_villages_set
from server.errors import DomainError, NotFound, ValidationFailed
from surveys.text import clean_name, fold

User = get_user_model()
FIRST_PASSWORD_TTL = timedelta(hours=72)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,149}$")
PHONE = re.compile(r"^(0|\+84)\d{9,10}$")


class NotAllowed(DomainError):
    status_code = 403


@dataclass
class Created:
    user: object
    password: str


# --- checks ------------------------------------------------------------------


def _require_manager(*, actor, commune: Area) -> None:
    if commune.kind != AreaKind.COMMUNE or not user_can_manage(user=actor, area=commune):
        raise NotFound()


def _require_member(*, actor, commune: Area, user) -> None:
    _require_manager(actor=actor, commune=commune)
    if not team_users(commune=commune).filter(pk=user.pk).exists():
        raise NotFound()


def _require_plain(*, user) -> None:
    if not user_is_plain_surveyor(user=user):
        raise NotAllowed(
            _(
                "This account has other roles than surveyor; the city staff manage it in the administration."
            )
        )


def clean_phone(value: str) -> str:
    return re.sub(r"[\s.\-()]", "", value or "")


def profile_errors(*, full_name: str, phone: str, school: str) -> dict[str, list[str]]:
    errors = {}
    if not clean_name(full_name):
        errors["full_name"] = [_("The full name is required.")]
    elif len(clean_name(full_name)) > 150:
        errors["full_name"] = [_("At most 150 characters.")]
    if phone and not PHONE.match(clean_phone(phone)):
        errors["phone"] = [_("A phone number such as 0912345678.")]
    if len(school or "") > 200:
        errors["school"] = [_("At most 200 characters.")]
    return errors


def username_error(username: str) -> str | None:
    if not USERNAME.match(username):
        return _(
            "3 to 150 characters: lower-case letters without diacritics, digits, dot, dash or underscore."
        )
    return None


def username_suggest(*, full_name: str, commune: Area) -> str:
    """``Nguyễn Văn Nam`` in 11311 → ``namnv.11311`` (then ``namnv2.11311``, … when taken)."""
    words = fold(full_name).split() or ["gv"]
    stem = re.sub(r"[^a-z0-9]", "", words[-1] + "".join(w[0] for w in words[:-1])) or "gv"
    for n in range(1, 1000):
        candidate = f"{stem}{n if n > 1 else ''}.{commune.code}"
        if not User.objects.filter(username=candidate).exists():
            return candidate
    raise ValidationFailed(errors={"username": [_("Choose a username.")]})


def _split_name(name: str) -> tuple[str, str]:
    words = clean_name(name).split()
    return (" ".join(words[:-1]), words[-1]) if words else ("", "")


# --- audit -------------------------------------------------------------------


def event_record(
    *, actor, action: str, target=None, area: Area | None = None, details: dict | None = None
) -> AccountEvent:
    return AccountEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target=target,
        target_username=target.username if target is not None else "",
        area=area,
        details=details or {},
    )


def _villages_events(*, actor, user, commune: Area, added, removed, source: str = "") -> None:
    extra = {"source": source} if source else {}
    for village in added:
        event_record(
            actor=actor,
            action=Action.ASSIGN,
            target=user,
            area=commune,
            details={"village": village.code, "village_name": village.name, **extra},
        )
    for village in removed:
        event_record(
            actor=actor,
            action=Action.UNASSIGN,
            target=user,
            area=commune,
            details={"village": village.code, "village_name": village.name, **extra},
        )


# --- passwords -----------------------------------------------------------------


def _issue_password(*, actor, user) -> str:
    """A new generated password for ``user``, kept sealed for the issuer's login cards."""
    password = password_generate()
    user.set_password(password)
    user.save(update_fields=["password"])
    FirstPassword.objects.update_or_create(
        user=user,
        defaults={
            "issued_by": actor,
            "secret": seal(password),
            "expires_at": timezone.now() + FIRST_PASSWORD_TTL,
        },
    )
    Profile.objects.update_or_create(user=user, defaults={"must_change_password": True})
    return password


def _end_sessions(*, user) -> None:
    """Tokens go at once; browser sessions end by themselves (inactive user or new password hash)."""
    Token.objects.filter(user=user).delete()


def first_passwords_forget(*, actor, commune: Area) -> int:
    """The officer printed the cards: drop the sealed passwords they issued for this team."""
    _require_manager(actor=actor, commune=commune)
    deleted, _rows = FirstPassword.objects.filter(
        issued_by=actor, user__in=team_users(commune=commune)
    ).delete()
    return deleted


def first_passwords_purge() -> int:
    deleted, _rows = FirstPassword.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


# --- actions -------------------------------------------------------------------


@transaction.atomic
def surveyor_create(
    *,
    actor,
    commune: Area,
    full_name: str,
    username: str = "",
    phone: str = "",
    school: str = "",
    villages: list[Area] | tuple = (),
    active: bool = True,
    source: str = "",
) -> Created:
    """A new surveyor account on the commune's team, with a generated first password."""
    _require_manager(actor=actor, commune=commune)
    errors = profile_errors(full_name=full_name, phone=phone, school=school)
    username = (username or "").strip().lower() or username_suggest(
        full_name=full_name, commune=commune
    )
    problem = username_error(username)
    if problem:
        errors["username"] = [problem]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("This username is already used; choose another.")]
    if errors:
        raise ValidationFailed(errors=errors)
    last, first = _split_name(full_name)
    user = User.objects.create(
        username=username, last_name=last, first_name=first, is_active=active
    )
    Profile.objects.create(
        user=user,
        commune=commune,
        phone=clean_phone(phone),
        school=" ".join((school or "").split()),
        must_change_password=True,
        created_by=actor if actor.is_authenticated else None,
    )
    password = _issue_password(actor=actor, user=user)
    details = {
        "full_name": clean_name(full_name),
        "phone": clean_phone(phone),
        "school": school or "",
        "active": active,
    }
    event_record(
        actor=actor,
        action=Action.CREATE,
        target=user,
        area=commune,
        details={"after": details, **({"source": source} if source else {})},
    )
    added, removed = surveyor_villages_set(user=user, commune=commune, villages=villages)
    _villages_events(
        actor=actor, user=user, commune=commune, added=added, removed=removed, source=source
    )
    return Created(user=user, password=password)


@transaction.atomic
def surveyor_update(
    *, actor, commune: Area, user, full_name: str, phone: str, school: str, source: str = ""
) -> bool:
    """Name, phone and school; True when anything changed (audited with before/after)."""
    _require_member(actor=actor, commune=commune, user=user)
    _require_plain(user=user)
    errors = profile_errors(full_name=full_name, phone=phone, school=school)
    if errors:
        raise ValidationFailed(errors=errors)
    profile = profile_of(user) or Profile(user=user, commune=commune)
    before = {"full_name": user_full_name(user), "phone": profile.phone, "school": profile.school}
    after = {
        "full_name": clean_name(full_name),
        "phone": clean_phone(phone),
        "school": " ".join((school or "").split()),
    }
    if profile.commune_id is None:
        profile.commune = commune
        profile.save()
    if before == after:
        return False
    user.last_name, user.first_name = _split_name(after["full_name"])
    user.save(update_fields=["last_name", "first_name"])
    profile.phone, profile.school = after["phone"], after["school"]
    profile.save()
    changed = {k for k in after if before[k] != after[k]}
    event_record(
        actor=actor,
        action=Action.UPDATE,
        target=user,
        area=commune,
        details={
            "before": {k: before[k] for k in changed},
            "after": {k: after[k] for k in changed},
            **({"source": source} if source else {}),
        },
    )
    return True


@transaction.atomic
def surveyor_villages_assign(
    *, actor, commune: Area, user, villages: list[Area], source: str = ""
) -> tuple[list, list]:
    """Make the surveyor's villages in this commune exactly ``villages`` (assign and unassign)."""
    _require_member(actor=actor, commune=commune, user=user)
    added, removed = surveyor_villages_set(user=user, commune=commune, villages=villages)
    _villages_events(
        actor=actor, user=user, commune=commune, added=added, removed=removed, source=source
    )
    return added, removed


@transaction.atomic
def village_surveyors_assign(*, actor, village: Area, users: list) -> tuple[list, list]:
    """Make the surveyors of one village exactly ``users`` (several may share a village): (added, removed)."""
    commune = village.parent
    _require_manager(actor=actor, commune=commune)
    team = {u.pk: u for u in team_users(commune=commune)}
    if any(u.pk not in team for u in users):
        raise ValidationFailed(
            errors={"surveyors": [_("Choose surveyors of this commune's team.")]}
        )
    wanted = {u.pk for u in users}
    current = set(village.memberships.filter(role="surveyor").values_list("user_id", flat=True))
    added, removed = [], []
    for user_id in sorted(wanted | current):
        user = team.get(user_id) or User.objects.get(pk=user_id)
        villages = [
            m.area
            for m in user.memberships.filter(role="surveyor", area__parent=commune).select_related(
                "area"
            )
        ]
        if user_id in wanted and user_id not in current:
            villages.append(village)
            added.append(user)
        elif user_id in current and user_id not in wanted:
            villages = [v for v in villages if v.pk != village.pk]
            removed.append(user)
        else:
            continue
        gained, lost = surveyor_villages_set(user=user, commune=commune, villages=villages)
        _villages_events(actor=actor, user=user, commune=commune, added=gained, removed=lost)
    return added, removed


@transaction.atomic
def account_set_active(*, actor, commune: Area, user, active: bool, source: str = "") -> bool:
    """Deactivate (cannot sign in, tokens dropped, sessions end) or reactivate; True when changed."""
    _require_member(actor=actor, commune=commune, user=user)
    _require_plain(user=user)
    if user == actor:
        raise DomainError(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        _end_sessions(user=user)
    action = Action.REACTIVATE if active else Action.DEACTIVATE
    event_record(
        actor=actor,
        action=action,
        target=user,
        area=commune,
        details={
            "before": {"active": not active},
            "after": {"active": active},
            **({"source": source} if source else {}),
        },
    )
    return True


@transaction.atomic
def password_reset(*, actor, commune: Area, user) -> str:
    """A new generated password; the user must change it at next sign-in. Returns it (show it once)."""
    _require_member(actor=actor, commune=commune, user=user)
    _require_plain(user=user)
    password = _issue_password(actor=actor, user=user)
    _end_sessions(user=user)
    event_record(actor=actor, action=Action.PASSWORD_RESET, target=user, area=commune, details={})
    return password


@transaction.atomic
def password_changed(*, user) -> None:
    """The user chose their own password (already set): lift the flag, drop the sealed first password."""
    profile = profile_of(user)
    if profile is not None and profile.must_change_password:
        profile.must_change_password = False
        profile.save(update_fields=["must_change_password"])
    FirstPassword.objects.filter(user=user).delete()
    event_record(
        actor=user,
        action=Action.PASSWORD_CHANGE,
        target=user,
        area=profile.commune if profile else None,
    )
