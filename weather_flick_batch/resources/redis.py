"""Redis: the API response cache and the alert rate limits (optional in embedded mode)."""

from typing import TYPE_CHECKING, Optional

import dagster as dg

if TYPE_CHECKING:  # redis-py costs ~0.25 s to import: only steps that use Redis pay it
    import redis as redis_lib


class RedisResource(dg.ConfigurableResource):
    """A Redis URL, or None in embedded mode (callers then fall back to in-process state)."""

    url: Optional[str] = None
    socket_timeout_s: float = 5.0

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def get_client(self) -> Optional["redis_lib.Redis"]:
        if not self.url:
            return None
        import redis as redis_lib

        return redis_lib.Redis.from_url(
            self.url, socket_timeout=self.socket_timeout_s, socket_connect_timeout=self.socket_timeout_s
        )
