"""Reading the audit log: city staff read the events of their city (superusers: all)."""

import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from areas.access import user_memberships, user_sees_everything
from areas.models import Area, Role
from audit.models import AuditEvent
from server.errors import DomainError, ValidationFailed

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


class AuditForbidden(DomainError):
    status_code = 403
    default_message = gettext_lazy("Only city staff may read the audit log.")


def audit_roots(*, user) -> list[Area] | None:
    """The areas whose events the user may read; None means every event (superuser)."""
    if user_sees_everything(user=user):
        return None
    return [m.area for m in user_memberships(user=user) if m.role == Role.CITY_STAFF]


def may_read_audit(*, user) -> bool:
    roots = audit_roots(user=user)
    return roots is None or bool(roots)


def parse_date(value: str, *, field: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValidationFailed(errors={field: [_("Enter a date as dd/mm/yyyy.")]})


def event_list(
    *,
    user,
    username: str = "",
    action: str = "",
    area: str = "",
    date_from: str = "",
    date_to: str = "",
) -> QuerySet[AuditEvent]:
    """Events the user may read, newest first, filtered. Raises AuditForbidden for other roles."""
    roots = audit_roots(user=user)
    if roots is not None and not roots:
        raise AuditForbidden()
    events = AuditEvent.objects.select_related("area")
    if roots is not None:
        events = events.filter(reduce(or_, (Q(area_path__startswith=a.path) for a in roots)))
    if username.strip():
        events = events.filter(username=username.strip())
    if action.strip():
        events = events.filter(action=action.strip())
    if area.strip():
        areas = Area.objects.filter(code=area.strip())
        if roots is not None:
            areas = areas.filter(reduce(or_, (Q(path__startswith=a.path) for a in roots)))
        paths = list(areas.values_list("path", flat=True)[:5])
        if not paths:
            raise ValidationFailed(errors={"area": [_("No area with this code in your scope.")]})
        events = events.filter(reduce(or_, (Q(area_path__startswith=p) for p in paths)))
    start, end = parse_date(date_from, field="date_from"), parse_date(date_to, field="date_to")
    tz = timezone.get_current_timezone()
    if start:
        events = events.filter(at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        events = events.filter(
            at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return events.order_by("-at", "-id")


def event_output(event: AuditEvent) -> dict:
    return {
        "id": event.pk,
        "at": event.at.isoformat(),
        "user": event.username,
        "action": event.action,
        "area": event.area.code if event.area else "",
        "area_name": event.area.name if event.area else "",
        "target": event.target,
        "count": event.count,
        "details": event.details,
        "ip": event.ip or "",
    }
