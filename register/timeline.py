"""The timeline of a household or a person: every change, who, when, which fields, old → new, from where.

``Change.fields`` stores ``{field: [old, new]}`` for every change written through
``surveys.recording``. A value that is not such a pair (older or foreign rows) takes
its old value from the previous change of the same entity among the rows read,
so one query per page serves the whole timeline; the sources are resolved with one
more query (sync operations → devices; register corrections and bulk corrections).
"""

import re
import uuid

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.models import Change
from sync.models import OpLog

LABELS = {
    "village": gettext_lazy("Village"), "number": gettext_lazy("Household number"), "address": gettext_lazy("Address"),
    "residence": gettext_lazy("Residence"), "phone": gettext_lazy("Phone"), "note": gettext_lazy("Note"),
    "full_name": gettext_lazy("Full name"), "sex": gettext_lazy("Sex"), "birth_year": gettext_lazy("Birth year"),
    "birth_month": gettext_lazy("Birth month"), "birth_day": gettext_lazy("Birth day"),
    "ethnicity": gettext_lazy("Ethnicity"), "relation": gettext_lazy("Relation to the head"),
    "national_id": gettext_lazy("National ID number"), "guardian_name": gettext_lazy("Guardian's name"),
    "status": gettext_lazy("Status"), "status_year": gettext_lazy("Status year"),
    "disability": gettext_lazy("Disability"), "preschool_completed_year": gettext_lazy("Preschool completed"),
    "primary_completed_year": gettext_lazy("Primary completed"),
    "lower_secondary_graduated_year": gettext_lazy("Lower secondary graduated"),
    "upper_secondary_graduated_year": gettext_lazy("Upper secondary graduated"),
    "highest_grade_completed": gettext_lazy("Highest grade completed"), "literacy_stage": gettext_lazy("Literacy stage"),
    "dropped_out": gettext_lazy("Dropped out"), "enrollment": gettext_lazy("Enrollment this round"),
    "household": gettext_lazy("Household"), "deleted": gettext_lazy("Deleted"), "round": gettext_lazy("Round"),
    "date": gettext_lazy("Visit date"),
}  # fmt: skip
ACTIONS = {
    "create": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
}
ENTITIES = {
    "household": gettext_lazy("Household"),
    "resident": gettext_lazy("Person"),
    "visit": gettext_lazy("Visit"),
}
PAGE = 100


def shown(value, *, field: str = "", mask=None) -> str:
    """A value as the timeline shows it (dates dd/mm/yyyy)."""
    if value is None or value == "":
        return "—"
    if field == "national_id" and mask is not None:
        return mask(str(value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        y, m, d = value.split("-")
        return f"{d}/{m}/{y}"
    return str(value)


def _pairs(changes: list[Change]) -> dict[int, dict]:
    """{change pk: {field: (old, new)}}, old values derived where a row lacks them."""
    last: dict[tuple, dict] = {}
    out: dict[int, dict] = {}
    for change in sorted(changes, key=lambda c: c.seq):
        known = last.setdefault((change.entity, change.entity_id), {})
        fields = {}
        for name, value in (change.fields or {}).items():
            if isinstance(value, list) and len(value) == 2:
                old, new = value
            else:
                old, new = known.get(name), value
            fields[name] = (old, new)
            known[name] = new
        out[change.pk] = fields
    return out


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _sources(changes: list[Change]) -> dict[str, dict]:
    """{source: {"kind", "label", "url"}} for the sources of these changes (one query for the devices)."""
    op_ids = {c.op_id for c in changes if c.op_id and c.source.startswith("sync:")}
    devices = (
        {
            log.op_id: log.device
            for log in OpLog.objects.filter(op_id__in=op_ids).select_related("device")
        }
        if op_ids
        else {}
    )
    out = {}
    for change in changes:
        key = f"{change.source}|{change.op_id}"
        if key in out:
            continue
        kind, _sep, rest = change.source.partition(":")
        if kind == "sync":
            device = devices.get(change.op_id)
            agent = (device.user_agent if device else "")[:60]
            label = _("phone %(id)s") % {"id": rest[:8]} + (f" ({agent})" if agent else "")
            out[key] = {"kind": "sync", "label": label, "url": ""}
        elif kind == "register":
            out[key] = {
                "kind": "register",
                "label": _("register correction #%(id)s") % {"id": rest},
                "url": _url("register-correction", int(rest)) if rest.isdigit() else "",
            }
        elif kind == "bulk":
            out[key] = {
                "kind": "bulk",
                "label": _("bulk correction #%(id)s") % {"id": rest},
                "url": _url("register-bulk", int(rest)) if rest.isdigit() else "",
            }
        elif kind == "import":
            out[key] = {"kind": "import", "label": _("import %(name)s") % {"name": rest}, "url": ""}
        elif kind == "conflict":
            out[key] = {
                "kind": "conflict",
                "label": _("conflict decision"),
                "url": _url("api-sync-conflict", uuid.UUID(rest)) if _is_uuid(rest) else "",
            }
        elif kind == "api":
            out[key] = {"kind": "api", "label": _("web form / API"), "url": ""}
        elif kind.startswith("dedup"):
            out[key] = {"kind": "dedup", "label": _("duplicate decision"), "url": ""}
        else:
            out[key] = {"kind": kind or "other", "label": change.source, "url": ""}
    return out


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def timeline(
    *, household_id=None, entity_ids=(), page: int = 1, names: dict | None = None, mask=None
) -> dict:
    """A page (newest first) of the changes of a household (with its members and visits) or of records.

    ``names``: {entity id: label} for the people shown; ``mask``: hides national IDs.
    """
    q = Q(pk__in=[])
    if household_id is not None:
        q |= Q(household_id=household_id)
    if entity_ids:
        q |= Q(entity_id__in=list(entity_ids))
    page = max(1, page)
    rows = list(
        Change.objects.filter(q)
        .select_related("user")
        .order_by("-seq")[(page - 1) * PAGE : page * PAGE + 1]
    )
    has_next = len(rows) > PAGE
    rows = rows[:PAGE]
    pairs = _pairs(rows)
    sources = _sources(rows)
    names = names or {}
    entries = []
    for change in rows:
        fields = [
            {
                "field": name,
                "label": str(LABELS.get(name, name)),
                "old": shown(old, field=name, mask=mask),
                "new": shown(new, field=name, mask=mask),
            }
            for name, (old, new) in pairs[change.pk].items()
        ]
        at = timezone.localtime(change.at)
        entries.append(
            {
                "seq": change.seq,
                "at": at.strftime("%d/%m/%Y %H:%M"),
                "at_iso": at.isoformat(),
                "user": change.user.username if change.user else "",
                "entity": change.entity,
                "entity_label": str(ENTITIES.get(change.entity, change.entity)),
                "entity_id": str(change.entity_id),
                "name": names.get(change.entity_id, ""),
                "action": change.action,
                "action_label": str(ACTIONS.get(change.action, change.action)),
                "fields": fields,
                "source": change.source,
                "source_info": sources[f"{change.source}|{change.op_id}"],
                "op_id": str(change.op_id) if change.op_id else "",
                "reason": getattr(change, "reason", ""),
                "version": change.version,
            }
        )
    return {"entries": entries, "page": page, "has_next": has_next, "has_previous": page > 1}
