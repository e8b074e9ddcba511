"""Test utilities shared by the test suite (``weather_flick_batch_tests``) and the benchmarks
(``benchmarks/``), in the product package so both import them the same way (as Dagster ships
``dagster._utils.test``): neither depends on the other's layout.

- :mod:`.fakes`: local HTTP servers that answer like the upstream APIs (KMA forecasts and weather
  warnings, KTO TourAPI, AirKorea, Slack, FCM), with injectable faults (:mod:`.fakes.http_fault_server`);
- :mod:`.services`: the local PostgreSQL the tests and benchmarks use (connection settings from
  ``WFB_TEST_PG_*``, throwaway databases) and a free loopback port;
- :mod:`.scale_out_location`: the code location the scale-out tests and the nationwide benchmark load
  (the production definitions plus the configured executor).

Plain functions and classes only: pytest fixtures stay in ``weather_flick_batch_tests/conftest.py``,
which wraps these. Production code must never import this package (a test in
``weather_flick_batch_tests/test_benchmarks.py`` enforces it): nothing under it is meant to run in a
deployment (servers that impersonate upstream APIs, a code location built for tests).
"""
