"""`weather-flick-batch`: the platform's command line (warehouse migrations, settings, one-shot runs)."""

from __future__ import annotations

import argparse
import sys


def _cmd_db(args: argparse.Namespace) -> int:
    from weather_flick_batch import settings
    from weather_flick_batch.warehouse.warehouse import Warehouse, head_revision

    import os

    warehouse = Warehouse(settings.warehouse_url(), os.environ.get("WEATHER_FLICK_WAREHOUSE_PASSWORD") or None)
    if args.action == "upgrade":
        before = warehouse.current_revision()
        warehouse.upgrade(args.revision)
        print(f"warehouse {warehouse.display_url}: {before or 'empty'} -> {warehouse.current_revision()}")
    elif args.action == "downgrade":
        warehouse.downgrade(args.revision)
        print(f"warehouse {warehouse.display_url}: now at {warehouse.current_revision()}")
    else:
        current = warehouse.current_revision()
        head = head_revision()
        state = "up to date" if current == head else f"needs upgrade to {head}"
        print(f"warehouse {warehouse.display_url}: revision {current or 'none'} ({state})")
    return 0


def _cmd_settings(args: argparse.Namespace) -> int:
    from weather_flick_batch import settings

    if args.env_example:
        sys.stdout.write(settings.env_example())
    elif args.markdown:
        sys.stdout.write(settings.markdown_table())
    else:
        settings.validate_all()
        for s in settings.SETTINGS:
            value = "(secret, set)" if s.secret and s.name in __import__("os").environ else (
                "(secret, unset)" if s.secret else settings.get(s.name))
            print(f"{s.name}={value}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    import dagster as dg

    from weather_flick_batch import settings
    from weather_flick_batch.definitions import defs
    from weather_flick_batch.pipeline import run_pipeline, summary

    instance = dg.DagsterInstance.get()
    result = run_pipeline(defs, instance)
    where = (
        f"Warehouse: {settings.warehouse_url()}\n"
        f"Dagster instance: {instance.root_directory}\n"
        "Browse it: make dev, then open http://127.0.0.1:3000"
    )
    print(summary(result, where))
    return 0 if result.success and not result.failed_error_checks else 1


def _s3_storage():
    """The S3 settings as the platform's resource; credentials come from boto3's standard chain
    (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment, a profile or an instance role)."""
    from weather_flick_batch import settings
    from weather_flick_batch.resources.s3 import S3StorageResource

    settings.validate_all()
    return S3StorageResource(
        bucket=settings.get("WEATHER_FLICK_S3_BUCKET"),
        endpoint_url=settings.get("WEATHER_FLICK_S3_ENDPOINT_URL"),
        region_name=settings.get("WEATHER_FLICK_S3_REGION"),
    )


def _list_backups(storage) -> list[tuple[str, str, object, int, bool]]:
    """(name, location, created_at, bytes of dump + manifest, complete) of every stored backup, newest first."""
    from weather_flick_batch.maintenance import backup as bk
    from weather_flick_batch.maintenance.ops import BACKUP_PREFIX, backup_dir

    entries: list[tuple[str, str, int]] = []  # (file name, location, size)
    if storage.enabled:
        client = storage.get_client()
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket, Prefix=f"{BACKUP_PREFIX}/")
        for page in pages:
            for obj in page.get("Contents", []):
                rest = obj["Key"][len(BACKUP_PREFIX) + 1:]
                if "/" not in rest:
                    entries.append((rest, f"s3://{storage.bucket}/{obj['Key']}", int(obj["Size"])))
    elif backup_dir().is_dir():
        entries = [(p.name, str(p), p.stat().st_size) for p in backup_dir().iterdir() if p.is_file()]
    groups: dict[str, dict] = {}
    for filename, location, size in entries:
        is_manifest = filename.endswith(bk.MANIFEST_SUFFIX)
        name = filename[: -len(bk.MANIFEST_SUFFIX)] if is_manifest else filename
        if bk.parse_backup_name(name) is None:
            continue  # not one of ours
        group = groups.setdefault(name, {"location": None, "size": 0, "manifest": False})
        group["size"] += size
        if is_manifest:
            group["manifest"] = True
        else:
            group["location"] = location
    rows = []
    for name, group in groups.items():
        _engine, created_at = bk.parse_backup_name(name)
        complete = group["manifest"] and group["location"] is not None
        rows.append((name, group["location"] or "(manifest only)", created_at, group["size"], complete))
    return sorted(rows, key=lambda r: r[2], reverse=True)


def _cmd_backup(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from weather_flick_batch.core.timeutil import to_kst
    from weather_flick_batch.maintenance import backup as bk
    from weather_flick_batch.maintenance.ops import BACKUP_PREFIX, backup_dir

    storage = _s3_storage()
    try:
        if args.action == "list":
            rows = _list_backups(storage)
            where = f"s3://{storage.bucket}/{BACKUP_PREFIX}/" if storage.enabled else "the local backup directory"
            if not rows:
                print(f"no backups in {where}")
            for _name, location, created_at, size, complete in rows:
                state = "" if complete else "  INCOMPLETE (no manifest: not restorable)"
                print(f"{to_kst(created_at):%Y-%m-%d %H:%M %Z}  {size:>12,d} B  {location}{state}")
            return 0

        # restore: the password is read from an environment variable, never from the command line.
        password = os.environ.get(args.password_env, "").strip() or None
        key = args.key
        dump = Path(key) if Path(key).is_file() else None
        if dump is None and not storage.enabled and "/" not in key and (backup_dir() / key).is_file():
            dump = backup_dir() / key  # a bare name from `backup list` in embedded mode
        if dump is not None:
            manifest = bk.read_manifest_file(dump)
            bk.restore_backup(dump, manifest, args.target_url, password, force=args.force)
            comparisons = bk.compare_stats(manifest.table_stats, bk.table_stats(args.target_url, password),
                                           allow_extra_tables=True)
            bad = [c for c in comparisons if not c.ok]
            if bad:
                raise bk.BackupVerificationError(
                    f"restored {manifest.name} but it does not match its manifest: {bad[0].describe()}")
            reason = f"all {len(comparisons)} tables match the manifest"
        else:
            bucket = storage.bucket
            if key.startswith("s3://"):
                bucket, _, key = key[len("s3://"):].partition("/")
            elif "/" not in key:
                key = f"{BACKUP_PREFIX}/{key}"  # a bare backup name, as `backup list` shows it
            if not bucket:
                raise bk.BackupError(f"{args.key} is not a local file and no S3 bucket is configured "
                                     "(set WEATHER_FLICK_S3_BUCKET or pass s3://bucket/key)")
            result = bk.restore_from_s3(storage.get_client(), bucket, key, args.target_url, password,
                                        force=args.force)
            reason = result.reason
    except bk.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    shown = make_url(args.target_url).render_as_string(hide_password=True)
    print(f"restored {args.key} into {shown}: {reason}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="weather-flick-batch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="warehouse schema migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?", default="head")
    db.set_defaults(func=_cmd_db)

    st = sub.add_parser("settings", help="show or document the settings")
    st.add_argument("--env-example", action="store_true", help="print .env.example")
    st.add_argument("--markdown", action="store_true", help="print the README settings table")
    st.set_defaults(func=_cmd_settings)

    run = sub.add_parser("run", help="materialize the whole graph once on the current instance")
    run.set_defaults(func=_cmd_run)

    bk = sub.add_parser("backup", help="list warehouse backups, or restore one (see docs/operations.md)")
    bk_sub = bk.add_subparsers(dest="action", required=True)
    bk_sub.add_parser("list", help="backups in S3 (WEATHER_FLICK_S3_BUCKET) or the local backup directory")
    restore = bk_sub.add_parser(
        "restore", help="download (S3) or read (local path) a backup, check its SHA-256, restore it, and "
                        "compare every table with the backup's manifest")
    restore.add_argument("--key", required=True,
                         help="S3 key (backups/warehouse-...), s3://bucket/key, a backup name, or a local dump path")
    restore.add_argument("--target-url", required=True,
                         help="SQLAlchemy URL of the database to restore into (without the password)")
    restore.add_argument("--password-env", default="WEATHER_FLICK_WAREHOUSE_PASSWORD",
                         help="environment variable holding the target's password (default: %(default)s)")
    restore.add_argument("--force", action="store_true",
                         help="replace the backup's tables in a non-empty target (stop its writers first)")
    bk.set_defaults(func=_cmd_backup)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # one clear line for the human, not a traceback
        from weather_flick_batch.settings import SettingsError
        from weather_flick_batch.warehouse.warehouse import WarehouseError

        if isinstance(exc, (SettingsError, WarehouseError)):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
