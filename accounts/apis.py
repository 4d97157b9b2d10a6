"""Thin REST views of team management (same services and access as the pages)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.serializers import (
    EventOutput,
    PasswordOutput,
    SurveyorCreatedOutput,
    SurveyorCreateInput,
    SurveyorOutput,
    SurveyorUpdateInput,
    TeamOutput,
    VillagesInput,
)
from areas.models import Area, AreaKind
from server.errors import ValidationFailed
from server.pagination import Pagination
from server.serializers import ErrorOutput
from surveys.selectors import round_current

ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput}


def _villages(*, commune: Area, codes: list[str]) -> list[Area]:
    found = {
        v.code: v
        for v in Area.objects.filter(kind=AreaKind.VILLAGE, parent=commune, code__in=codes)
    }
    unknown = [c for c in codes if c not in found]
    if unknown:
        message = _("No village with code %(code)s in %(commune)s.")
        raise ValidationFailed(
            errors={"villages": [message % {"code": c, "commune": commune.name} for c in unknown]}
        )
    return [found[c] for c in dict.fromkeys(codes)]


def _row(*, request, commune: Area, user_id: int):
    team = selectors.commune_team(commune=commune, round_year=round_current(), viewer=request.user)
    return next(m for m in team.members if m.user.pk == user_id)


class TeamApi(APIView):
    """A commune's villages (progress this round, surveyors) and its surveyors."""

    @extend_schema(responses={200: TeamOutput, **ERRORS})
    def get(self, request, code):
        commune = selectors.managed_commune(user=request.user, code=code)
        round_year = round_current()
        team = selectors.commune_team(commune=commune, round_year=round_year, viewer=request.user)
        return Response(
            TeamOutput(
                {
                    "commune": commune,
                    "round": round_year,
                    "villages": team.villages,
                    "members": team.members,
                }
            ).data
        )


class SurveyorCreateApi(APIView):
    """Add a surveyor to the commune's team; the reply holds the first password, once."""

    @extend_schema(request=SurveyorCreateInput, responses={201: SurveyorCreatedOutput, **ERRORS})
    def post(self, request, code):
        commune = selectors.managed_commune(user=request.user, code=code)
        data = SurveyorCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        villages = _villages(commune=commune, codes=fields.pop("villages"))
        created = services.surveyor_create(
            actor=request.user, commune=commune, villages=villages, **fields
        )
        body = SurveyorOutput(_row(request=request, commune=commune, user_id=created.user.pk)).data
        return Response({**body, "password": created.password}, status=status.HTTP_201_CREATED)


class SurveyorApi(APIView):
    """Change a surveyor's name, phone, school, or deactivate/reactivate the account."""

    @extend_schema(request=SurveyorUpdateInput, responses={200: SurveyorOutput, **ERRORS})
    def patch(self, request, code, user_id):
        commune = selectors.managed_commune(user=request.user, code=code)
        member = selectors.team_member(user=request.user, commune=commune, user_id=user_id)
        data = SurveyorUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if {"full_name", "phone", "school"} & fields.keys():
            profile = selectors.profile_of(member)
            services.surveyor_update(
                actor=request.user,
                commune=commune,
                user=member,
                full_name=fields.get("full_name", selectors.user_full_name(member)),
                phone=fields.get("phone", profile.phone if profile else ""),
                school=fields.get("school", profile.school if profile else ""),
            )
        if "active" in fields:
            services.account_set_active(
                actor=request.user, commune=commune, user=member, active=fields["active"]
            )
        return Response(
            SurveyorOutput(_row(request=request, commune=commune, user_id=member.pk)).data
        )


class SurveyorVillagesApi(APIView):
    """Set the surveyor's villages in this commune (assign, unassign, reassign); phones follow at next sync."""

    @extend_schema(request=VillagesInput, responses={200: SurveyorOutput, **ERRORS})
    def put(self, request, code, user_id):
        commune = selectors.managed_commune(user=request.user, code=code)
        member = selectors.team_member(user=request.user, commune=commune, user_id=user_id)
        data = VillagesInput(data=request.data)
        data.is_valid(raise_exception=True)
        villages = _villages(commune=commune, codes=data.validated_data["villages"])
        services.surveyor_villages_assign(
            actor=request.user, commune=commune, user=member, villages=villages
        )
        return Response(
            SurveyorOutput(_row(request=request, commune=commune, user_id=member.pk)).data
        )


class PasswordResetApi(APIView):
    """A new generated password (shown this once); the surveyor must change it at next sign-in."""

    @extend_schema(request=None, responses={200: PasswordOutput, **ERRORS})
    def post(self, request, code, user_id):
        commune = selectors.managed_commune(user=request.user, code=code)
        member = selectors.team_member(user=request.user, commune=commune, user_id=user_id)
        password = services.password_reset(actor=request.user, commune=commune, user=member)
        return Response({"password": password})


class EventListApi(APIView):
    """Account and assignment changes in an area the caller manages, newest first."""

    @extend_schema(responses={200: EventOutput(many=True), **ERRORS})
    def get(self, request, code):
        area = selectors.managed_area(user=request.user, code=code)
        events = selectors.events_for_area(user=request.user, area=area)
        paginator = Pagination()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(EventOutput(page, many=True).data)
