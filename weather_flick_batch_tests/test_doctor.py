"""`weather-flick-batch doctor` and the .env file: the troubleshooting entries' failure paths.

Each case breaks one thing the way it breaks in production (a closed Redis port, a wrong warehouse
URL, a data directory that cannot be written, no daemon, the back end's tables not adopted) and
expects one line naming it, and exit status 1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from weather_flick_batch import cli, settings
from weather_flick_batch.warehouse.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent


def doctor(capsys, *checks: str) -> tuple[int, str]:
    code = cli.main(["doctor", "--check", ",".join(checks)])
    return code, capsys.readouterr().out


def test_a_healthy_embedded_setup_passes(capsys):
    Warehouse(settings.warehouse_url()).ensure_schema()
    code, out = doctor(capsys, "warehouse", "schema", "data_dir", "redis", "kma", "kto")
    assert code == 0, out
    assert out.count("OK ") == 6 and "offline sample source" in out


def test_redis_unreachable(capsys, monkeypatch, free_port):
    monkeypatch.setenv("WEATHER_FLICK_REDIS_URL", f"redis://127.0.0.1:{free_port}/0")
    code, out = doctor(capsys, "redis")
    assert code == 1 and out.startswith("ERROR   redis") and "Redis unreachable" in out


def test_postgresql_unreachable(capsys, monkeypatch, free_port):
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", f"postgresql+psycopg2://nobody@127.0.0.1:{free_port}/none")
    code, out = doctor(capsys, "warehouse", "schema")
    assert code == 1
    assert "ERROR   warehouse" in out and "ERROR   schema" in out and "cannot reach the warehouse" in out


def test_data_directory_not_writable(capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("WEATHER_FLICK_HOME", str(blocker))
    code, out = doctor(capsys, "data_dir")
    assert code == 1 and "ERROR   data_dir" in out and str(blocker) in out


def test_no_daemon(capsys):
    code, out = doctor(capsys, "daemon")
    assert code == 1 and "no daemon has ever run" in out and "dagster-daemon run" in out


def test_back_end_tables_not_adopted_are_named(capsys, fresh_postgres_url, monkeypatch):
    Warehouse(fresh_postgres_url).ensure_schema()  # set up in public
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", fresh_postgres_url)
    monkeypatch.setenv("WEATHER_FLICK_SERVICE_SCHEMA", "elsewhere")
    code, out = doctor(capsys, "schema")
    assert code == 1 and "service schema 'elsewhere'" in out and "db upgrade" in out
    assert cli.main(["db", "upgrade"]) == 0
    assert "created elsewhere.regions" in capsys.readouterr().out
    code, out = doctor(capsys, "schema")
    assert code == 0 and "set up in elsewhere" in out


def test_unknown_check_is_a_usage_error(capsys):
    assert cli.main(["doctor", "--check", "redis,coffee"]) == 2
    assert "unknown check(s) ['coffee']" in capsys.readouterr().err


# -- the .env file ----------------------------------------------------------------------------------
def test_env_file_fills_what_the_environment_does_not_set(tmp_path, monkeypatch):
    env_file = tmp_path / "site.env"
    env_file.write_text("WEATHER_FLICK_TOP_N=7\nWEATHER_FLICK_KMA_MAX_POINTS=99\n")
    monkeypatch.setenv("WEATHER_FLICK_ENV_FILE", str(env_file))
    monkeypatch.setenv("WEATHER_FLICK_KMA_MAX_POINTS", "123")  # the environment wins
    monkeypatch.delenv("WEATHER_FLICK_TOP_N", raising=False)
    assert settings.load_env_file() == env_file.resolve()
    assert settings.get("WEATHER_FLICK_TOP_N") == 7
    assert settings.get("WEATHER_FLICK_KMA_MAX_POINTS") == 123


def test_env_file_named_but_missing_is_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("WEATHER_FLICK_ENV_FILE", str(tmp_path / "nope.env"))
    assert cli.main(["settings"]) == 2
    assert "WEATHER_FLICK_ENV_FILE" in capsys.readouterr().err


def test_cli_and_code_location_load_dot_env_from_the_working_directory(tmp_path):
    """`make run` and the CLI, and every process that loads the code location (dagster dev, daemon,
    code server, Celery worker), read .env in their working directory."""
    (tmp_path / ".env").write_text("WEATHER_FLICK_TOP_N=3\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEATHER_FLICK_")}
    done = subprocess.run([sys.executable, "-m", "weather_flick_batch.cli", "settings"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "WEATHER_FLICK_TOP_N=3" in done.stdout
    probe = ("import os, weather_flick_batch.definitions as d; "
             "print(os.environ.get('WEATHER_FLICK_TOP_N'), d.defs is not None)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", "True"]


@pytest.fixture
def free_port():
    from weather_flick_batch.testing.services import free_port as pick

    return pick()
