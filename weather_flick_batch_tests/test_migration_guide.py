"""docs/migration.md, executed: every `bash` block in order, as an operator would type it.

The back end's database is seeded as the previous batch left it, with its tables owned by a
back-end role; the guide sets up the batch's role and schema, runs the shadow, compares, cuts over
and rolls back. Afterwards the back end's tables must be exactly what they were (row counts,
content checksums and owners), and everything the guide claims in between must hold.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from weather_flick_batch.testing.services import create_database, drop_database
from weather_flick_batch_tests.test_cutover import public_stats, seed_previous_batch

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "migration.md"
BLOCK = re.compile(r"^```bash( background| diagnose)?\n(.*?)^```", re.S | re.M)
BACKEND_ROLE = "weatherflick_backend"


def guide_blocks() -> list[tuple[str, str]]:
    """(kind, script) of every bash block: '' runs and must succeed, 'background' is a server,
    'diagnose' must run and report (exit 0 or 1)."""
    return [((m.group(1) or "").strip(), m.group(2)) for m in BLOCK.finditer(GUIDE.read_text())]


def test_every_shell_block_of_the_guide_is_one_this_test_runs():
    text = GUIDE.read_text()
    fences = re.findall(r"^```(\S*)( \S+)?$", text, re.M)
    openers = fences[0::2]
    assert all(lang in ("bash", "") for lang, _ in openers), openers
    assert all(lang == "bash" for lang, _ in openers), "a block without a language would not run"
    assert len(guide_blocks()) == len(openers) >= 15


def _owners(url: str) -> dict[str, str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'")).all()
    engine.dispose()
    return dict(rows)


@pytest.fixture
def backend_db(postgres_server):
    name = create_database("wfb_guide")
    admin = f"postgresql+psycopg2://{postgres_server['user']}@{postgres_server['host']}:{postgres_server['port']}"
    engine = sa.create_engine(f"{admin}/{name}")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{BACKEND_ROLE}') "
                             f"THEN CREATE ROLE {BACKEND_ROLE}; END IF; END $$")
    seed_previous_batch(f"{admin}/{name}")
    with engine.begin() as conn:
        for table in conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars():
            conn.exec_driver_sql(f'ALTER TABLE public."{table}" OWNER TO {BACKEND_ROLE}')
    engine.dispose()
    yield name, f"{admin}/{name}"
    drop_database(name)


def test_the_migration_guide_runs_as_written(backend_db, postgres_server, redis_url, tmp_path):
    name, backend_url = backend_db
    before, owners_before = public_stats(backend_url), _owners(backend_url)
    home = tmp_path / "wf_home"
    home.mkdir()
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir(exist_ok=True)
    (dagster_home / "dagster.yaml").write_text((ROOT / "deploy" / "local" / "dagster.yaml").read_text())
    host, port = postgres_server["host"], postgres_server["port"]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WEATHER_FLICK_", "DAGSTER_"))},
        "DB_ADMIN_URL": f"postgresql://{postgres_server['user']}@{host}:{port}/{name}",
        "BACKEND_DB_URL": backend_url,
        "BACKEND_DB_NAME": name,
        "BATCH_DB_URL": f"postgresql+psycopg2://weather_flick_batch@{host}:{port}/{name}",
        "REDIS_URL": redis_url,
        "SITE_ENV_FILE": str(tmp_path / "site.env"),
        "SNAPSHOT_DIR": str(tmp_path / "snapshots"),
        "DAGSTER_HOME": str(dagster_home),
        "WEATHER_FLICK_HOME": str(home),
        # Host load is not what this test is about: a busy CI machine must not fail the run's health check.
        "WEATHER_FLICK_HEALTH_CPU_PCT_WARN": "100", "WEATHER_FLICK_HEALTH_CPU_PCT_ERROR": "100",
        "WEATHER_FLICK_HEALTH_MEMORY_PCT_WARN": "100", "WEATHER_FLICK_HEALTH_MEMORY_PCT_ERROR": "100",
        "WEATHER_FLICK_HEALTH_DISK_PCT_WARN": "100", "WEATHER_FLICK_HEALTH_DISK_PCT_ERROR": "100",
    }
    background: list[subprocess.Popen] = []
    outputs: list[str] = []
    # One operator's shell: what a block exports (e.g. WEATHER_FLICK_ENV_FILE) holds for the next ones.
    state = tmp_path / "shell-state.sh"
    state.write_text("")

    def in_shell(script: str) -> str:
        return f"source {state}\n{script}\nexport -p > {state}\n"

    try:
        for kind, script in guide_blocks():
            if kind == "background":
                log = open(tmp_path / f"background-{len(background)}.log", "w")
                background.append(subprocess.Popen(["bash", "-c", f"source {state}\n{script}"], cwd=ROOT, env=env, stdout=log,
                                                   stderr=subprocess.STDOUT, start_new_session=True))
                continue
            done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", in_shell(script)], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300)
            output = done.stdout + done.stderr
            outputs.append(output)
            if kind == "diagnose":
                assert done.returncode in (0, 1), f"diagnosis failed to run:\n{script}\n{output[-3000:]}"
                assert done.stdout.strip(), f"diagnosis printed nothing:\n{script}"
            else:
                assert done.returncode == 0, f"guide block failed (exit {done.returncode}):\n{script}\n{output[-3000:]}"
            # A server lives until the block after it has used it.
            for proc in background:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=60)
            background.clear()
    finally:
        for proc in background:
            os.killpg(proc.pid, signal.SIGKILL)

    text = "\n".join(outputs)
    assert "OK      daemon" in text, "the daemon check after starting it"
    assert "created weather_flick_shadow.pet_tour_info" in text
    assert "adopted public.restaurants (unique index on content_id)" in text
    assert "differs (exit 1)" in text  # the previous batch's tables are not the shadow's
    assert re.search(r"snapshot of \d+ back-end tables in schema public", text)
    assert "dropped pet_tour_info (created after the snapshot)" in text
    # After the rollback: the back end's tables exactly as before the guide, owners included.
    assert public_stats(backend_url) == before
    assert _owners(backend_url) == owners_before
