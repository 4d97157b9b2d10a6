"""``manage.py import_survey FILE --commune CODE --round Y [--dry-run] [--reason TEXT]``.

Prints a JSON summary (rows read, households and people created/updated, rows rejected,
every error with its row, column and reason). Rejected rows are reported, not fatal: the
exit code is 0. An unreadable file, an unknown commune or round, or a signed-off commune
without ``--reason`` exits with 1 and a message. ``--errors FILE`` also writes the errors
workbook (docs/imports.md).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from areas.models import Area, AreaKind
from imports.survey import ImportRefused, import_file, write_errors_workbook
from surveys.models import Round


class Command(BaseCommand):
    help = "Import a survey workbook (MOET MauNhapLieu or our template) into a commune's round."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--commune", required=True, help="commune code")
        parser.add_argument(
            "--round", type=int, required=True, help="survey round (school year start)"
        )
        parser.add_argument("--dry-run", action="store_true", help="read and check, write nothing")
        parser.add_argument("--reason", default="", help="required when the commune is signed off")
        parser.add_argument("--errors", default="", help="also write the errors workbook here")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        commune = Area.objects.filter(kind=AreaKind.COMMUNE, code=options["commune"]).first()
        if commune is None:
            raise CommandError(f"Unknown commune code {options['commune']!r}.")
        if not Round.objects.filter(year=options["round"]).exists():
            raise CommandError(f"No survey round {options['round']}.")
        with translation.override("vi"):
            try:
                result = import_file(
                    path, commune=commune, round_year=options["round"], dry_run=options["dry_run"],
                    reason=options["reason"],
                )  # fmt: skip
            except ImportRefused as exc:
                raise CommandError(exc.message) from exc
            if options["errors"]:
                write_errors_workbook(result, Path(options["errors"]))
            summary = result.summary()
        summary["commune"] = commune.code
        summary["round"] = options["round"]
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
