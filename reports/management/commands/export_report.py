"""``manage.py export_report --form CODE --area CODE --round Y --out FILE``: one form, or ALL as a zip.

Runs synchronously, without a job row. Prints a JSON summary.
"""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from areas.selectors import AreaLookupError, area_by_code
from reports.forms import FORMS
from reports.models import JobKind
from reports.services import EXPORT_AREA_KINDS, produce
from surveys.models import Round


class Command(BaseCommand):
    help = (
        f"Write an official form ({', '.join(FORMS)}) of an area as xlsx, or ALL of them as a zip."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--form", required=True, help=f"form code ({', '.join(FORMS)}) or ALL (zip)"
        )
        parser.add_argument("--area", required=True, help="commune, district or city code")
        parser.add_argument(
            "--round", type=int, required=True, help="survey round Y (school year Y-Y+1)"
        )
        parser.add_argument("--out", required=True, help="file to write (.xlsx, or .zip for ALL)")
        parser.add_argument(
            "--rules", default=None, help="rule set name (default: the default rule set)"
        )

    def handle(self, *args, **options):
        code = options["form"].upper()
        if code != "ALL" and code not in FORMS:
            raise CommandError(
                f"Unknown form {options['form']!r}; choose one of: {', '.join(FORMS)}, ALL."
            )
        try:
            area = area_by_code(code=options["area"])
        except AreaLookupError as error:
            raise CommandError(str(error)) from error
        if area.kind not in EXPORT_AREA_KINDS:
            raise CommandError(
                f"Area {area.code} is a {area.kind}; forms are made for a commune, a district or a city."
            )
        if not Round.objects.filter(year=options["round"]).exists():
            raise CommandError(f"No survey round {options['round']}.")
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        kind = JobKind.FORMS_ZIP if code == "ALL" else JobKind.FORM
        params = (
            {"form": code, "rules": options["rules"]}
            if code != "ALL"
            else {"rules": options["rules"]}
        )
        started = time.perf_counter()
        summary = produce(
            kind=kind, area=area, round_year=options["round"], params=params, path=out
        )
        summary.update(
            {
                "area": area.code,
                "area_name": area.name,
                "kind": area.kind,
                "round": options["round"],
                "out": str(out),
                "bytes": out.stat().st_size,
                "seconds": round(time.perf_counter() - started, 3),
            }
        )
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
