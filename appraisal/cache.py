"""Django's Redis cache, with one `redis.Redis` client per connection pool.

Django's `RedisCacheClient.get_client` keeps the connection pools but builds a new
`redis.Redis` around one on every cache call, and redis-py 5 and later copy about 170
response callbacks into a case-insensitive dict in each `Redis.__init__`: 0.18 ms a call
on the benchmark's machine, more than the round trip of a GET to a local Redis. A signed-in
page makes about five cache calls (the session, the stamps and the cached parts;
`appraisal/fragments.py`), so that was close to a millisecond of CPU a request
(bench/RESULTS.md, "Sixth round").

A `redis.Redis` is safe to share: it holds no connection of its own and takes one from
its pool for each command, and the pool checks the process id, so a forked worker (gunicorn,
Celery) opens its own connections. Django's cache handler gives each thread its own
backend anyway.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """`django.core.cache.backends.redis.RedisCache`, reusing its clients."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
