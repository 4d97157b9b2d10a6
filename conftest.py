"""Root test configuration: shared fixtures."""

import pytest


@pytest.fixture
def city(db):
    from tests.factories import make_city

    return make_city()
