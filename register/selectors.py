"""Reads for the register's API and pages: rows, capped pagination, audit."""

from django.core.paginator import Paginator
from django.db.models.functions import Upper
from django.utils.functional import cached_property
from rest_framework.response import Response

from register.search import mask_national_id
from server.pagination import Pagination

# A count past this says "more than 2,000" (the bulk correction cap too): counting the
# 100,000 people of a common given name in the city would cost as much as a scan.
COUNT_CAP = 2_000


class CappedPaginator(Paginator):
    """Counts up to ``COUNT_CAP`` matches (one bounded query): past it, refine the search."""

    @cached_property
    def count(self) -> int:
        # Without ORDER BY: the order does not change a count, and with it the database would
        # walk the sort index through the whole city instead of using the filters' indexes.
        # Only the ids, no joins (select_related) either.
        return self.object_list.order_by().values("pk")[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    def page(self, number):
        """A page in the Vietnamese order, by the cheaper of two plans.

        Few matches (not capped): order by ``UPPER(sort_key)`` (the same order: the key
        is digits), which keeps PostgreSQL from walking the sort index: it takes the
        filters' indexes and sorts at most 2,000 rows. Many matches: first the page's
        ids in ``sort_key`` order, an index-only walk of ``resident_sort`` /
        ``resident_commune_sort`` (they include the filtered columns), then those rows.
        Walking the index *with* table reads, as a plain ``ORDER BY … LIMIT`` may do, took
        tens of seconds for a name that is rare in the city (bench/results/search.md).
        """
        number = self.validate_number(number)
        if tuple(self.object_list.query.order_by) != ("sort_key", "id"):
            return super().page(number)
        if not self.capped:
            self.object_list = self.object_list.order_by(Upper("sort_key"), "id")
            return super().page(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


class CappedPagination(Pagination):
    django_paginator_class = CappedPaginator
    page_size = 50
    max_page_size = 200

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": min(paginator.count, COUNT_CAP),
                "count_capped": paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )


def birth_date(person) -> str:
    if person.birth_month and person.birth_day:
        return f"{person.birth_day:02d}/{person.birth_month:02d}/{person.birth_year}"
    if person.birth_month:
        return f"{person.birth_month:02d}/{person.birth_year}"
    return str(person.birth_year)


def shown_national_id(value: str, *, allowed: bool) -> str:
    return value if allowed else mask_national_id(value or "")


def place(household) -> dict:
    return {
        "id": household.pk,
        "number": household.number,
        "village": household.village.code,
        "village_name": household.village.name,
        "commune": household.commune.code,
        "commune_name": household.commune.name,
    }


def person_row(person, *, may_see_id: bool) -> dict:
    household = person.household
    household.commune = person.commune  # the same commune; saves a join
    return {
        "id": person.pk,
        "full_name": person.full_name,
        "sex": person.sex,
        "birth_year": person.birth_year,
        "birth_date": birth_date(person),
        "relation": person.relation,
        "status": person.status,
        "national_id": shown_national_id(person.national_id, allowed=may_see_id),
        "version": person.version,
        "household": place(household),
    }


def household_row(household) -> dict:
    return {**place(household), "address": household.address, "version": household.version}


def audit(**kwargs) -> None:
    """``audit.services.record`` (INTERFACES.md §3): never raises into the request."""
    from audit.services import record

    record(**kwargs)
