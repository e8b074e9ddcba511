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
        warehouse.upgrade(args.revision or "head")
        print(f"warehouse {warehouse.display_url}: {before or 'empty'} -> {warehouse.current_revision()}")
        for action in warehouse.service_actions:
            print(f"  back end's tables: {action}")
    elif args.action == "downgrade":
        if not args.revision:
            print("error: db downgrade needs the revision to go back to, e.g. `weather-flick-batch db downgrade "
                  f"0009` (now at {warehouse.current_revision() or 'none'}; 'base' empties the warehouse)",
                  file=sys.stderr)
            return 2
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
    elif args.doc:
        sys.stdout.write(settings.settings_document())
    else:
        settings.validate_all()
        # What is in effect, not only what is set: the defaults computed at run time are shown too.
        effective = {"WEATHER_FLICK_HOME": f"{settings.home_dir()}  (in effect)",
                     "WEATHER_FLICK_WAREHOUSE_URL": f"{settings.warehouse_url()}  (in effect)",
                     "WEATHER_FLICK_ENV_FILE": f"{settings.load_env_file() or 'none found'}  (in effect)"}
        for s in settings.SETTINGS:
            value = "(secret, set)" if s.secret and s.name in __import__("os").environ else (
                "(secret, unset)" if s.secret else settings.get(s.name))
            if value is None and s.name in effective:
                value = effective[s.name]
            print(f"{s.name}={'' if value is None else value}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    import dagster as dg

    from weather_flick_batch import settings
    from weather_flick_batch.definitions import build_definitions
    from weather_flick_batch.pipeline import PIPELINE, run_pipeline, run_pipeline_concurrently, summary
    from weather_flick_batch.run_monitoring import fail_orphaned_runs

    steps = PIPELINE
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        known = [s.job_name for s in PIPELINE]
        unknown = [name for name in wanted if name not in known]
        if unknown:
            print(f"error: --only names jobs that are not in the pipeline: {', '.join(unknown)} "
                  f"(its jobs, in order: {', '.join(known)})", file=sys.stderr)
            return 2
        steps = [s for s in PIPELINE if s.job_name in wanted]  # the pipeline's order, not the argument's
    if not __import__("os").environ.get("DAGSTER_HOME", "").strip():
        print("error: DAGSTER_HOME is not set: `make run` sets it (.dagster_home in the checkout), or export "
              "DAGSTER_HOME=<a directory with a dagster.yaml, e.g. $PWD/.dagster_home after `make run`>",
              file=sys.stderr)
        return 2
    instance = dg.DagsterInstance.get()
    # Runs of an earlier `make run` that was killed stay STARTED and would block the UI's queue.
    for run_id in fail_orphaned_runs(instance):
        print(f"run {run_id[:8]} of an earlier process was left STARTED (its worker is gone): marked failed")
    # Built here, from the settings in effect now (not whenever the module was first imported).
    say = lambda line: print(line, flush=True)  # noqa: E731
    if args.concurrent:
        result = run_pipeline_concurrently(instance, steps=steps, progress=say)
    else:
        result = run_pipeline(build_definitions(), instance, steps=steps, progress=say, with_origin=True)
    where = (
        f"Warehouse: {settings.warehouse_url()}\n"
        f"Dagster instance: {instance.root_directory}\n"
        "Browse it: make dev, then open http://127.0.0.1:3000"
    )
    print(summary(result, where))
    return 0 if result.success and not result.failed_gating_checks else 1


def _cmd_checks(args: argparse.Namespace) -> int:
    import dagster as dg

    from weather_flick_batch.definitions import build_definitions
    from weather_flick_batch.pipeline import CHECK_STEPS, checks_summary, run_pipeline

    if not __import__("os").environ.get("DAGSTER_HOME", "").strip():
        print("error: DAGSTER_HOME is not set: `make checks` sets it (.dagster_home in the checkout), or export "
              "DAGSTER_HOME=<the instance the warehouse was built with, e.g. $PWD/.dagster_home>", file=sys.stderr)
        return 2
    instance = dg.DagsterInstance.get()
    result = run_pipeline(build_definitions(), instance, steps=CHECK_STEPS, with_origin=True, stop_on_failure=False,
                          progress=lambda line: print(line, flush=True))
    print(checks_summary(result, verbose=args.verbose))
    return 0 if result.success and not result.failed_gating_checks else 1


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
    from weather_flick_batch.maintenance.config import BACKUP_PREFIX, backup_dir

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
    from weather_flick_batch.maintenance.config import BACKUP_PREFIX, backup_dir

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


def _cmd_compare(args: argparse.Namespace) -> int:
    """Compare the back end's service tables in the live and the shadow database (the shadow run)."""
    import os

    from sqlalchemy.engine import make_url

    from weather_flick_batch.cutover.compare import ComparisonError, compare_databases

    def fail(message: str) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 2

    threshold = args.max_diff_share
    if not 0.0 <= threshold <= 1.0:
        return fail(f"--max-diff-share must be a fraction between 0 and 1 (0.01 = 1 %), not {threshold}")
    tables = [t.strip() for t in args.tables.split(",") if t.strip()] if args.tables is not None else None
    if tables is not None and not tables:
        return fail("--tables names no table")
    # Passwords come from environment variables named by the options, never from the command line.
    passwords: dict[str, str | None] = {}
    for side in ("live", "shadow"):
        try:
            embedded = make_url(getattr(args, side)).password
        except Exception:  # noqa: BLE001 - the URL may hold a password: never echo it
            return fail(f"--{side} is not a valid SQLAlchemy URL")
        if embedded:
            return fail(f"--{side} carries a password; put it in an environment variable and name it "
                        f"with --{side}-password-env")
        var = getattr(args, f"{side}_password_env")
        passwords[side] = None
        if var:
            if var not in os.environ:
                return fail(f"environment variable {var} (--{side}-password-env) is not set")
            passwords[side] = os.environ[var] or None
    try:
        report = compare_databases(
            args.live, args.shadow, live_schema=args.live_schema, shadow_schema=args.shadow_schema, tables=tables,
            live_password=passwords["live"], shadow_password=passwords["shadow"], sample=args.sample,
        )
    except ComparisonError as exc:
        return fail(str(exc))
    print(report.render())
    if all(t.live_missing and t.shadow_missing for t in report.tables):
        return fail("none of the compared tables exists in either database: check the URLs and schemas")
    exceeding = report.exceeds(threshold)
    for name in exceeding:
        share = report.table(name).share
        print(f"{name}: {share * 100:.1f} % of keys differ (threshold {threshold * 100:.1f} %)", file=sys.stderr)
    return 1 if exceeding else 0


def _cmd_cutover(args: argparse.Namespace) -> int:
    """Snapshot the back end's tables before the cutover, or roll back to that snapshot."""
    import os
    from pathlib import Path

    from weather_flick_batch.cutover.snapshot import CutoverError, rollback, take_snapshot

    password = os.environ.get(args.password_env, "").strip() or None
    try:
        if args.action == "snapshot":
            snap = take_snapshot(args.url, Path(args.out), schema=args.schema, password=password)
            rows = sum(s.row_count for s in snap.tables.values())
            print(f"snapshot of {len(snap.tables)} back-end tables in schema {snap.schema} ({rows} rows): {snap.path}")
        else:
            print(rollback(args.url, Path(args.snapshot), password=password).describe())
    except CutoverError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    """Check what an operator checks first; exit 1 if anything is at error."""
    from weather_flick_batch.doctor import CHECKS, run_checks

    names = [n.strip() for n in args.check.split(",") if n.strip()] if args.check else list(CHECKS)
    unknown = sorted(set(names) - set(CHECKS))
    if unknown:
        print(f"error: unknown check(s) {unknown}; choose from {', '.join(CHECKS)}", file=sys.stderr)
        return 2
    findings = run_checks(names)
    for finding in findings:
        print(finding.line())
    return 1 if any(f.status == "error" for f in findings) else 0


def _cmd_watchdog(args: argparse.Namespace) -> int:
    """Check the platform from outside the daemon, alert on trouble; exit 1 if anything is at error."""
    import os

    import dagster as dg

    from weather_flick_batch import settings
    from weather_flick_batch.watchdog import CHECKS, alert, run_watchdog

    names = [n.strip() for n in args.check.split(",") if n.strip()] if args.check else list(CHECKS)
    unknown = sorted(set(names) - set(CHECKS))
    if unknown:
        print(f"error: unknown check(s) {unknown}; choose from {', '.join(CHECKS)}", file=sys.stderr)
        return 2
    if not os.environ.get("DAGSTER_HOME"):
        print("error: DAGSTER_HOME is not set: the watchdog reads the Dagster instance the daemon serves",
              file=sys.stderr)
        return 2
    settings.validate_all()
    with dg.DagsterInstance.get() as instance:
        findings = run_watchdog(instance, names)
    for finding in findings:
        print(finding.line())
    if not args.no_alerts:
        from weather_flick_batch.definitions import build_resources

        # Through Dagster's resource builder: the channel secrets are EnvVars, resolved only there.
        with dg.build_resources({"alerts": build_resources()["alerts"]}) as resources:
            for text in alert(findings, resources.alerts, settings.get("WEATHER_FLICK_UI_BASE_URL")):
                print(f"alerted: {text}")
    return 1 if any(f.status == "error" for f in findings) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="weather-flick-batch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="warehouse schema migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?", default=None,
                    help="upgrade: the target (default head); downgrade: required, the revision to go back to")
    db.set_defaults(func=_cmd_db)

    st = sub.add_parser("settings", help="show or document the settings")
    st.add_argument("--env-example", action="store_true", help="print .env.example")
    st.add_argument("--markdown", action="store_true", help="print the settings as one markdown table")
    st.add_argument("--doc", action="store_true", help="print docs/settings.md (every setting by group)")
    st.set_defaults(func=_cmd_settings)

    run = sub.add_parser("run", help="materialize the whole graph once on the current instance")
    run.add_argument("--only", metavar="JOB[,JOB...]",
                     help="run only these jobs of the pipeline, in its order (e.g. the ones that publish the "
                          "back end's tables after a cutover)")
    run.add_argument("--concurrent", action="store_true",
                     help="start each run as soon as the runs it reads from are done, on the executor "
                          "WEATHER_FLICK_EXECUTOR sets (multiprocess, or celery with `make worker`), within the "
                          "instance's run limits; without it the runs go one after another, in this process")
    run.set_defaults(func=_cmd_run)

    ck = sub.add_parser("checks", help="run every asset check against the warehouse as it stands (publication "
                                       "checks on the published rows, standalone checks, health probes); exit 1 "
                                       "on a failed ERROR check")
    ck.add_argument("--verbose", action="store_true", help="print every check, not only the failed ones")
    ck.set_defaults(func=_cmd_checks)

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

    cmp = sub.add_parser(
        "compare", help="compare the back end's service tables in the live and the shadow database (shadow run); "
                        "exit 0 within --max-diff-share, 1 beyond it, 2 on errors")
    cmp.add_argument("--live", required=True, metavar="URL",
                     help="SQLAlchemy URL of the live database (without the password)")
    cmp.add_argument("--shadow", required=True, metavar="URL",
                     help="SQLAlchemy URL of the shadow database (without the password; may be the live one "
                          "with --shadow-schema)")
    cmp.add_argument("--live-schema", metavar="S", help="schema of the live tables (default: the search path)")
    cmp.add_argument("--shadow-schema", metavar="S", help="schema of the shadow tables (default: the search path)")
    cmp.add_argument("--tables", metavar="a,b", help="comma-separated service tables (default: all of them)")
    cmp.add_argument("--max-diff-share", type=float, default=0.01, metavar="F",
                     help="largest share of differing keys per table, as a fraction (default: %(default)s = 1 %%)")
    cmp.add_argument("--live-password-env", metavar="VAR",
                     help="environment variable holding the live database's password")
    cmp.add_argument("--shadow-password-env", metavar="VAR",
                     help="environment variable holding the shadow database's password")
    cmp.add_argument("--sample", type=int, default=5, metavar="N",
                     help="example keys/rows shown per table and kind (default: %(default)s)")
    cmp.set_defaults(func=_cmd_compare)

    co = sub.add_parser("cutover", help="snapshot the back end's tables before the cutover, or roll back to it "
                                        "(docs/migration.md)")
    co_sub = co.add_subparsers(dest="action", required=True)
    snap = co_sub.add_parser("snapshot", help="pg_dump of the back end's tables with row counts and checksums")
    snap.add_argument("--out", required=True, help="directory for the dump and its manifest")
    snap.add_argument("--schema", default="public", help="schema of the back end's tables (default: %(default)s)")
    back = co_sub.add_parser("rollback", help="restore a snapshot exactly (pg_restore in one transaction), drop "
                                              "back-end tables created since, verify every table")
    back.add_argument("--snapshot", required=True, help="the .dump file `cutover snapshot` wrote")
    for p in (snap, back):
        p.add_argument("--url", required=True, help="SQLAlchemy URL of the back end's database (no password)")
        p.add_argument("--password-env", default="WEATHER_FLICK_WAREHOUSE_PASSWORD",
                       help="environment variable holding the password (default: %(default)s)")
    co.set_defaults(func=_cmd_cutover)

    dr = sub.add_parser("doctor", help="check the warehouse, schema, data directory, Redis, daemon, run queue and "
                                       "API keys; exit 1 on an error (docs/migration.md, troubleshooting)")
    dr.add_argument("--check", help="comma-separated subset of: warehouse, schema, data_dir, redis, daemon, runs, "
                                    "kma, kto (default: all)")
    dr.set_defaults(func=_cmd_doctor)

    wd = sub.add_parser("watchdog", help="from cron or a timer: daemon heartbeats, the age of platform/health, of the "
                                         "newest weather issuance and of the last backup; alerts, exit 1 on trouble")
    wd.add_argument("--check", help="comma-separated subset of: daemons, health, weather, backup (default: all)")
    wd.add_argument("--no-alerts", action="store_true", help="print only; send no alert")
    wd.set_defaults(func=_cmd_watchdog)

    args = parser.parse_args(argv)
    try:
        from weather_flick_batch import settings

        settings.load_env_file()  # .env in the current directory (or WEATHER_FLICK_ENV_FILE)
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
