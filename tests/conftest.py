"""Named personas shared by every app's tests.

Unit A is the lead unit (市住建局), unit B a cooperating unit (市城管执法局), unit C an
outsider's unit that "should see nothing of unit A".
"""
import os

import pytest
from django.contrib.auth import get_user_model

from organizations.models import Membership, Person, Unit

PASSWORD = "pw-for-tests-1"


@pytest.fixture(autouse=True, scope="session")
def _broker_for_tests():
    """Jobs queued by code under test go to an in-memory broker unless a real one is
    configured (CI sets CELERY_BROKER_URL to Redis): never into a developer's var/broker."""
    from config.celery import app

    if not os.environ.get("CELERY_BROKER_URL"):
        app.conf.broker_url = "memory://"
        app.conf.broker_transport_options = {}
    yield


@pytest.fixture
def dead_broker(monkeypatch):
    """A broker nobody listens on, as with Redis down. Celery's broker_url prefers the
    CELERY_BROKER_URL environment variable over app.conf, so both are pointed at it."""
    from config.celery import app

    dead = "redis://127.0.0.1:9/0"
    monkeypatch.setenv("CELERY_BROKER_URL", dead)
    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = dead
    app.conf.broker_transport_options = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1,
                                         "interval_max": 0.1, "socket_connect_timeout": 1}
    _reset_connections(app)
    yield dead
    app.conf.broker_url, app.conf.broker_transport_options = saved
    _reset_connections(app)


def _reset_connections(app):
    """Drop pooled broker connections so the next publish connects to the current URL. kombu
    keeps its pools in a process-wide registry keyed by connection: closing only the app's pool
    would leave a closed pool there for the next `app.pool` to pick up ("Acquire on closed
    pool"), so every pool is closed and the registry emptied."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def city(db):
    return Unit.objects.create(name="测试市", kind=Unit.Kind.CITY)


@pytest.fixture
def office_unit(city):
    return Unit.objects.create(name="创园办", kind=Unit.Kind.OFFICE, parent=city)


@pytest.fixture
def unit_a(city):
    return Unit.objects.create(name="市住建局", kind=Unit.Kind.DEPARTMENT, parent=city)


@pytest.fixture
def unit_b(city):
    return Unit.objects.create(name="市城管执法局", kind=Unit.Kind.DEPARTMENT, parent=city)


@pytest.fixture
def unit_c(city):
    return Unit.objects.create(name="市水务局", kind=Unit.Kind.DEPARTMENT, parent=city)


@pytest.fixture
def districts(city):
    return [
        Unit.objects.create(name=name, kind=Unit.Kind.DISTRICT, parent=city, sort_order=i)
        for i, name in enumerate(["城东区", "城西区", "城南区", "城北区"])
    ]


def make_user(username, unit, role, name=None):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    Membership.objects.create(user=user, unit=unit, role=role)
    Person.objects.create(name=name or username, unit=unit, user=user)
    return user


@pytest.fixture
def office_admin(office_unit):
    return make_user("office", office_unit, Membership.Role.OFFICE, "赵主任")


@pytest.fixture
def lead_staff(unit_a):
    return make_user("lead", unit_a, Membership.Role.UNIT_STAFF, "钱科长")


@pytest.fixture
def coop_staff(unit_b):
    return make_user("coop", unit_b, Membership.Role.UNIT_STAFF, "冯科长")


@pytest.fixture
def inspector(office_unit):
    return make_user("inspector", office_unit, Membership.Role.INSPECTOR, "周组长")


@pytest.fixture
def leader(city):
    return make_user("leader", city, Membership.Role.LEADER, "王副市长")


@pytest.fixture
def outsider(unit_c):
    return make_user("outsider", unit_c, Membership.Role.UNIT_STAFF, "沈科长")


@pytest.fixture
def client_for(client):
    """client_for(user) logs the test client in as that persona."""

    def login(user):
        client.force_login(user)
        return client

    return login
