"""``manage.py synth``: load a deterministic synthetic population (see ``synth``)."""

import json

from django.core.management.base import BaseCommand, CommandError

from surveys.recording import bulk_loaded
from synth.services import current_round_year, generate


def _share(value: str) -> float:
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(value)
    return rate


class Command(BaseCommand):
    help = (
        "Fill the database with a synthetic city shaped like Hải Phòng: areas, households, residents, "
        "enrollments and visits of a round, optionally with injected duplicates and their truth file. "
        "Deterministic per --seed. Prints a JSON summary."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--communes", type=int, default=4, help="number of communes (default 4)"
        )
        parser.add_argument(
            "--households", type=int, default=250, help="households per commune (default 250)"
        )
        parser.add_argument(
            "--villages", type=int, default=8, help="villages per commune (default 8)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--round",
            type=int,
            default=None,
            help="survey round Y (default: the current school year)",
        )
        parser.add_argument(
            "--duplicates",
            type=_share,
            default=0.0,
            metavar="RATE",
            help="share of people given a duplicate (0–1)",
        )
        parser.add_argument(
            "--truth", default=None, metavar="FILE.csv", help="write the injected duplicates here"
        )
        parser.add_argument(
            "--city", default="31", help="2-digit province/city code (default 31, Hải Phòng)"
        )
        parser.add_argument("--city-name", default=None, help="the city's name when it is created")
        parser.add_argument(
            "--districts",
            type=int,
            default=0,
            help="spread communes over N districts (0: two tiers)",
        )
        parser.add_argument(
            "--code-start", type=int, default=None, help="first commune code (default city×1000+1)"
        )

    def handle(self, *args, **options):
        city = options["city"]
        if not (city.isdigit() and len(city) == 2):
            raise CommandError("--city is a 2-digit province code, e.g. 31.")
        if options["districts"] < 0:
            raise CommandError("--districts cannot be negative.")
        summary = generate(
            communes=options["communes"],
            households_per_commune=options["households"],
            villages_per_commune=options["villages"],
            seed=options["seed"],
            round_year=options["round"] or current_round_year(),
            duplicate_rate=options["duplicates"],
            truth_path=options["truth"],
            city_code=city,
            city_name=options["city_name"],
            districts=options["districts"],
            commune_code_start=options["code_start"],
            progress=self._progress if options["verbosity"] >= 2 else None,
        )
        # The generator writes in bulk, past the write layer: derived figures are rebuilt.
        bulk_loaded(round_year=options["round"] or current_round_year())
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _progress(self, counts: dict) -> None:
        self.stderr.write(
            f"commune {counts['commune']}: {counts['households']} households, {counts['people']} people"
        )
