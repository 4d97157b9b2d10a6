"""After each commit of the register: update the board counters and announce the progress.

Runs once per committed write (a whole sync push is one), and only when households
or visits changed (a resident's edit changes no counter): a few queries per
village touched.
"""

import logging

from django.contrib.auth import get_user_model
from django.utils import timezone

from areas.models import Area
from boards.counters import EXPECTED, VISITED, values_of, villages_recount
from server.events import publish_on_commit
from surveys.models import Change, Household

logger = logging.getLogger(__name__)
PROGRESS = "survey.progress"


def _rounds_and_villages(changes: list[Change]) -> tuple[set[int], set[int]]:
    from surveys.selectors import round_current

    rounds: set[int] = set()
    household_ids, moved_communes = set(), set()
    for change in changes:
        if change.entity == "visit":
            household_ids.add(change.household_id)
            given = (change.fields.get("round") or [None, None])[1]
            rounds.add(int(given) if given else round_current())
        elif change.entity == "household":
            household_ids.add(change.household_id)
            if change.action == "update" and "village" in change.fields:
                moved_communes.add(change.commune_id)
    if not household_ids:
        return set(), set()
    if any(c.entity == "household" for c in changes):
        rounds.add(round_current())
    villages = set(
        Household.objects.filter(pk__in=household_ids).values_list("village_id", flat=True)
    )
    if moved_communes:  # a household moved between villages: the old one is counted again too
        villages |= set(
            Area.objects.filter(parent_id__in=moved_communes, kind="village").values_list(
                "pk", flat=True
            )
        )
    return rounds, villages


def changes_committed(changes: list[Change]) -> None:
    rounds, villages = _rounds_and_villages(changes)
    if not villages:
        return
    at = timezone.now()
    user = next((c.user for c in changes if c.user_id), None)
    for round_year in sorted(rounds):
        changed = villages_recount(village_ids=villages, round_year=round_year)
        if changed["areas"]:
            announce(
                changed=changed,
                round_year=round_year,
                user=user,
                at=at,
                households=len({c.household_id for c in changes}),
            )


def announce(*, changed: dict, round_year: int, user, at, households: int) -> None:
    """One ``survey.progress`` event per commune touched, to its board and every board above."""
    deltas = changed["areas"]
    areas = {
        a.pk: a
        for a in Area.objects.filter(pk__in=list(deltas)).only(
            "pk", "code", "kind", "path", "parent_id"
        )
    }
    keys = {EXPECTED, VISITED} | {key for keys in deltas.values() for key in keys}
    values = values_of(area_ids=list(areas), round_year=round_year, keys=keys)
    user_ids = {int(key[5:]) for key in keys if key.startswith("user:")}
    names = (
        dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
        if user_ids
        else {}
    )

    def figures(area_id: int) -> dict:
        mine = values.get(area_id, {})
        touched = deltas.get(area_id, {})
        return {
            "visited": mine.get(VISITED, 0),
            "expected": mine.get(EXPECTED, 0),
            "days": {
                key[4:]: mine.get(key, 0) for key in sorted(touched) if key.startswith("day:")
            },
            "surveyors": {
                names.get(int(key[5:]), key[5:]): mine.get(key, 0)
                for key in sorted(touched)
                if key.startswith("user:")
            },
        }

    communes = sorted((a for a in areas.values() if a.kind == "commune"), key=lambda a: a.code)
    for commune in communes:
        chain = [int(part) for part in commune.path.strip("/").split("/") if part]
        up = [areas[pk] for pk in chain if pk in areas]
        villages = [
            areas[pk]
            for pk in changed["villages"]
            if pk in areas and areas[pk].parent_id == commune.pk
        ]
        event = {
            "type": PROGRESS,
            "round": round_year,
            "commune": commune.code,
            "user": getattr(user, "username", "") or "",
            "households": households,
            "at": at.isoformat(),
            "areas": {a.code: {"kind": a.kind, **figures(a.pk)} for a in up},
            "villages": {v.code: figures(v.pk) for v in villages},
        }
        publish_on_commit([a.code for a in up], event)


def bulk_loaded(round_year: int) -> None:
    """Rows were written in bulk (synth, demo): recount every counter of the round."""
    from boards.counters import rebuild

    rebuild(round_year=round_year)


def register() -> None:
    from surveys.recording import on_bulk_loaded, on_changes_committed

    on_changes_committed(changes_committed)
    on_bulk_loaded(bulk_loaded)
