"""core.throttling on both kinds of cache: Redis, where the counting is Redis's own (no lost
counts), and the local memory cache, where counters are read and written back."""

import os
import threading
import uuid

import pytest
from django.test import override_settings

from core.errors import Throttled
from core.throttling import ThrottleRead, throttle_check, throttle_hit, throttle_reset
from tests.fixtures import redis_required

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
RATES = {"test": (5, 60)}


CACHES = {
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"throttling-test-{uuid.uuid4().hex}",
    },
    "locmem": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": f"throttling-test-{uuid.uuid4().hex}",
    },
}


@pytest.fixture(params=["redis", "locmem"])
def backend(request):
    if request.param == "redis":
        redis_required(REDIS_URL)
    with override_settings(
        CACHES={"default": CACHES[request.param], "shared": CACHES[request.param]},
        THROTTLE_RATES=RATES,
        THROTTLE_IDENTIFIER_FACTOR=3,
    ):
        from django.core.cache import cache

        cache.clear()
        yield request.param
        cache.clear()


def _attempt(ip: str, identifier: str = "lf-01") -> None:
    """One counted attempt, as a submission makes it: counted, then checked."""
    ThrottleRead(scope="test", ip=ip, identifiers=[identifier], count=True).check("Espere.")


def test_the_attempt_over_the_limit_is_refused_with_the_time_left(backend):
    for _ in range(5):
        _attempt("10.0.0.1")
    with pytest.raises(Throttled) as refused:
        _attempt("10.0.0.1")
    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.detail == "Espere."
    # another client behind another address is not affected
    _attempt("10.0.0.2")


def test_a_refused_attempt_counts_too(backend):
    for _ in range(5):
        _attempt("10.0.0.1")
    for _ in range(3):
        with pytest.raises(Throttled):
            _attempt("10.0.0.1")
    read = ThrottleRead(scope="test", ip="10.0.0.1", identifiers=["lf-01"])
    assert sorted(count for count, _start in read.counts.values()) == [8, 8]


def test_failures_counted_after_a_check_throttle_the_next_check(backend):
    for _ in range(5):
        throttle_check(scope="test", ip="10.0.0.1", identifier="41234567")
        throttle_hit(scope="test", ip="10.0.0.1", identifier="41234567")
    with pytest.raises(Throttled):
        throttle_check(scope="test", ip="10.0.0.1", identifier="41234567")
    # a success clears the client's own counter; the identifier's (limit 15) stays
    throttle_reset(scope="test", ip="10.0.0.1", identifier="41234567")
    throttle_check(scope="test", ip="10.0.0.1", identifier="41234567")


def test_one_identifier_attacked_from_many_addresses_is_stopped(backend):
    for n in range(15):
        throttle_hit(scope="test", ip=f"10.0.1.{n}", identifier="7KQ2M4XH9T")
    with pytest.raises(Throttled):
        throttle_check(scope="test", ip="10.0.2.1", identifier="7KQ2M4XH9T")


def test_the_keys_read_with_the_counters_come_back(backend):
    from django.core.cache import cache

    cache.set("tramites:procedure:LF-01", {"code": "LF-01"}, timeout=30)
    read = ThrottleRead(
        scope="test",
        ip="10.0.0.1",
        identifiers=["client:10.0.0.1"],
        also=("tramites:procedure:LF-01", "tramites:holidays"),
        count=True,
    )
    assert read.extra == {"tramites:procedure:LF-01": {"code": "LF-01"}}


def test_concurrent_attempts_on_redis_are_all_counted():
    """Redis counts by itself: 40 attempts from 8 threads at once are 40, so the limit holds
    under a burst (a read-and-write-back counter lost some of them)."""
    redis_required(REDIS_URL)
    with override_settings(
        CACHES={"default": CACHES["redis"], "shared": CACHES["redis"]},
        THROTTLE_RATES={"test": (40, 60)},
        THROTTLE_IDENTIFIER_FACTOR=3,
    ):
        from django.core.cache import cache

        cache.clear()
        start = threading.Barrier(8)

        def attempts():
            start.wait()
            for _ in range(5):
                throttle_hit(scope="test", ip="10.0.0.9", identifier="burst")

        threads = [threading.Thread(target=attempts) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        read = ThrottleRead(scope="test", ip="10.0.0.9", identifiers=["burst"])
        assert sorted(count for count, _start in read.counts.values()) == [40, 40]
        with pytest.raises(Throttled) as refused:
            read.check()
        assert 1 <= refused.value.retry_after <= 60
        cache.clear()


@pytest.mark.django_db
def test_a_failure_counted_after_redis_went_down_is_counted_in_the_database(settings):
    """Redis answered the read and is gone by the time the failure is counted: the count goes
    to the database cache, where the next read (Redis still down) finds it."""
    from tests.fixtures import closed_port

    redis_required(REDIS_URL)
    settings.THROTTLE_RATES = RATES
    settings.CACHES = {**settings.CACHES, "shared": CACHES["redis"]}
    read = ThrottleRead(scope="test", ip="10.0.0.1", identifiers=["41234567"])
    assert read.counts == {}
    dead = {"BACKEND": "django.core.cache.backends.redis.RedisCache"}
    dead["LOCATION"] = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {**settings.CACHES, "shared": dead}
    read.hit()
    again = ThrottleRead(scope="test", ip="10.0.0.1", identifiers=["41234567"])
    assert sorted(count for count, _start in again.counts.values()) == [1, 1]
