"""Django's Redis cache, keeping one client object per connection pool.

Django builds a new `redis.Redis` for every cache call, and each one copies the library's table
of ~300 response callbacks: on a request that does one or two cache calls (a throttled lookup,
a submission) that was a tenth of its CPU. A client object over a pool is safe to share between
threads, and the pool itself is Django's, so connections behave as before."""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
