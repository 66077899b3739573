"""appraisal.cache: Django's Redis cache, reusing one redis.Redis client per connection pool
instead of building one for every cache call (no Redis needed: a client connects only when
it sends a command)."""

import redis
from django.core.cache.backends.redis import RedisCacheClient as DjangoClient

from appraisal.cache import RedisCache


def backend(location: str) -> RedisCache:
    return RedisCache(location, {})


def test_every_call_of_one_backend_gets_the_same_client_bound_to_its_pool():
    cache = backend("redis://127.0.0.1:6379/14")

    first = cache._cache.get_client("a")
    second = cache._cache.get_client("b", write=True)

    assert first is second
    assert isinstance(first, redis.Redis)
    assert first.connection_pool is cache._cache._get_connection_pool(write=False)
    # Django's own client builds a new one per call: what this backend exists to avoid.
    django = DjangoClient(["redis://127.0.0.1:6379/14"])
    assert django.get_client("a") is not django.get_client("a")


def test_with_replicas_writes_go_to_the_first_server_and_reads_to_the_others():
    cache = backend("redis://primary:6379/1,redis://replica:6379/1")

    write = cache._cache.get_client(write=True)
    reads = {id(cache._cache.get_client()) for _ in range(5)}

    assert write.connection_pool.connection_kwargs["host"] == "primary"
    assert cache._cache.get_client().connection_pool.connection_kwargs["host"] == "replica"
    assert reads == {id(cache._cache.get_client())}
    assert write is cache._cache.get_client(write=True)


def test_the_settings_options_still_reach_the_pool():
    cache = RedisCache("redis://127.0.0.1:6379/14", {"OPTIONS": {"socket_timeout": 2}})

    pool = cache._cache.get_client().connection_pool

    assert pool.connection_kwargs["socket_timeout"] == 2
