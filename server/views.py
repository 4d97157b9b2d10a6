"""Pages and endpoints of the project itself: home, sign-in, health, API tokens."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.access import user_memberships
from server.serializers import ErrorOutput


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    memberships = sorted(user_memberships(user=request.user), key=lambda m: (m.role, m.area.path))
    manages_teams = request.user.is_superuser or any(m.role != "surveyor" for m in memberships)
    return render(
        request, "server/home.html", {"memberships": memberships, "manages_teams": manages_teams}
    )


def healthz(request):
    """Liveness of the database and (when configured) Redis; no personal data."""
    from django.conf import settings

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except redis.RedisError as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


class TokenApi(APIView):
    """Exchange a username and password for an API token (``Authorization: Token …``)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("TokenOutput", {"token": serializers.CharField()}),
            400: ErrorOutput,
            429: ErrorOutput,
        },
        auth=[],
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        # authenticate() saw the DRF request: axes flagged the lockout there, not on the HttpRequest.
        if getattr(request, "axes_locked_out", False):
            from accounts.lockout import lockout_response

            return lockout_response(request._request)
        if not valid:
            raise exceptions.ValidationError(serializer.errors)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class MembershipOutput(serializers.Serializer):
    role = serializers.CharField()
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    area_kind = serializers.CharField(source="area.kind")


class MeOutput(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    is_superuser = serializers.BooleanField()
    memberships = MembershipOutput(many=True)


class MeApi(APIView):
    """The signed-in user and their roles."""

    @extend_schema(responses=MeOutput)
    def get(self, request):
        user = request.user
        user.memberships_list = user_memberships(user=user)
        data = MeOutput(
            {
                "username": user.username,
                "get_full_name": f"{user.last_name} {user.first_name}".strip(),
                "is_superuser": user.is_superuser,
                "memberships": user.memberships_list,
            }
        ).data
        return Response(data)
