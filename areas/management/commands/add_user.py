"""python manage.py add_user NAME --role ROLE --area CODE [--password P]"""

from django.core.management.base import BaseCommand, CommandError

from areas.models import Area, Role
from areas.selectors import AreaLookupError, area_by_code
from areas.services import user_upsert
from server.errors import ValidationFailed


class Command(BaseCommand):
    help = "Create or update a user and give them a role in an area."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--area",
            required=True,
            help="area code (a village code may be written COMMUNE/VILLAGE)",
        )
        parser.add_argument(
            "--password", help="set this password (a new user without one gets a random one)"
        )
        parser.add_argument("--name", help="the person's full name")

    def handle(self, *args, username, role, area, password=None, name=None, **options):
        target = self._area(area, role)
        try:
            result = user_upsert(
                username=username, role=role, area=target, password=password, full_name=name
            )
        except ValidationFailed as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
            ) from None
        verb = "created" if result.created else "updated"
        line = f"{verb} {username}: {Role(role).label} · {target.name} ({target.code})"
        if result.password and not password:
            line += f" · password: {result.password}"
        self.stdout.write(line)

    def _area(self, code: str, role: str) -> Area:
        try:
            return area_by_code(code=code, village_first=role == Role.SURVEYOR)
        except AreaLookupError as exc:
            raise CommandError(str(exc)) from None
