"""``manage.py indicators --area CODE --round Y [--rules NAME] [--json]``: an area's figures."""

import json

from django.core.management.base import BaseCommand, CommandError

from areas.services import area_find_parent
from indicators import selectors, services
from indicators.rulebook import rules_named
from indicators.tasks import refresh_stale
from indicators.texts import rate_text
from indicators.tree import FIGURE_KINDS
from server.errors import DomainError
from surveys.models import StaleCommune
from surveys.selectors import round_current
from surveys.services import round_ensure


class Command(BaseCommand):
    help = (
        "Recount an area's communes, roll them up and print the figures: cohorts per age, the indicators "
        "of DOMAIN.md §6 and the standards of §7 (for a district or city the counts are sums of its communes). "
        "--stored prints the stored figures without recounting; --refresh-stale refreshes every commune marked stale."
    )

    def add_arguments(self, parser):
        parser.add_argument("--area", help="commune, district, city or province code")
        parser.add_argument(
            "--round", type=int, default=None, help="survey round Y (default: the current round)"
        )
        parser.add_argument("--rules", default=None, help="rule set name (default nd20-2014)")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--stored",
            action="store_true",
            help="print the stored figures; count only what was never counted",
        )
        parser.add_argument(
            "--refresh-stale",
            action="store_true",
            help="refresh every commune marked stale, then stop",
        )

    def handle(self, *args, **options):
        if options["refresh_stale"]:
            ids = sorted(set(StaleCommune.objects.values_list("commune_id", flat=True)))
            count = refresh_stale(ids) if ids else 0
            self.stdout.write(json.dumps({"refreshed": count}))
            return
        if not options["area"]:
            raise CommandError("--area is required.")
        area = area_find_parent(code=options["area"])
        if area is None or area.kind not in FIGURE_KINDS:
            raise CommandError(
                f"No commune, district, city or province with code {options['area']}."
            )
        round_year = options["round"] or round_current()
        round_ensure(year=round_year)
        try:
            rules = rules_named(options["rules"])
        except DomainError as exc:
            raise CommandError("; ".join(m for ms in exc.errors.values() for m in ms)) from None
        if not options["stored"]:
            services.area_refresh(area=area, round_year=round_year)
        figures = selectors.figures_get(area=area, round_year=round_year, rules=rules)
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
        else:
            self._summary(figures)

    def _summary(self, figures: dict) -> None:
        self.stdout.write(
            f"{figures['area_name']} ({figures['area']}) · {figures['round']} · {figures['rules']} v{figures['rules_version']}"
        )
        for key, value in figures["indicators"].items():
            if isinstance(value, bool):
                self.stdout.write(f"  {key:<24} {'yes' if value else 'no'}")
            else:
                shown = rate_text(value["rate"]) if value["rate"] is not None else "—"
                self.stdout.write(
                    f"  {key:<24} {value['numerator']:>8} / {value['denominator']:<8} {shown}"
                )
        for programme, standard in figures["standards"].items():
            state = (
                ("met" if standard["met"] else "not met")
                if "met" in standard
                else f"level {standard['level']}"
            )
            self.stdout.write(f"  {programme:<24} {state}")
            for reason in standard["reasons"]:
                self.stdout.write(f"      – {reason}")
