"""Every URL and websocket route, DISCOVERED, as every role in and out of scope and anonymous.

The routes are walked from ``get_resolver()`` and ``server.routing.websocket_urlpatterns``,
so a new endpoint cannot escape this test: an unlisted route, or a URL argument this
file cannot fill, FAILS with a message saying what to add (docs/security.md "URL-wide
access test"). For each route:

- anonymous: every method is refused (401/403, or a redirect to the sign-in page), except
  the explicit PUBLIC allowlist below;
- each role allowed on the route (ROUTES), in scope: GET answers 2xx (3xx for redirecting
  pages, 405 for a route without GET);
- the same role, with the URL arguments pointing into another city: 404;
- a role not allowed on the route: 403 or 404;
- unsafe methods out of scope: 404 (nothing happens to another city's data).

The fixture city (tests/factories.py): commune A (villages A1, A2) under a district,
commune B under the city, and another city (village X1). In scope is built in village A1,
which every role below holds; out of scope is built in the other city.
"""

import asyncio
import io
import uuid
from dataclasses import dataclass, field

import pytest
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from server.routing import websocket_urlpatterns
from tests.factories import ROUND, make_household, make_user

ROLES = {
    "surveyor": "village_a1",
    "commune_officer": "commune_a",
    "district_supervisor": "district",
    "city_staff": "city",
}
ALL = set(ROLES)
MANAGERS = {"commune_officer", "district_supervisor", "city_staff"}
SUPERVISORS = {"district_supervisor", "city_staff"}
UNSAFE = ("post", "put", "patch", "delete")

# --- Public routes: reachable without signing in, on purpose. ------------------------------
PUBLIC = {
    "login": "the sign-in page",
    "healthz": "liveness probe for the load balancer; no personal data",
    "set_language": "language switch (POST with CSRF, no data)",
    "api-token": "exchanges a username and password for a token (throttled by axes)",
    "api-rules": "the consistency rules, cached by the field app before sign-in; no personal data",
    "field-app": "the field app's shell (static HTML; the data needs a session)",
    "field-sw-version": "the service worker's version script",
    "field-i18n": "the field app's translations",
    "field-session": "the field app's sign-in endpoint (GET says who is signed in)",
    "serviceworker": "the PWA service worker",
    "manifest": "the PWA manifest",
    "offline": "the PWA offline page",
    "api-schema": "the OpenAPI schema (public API documentation; no data)",
    "api-docs": "Swagger UI over the schema",
    "logout": "signing out is harmless when signed out (redirects to sign-in)",
}


@dataclass
class Rule:
    """Who may use a route: ``roles`` get 2xx in scope. ``scoped`` routes have URL arguments that
    point into an area; they are also asked out of scope (expect 404)."""

    roles: set = field(default_factory=lambda: set(ALL))
    # Roles that may open a list route but must see nothing of the fixture's people there.
    empty_for: set = field(default_factory=set)
    note: str = ""


# --- Every non-public route, with the roles allowed on it. ---------------------------------
ROUTES = {
    "home": Rule(ALL),
    "api-me": Rule(ALL),
    "api-areas": Rule(ALL),
    # Survey teams (accounts/): managers of the commune.
    "api-team": Rule(MANAGERS),
    "api-team-surveyors": Rule(MANAGERS),
    "api-team-surveyor": Rule(MANAGERS),
    "api-team-surveyor-villages": Rule(MANAGERS),
    "api-team-password-reset": Rule(MANAGERS),
    "api-team-events": Rule(MANAGERS),
    "team": Rule(MANAGERS),
    "team-area": Rule(MANAGERS),
    "team-add": Rule(MANAGERS),
    "team-surveyor": Rule(MANAGERS),
    "team-village": Rule(MANAGERS),
    "team-cards": Rule(MANAGERS),
    "team-history": Rule(MANAGERS),
    "team-import": Rule(MANAGERS),
    "team-import-template": Rule(MANAGERS),
    "team-import-job": Rule(MANAGERS),
    "accounts-password-change": Rule(ALL),
    # Households and sync.
    "api-households": Rule(ALL),
    "api-household": Rule(ALL),
    "api-household-photos": Rule(ALL),
    "api-household-photo": Rule(ALL),
    "api-field-roster-size": Rule(ALL),
    "api-sync-push": Rule(ALL),
    "api-sync-pull": Rule(ALL),
    "api-sync-conflicts": Rule(ALL),
    "api-sync-conflict": Rule(ALL),
    "api-sync-conflict-resolve": Rule(ALL),
    # Indicators.
    "api-indicator-rules": Rule(ALL),
    "api-indicators": Rule(MANAGERS),
    "api-indicator-drilldown": Rule(ALL, note="a surveyor drills into their own village"),
    "api-indicator-snapshots": Rule(MANAGERS),
    "api-indicator-snapshot": Rule(MANAGERS),
    # Live boards.
    "api-board": Rule(MANAGERS),
    "api-board-signoff": Rule(MANAGERS),
    "api-board-reopen": Rule(MANAGERS),
    "boards-home": Rule(MANAGERS),
    "board": Rule(MANAGERS),
    # Duplicates.
    "api-dedup-pairs": Rule(MANAGERS, empty_for={"surveyor"}),
    "api-dedup-pair": Rule(MANAGERS),
    "api-dedup-decide": Rule(MANAGERS),
    "api-dedup-undo": Rule(MANAGERS),
    "dedup-queue": Rule(MANAGERS, empty_for={"surveyor"}),
    "dedup-pair": Rule(MANAGERS),
    # Register.
    "api-register-people": Rule(ALL),
    "api-register-households": Rule(ALL),
    "api-register-corrections": Rule(MANAGERS),
    "api-register-correction": Rule(MANAGERS),
    "api-register-correction-undo": Rule(MANAGERS),
    "api-register-bulk-preview": Rule(MANAGERS),
    "api-register-bulk": Rule(MANAGERS),
    "api-register-bulk-detail": Rule(MANAGERS),
    "api-register-bulk-undo": Rule(MANAGERS),
    "register-search": Rule(ALL),
    "register-person": Rule(ALL),
    "register-household": Rule(ALL),
    "register-correction": Rule(MANAGERS),
    "register-bulk-new": Rule(
        MANAGERS, empty_for={"surveyor"}, note="the empty form; applying is refused"
    ),
    "register-bulk": Rule(MANAGERS),
    # Reports and exports.
    "api-reports-exports": Rule(MANAGERS, empty_for={"surveyor"}),
    "api-reports-export": Rule(MANAGERS),
    "api-reports-download": Rule(MANAGERS),
    "reports-home": Rule(MANAGERS),
    # Survey-file imports (imports/): managers; an upload is its uploader's only.
    "api-import-template": Rule(ALL, note="the empty template: no data"),
    "api-import-dry-run": Rule(MANAGERS),
    "api-import-run": Rule(MANAGERS),
    "api-import-errors": Rule(MANAGERS),
    "reports-import": Rule(MANAGERS),
    # Audit log: city staff only.
    "api-audit-events": Rule({"city_staff"}),
    "audit-events": Rule({"city_staff"}),
}

# The Django admin has its own staff-only permission system (is_staff + model permissions);
# its routes are checked for anonymous access only.
ADMIN_PREFIX = "admin/"


# --- Discovery ---------------------------------------------------------------------------------


@dataclass
class Route:
    name: str
    route: str
    kwargs: list  # [(name, converter class name)]
    callback: object


def discover() -> list[Route]:
    found = []

    def walk(patterns, prefix, converters):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern),
                     {**converters, **getattr(pattern.pattern, "converters", {})})  # fmt: skip
            elif isinstance(pattern, URLPattern):
                own = {**converters, **getattr(pattern.pattern, "converters", {})}
                found.append(Route(pattern.name or "", prefix + str(pattern.pattern),
                                   [(k, type(c).__name__) for k, c in own.items()], pattern.callback))  # fmt: skip

    walk(get_resolver().url_patterns, "", {})
    return found


ALL_ROUTES = discover()
APP_ROUTES = [
    r
    for r in ALL_ROUTES
    if not r.route.startswith(ADMIN_PREFIX) and not r.route.startswith("^admin/")
]
ADMIN_ROUTES = [r for r in ALL_ROUTES if r not in APP_ROUTES]


# --- The world: objects in scope (village A1) and out of scope (the other city) --------------


class World:
    def __init__(self, city, tmp):
        from areas.models import AreaKind
        from surveys.models import Round

        Round.objects.get_or_create(year=ROUND)
        self.city = city
        self.tmp = tmp
        self.users = {
            role: make_user(f"u-{role}", role, getattr(city, area)) for role, area in ROLES.items()
        }
        self.outsider = make_user("u-other-officer", "commune_officer", city.other_commune)
        self.other_surveyor = make_user("u-other-surveyor", "surveyor", city.other_village)
        self.households = {
            "in": make_household(city.village_a1, "H-IN"),
            "out": make_household(city.other_village, "H-OUT"),
        }
        assert city.commune_a.kind == AreaKind.COMMUNE
        self.residents = {
            side: list(h.members.all().order_by("full_name")) for side, h in self.households.items()
        }
        self._cache = {}
        _pair(self, "in")  # lists of pairs have something to show (or to hide)

    def commune(self, side):
        return self.city.commune_a if side == "in" else self.city.other_commune

    def village(self, side):
        return self.city.village_a1 if side == "in" else self.city.other_village

    def once(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def _photo(world, side):
    from PIL import Image

    from field.services import photo_store

    def make():
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
        user = world.users["surveyor"] if side == "in" else world.other_surveyor
        photo, _created = photo_store(user=user, household_id=world.households[side].pk, photo_id=uuid.uuid4(),
                                      data=buffer.getvalue(), round_year=ROUND)  # fmt: skip
        return photo.pk

    return world.once(("photo", side), make)


def _conflict(world, side):
    from sync.models import Conflict

    def make():
        household = world.households[side]
        return Conflict.objects.create(
            entity="household", entity_id=household.pk, household_id=household.pk, commune=world.commune(side),
            village=world.village(side), round_year=ROUND, kind="fields",
            fields={"note": {"base": "", "mine": "a", "theirs": "b", "theirs_by": "x", "theirs_at": "2025-09-14T08:00:00+07:00"}},
            mine={"note": "a"}, op_id=uuid.uuid4(),
        ).pk  # fmt: skip

    return world.once(("conflict", side), make)


def _pair(world, side):
    from dedup.models import DuplicatePair

    def make():
        left, right = world.residents[side][:2]
        return DuplicatePair.objects.create(
            left=left, right=right, score=12.0, reasons=[], round=ROUND
        ).pk

    return world.once(("pair", side), make)


def _snapshot(world, side):

    def make():
        from indicators.rulebook import rules_active
        from indicators.services import snapshot_create

        user = world.users["commune_officer"] if side == "in" else world.outsider
        return snapshot_create(
            user=user, area=world.commune(side), round_year=ROUND, rules=rules_active()[0]
        ).pk

    return world.once(("snapshot", side), make)


def _correction(world, side):
    from register.models import Correction

    def make():
        household = world.households[side]
        user = world.users["commune_officer"] if side == "in" else world.outsider
        return Correction.objects.create(
            user=user, entity="household", entity_id=household.pk, household_id=household.pk,
            commune=world.commune(side), round_year=ROUND, base_version=1, base={"note": ""}, changes={"note": "x"},
        ).pk  # fmt: skip

    return world.once(("correction", side), make)


def _bulk(world, side):
    from register.models import BulkCorrection, Correction

    def make():
        user = world.users["commune_officer"] if side == "in" else world.outsider
        bulk = BulkCorrection.objects.create(user=user, round_year=ROUND, selection={"ids": []},
                                             change={"set": {"note": "x"}})  # fmt: skip
        household = world.households[side]
        Correction.objects.create(
            user=user, entity="household", entity_id=household.pk, household_id=household.pk,
            commune=world.commune(side), round_year=ROUND, base_version=1, bulk=bulk,
        )  # fmt: skip
        return bulk.pk

    return world.once(("bulk", side), make)


def _own(world, side, role):
    """Jobs are their creator's: in scope, the role's own (a surveyor gets an officer's: not theirs)."""
    if side == "out":
        return world.outsider
    return world.users["commune_officer" if role == "surveyor" else role]


def _import_job(world, side, role):
    from accounts.models import ImportJob

    def make():
        return ImportJob.objects.create(
            area=world.commune(side), created_by=_own(world, side, role), filename="x.xlsx"
        ).pk

    return world.once(("import", side, role), make)


def _export_job(world, side, role):
    from reports.models import ExportJob

    def make():
        path = world.tmp / f"export-{side}-{role}.csv"
        path.write_text("a;b\n", encoding="utf-8")
        return ExportJob.objects.create(created_by=_own(world, side, role), area=world.commune(side), round=ROUND,
                                        kind="list", params={"list": "x", "format": "csv"}, status="done",
                                        progress=100, file=str(path), filename=path.name).pk  # fmt: skip

    return world.once(("export", side, role), make)


def _upload(world, side, role):
    """A kept survey-file upload (its token) with its errors workbook, the uploader's only."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports import uploads as import_uploads

    def make():
        user = _own(world, side, role)
        token = import_uploads.upload_save(
            user=user, uploaded=SimpleUploadedFile("a.xlsx", b"PK\x05\x06" + b"\x00" * 18),
            commune=world.commune(side), round_year=ROUND,
        )  # fmt: skip
        import_uploads.errors_path(token).write_bytes(b"PK\x05\x06" + b"\x00" * 18)
        return token

    return world.once(("upload", side, role), make)


def _area_code(world, side, role):
    if side == "out":
        return world.city.other_commune.code
    return world.city.village_a1.code if role == "surveyor" else world.city.commune_a.code


def _user_id(world, side, role):
    return (world.users["surveyor"] if side == "in" else world.other_surveyor).pk


# kwarg name -> (world, side, role) -> value. Sides: "in" (village A1 / commune A), "out" (the other city).
FILL = {
    "code": _area_code,
    "household_id": lambda w, side, role: w.households[side].pk,
    "person_id": lambda w, side, role: w.residents[side][0].pk,
    "user_id": _user_id,
    "village_id": lambda w, side, role: w.village(side).pk,
    "conflict_id": lambda w, side, role: _conflict(w, side),
    "pair_id": lambda w, side, role: _pair(w, side),
    "photo_id": lambda w, side, role: _photo(w, side),
    "snapshot_id": lambda w, side, role: _snapshot(w, side),
    "correction_id": lambda w, side, role: _correction(w, side),
    "bulk_id": lambda w, side, role: _bulk(w, side),
    "key": lambda w, side, role: "mn5_attending",  # an indicator key; scope comes from ``code``
    "lang": lambda w, side, role: "vi",
    "upload": _upload,
}
# Where one kwarg name means different objects on different routes: (route name, kwarg) -> filler.
FILL_BY_ROUTE = {
    ("team-import-job", "job_id"): _import_job,
    ("api-reports-export", "job_id"): lambda w, side, role: _export_job(w, side, role),
    ("api-reports-download", "job_id"): lambda w, side, role: _export_job(w, side, role),
    # Photos belong to a household: the photo of the same side.
    ("api-household-photo", "photo_id"): lambda w, side, role: _photo(w, side),
}


def filler(route: Route, kwarg: str):
    found = FILL_BY_ROUTE.get((route.name, kwarg)) or FILL.get(kwarg)
    if found is None:
        pytest.fail(
            f"URL {route.route!r} ({route.name}) has the argument {kwarg!r} that tests/test_url_access.py cannot "
            f"fill: add it to FILL (or FILL_BY_ROUTE) with an object in scope and one out of scope."
        )
    return found


def url_for(route: Route, world: World, side: str, role: str) -> str:
    from django.urls import reverse

    if route.route.startswith("^"):  # a regex route without arguments (django-pwa)
        return "/" + route.route.strip("^$").replace("\\", "")
    kwargs = {name: filler(route, name)(world, side, role) for name, _conv in route.kwargs}
    return reverse(route.name, kwargs=kwargs)


def has_scope(route: Route) -> bool:
    return any(name not in ("key", "lang") for name, _conv in route.kwargs)


# --- Expectations -----------------------------------------------------------------------------

REFUSED_ANONYMOUS = {401, 403}


def refused_anonymously(response) -> bool:
    if response.status_code in REFUSED_ANONYMOUS:
        return True
    return response.status_code == 302 and "/login/" in response.get("Location", "")


def test_every_route_is_listed():
    names = {r.name for r in APP_ROUTES}
    unnamed = [r.route for r in APP_ROUTES if not r.name]
    assert unnamed == [], f"give these routes a name= so they can be listed: {unnamed}"
    missing = sorted(names - set(ROUTES) - set(PUBLIC))
    assert missing == [], (
        f"New routes {missing}: add each to ROUTES (the roles allowed) or PUBLIC (with why) in "
        f"tests/test_url_access.py, and its URL arguments to FILL."
    )
    stale = sorted((set(ROUTES) | set(PUBLIC)) - names)
    assert stale == [], f"listed routes that no longer exist: {stale}"


def test_every_url_argument_can_be_filled():
    for route in APP_ROUTES:
        for kwarg, _conv in route.kwargs:
            filler(route, kwarg)


@pytest.fixture
def world(city, tmp_path, settings):
    settings.MEDIA_ROOT = (
        tmp_path / "media"
    )  # uploads and photos of the fixture stay in the test's directory
    settings.REPORTS_IMPORT_DIR = ""
    return World(city, tmp_path)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def method_allowed(route: Route, method: str) -> bool | None:
    """True/False for class-based views that say which methods they implement; None: unknown."""
    view_class = getattr(route.callback, "view_class", None) or getattr(route.callback, "cls", None)
    if view_class is None:
        return None
    return hasattr(view_class, method)


def _ids(routes):
    return [r.name for r in routes]


@pytest.mark.django_db
@pytest.mark.parametrize("route", [r for r in APP_ROUTES if r.name in ROUTES], ids=lambda r: r.name)
def test_roles_in_and_out_of_scope(route, world):
    rule = ROUTES[route.name]
    problems = []
    for role in ROLES:
        client = client_for(world.users[role])
        url = url_for(route, world, "in", role)
        response = client.get(url)
        status = response.status_code
        if role in rule.roles:
            ok = 200 <= status < 400 or status == 405
            if not ok:
                problems.append(f"{role} in scope GET {url}: {status} (expected 2xx/3xx/405)")
        elif role in rule.empty_for:
            shown = [
                r.full_name
                for r in world.residents["in"]
                if r.full_name.encode() in response.content
            ]
            if status != 200 or shown:
                problems.append(
                    f"{role} GET {url}: {status}, shows {shown} (expected 200 and nobody)"
                )
        elif status == 405 and method_allowed(route, "get") is False:
            pass  # no GET on this route for anyone
        elif status not in (403, 404):
            problems.append(f"{role} (not allowed) GET {url}: {status} (expected 403/404)")
        if has_scope(route):
            out = url_for(route, world, "out", role)
            status = client.get(out).status_code
            expected = {404} if method_allowed(route, "get") is not False else {404, 405}
            if status not in expected:
                problems.append(f"{role} out of scope GET {out}: {status} (expected 404)")
            for method in UNSAFE:
                if method_allowed(route, method) is False:
                    continue
                status = getattr(client, method)(
                    out, {}, content_type="application/json"
                ).status_code
                # 415: the body was refused before anything was looked up (a multipart-only upload).
                if status not in (404, 405, 415) and not (
                    method_allowed(route, method) is None and status == 403
                ):
                    problems.append(
                        f"{role} out of scope {method.upper()} {out}: {status} (expected 404)"
                    )
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("route", [r for r in APP_ROUTES if r.name in ROUTES], ids=lambda r: r.name)
def test_anonymous_is_refused_on_every_method(route, world):
    url = url_for(route, world, "in", "city_staff")
    client = Client()
    problems = []
    for method in ("get", *UNSAFE):
        response = (
            getattr(client, method)(url, {}, content_type="application/json")
            if method != "get"
            else client.get(url)
        )
        if not (refused_anonymously(response) or response.status_code == 405):
            problems.append(f"anonymous {method.upper()} {url}: {response.status_code}")
        if response.status_code in REFUSED_ANONYMOUS and url.startswith("/api/"):
            if "message" not in response.json():
                problems.append(f"anonymous {method.upper()} {url}: no JSON message")
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("route", [r for r in APP_ROUTES if r.name in PUBLIC], ids=lambda r: r.name)
def test_public_routes_answer_without_personal_data(route, world):
    """Public routes answer an anonymous GET without a server error; unsafe methods are refused or
    harmless (sign-in endpoints validate their input)."""
    url = url_for(route, world, "in", "city_staff")
    response = Client().get(url)
    assert response.status_code < 500, (url, response.status_code)
    for resident in world.residents["in"]:
        assert resident.full_name.encode() not in response.content


ADMIN_PUBLIC = {"login", "logout", "jsi18n", "javascript-catalog"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route",
    [
        r
        for r in ADMIN_ROUTES
        if r.name and not r.kwargs and "(?P<" not in r.route and r.name not in ADMIN_PUBLIC
    ],
    ids=lambda r: r.name,
)
def test_the_admin_refuses_anonymous_users(route):
    """Admin pages without arguments; those with arguments are behind the same admin_view() login check."""
    from django.urls import reverse

    url = reverse(f"admin:{route.name}")
    response = Client().get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"], (
        url,
        response.status_code,
    )


# --- Websocket routes -------------------------------------------------------------------------

WS_ROUTES = {
    # pattern -> (roles allowed, kwargs filler names)
    "ws/boards/<str:code>/": {"roles": MANAGERS},
}


def ws_routes():
    found = []
    for pattern in websocket_urlpatterns:
        found.append((str(pattern.pattern), getattr(pattern.pattern, "converters", {})))
    return found


def test_every_websocket_route_is_listed():
    missing = [route for route, _c in ws_routes() if route not in WS_ROUTES]
    assert missing == [], (
        f"add these websocket routes to WS_ROUTES in tests/test_url_access.py: {missing}"
    )


async def _ws_connect(path: str, cookie: str | None) -> tuple[bool, object]:
    """(served, first message). A refused socket is either not accepted or accepted and closed
    at once (so a browser sees the close code and stops retrying); served means data came."""
    application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _subprotocol = await communicator.connect(timeout=5)
    if not connected:
        return False, None
    first = await communicator.receive_output(timeout=5)
    served = first.get("type") == "websocket.send"
    await communicator.disconnect()
    return served, first


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ws_route", [r for r, _c in ws_routes()])
def test_websockets_as_every_role_in_and_out_of_scope_and_anonymous(ws_route, city, tmp_path):
    world = World(city, tmp_path)
    rule = WS_ROUTES.get(ws_route)
    assert rule is not None, f"add {ws_route!r} to WS_ROUTES"
    converters = dict(ws_routes())[ws_route]

    def path_for(side, role):
        route = Route(
            ws_route, ws_route, [(k, type(c).__name__) for k, c in converters.items()], None
        )
        path = "/" + ws_route
        for name, _conv in route.kwargs:
            value = filler(route, name)(world, side, role)
            path = path.replace(f"<{_conv_text(converters[name])}:{name}>", str(value))
        return path

    problems = []
    for role in ROLES:
        cookie = _session_cookie(world.users[role])
        connected, _ = asyncio.run(_ws_connect(path_for("in", role), cookie))
        if connected != (role in rule["roles"]):
            problems.append(f"{role} in scope {path_for('in', role)}: connected={connected}")
        if converters:
            connected, _ = asyncio.run(_ws_connect(path_for("out", role), cookie))
            if connected:
                problems.append(f"{role} out of scope {path_for('out', role)}: connected")
    connected, _ = asyncio.run(_ws_connect(path_for("in", "city_staff"), None))
    if connected:
        problems.append("anonymous: connected")
    assert problems == [], "\n".join(problems)


def _conv_text(converter) -> str:
    return {"StringConverter": "str", "IntConverter": "int", "UUIDConverter": "uuid", "SlugConverter": "slug",
            "PathConverter": "path"}[type(converter).__name__]  # fmt: skip
