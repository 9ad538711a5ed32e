"""Django's Redis cache backend without two costs made for other backends.

- Django's ``RedisCacheClient`` builds a new ``redis.Redis`` for every cache operation, and each
  one registers its couple of hundred response callbacks: about 0.15 ms an operation, and a page
  makes three or four (the session, the team's versions, its cached entry). A ``redis.Redis`` is
  safe to share between threads (it takes a connection from its pool per command), so one per
  pool serves every operation.
- ``BaseCache.validate_key`` checks every key character by character against memcached's
  limits (250 characters, no spaces or control characters), which Redis does not have: about
  13 microseconds a key, and the team dashboard reads a version key per rep.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def validate_key(self, key: str) -> None:
        """Any key is valid in Redis: no memcached limits to warn of."""
