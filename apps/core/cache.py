"""A Redis cache that fails open: when Redis falls over, the API keeps answering.

The cache holds only throttle counters and health-check probes. Django's RedisCache raises
on a dead connection, which would turn every throttled request (every write) into a 500 while
Redis is down. This backend logs the outage and answers as an empty cache instead: throttles
let requests through for the duration (sign-in lockout is in the database, so brute force is
still stopped), and everything else carries on. Short socket timeouts keep a dead Redis from
holding requests.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
_LOG_EVERY_SECONDS = 30.0


class FailOpenRedisCache(RedisCache):
    _last_logged = 0.0

    def _outage(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - FailOpenRedisCache._last_logged > _LOG_EVERY_SECONDS:
            FailOpenRedisCache._last_logged = now
            logger.warning("cache unavailable (%s: %s); failing open", operation, type(error))

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except _OUTAGE_ERRORS as error:
            self._outage("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except _OUTAGE_ERRORS as error:
            self._outage("get_many", error)
            return {}

    def set(self, key, value, timeout=None, version=None):  # noqa: A003 - Django's name
        try:
            super().set(key, value, timeout, version)
        except _OUTAGE_ERRORS as error:
            self._outage("set", error)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except _OUTAGE_ERRORS as error:
            self._outage("add", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except _OUTAGE_ERRORS as error:
            self._outage("delete", error)
            return False

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except _OUTAGE_ERRORS as error:
            self._outage("touch", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except ValueError:
            raise
        except _OUTAGE_ERRORS as error:
            self._outage("incr", error)
            raise ValueError(f"Key {key!r} not found (cache unavailable).") from error
