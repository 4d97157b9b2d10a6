"""``manage.py dedup --area CODE --round Y [--pairs FILE.csv]``: the batch run over an area."""

import json

from django.core.management.base import BaseCommand, CommandError

from areas.selectors import AreaLookupError, area_by_code
from dedup.detect import PAIR_COLUMNS, area_run
from surveys.selectors import round_current


class Command(BaseCommand):
    help = (
        "Find duplicate residents in an area (city, district, commune, or COMMUNE/VILLAGE): queue the "
        "pairs worth reviewing, link exact national-ID matches, rebuild the blocking index. Prints one "
        f"JSON summary. --pairs writes the pairs as CSV ({','.join(PAIR_COLUMNS)})."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--area", required=True, help="area code (a village as COMMUNE/VILLAGE)"
        )
        parser.add_argument(
            "--round", type=int, default=None, help="survey round Y (default: the current one)"
        )
        parser.add_argument(
            "--pairs", default=None, metavar="FILE.csv", help="write the candidate pairs here"
        )
        parser.add_argument(
            "--no-link", action="store_true", help="queue everything, link nothing automatically"
        )

    def handle(self, *args, **options):
        try:
            area = area_by_code(code=options["area"])
        except AreaLookupError as error:
            raise CommandError(str(error)) from error
        summary = area_run(
            area=area,
            round_year=options["round"] or round_current(),
            pairs_path=options["pairs"],
            link=not options["no_link"],
        )
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
