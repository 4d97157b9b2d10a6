"""Recompute the board counters from the register (after an import, a restore, or to check them)."""

from django.core.management.base import BaseCommand

from boards.counters import rebuild
from surveys.models import Round


class Command(BaseCommand):
    help = "Recompute the live boards' counters (households visited/expected, per day, per surveyor) from scratch."

    def add_arguments(self, parser):
        parser.add_argument(
            "--round",
            type=int,
            action="append",
            help="round (school year start); default: every round",
        )

    def handle(self, *args, **options):
        rounds = options["round"] or list(Round.objects.values_list("year", flat=True))
        for year in rounds:
            rows = rebuild(round_year=year)
            self.stdout.write(f"round {year}: {rows} counters")
