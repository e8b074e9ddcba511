"""Local HTTP servers that answer like KMA, KTO, AirKorea, Slack and FCM, for tests and benchmarks.

The production clients talk to them over loopback; no mocking of ``requests``. Dagster-free.
"""
