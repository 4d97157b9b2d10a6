"""Seed a fault test's database (run as ``python -m tests.faults.seed`` with its DATABASE_URL).

Makes the test city of tests/factories.py, round 2025, the surveyor ``gv`` of village
11311-01 with an API token, and a city-staff user ``tp`` with an API token and a signed-in
session (its cookie opens the boards' websockets). Prints one JSON line.
"""

import json
import sys


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from surveys.services import round_ensure
    from tests.factories import ROUND, make_city, make_user

    round_ensure(year=ROUND)
    city = make_city()
    surveyor = make_user("gv", "surveyor", city.village_a1)
    staff = make_user("tp", "city_staff", city.city)
    session = SessionStore()
    session[SESSION_KEY] = str(staff.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
    session.create()
    sys.stdout.write(
        json.dumps(
            {
                "round": ROUND,
                "village": city.village_a1.code,
                "commune": city.commune_a.code,
                "city": city.city.code,
                "surveyor_token": Token.objects.create(user=surveyor).key,
                "staff_token": Token.objects.create(user=staff).key,
                "staff_session": session.session_key,
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
