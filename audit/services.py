"""Recording audit events. ``record`` never fails the caller's request: it logs instead."""

import ipaddress
import logging

from django.db import transaction

from audit.models import AuditEvent

logger = logging.getLogger(__name__)

# Actions the apps record (others are accepted too; these get a Vietnamese label in the viewer).
ACTIONS = (
    "person_list.read", "person.read", "household.read", "household_list.read", "search",
    "export.created", "export.download", "import.dry_run", "import.run",
    "bulk_correction.apply", "bulk_correction.undo", "sync.pull", "duplicate_list.read", "duplicate.read",
)  # fmt: skip


def client_ip(request) -> str | None:
    """REMOTE_ADDR (the proxy in front sets it from the connection: deploy/ docs)."""
    if request is None:
        return None
    value = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def record(
    *,
    user,
    action: str,
    area=None,
    target: str = "",
    count: int | None = None,
    details: dict | None = None,
    request=None,
) -> None:
    """Write one audit event. Errors are logged, never raised into the caller."""
    try:
        real_user = user if getattr(user, "is_authenticated", False) else None
        # A savepoint: a failure here cannot poison the caller's transaction.
        with transaction.atomic():
            AuditEvent.objects.create(
                user=real_user,
                username=(real_user.get_username() if real_user else "")[:150],
                action=str(action)[:64],
                area=area,
                area_path=getattr(area, "path", "") or "",
                target=str(target or "")[:255],
                count=count if count is None or count >= 0 else None,
                details=details or {},
                ip=client_ip(request),
            )
    except Exception:  # noqa: BLE001 - auditing must not break the read it records
        logger.exception("audit record failed: action=%s target=%s", action, target)


def scope_area(*, user):
    """The widest area of the user's memberships (for a read over their whole scope), or None."""
    from areas.access import user_memberships

    memberships = user_memberships(user=user)
    if not memberships:
        return None
    return min((m.area for m in memberships), key=lambda area: (area.path.count("/"), area.path))
