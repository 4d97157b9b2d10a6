"""Blocking: which pairs are worth scoring at all.

Scoring every pair of a district (140,000 people, ~10¹⁰ pairs) is out of reach;
comparing only people who share a *blocking key* is near-linear. Each resident
gets a few keys, and two residents are compared when any key is shared:

- ``g<year><sex>:<form>`` for each form of the folded given name with at most
  one letter removed ("hung" → hung, ung, hng, hug, hun). Two given names one
  typing slip apart (a letter replaced, dropped or two swapped) always share a
  form; the birth year and sex keep the blocks small (the given name is the
  most varied part of a Vietnamese name; the family name is not — Nguyễn is
  ~38 %). Missing or swapped day/month do not matter here: they are scored.
- ``n<national id>``: the same 12-digit ID, whatever else was typed.
- ``d<month>-<day>:<folded name>``: the same name and full birth day, which
  catches a mistyped birth year.

The same keys are kept in the database (``dedup.MatchKey``) for the per-change
check, which looks up only the keys of the changed resident.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator

from dedup.matching import Profile
from dedup.normalize import deletions

MAX_BLOCK = 1000  # a key shared by more people (a placeholder ID…) says nothing: skipped


def keys(p: Profile) -> list[str]:
    forms = deletions(p.given_raw) | {p.given} if p.given else set()
    found = [f"g{p.year}{p.sex[:1]}:{form}" for form in sorted(forms)]
    if p.national_id:
        found.append(f"n{p.national_id}")
    if p.month is not None and p.day is not None and p.folded:
        found.append(f"d{p.month}-{p.day}:{p.folded}")
    return found


def blocks(profiles: list[Profile]) -> dict[str, list[int]]:
    by_key: dict[str, list[int]] = defaultdict(list)
    for index, profile in enumerate(profiles):
        for key in keys(profile):
            by_key[key].append(index)
    return by_key


def candidate_pairs(profiles: list[Profile]) -> Iterator[tuple[int, int]]:
    """Each pair of indexes sharing at least one key, once, smaller index first."""
    n = len(profiles)
    seen: set[int] = set()
    for members in blocks(profiles).values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for x, i in enumerate(members):
            base = i * n
            for j in members[x + 1 :]:
                code = base + j
                if code not in seen:
                    seen.add(code)
                    yield i, j


def count_namesakes(profiles: Iterable[Profile]) -> None:
    """Set ``namesakes`` and ``given_count``: how many of these profiles share the folded name
    (the given name) with the same birth year and sex."""
    profiles = list(profiles)
    counts: dict[tuple, int] = defaultdict(int)
    given: dict[tuple, int] = defaultdict(int)
    for p in profiles:
        counts[p.folded, p.year, p.sex] += 1
        given[p.given_raw, p.year, p.sex] += 1
    for p in profiles:
        p.namesakes = counts[p.folded, p.year, p.sex]
        p.given_count = given[p.given_raw, p.year, p.sex]
