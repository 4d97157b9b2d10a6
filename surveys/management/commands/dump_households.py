"""python manage.py dump_households --area CODE --round Y [--output FILE]

Writes the households of an area (any level) as a JSON list in wire format v1,
streamed so a city fits in constant memory. dump(load(x)) returns x.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from areas.models import Area
from areas.selectors import AreaLookupError, area_by_code
from surveys.models import Household
from surveys.selectors import with_round_details
from surveys.wire import household_to_wire


class Command(BaseCommand):
    help = "Write the households of an area and round as wire-format JSON."

    def add_arguments(self, parser):
        parser.add_argument(
            "--area", required=True, help="area code (a village may be written COMMUNE/VILLAGE)"
        )
        parser.add_argument("--round", type=int, required=True, dest="round_year")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, area, round_year, output=None, **options):
        target = self._area(area)
        households = with_round_details(
            Household.objects.filter(
                village__path__startswith=target.path, deleted_at__isnull=True
            ),
            round_year=round_year,
        ).order_by("village__path", "number", "id")
        out = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115
        write = out.write if out else (lambda text: self.stdout.write(text, ending=""))
        try:
            write("[")
            for index, household in enumerate(households.iterator(chunk_size=500)):
                write(",\n" if index else "\n")
                write(
                    json.dumps(
                        household_to_wire(household, round_year=round_year), ensure_ascii=False
                    )
                )
            write("\n]\n")
        finally:
            if out:
                out.close()

    def _area(self, code: str) -> Area:
        try:
            return area_by_code(code=code)
        except AreaLookupError as exc:
            raise CommandError(str(exc)) from None
