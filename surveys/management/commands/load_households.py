"""python manage.py load_households FILE.json --round Y

FILE.json is a JSON list of wire-format households (DOMAIN.md §4), villages by
code. Each household loads on its own (created, or updated when its id exists);
an invalid one is reported with its position, number and errors, and the rest
load. Prints a JSON summary.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from server.errors import DomainError
from surveys.services import household_upsert


class Command(BaseCommand):
    help = "Load wire-format households from a JSON file into a survey round."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--round", type=int, required=True, dest="round_year")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="exit with an error when any household is rejected",
        )

    def handle(self, *args, file, round_year, strict=False, **options):
        households = self._read(file)
        summary = {
            "households": len(households),
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "rejected": 0,
        }
        for index, data in enumerate(households, start=1):
            try:
                result = household_upsert(data=data, round_year=round_year, source="import")
            except DomainError as exc:
                summary["rejected"] += 1
                self._report(index, data, exc)
                continue
            key = "created" if result.created else "updated" if result.changed else "unchanged"
            summary[key] += 1
        self.stdout.write(json.dumps(summary))
        if strict and summary["rejected"]:
            raise CommandError(f"{summary['rejected']} household(s) rejected")

    def _read(self, file) -> list:
        try:
            with open(file, encoding="utf-8-sig") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise CommandError(f"cannot open {file}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{file} is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
        if not isinstance(data, list):
            raise CommandError(f"{file} must hold a JSON list of households")
        return data

    def _report(self, index: int, data, exc: DomainError) -> None:
        number = data.get("number") if isinstance(data, dict) else None
        label = f"household {index}" + (f" (number {number})" if number else "")
        details = (
            "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.errors.items())
            or exc.message
        )
        self.stderr.write(f"{label}: {details}")
