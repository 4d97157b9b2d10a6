"""Commune sign-off ("chốt số liệu"): the commune officer closes the round for the commune.

After sign-off a write to a household of the commune needs a reason: without one
the write services refuse it (``SignedOff``, a ``ValidationFailed`` on ``reason``);
with one it happens, every ``Change`` carries the reason and the boards get a
``correction.after_signoff`` event. Reopening (with a reason) lifts the lock; the
row stays as history. See docs/boards.md.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.access import user_can_manage
from areas.models import Area, AreaKind
from server.errors import Forbidden, ValidationFailed
from server.events import area_codes_up, publish_on_commit
from surveys.models import CommuneSignoff, Round

SIGNED_OFF = "commune.signed_off"
REOPENED = "commune.reopened"
CORRECTION = "correction.after_signoff"


class SignedOff(ValidationFailed):
    """A write to a signed-off commune without a reason."""

    def __init__(self):
        super().__init__(
            errors={
                "reason": [
                    _(
                        "The commune's data for this round are signed off: give a reason for this change."
                    )
                ]
            }
        )


def current_signoff(*, commune_id: int, round_year: int) -> CommuneSignoff | None:
    return (
        CommuneSignoff.objects.filter(
            commune_id=commune_id, round_id=round_year, reopened_at__isnull=True
        )
        .select_related("signed_by")
        .first()
    )


def is_signed_off(*, commune_id: int, round_year: int) -> bool:
    return CommuneSignoff.objects.filter(
        commune_id=commune_id, round_id=round_year, reopened_at__isnull=True
    ).exists()


def signed_off_communes(*, commune_ids, round_year: int) -> set[int]:
    """Which of these communes are signed off for the round (one query)."""
    return set(
        CommuneSignoff.objects.filter(
            commune_id__in=list(commune_ids), round_id=round_year, reopened_at__isnull=True
        ).values_list("commune_id", flat=True)
    )


def _check(*, user, commune: Area) -> None:
    if commune.kind != AreaKind.COMMUNE:
        raise ValidationFailed(errors={"commune": [_("Only a commune can be signed off.")]})
    if user is not None and not user_can_manage(user=user, area=commune):
        raise Forbidden(_("Only the commune officer or a supervisor of the commune may do this."))


def _event(kind: str, commune: Area, round_year: int, user, **extra) -> dict:
    return {
        "type": kind,
        "commune": commune.code,
        "round": round_year,
        "user": getattr(user, "username", "") or "",
        "at": timezone.now().isoformat(),
        **extra,
    }


@transaction.atomic
def sign_off(*, user, commune: Area, round_year: int, note: str = "") -> CommuneSignoff:
    """Close the round for the commune; a second sign-off while one is open is refused."""
    _check(user=user, commune=commune)
    Round.objects.get_or_create(year=round_year)
    if is_signed_off(commune_id=commune.pk, round_year=round_year):
        raise ValidationFailed(
            errors={"commune": [_("The commune is already signed off for this round.")]}
        )
    try:
        with transaction.atomic():
            signoff = CommuneSignoff.objects.create(
                commune=commune,
                round_id=round_year,
                signed_by=user if getattr(user, "pk", None) else None,
                signed_at=timezone.now(),
                note=(note or "").strip()[:500],
            )
    except IntegrityError:  # a racing sign-off won
        raise ValidationFailed(
            errors={"commune": [_("The commune is already signed off for this round.")]}
        ) from None
    publish_on_commit(
        area_codes_up(commune), _event(SIGNED_OFF, commune, round_year, user, note=signoff.note)
    )
    return signoff


@transaction.atomic
def reopen(*, user, commune: Area, round_year: int, reason: str) -> CommuneSignoff:
    """Reopen a signed-off commune; needs a reason, kept on the sign-off row."""
    _check(user=user, commune=commune)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(errors={"reason": [_("Give the reason for reopening.")]})
    signoff = (
        CommuneSignoff.objects.select_for_update()
        .filter(commune=commune, round_id=round_year, reopened_at__isnull=True)
        .first()
    )
    if signoff is None:
        raise ValidationFailed(
            errors={"commune": [_("The commune is not signed off for this round.")]}
        )
    signoff.reopened_by = user if getattr(user, "pk", None) else None
    signoff.reopened_at = timezone.now()
    signoff.reopen_reason = reason[:500]
    signoff.save(update_fields=["reopened_by", "reopened_at", "reopen_reason"])
    publish_on_commit(
        area_codes_up(commune),
        _event(REOPENED, commune, round_year, user, reason=signoff.reopen_reason),
    )
    return signoff


def publish_corrections(*, corrections: dict, round_year: int, user, reason: str) -> None:
    """``correction.after_signoff`` for each (commune id → household ids) written after sign-off."""
    if not corrections:
        return
    communes = {a.pk: a for a in Area.objects.filter(pk__in=list(corrections))}
    for commune_id, households in corrections.items():
        commune = communes[commune_id]
        codes = area_codes_up(commune)
        for household_id in sorted(households, key=str):
            publish_on_commit(
                codes,
                _event(
                    CORRECTION,
                    commune,
                    round_year,
                    user,
                    household=str(household_id),
                    reason=reason,
                ),
            )
