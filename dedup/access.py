"""Who may see and decide duplicate pairs (ARCHITECTURE.md "Roles and access").

Deciding is supervising work: a commune officer decides pairs inside their
commune, a district supervisor pairs across the communes of the district, city
staff anything in the city. Surveyors do not decide and do not see the queue.
A pair is in scope when *both* records are; out of scope is answered as 404.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from areas.access import user_memberships, user_sees_everything
from areas.models import Role


def manage_q(*, user, path_field: str) -> Q:
    """Rows whose area (``path_field``, an Area path lookup) the user supervises."""
    if user_sees_everything(user=user):
        return Q()
    paths = sorted({m.area.path for m in user_memberships(user=user) if m.role != Role.SURVEYOR})
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{path_field}__startswith": p}) for p in paths))


def pair_scope_q(*, user) -> Q:
    return manage_q(user=user, path_field="left__commune__path") & manage_q(
        user=user, path_field="right__commune__path"
    )
