"""The shared cache reuses one Redis client per process (crm/cache.py)."""

from crm.cache import SharedClientRedisCache


def test_one_client_serves_every_cache_call(redis_required):
    cache = SharedClientRedisCache(redis_required, {"KEY_PREFIX": "test-shared-client"})
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is first
    cache.set("k", {"v": 1}, 30)
    assert cache.get("k") == {"v": 1}
    assert cache._cache.get_client(write=True) is first
    cache.delete("k")
    assert cache.get("k") is None
