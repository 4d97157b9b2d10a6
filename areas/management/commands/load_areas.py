"""python manage.py load_areas FILE.csv — create or update areas idempotently.

Header: code,name,kind,parent_code,difficult (difficult "1" marks an ĐBKK commune).
Rows may come in any order (parents are resolved across passes). Bad rows are
reported with their line number and reason; the good rows load.
"""

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from areas.models import AreaKind
from areas.services import area_find_parent, area_set_difficulty, area_upsert
from server.errors import ValidationFailed

HEADER = ["code", "name", "kind", "parent_code", "difficult"]
TRUE_VALUES = {"1", "x", "true", "yes", "có", "co"}
FALSE_VALUES = {"", "0", "false", "no", "không", "khong"}


class Command(BaseCommand):
    help = "Create or update areas from a CSV file (code,name,kind,parent_code,difficult)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--year", type=int, help="also record the ĐBKK flags for this school year"
        )
        parser.add_argument(
            "--strict", action="store_true", help="exit with an error when any row is rejected"
        )

    def handle(self, *args, file, year=None, strict=False, **options):
        rows, errors = self._read(file)
        summary = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        pending = rows
        while pending:
            waiting = []
            for line, row in pending:
                parent = area_find_parent(code=row["parent_code"]) if row["parent_code"] else None
                if row["parent_code"] and parent is None:
                    waiting.append((line, row))
                    continue
                self._load_row(line, row, parent, year, summary, errors)
            if len(waiting) == len(pending):
                for line, row in waiting:
                    errors.append(
                        (line, {"parent_code": [f"no area with code {row['parent_code']!r}"]})
                    )
                break
            pending = waiting
        summary["rejected"] = len({line for line, _e in errors})
        for line, row_errors in sorted(errors, key=lambda e: e[0]):
            self.stderr.write(
                f"line {line}: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in row_errors.items())
            )
        self.stdout.write(json.dumps(summary))
        if strict and errors:
            raise CommandError(f"{summary['rejected']} row(s) rejected")

    def _read(self, file):
        try:
            handle = open(file, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot open {file}: {exc.strerror}") from None
        with handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [h for h in HEADER if h not in header]
            if missing:
                raise CommandError(
                    f"{file}: the header must be {','.join(HEADER)} (missing: {', '.join(missing)})"
                )
            rows, errors = [], []
            for line, raw in enumerate(reader, start=2):
                row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
                flag = row["difficult"].lower()
                if flag not in TRUE_VALUES | FALSE_VALUES:
                    errors.append((line, {"difficult": [f"{row['difficult']!r} is not 1 or 0"]}))
                    continue
                row["difficult"] = flag in TRUE_VALUES
                row["kind"] = row["kind"].lower()
                rows.append((line, row))
        return rows, errors

    def _load_row(self, line, row, parent, year, summary, errors):
        try:
            result = area_upsert(
                code=row["code"],
                name=row["name"],
                kind=row["kind"],
                parent=parent,
                difficult=row["difficult"],
            )
        except ValidationFailed as exc:
            errors.append((line, exc.errors))
            return
        if year is not None and row["kind"] == AreaKind.COMMUNE:
            area_set_difficulty(area=result.area, year=year, difficult=row["difficult"])
        key = "created" if result.created else "updated" if result.changed else "unchanged"
        summary[key] += 1
