"""Dagster-free maintenance logic: warehouse backup with verified restore, and cleanup.

``backup``: consistent dumps (pg_dump custom format / SQLite online backup), SHA-256 manifests,
S3 upload and download, restore, verification by restoring into a scratch database, retention.
``cleanup``: log compression and expiry, Dagster compute-log expiry, run-history purge and raw
archive expiry, each as a plan (the dry run) and an apply step that does exactly what was planned.

The Dagster ops and the CLI wrap these functions; nothing here imports Dagster at module level.
"""
