"""The board snapshot: one read of pre-aggregated rows (counters, indicator rows, queues), never the residents."""

import datetime as dt
import threading
import time

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from areas.access import area_for_user, user_can_manage
from areas.models import Area, AreaKind, Membership, Role
from boards.counters import EXPECTED, VISITED, values_of
from boards.models import Activity, Counter
from server.errors import NotFound
from surveys.models import CommuneSignoff

BOARD_KINDS = (AreaKind.CITY, AreaKind.PROVINCE, AreaKind.DISTRICT, AreaKind.COMMUNE)
FEED_SIZE = 30
MAX_SURVEYORS = 1000


def board_area(*, user, code: str) -> Area:
    """The area of a board the user may see (communes and above), else NotFound."""
    area = area_for_user(user=user, code=code) if user.is_authenticated else None
    if area is None or area.kind not in BOARD_KINDS:
        raise NotFound()
    return area


def home_area(*, user) -> Area | None:
    """The board a user lands on: the widest area with a board they hold (surveyors have none)."""
    from areas.access import user_memberships, user_sees_everything

    areas = [m.area for m in user_memberships(user=user)]
    if not areas and user_sees_everything(user=user):
        return (
            Area.objects.filter(parent__isnull=True)
            .exclude(kind=AreaKind.VILLAGE)
            .order_by("code")
            .first()
        )
    areas.sort(key=lambda a: (len(a.path), a.code))
    for area in areas:
        if area.kind in BOARD_KINDS:
            return area
    return None


def _board_url(area: Area) -> str | None:
    return reverse("board", args=[area.code]) if area.kind in BOARD_KINDS else None


def _area(area: Area, values: dict) -> dict:
    mine = values.get(area.pk, {})
    return {
        "code": area.code,
        "name": area.name,
        "kind": area.kind,
        "visited": mine.get(VISITED, 0),
        "expected": mine.get(EXPECTED, 0),
        "board": _board_url(area),
    }


def _child_of(children: list[Area], path: str) -> Area | None:
    for child in children:
        if path.startswith(child.path):
            return child
    return None


def _queues(area: Area, children: list[Area], round_year: int) -> tuple[dict, dict]:
    from dedup.models import DuplicatePair, PairStatus
    from sync.models import Conflict

    conflicts = (
        Conflict.objects.filter(status=Conflict.Status.OPEN, commune__path__startswith=area.path)
        .values("commune__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    pairs = (
        DuplicatePair.objects.filter(
            status=PairStatus.OPEN, left__commune__path__startswith=area.path
        )
        .values("left__commune__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_child: dict[str, dict] = {c.code: {"conflicts": 0, "duplicates": 0} for c in children}
    totals = {"conflicts": 0, "duplicates": 0}
    for rows, key, path_key in (
        (conflicts, "conflicts", "commune__path"),
        (pairs, "duplicates", "left__commune__path"),
    ):
        for row in rows:
            totals[key] += row["n"]
            child = _child_of(children, row[path_key])
            if child is not None:
                per_child[child.code][key] += row["n"]
    queues = {
        "conflicts": {"open": totals["conflicts"], "url": "/api/sync/conflicts/?status=open"},
        "duplicates": {"open": totals["duplicates"], "url": reverse("dedup-queue")},
    }
    return queues, per_child


def _standards(areas: list[Area], round_year: int) -> dict[str, list[dict]]:
    """Each area's programmes with level, met and the decisive figures, from the stored indicator rows."""
    from indicators.models import AreaFigures
    from indicators.rulebook import rules_active
    from indicators.texts import PROGRAMME_ORDER, PROGRAMMES, reasons

    rules = rules_active()[0]
    rows = AreaFigures.objects.filter(
        area__in=areas, round_id=round_year, rules_id=rules.pk
    ).select_related("area")
    out: dict[str, list[dict]] = {}
    for row in rows:
        figures = row.figures
        items = []
        for programme in PROGRAMME_ORDER:
            standard = figures.get("standards", {}).get(programme)
            if standard is None:
                continue
            level = int(standard["met"]) if "met" in standard else standard["level"]
            nxt = standard["levels"][level] if level < len(standard["levels"]) else None
            decisive = []
            if nxt is not None:
                for condition in nxt.get("conditions", []):
                    if "indicator" in condition:
                        decisive.append(
                            {
                                "indicator": condition["indicator"],
                                "rate": condition.get("rate"),
                                "min": condition.get("min"),
                                "met": condition["met"],
                            }
                        )
                    else:
                        decisive.append(
                            {
                                "flag": condition["flag"],
                                "met": condition["met"],
                                "gap": condition.get("gap"),
                            }
                        )
                if "units" in nxt:
                    decisive.append(
                        {"units": nxt["units"], "units_met": nxt["units_met"], "met": nxt["met"]}
                    )
            items.append(
                {
                    "programme": programme,
                    "label": str(PROGRAMMES[programme]),
                    "level": level,
                    "met": level >= 1,
                    "reasons": reasons(
                        standard,
                        programme=programme,
                        ages=figures.get("bands", {}),
                        units_kind=figures.get("units_kind"),
                    ),
                    "decisive": decisive,
                }
            )
        out[row.area.code] = items
    return out


def _surveyors(area: Area, values: dict, round_year: int) -> tuple[list[dict], list[dict]]:
    from sync.models import Device

    hours = getattr(settings, "BOARDS_UNSYNCED_HOURS", 24)
    stale_before = timezone.now() - dt.timedelta(hours=hours)
    memberships = (
        Membership.objects.filter(role=Role.SURVEYOR, area__path__startswith=area.path)
        .select_related("user", "area")
        .order_by("user__username")[:MAX_SURVEYORS]
    )
    people: dict[int, dict] = {}
    for m in memberships:
        entry = people.setdefault(
            m.user_id,
            {
                "username": m.user.username,
                "full_name": m.user.get_full_name() or m.user.username,
                "villages": [],
                "visited": 0,
                "last_sync": None,
                "devices": 0,
                "unsynced": True,
            },
        )
        entry["villages"].append(m.area.code)
    counts = {
        int(key[5:]): value
        for key, value in values.get(area.pk, {}).items()
        if key.startswith("user:")
    }
    missing = [uid for uid in counts if uid not in people]
    if missing:
        from django.contrib.auth import get_user_model

        for user in get_user_model().objects.filter(pk__in=missing):
            people[user.pk] = {
                "username": user.username,
                "full_name": user.get_full_name() or user.username,
                "villages": [],
                "visited": 0,
                "last_sync": None,
                "devices": 0,
                "unsynced": False,
            }
    for uid, n in counts.items():
        if uid in people:
            people[uid]["visited"] = n
    phones = []
    devices = Device.objects.filter(user_id__in=list(people)).values(
        "id", "user_id", "last_push_at", "last_pull_at"
    )
    for device in devices:
        entry = people[device["user_id"]]
        seen = max([t for t in (device["last_push_at"], device["last_pull_at"]) if t], default=None)
        entry["devices"] += 1
        if seen and (entry["last_sync"] is None or seen.isoformat() > entry["last_sync"]):
            entry["last_sync"] = seen.isoformat()
        if entry["villages"] and (seen is None or seen < stale_before):
            phones.append(
                {
                    "device": str(device["id"]),
                    "username": entry["username"],
                    "full_name": entry["full_name"],
                    "last_sync": seen.isoformat() if seen else None,
                }
            )
    for entry in people.values():
        if entry["villages"]:  # holding assignments: unsynced when no phone synced lately
            entry["unsynced"] = (
                entry["last_sync"] is None or entry["last_sync"] < stale_before.isoformat()
            )
    surveyors = sorted(people.values(), key=lambda e: e["username"])
    phones.sort(key=lambda p: (p["last_sync"] or "", p["username"]))
    return surveyors, phones


def _signoff(area: Area, children: list[Area], round_year: int, user) -> dict:
    open_rows = CommuneSignoff.objects.filter(
        round_id=round_year, reopened_at__isnull=True, commune__path__startswith=area.path
    ).select_related("commune", "signed_by")
    signed = {row.commune.code: row for row in open_rows}
    communes = Area.objects.filter(kind=AreaKind.COMMUNE, path__startswith=area.path).count()
    out = {"communes": communes, "signed_off": len(signed), "children": sorted(signed)}
    if area.kind == AreaKind.COMMUNE:
        row = signed.get(area.code)
        may = user is not None and user_can_manage(user=user, area=area)
        out.update(
            {
                "commune": area.code,
                "is_signed_off": row is not None,
                "signed_by": (row.signed_by.username if row and row.signed_by else None),
                "signed_at": row.signed_at.isoformat() if row else None,
                "note": row.note if row else "",
                "can_sign_off": may and row is None,
                "can_reopen": may and row is not None,
                "sign_off_url": reverse("api-board-signoff", args=[area.code]),
                "reopen_url": reverse("api-board-reopen", args=[area.code]),
            }
        )
    return out


_SHARED: dict = {}  # (area id, round, last activity id) → (expires, snapshot without the user's rights)
_SHARED_LOCK = threading.Lock()


def shared_seconds() -> float:
    """How long boards share a snapshot (``BOARDS_SHARED_SNAPSHOT_SECONDS``, default 2; 0 in tests,
    where ids are reused from one test to the next)."""
    default = 0.0 if getattr(settings, "TESTING", False) else 2.0
    return float(getattr(settings, "BOARDS_SHARED_SNAPSHOT_SECONDS", default))


def snapshot(*, area: Area, user, round_year: int) -> dict:
    """Everything a board shows; the part every viewer shares is reused for ``SHARED_SECONDS``
    while no new activity was recorded (many boards opening at once, e.g. after a restart)."""
    if not shared_seconds():
        return _snapshot(area=area, user=user, round_year=round_year)
    last = Activity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    key = (area.pk, round_year, last)
    now = time.monotonic()
    with _SHARED_LOCK:
        cached = _SHARED.get(key)
    if cached is None or cached[0] < now:
        cached = (now + shared_seconds(), _snapshot(area=area, user=None, round_year=round_year))
        with _SHARED_LOCK:
            for stale in [k for k, v in _SHARED.items() if v[0] < now]:
                del _SHARED[stale]
            _SHARED[key] = cached
    shared = cached[1]
    signoff = dict(shared["signoff"])
    if area.kind == AreaKind.COMMUNE:
        may = user_can_manage(user=user, area=area)
        signoff["can_sign_off"] = may and not signoff["is_signed_off"]
        signoff["can_reopen"] = may and signoff["is_signed_off"]
    return {**shared, "at": timezone.now().isoformat(), "signoff": signoff}


def signoff_state(*, area: Area, user, round_year: int) -> dict:
    """The sign-off block of a board, fresh (after a sign-off or reopen)."""
    return _signoff(area, [], round_year, user)


def _snapshot(*, area: Area, user, round_year: int) -> dict:
    """Everything a board shows, from counters and stored rows (a dozen small queries)."""
    kids = Area.objects.filter(parent=area)
    children = sorted(kids, key=lambda a: a.code)
    values = values_of(
        area_ids=[area.pk, *[c.pk for c in children]],
        round_year=round_year,
        keys=[EXPECTED, VISITED],
    )
    values[area.pk] = {
        **values.get(area.pk, {}),
        **{
            key: value
            for key, value in Counter.objects.filter(area=area, round=round_year)
            .exclude(key__in=[EXPECTED, VISITED])
            .values_list("key", "value")
        },
    }
    queues, per_child = _queues(area, children, round_year)
    standards = _standards([area, *[c for c in children if c.kind != AreaKind.VILLAGE]], round_year)
    surveyors, phones = _surveyors(area, values, round_year)
    signoff = _signoff(area, children, round_year, user)
    child_rows = []
    for child in children:
        row = _area(child, values)
        row.update(per_child.get(child.code, {}))
        row["signed_off"] = (
            child.code in signoff["children"] if child.kind == AreaKind.COMMUNE else None
        )
        row["standards"] = standards.get(child.code, [])
        child_rows.append(row)
    days = sorted(
        (key[4:], value)
        for key, value in values[area.pk].items()
        if key.startswith("day:") and value
    )
    parent = Area.objects.filter(pk=area.parent_id).first() if area.parent_id else None
    activity = [
        row.event
        for row in Activity.objects.filter(codes__contains=f",{area.code},").order_by("-pk")[
            :FEED_SIZE
        ]
    ]
    return {
        "type": "snapshot",
        "at": timezone.now().isoformat(),
        "round": round_year,
        "area": {
            **_area(area, values),
            "parent": _area(parent, {}) if parent and parent.kind in BOARD_KINDS else None,
            "standards": standards.get(area.code, []),
        },
        "children": child_rows,
        "surveyors": surveyors,
        "phones_unsynced": phones,
        "unsynced_hours": getattr(settings, "BOARDS_UNSYNCED_HOURS", 24),
        "queues": queues,
        "days": [{"day": day, "visited": value} for day, value in days],
        "activity": activity,
        "signoff": signoff,
        "websocket": f"/ws/boards/{area.code}/",
    }
