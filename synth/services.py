"""A deterministic synthetic population shaped like Hải Phòng (``manage.py synth``).

Call :func:`generate` (the ``synth`` and ``demo`` commands do)::

    from synth.services import generate
    summary = generate(communes=4, households_per_commune=250, seed=1, round_year=2025)

It creates the area tree (city → [districts →] communes → villages) through
``areas.services.area_upsert``, the ``surveys.Round`` of the year, then households,
residents, enrollments of the round and visits in bulk (``COPY`` on PostgreSQL,
``bulk_create`` elsewhere), all in one transaction. Area codes follow the rule in
:mod:`synth.places`; a run whose communes already have households is refused
(:class:`SynthRefused`), so data is never doubled.

What the population looks like (DOMAIN.md): ≈3.3 people per household, ≈23 % aged
0–14 and ≈14 % aged 60+, Vietnamese names with realistic family-name shares
(Nguyễn ≈ 38 %), schooling consistent with age (≈2.5 % a grade behind, ≈1.5 % of
11–18 dropped out), ≈1.9 % disabled, some illiterate adults, moves and deaths.
Every row satisfies the models' constraints and the consistency rules of §4.

Determinism: the same options give the same ids, names, birth data, schooling and
truth file. Everything comes from one ``random.Random`` seeded with the seed, the
city code and the first commune code (so runs for other places never reuse ids);
the injected duplicates come from a second one, so a run with duplicates holds
exactly the people of the same run without them, plus the duplicates. Only
timestamps, area primary keys, ``seq`` values and visit dates (drawn between
1 September and min(today, 30 November) of the round; pass ``today`` to pin them)
depend on the day and the database. National ID numbers are unique within a run.

Speed: on PostgreSQL the rows go through ``COPY`` while the next batch is generated
in a background thread: ≈28,000 people per second for 330,000 people and ≈21,700
for a 4.7 M city on the 2-core reference machine (``bench/synth_rate.py``).

The synthetic seed is a baseline, not an edit: households and residents get
``version`` 1 and a ``seq`` from the change sequence, but no ``surveys_change`` rows.
"""

import datetime
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator

from django.db import connection, transaction
from django.utils import timezone

from surveys.models import Round
from synth.duplicates import TRUTH_COLUMNS, DuplicateInjector, TruthRow, write_truth
from synth.people import PopulationGenerator
from synth.places import CityPlan, CommunePlan, SynthRefused, create_areas, plan_city
from synth.records import Household, Person
from synth.writer import make_writer

__all__ = [
    "TRUTH_COLUMNS",
    "Household",
    "Person",
    "SynthRefused",
    "TruthRow",
    "current_round_year",
    "generate",
    "plan_city",
    "population",
]

BATCH_PEOPLE = 20_000  # people per write batch (one COPY per table)


def current_round_year(today: datetime.date | None = None) -> int:
    """The school year running today: the year itself from September, else the year before."""
    today = today or timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


def generate(
    *,
    communes: int,
    households_per_commune: int,
    villages_per_commune: int = 8,
    seed: int = 1,
    round_year: int | None = None,
    duplicate_rate: float = 0.0,
    truth_path: str | None = None,
    city_code: str = "31",
    city_name: str | None = None,
    districts: int = 0,
    commune_code_start: int | None = None,
    district_code_start: int | None = None,
    today: datetime.date | None = None,
    progress: Callable[[dict], None] | None = None,
) -> dict:
    """Create a synthetic city in the database and return a summary.

    ``districts=0`` puts communes directly under the city (the 2025 two-tier shape);
    ``districts=N`` spreads them over N districts. ``duplicate_rate`` (0–1) is the
    share of people given an injected duplicate, listed in ``truth_path`` (CSV).
    ``progress`` is called after each written batch with the running counts.
    Returns ``{communes, villages, households, people, duplicates, enrollments,
    visits, seconds, people_per_second, …}``.
    """
    _check(communes, households_per_commune, villages_per_commune, duplicate_rate, round_year)
    started = time.perf_counter()
    year = round_year or current_round_year(today)
    plan = plan_city(
        communes=communes, villages_per_commune=villages_per_commune, city_code=city_code, city_name=city_name,
        districts=districts, commune_code_start=commune_code_start, district_code_start=district_code_start,
    )  # fmt: skip
    injector = DuplicateInjector(
        rng=random.Random(f"{run_key(plan, seed)}:duplicates"), rate=duplicate_rate
    )
    with transaction.atomic():
        Round.objects.get_or_create(year=year)
        create_areas(plan)
        writer = make_writer(round_year=year, now=timezone.now())
        stream = injector(
            population(
                plan,
                seed=seed,
                round_year=year,
                households_per_commune=households_per_commune,
                today=today,
            )
        )
        _write_all(stream, writer, progress)
        writer.finish()
    if truth_path:
        write_truth(truth_path, injector.truth)
    return _summary(plan, writer.counts, injector, seed, year, time.perf_counter() - started)


def population(
    plan: CityPlan,
    *,
    seed: int,
    round_year: int,
    households_per_commune: int,
    today: datetime.date | None = None,
) -> Iterator[Household]:
    """The households of a planned city, in order, without duplicates and without a database."""
    generator = PopulationGenerator(
        rng=random.Random(run_key(plan, seed)),
        year=round_year,
        province_code=plan.code,
        visit_window=visit_window(round_year, today),
    )
    city_short = plan.name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
    for commune in plan.communes:
        schools = school_names(commune, city_short)
        villages = commune.villages
        for index, village in enumerate(villages):
            count = households_per_commune // len(villages) + (
                index < households_per_commune % len(villages)
            )
            for serial in range(1, count + 1):
                yield generator.household(village, serial, schools)


def run_key(plan: CityPlan, seed: int) -> str:
    """What seeds the RNGs: the seed and the place, so two cities (or code ranges) get different ids."""
    return f"pcgd-synth:{seed}:{plan.code}:{plan.communes[0].code}"


def visit_window(round_year: int, today: datetime.date | None) -> tuple[datetime.date, int]:
    """Visits fall between 1 September of the round and today (at the latest 30 November)."""
    start = datetime.date(round_year, 9, 1)
    end = min(today or timezone.localdate(), datetime.date(round_year, 11, 30))
    return start, max(1, (end - start).days + 1)


def school_names(commune: CommunePlan, city_short: str) -> dict[str, str]:
    short = commune.short_name
    return {
        "preschool": f"Trường Mầm non {short}",
        "primary": f"Trường Tiểu học {short}",
        "lower_secondary": f"Trường THCS {short}",
        "upper_secondary": f"Trường THPT {short}",
        "continuing_upper": f"Trung tâm GDNN-GDTX {commune.district.name if commune.district else city_short}",
        "vocational": f"Trường Cao đẳng nghề {city_short}",
        "higher": f"Trường Đại học {city_short}",
    }


def _check(communes: int, households: int, villages: int, rate: float, year: int | None) -> None:
    if communes < 1 or households < 1 or not 1 <= villages <= 99:
        raise SynthRefused(
            "Need at least one commune and one household per commune, and 1–99 villages per commune."
        )
    if villages > households:
        raise SynthRefused("Each village needs at least one household: use fewer villages.")
    if not 0.0 <= rate <= 1.0:
        raise SynthRefused("The duplicate rate is a share between 0 and 1.")
    if year is not None and not 2000 <= year <= 2100:
        raise SynthRefused("The round is a school year between 2000 and 2100.")


def _write_all(stream: Iterator[Household], writer, progress) -> None:
    """Write the stream in batches; the next batch is generated while the database takes one.

    Generation and ``writer.prepare`` (all per-row Python work) run in a background
    thread; this thread only sends prepared rows and waits on the socket without the
    GIL, so on a 2-core machine Python and PostgreSQL each keep a core busy.
    """
    prepared = (
        (writer.prepare(batch), batch[-1].village.commune.code) for batch in _batches(stream)
    )
    for rows, commune in prefetch(prepared, depth=2):
        writer.write(rows)
        if progress is not None:
            progress(
                {
                    "households": writer.counts.households,
                    "people": writer.counts.residents,
                    "commune": commune,
                }
            )


def _batches(stream: Iterator[Household]) -> Iterator[list[Household]]:
    batch: list[Household] = []
    people = 0
    for hh in stream:
        batch.append(hh)
        people += len(hh.members)
        if people >= BATCH_PEOPLE:
            yield batch
            batch, people = [], 0
    if batch:
        yield batch


def prefetch(items: Iterator, *, depth: int) -> Iterator:
    """Run ``items`` in a background thread, ``depth`` items ahead; errors surface here."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(done)
        except BaseException as error:  # noqa: BLE001 - handed over to the consumer
            buffer.put(error)

    thread = threading.Thread(target=produce, name="synth-generator", daemon=True)
    thread.start()
    try:
        while (item := buffer.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _summary(
    plan: CityPlan, counts, injector: DuplicateInjector, seed: int, year: int, seconds: float
) -> dict:
    return {
        "city": plan.code,
        "round": year,
        "seed": seed,
        "database": connection.vendor,
        "communes": len(plan.communes),
        "districts": len(plan.districts),
        "villages": sum(len(c.villages) for c in plan.communes),
        "commune_codes": [plan.communes[0].code, plan.communes[-1].code],
        "households": counts.households,
        "people": counts.residents,
        "duplicates": len(injector.truth),
        "enrollments": counts.enrollments,
        "visits": counts.visits,
        "seconds": round(seconds, 3),
        "people_per_second": round(counts.residents / seconds) if seconds > 0 else None,
    }
