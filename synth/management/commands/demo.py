"""python manage.py demo — a small city shaped like Hải Phòng and one account per role.

Idempotent: a second run keeps the data and resets the demo passwords.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from areas.models import Area, AreaKind, Role
from areas.services import user_upsert
from surveys.models import Household
from surveys.recording import bulk_loaded
from surveys.selectors import round_current

DEMO_PASSWORD = "pcgd-demo-2026"  # noqa: S105 - printed on the console on purpose
CITY_CODE = "31"


class Command(BaseCommand):
    help = "Load the demo city (synthetic people) and create one demo account per role."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=250, help="households per commune")
        parser.add_argument("--communes", type=int, default=4)

    def handle(self, *args, households, communes, **options):
        round_year = round_current()
        city = Area.objects.filter(code=CITY_CODE, kind=AreaKind.CITY).first()
        if (
            city is None
            or not Household.objects.filter(village__path__startswith=city.path).exists()
        ):
            from synth.services import generate

            summary = generate(
                communes=communes,
                households_per_commune=households,
                villages_per_commune=5,
                seed=2025,
                round_year=round_year,
                districts=2,
                duplicate_rate=0.01,
                city_code=CITY_CODE,
            )
            self.stdout.write(
                f"Demo city: {summary['communes']} communes, {summary['households']} households, "
                f"{summary['people']} people (round {round_year})"
            )
            city = Area.objects.get(code=CITY_CODE, kind=AreaKind.CITY)
            # The generator writes in bulk, past the write layer: derived figures are rebuilt.
            bulk_loaded(round_year=round_year)
        self._accounts(city)

    def _accounts(self, city: Area) -> None:
        district = (
            Area.objects.filter(path__startswith=city.path, kind=AreaKind.DISTRICT)
            .order_by("path")
            .first()
        )
        commune = (
            Area.objects.filter(path__startswith=city.path, kind=AreaKind.COMMUNE)
            .order_by("path")
            .first()
        )
        villages = list(
            Area.objects.filter(parent=commune, kind=AreaKind.VILLAGE).order_by("path")[:2]
        )
        accounts = [("thanhpho", Role.CITY_STAFF, city), ("xa", Role.COMMUNE_OFFICER, commune)]
        if district is not None:
            accounts.insert(1, ("quanhuyen", Role.DISTRICT_SUPERVISOR, district))
        accounts += [("dieutra", Role.SURVEYOR, village) for village in villages]
        for username, role, area in accounts:
            user_upsert(username=username, role=role, area=area, password=DEMO_PASSWORD)
        admin, _created = get_user_model().objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD})")
        self.stdout.write("  admin       superuser")
        seen = set()
        for username, role, area in accounts:
            label = f"  {username:<11} {Role(role).label} · {area.name} ({area.code})"
            self.stdout.write(
                label if username not in seen else f"  {'':<11} + {area.name} ({area.code})"
            )
            seen.add(username)
