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
