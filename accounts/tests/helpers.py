"""Shared test helpers for accounts."""

from accounts.services import surveyor_create


def new_surveyor(officer, commune, name="Trần Thị Hoa", villages=(), username=""):
    return surveyor_create(
        actor=officer, commune=commune, full_name=name, username=username, villages=list(villages)
    )
