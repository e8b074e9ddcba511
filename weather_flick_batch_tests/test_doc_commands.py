"""Every shell command in README.md and docs/*.md is executed by a test.

What counts as a command (the extraction rule)
----------------------------------------------
* **Fenced blocks** whose info string starts with ``bash``, ``sh``, ``shell``, ``zsh`` or ``console``
  (``bash background``/``bash diagnose`` included): every logical line is a command. Backslash
  continuations are joined into one line, a here-document (``<<EOF`` ... ``EOF``) belongs to the
  command that opens it, blank lines and ``#`` comments (whole-line or trailing, outside quotes) are
  skipped. In ``console`` blocks only the ``$ `` lines are commands; the rest is output.
* **Unmarked fenced blocks** (no info string) are shell when every logical line starts with a command
  word (``BLOCK_WORDS``, ``./x``, ``.venv/bin/x``, after optional ``VAR=value`` prefixes); a transcript
  (a line starts with ``$ ``) is read as ``console``; when every line is a crontab entry (five schedule
  fields, then a command), the commands are extracted. Anything else (directory trees, diagrams,
  formulas) is not shell, nor are blocks marked with another language (``python``, ``yaml``, ``json``).
* **A ``make <target>`` named in a shell block's comment** (``# or: make db-upgrade``), for a target the
  Makefile declares, is an alternative the doc offers and is a command too.
* **Inline code spans** in prose are commands when their first word (after ``VAR=value`` prefixes) is
  one of ``INLINE_WORDS`` or a ``.venv/bin/`` program and at least one argument follows (``make run``,
  ``weather-flick-batch watchdog``; a bare ``make`` or ``dagster`` names a program, not an instruction),
  or when the span is the path of a shell script in the checkout (``scripts/ensure_services.sh``).
  ``bash`` is not an inline word: in prose it names the fence or the interpreter (``bash -e``).

How each command is covered
---------------------------
``COVERAGE`` maps every extracted command (its text, exactly) to how it is exercised and why; the
commands of docs/migration.md's blocks are the exception: ``test_migration_guide.py`` runs every one of
them, in order, against real PostgreSQL and Redis, and ``test_the_migration_guide_test_runs_every_block``
checks that the blocks it runs are exactly the blocks extracted here. The test fails when a doc holds a
command that is neither run nor mapped, and when an entry's command no longer appears in any doc.

* ``run`` - executed for real, in a sandbox: a temporary checkout (copies of the Makefile, workspace and
  settings files, the shared virtualenv's files behind a fresh install stamp so ``make`` never reinstalls
  it) whose ``.dagster_home`` (``DAGSTER_HOME`` and ``WEATHER_FLICK_HOME``) holds a copy of what the
  session's ``embedded_pipeline`` fixture produced (the graph materialized once, on the offline sample
  sources), with ``WEATHER_FLICK_WAREHOUSE_URL`` pointing at that copy's SQLite file, none of a
  developer's ``WEATHER_FLICK_*``/``DAGSTER_*`` variables and only loopback services. Commands of one
  group run in order in one operator's shell (what a command exports holds for the next). ``subst``
  replaces production-only values (hosts, ``/opt`` paths, placeholders) with sandbox ones, in plain view.
* ``pipeline`` - ``make run``/``weather-flick-batch run``: the whole graph, about a minute, is not run a
  second time: it is the ``embedded_pipeline`` session fixture (``run_pipeline``, what the CLI runs, on
  embedded defaults). Here ``make -n run`` must expand to ``db upgrade`` then ``weather-flick-batch run``
  on ``.dagster_home``, ``make db-upgrade`` runs for real, and the CLI runs one job for real
  (``run --only refresh_reference``: the same entry point, origin, summary and exit status).
* ``serve`` - long-running servers are started in the sandbox and stopped once they answer: ``make dev``
  (the exact command ``make -n dev`` prints, on a free loopback port; done when the UI's GraphQL API
  reports the code location loaded), ``make worker`` (a Celery worker on the local Redis; done when the
  deployment checks of docs/topology.md see it), ``redis-server`` (on a free port).
* ``make -n`` - targets that cannot or need not run here (``make test`` is this suite, ``make bench`` runs
  minutes of benchmarks, ``make snapshot`` rewrites the golden file in the checkout, ``make checks``' own
  command already runs in test_make_checks.py): the recipe must be what the doc says, and every file it
  names must exist. ``rm -rf .venv && make install`` runs with ``-n`` in a scratch checkout.
* ``expands`` - the command a make target runs: ``make -n <target>`` must print it, and the target itself
  is run (named in ``why``).
* ``help`` - production-only commands (they bind 0.0.0.0, need the production instance, or name
  placeholders): the subcommand and every option the doc spells must parse. Click programs get
  ``--help`` appended (click parses every option before it answers ``--help``: an unknown one exits 2);
  ``weather-flick-batch`` (argparse) is parsed in process with the real parser, stopping before it runs.
* ``fails`` - the doc says, in prose, that the command does not work; it must fail the way the doc says.
* ``code`` - the doc describes what the platform or a benchmark runs itself (``pg_dump --format=custom``,
  ``psql \\copy``): the code must spell exactly that (the backup tests and ``make bench`` run it).
* ``forbidden`` - the doc tells the reader never to run it; the sentence must still say so.
* ``guide`` - part of a command of docs/migration.md's blocks, run by ``test_migration_guide.py``.

Cost: the slow units (the run groups, ``make dev``, ``run --only``, the click parses) start together when
the module starts, three at a time, each in a sandbox of its own, while the module's other tests run; the
results are asserted at the end. Beyond the shared ``embedded_pipeline`` fixture the module takes about
50 s on two cores. Tests that need the local PostgreSQL or Redis carry the ``postgres``/``redis``
markers; the two that start long-running servers carry ``integration``.

``python -m weather_flick_batch_tests.test_doc_commands`` prints the commands per file and their coverage.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MIGRATION = "docs/migration.md"

SHELL_LANGS = {"bash", "sh", "shell", "zsh", "console"}
INLINE_WORDS = {
    "make", "weather-flick-batch", "dagster", "dagster-webserver", "dagster-daemon", "dagster-celery",
    "celery", "python", "python3", "pip", "psql", "pg_isready", "pg_dump", "pg_restore", "redis-server",
    "redis-cli", "chown", "rm",
}
BLOCK_WORDS = INLINE_WORDS | {
    "export", "cd", "cat", "echo", "ls", "sed", "grep", "curl", "bash", "sh", "source", "umask", "for",
    "mkdir", "cp", "sudo", "systemctl", "docker", "kubectl", "crontab",
}
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
HEREDOC = re.compile(r"(?<!<)<<-?\s*(['\"]?)([A-Za-z_]\w*)\1")
ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
CRON_FIELD = r"[\d*/,-]+"
CRON_LINE = re.compile(rf"^(?:@\w+|(?:{CRON_FIELD}\s+){{4}}{CRON_FIELD})\s+(?P<cmd>\S.*)$")
MAKE_TARGETS = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))


# -- extraction ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DocCommand:
    file: str  # relative to the checkout
    line: int  # 1-based line of the command's first line
    text: str  # the command, continuations joined, comments stripped
    where: str  # "block", "inline" or "comment"
    block: int | None = None  # index of the fenced block in its file


def _strip_comment(line: str) -> tuple[str, str]:
    """(code, comment) of one shell line: a ``#`` starts a comment outside quotes, after a blank or at the start."""
    quote, escaped = None, False
    for i, ch in enumerate(line):
        if escaped:
            escaped = False
        elif ch == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip(), line[i + 1:]
    return line.rstrip(), ""


def split_commands(lines: list[str], console: bool = False) -> list[tuple[int, str, list[str]]]:
    """(index of the first line, command, comments) for each logical command of a shell script."""
    out: list[tuple[int, str, list[str]]] = []
    i = 0
    while i < len(lines):
        start, raw = i, lines[i]
        i += 1
        if console:
            if not raw.lstrip().startswith("$ "):
                continue
            raw = raw.lstrip()[2:]
        code, comment = _strip_comment(raw)
        comments = [comment] if comment else []
        if not code.strip():
            continue
        parts = [code]
        while parts[-1].endswith("\\") and i < len(lines):
            parts[-1] = parts[-1][:-1].rstrip()
            code, comment = _strip_comment(lines[i])
            comments += [comment] if comment else []
            parts.append(code.strip())
            i += 1
        text = " ".join(p for p in parts if p).strip()
        heredoc = HEREDOC.search(text)
        if heredoc:
            body = []
            while i < len(lines):
                body.append(lines[i])
                i += 1
                if body[-1].strip() == heredoc.group(2):
                    break
            text = "\n".join([text, *body])
        out.append((start, text, comments))
    return out


def _first_word(text: str) -> str:
    words = text.split()
    while words and ASSIGNMENT.match(words[0]):
        words.pop(0)
    return words[0] if words else ""


def _is_command_word(word: str, words: set[str]) -> bool:
    return word in words or word.startswith(("./", ".venv/bin/"))


def extract(path: Path) -> list[DocCommand]:
    rel = str(path.relative_to(ROOT))
    lines = path.read_text().splitlines()
    found: list[DocCommand] = []
    prose: list[tuple[int, str]] = []
    i, block = 0, -1
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            prose.append((i, lines[i]))
            i += 1
            continue
        fence, info = opening.group(1), opening.group(2).strip()
        block += 1
        first = i + 1
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            i += 1
        body = lines[first:i]
        i += 1  # the closing fence
        lang = info.split()[0].lower() if info else ""
        if lang in SHELL_LANGS:
            commands = split_commands(body, console=lang == "console")
        elif not info and any(line.startswith("$ ") for line in body):
            commands = split_commands(body, console=True)  # a transcript: its prompts are the commands
        elif not info:
            commands = split_commands(body)
            cron = [CRON_LINE.match(text) for _, text, _ in commands]
            if commands and all(cron):
                commands = [(n, m.group("cmd"), c) for (n, _, c), m in zip(commands, cron)]
            elif not commands or not all(_is_command_word(_first_word(t), BLOCK_WORDS) for _, t, _ in commands):
                continue
        else:
            continue
        for n, text, comments in commands:
            found.append(DocCommand(rel, first + n + 1, text, "block", block))
            for comment in comments:
                for target in re.findall(r"\bmake ([a-z][\w-]*)", comment):
                    if target in MAKE_TARGETS:
                        found.append(DocCommand(rel, first + n + 1, f"make {target}", "comment", block))
    for n, line in prose:
        for span in re.findall(r"(?<!`)`([^`]+)`(?!`)", line):
            span = span.strip()
            words = span.split()
            args = [w for w in words if not ASSIGNMENT.match(w)]
            first = _first_word(span)
            script = len(words) == 1 and span.endswith(".sh") and (ROOT / span).is_file()
            if script or (args and len(args) >= 2 and _is_command_word(first, INLINE_WORDS)
                          and not first.startswith("./")):
                found.append(DocCommand(rel, n + 1, span, "inline"))
    return found


def doc_commands() -> list[DocCommand]:
    return [c for path in DOCS for c in extract(path)]


# -- how each command is covered ----------------------------------------------------------------
@dataclass(frozen=True)
class Cover:
    how: str  # run, pipeline, serve, make -n, expands, help, fails, code, forbidden, guide
    why: str
    group: str = ""  # run: the sandbox shell it runs in, in the order of this table
    exit: tuple[int, ...] = (0,)  # run: the exit statuses the doc allows
    expect: tuple[str, ...] = ()  # regexes its output (code: the sources) must match
    subst: tuple[tuple[str, str], ...] = ()  # run: (doc text, sandbox text) replacements, in plain view
    then: str = ""  # run: a check right after it, in the same shell; must exit 0
    argv: tuple[str, ...] | None = None  # help/fails/expands: what runs, when it is not the doc text itself
    source: str = "weather_flick_batch"  # code: where the code lives


def _run(group: str, why: str, **kw) -> Cover:
    return Cover("run", why, group=group, **kw)


def _help(why: str, **kw) -> Cover:
    return Cover("help", why, **kw)


RUN_OK = (r"RUN_SUCCESS",)
PROD = "needs the production instance and code server"
WFB_PARSER = "parsed by weather_flick_batch/cli.py's own parser"

COVERAGE: dict[str, Cover] = {
    # ---- make targets ----------------------------------------------------------------------------
    "make run": Cover("pipeline", "the whole graph (about a minute) is the embedded_pipeline session fixture, not "
                      "run twice; make -n run, make db-upgrade and `weather-flick-batch run --only` run here"),
    "make checks": Cover(
        "make -n", "its command, `weather-flick-batch checks`, runs in test_make_checks.py on a copy of the "
        "embedded pipeline (exit 0, then 1 on a corrupted row): here the recipe runs it on .dagster_home",
        expect=(r"^DAGSTER_HOME=\S+/\.dagster_home \.venv/bin/weather-flick-batch checks$",)),
    "make dev": Cover("serve", "the UI runs until stopped: the exact command `make -n dev` prints is started on a "
                      "free loopback port and stopped once GraphQL reports the code location loaded"),
    "make test": Cover("make -n", "it is this suite (13 min): the recipe must be ensure_services.sh, then pytest "
                       "(the script itself runs in test_ensure_services)",
                       expect=(r"^bash scripts/ensure_services\.sh$", r"^\.venv/bin/python -m pytest$")),
    "make bench": Cover("make -n", "minutes of nationwide-scale benchmarks: test_benchmarks.py imports every "
                        "benchmark module; here the recipe is checked",
                        expect=(r"^bash scripts/ensure_services\.sh$", r"^\.venv/bin/python benchmarks/run\.py$")),
    "make worker": Cover("serve", "a Celery worker runs until stopped: test_make_worker_serves starts it on the "
                         "local Redis and stops it once the checks of docs/topology.md see it"),
    "make worker WORKER_NAME=worker1": Cover("serve", "started as written by test_make_worker_serves"),
    "make snapshot": Cover("make -n", "it rewrites the golden snapshot in the checkout; the suite runs "
                           "test_definitions.py against the snapshot",
                           expect=(r"^UPDATE_SNAPSHOTS=1 \.venv/bin/python -m pytest "
                                   r"weather_flick_batch_tests/test_definitions\.py -q$",)),
    "make install": Cover("guide", "run by test_migration_guide.py (Install): a no-op on an installed checkout"),
    "make instance-migrate": Cover("guide", "run by test_migration_guide.py (Start order)"),
    "make db-upgrade": _run("pipeline", "the first step of `make run`, on the sandbox (already at head)",
                            expect=(r"warehouse sqlite:///\S+/\.dagster_home/warehouse\.sqlite: \w+ -> \w+",)),
    "make settings-docs": _run("operator", "regenerates the sandbox's docs/settings.md: it must be the checked-in one",
                               then='cmp docs/settings.md "$CHECKOUT/docs/settings.md"'),
    "make env-example": _run("operator", "regenerates the sandbox's .env.example: it must be the checked-in one",
                             then='cmp .env.example "$CHECKOUT/.env.example"'),
    "rm -rf .venv && make install": Cover(
        "make -n", "it would delete the shared virtualenv: in a scratch copy of the checkout without one, "
        "`make -n install` must create it and install from the pins",
        expect=(r"-m venv \.venv", r"pip install .*-c constraints\.txt -e \"\.\[test\]\"")),
    # ---- what make targets run -------------------------------------------------------------------
    "weather-flick-batch checks": Cover("expands", "`make -n checks` must print it; test_make_checks.py runs it",
                                        argv=("make", "checks")),
    "dagster-celery worker start -A dagster_celery.app -y deploy/celery.yaml -n worker1": Cover(
        "expands", "`make -n worker WORKER_NAME=worker1` must print it; test_make_worker_serves runs the target",
        argv=("make", "worker", "WORKER_NAME=worker1")),
    "dagster instance migrate": Cover("expands", "`make -n instance-migrate` must print it; "
                                      "test_migration_guide.py runs the target", argv=("make", "instance-migrate")),
    "weather-flick-batch run": Cover("pipeline", "the whole graph: see `make run`"),
    "weather-flick-batch run --concurrent": Cover(
        "help", "the whole graph on the multiprocess or Celery executor: what the flag calls "
                "(run_pipeline_concurrently) runs in test_pipeline_concurrency.py and in make bench's nationwide "
                "legs; here the option must parse"),
    "weather-flick-batch db upgrade": Cover("guide", "run by test_migration_guide.py (Migrations, Cutover); "
                                            "`make db-upgrade` runs it here too"),
    "dagster-daemon run": Cover("guide", "test_migration_guide.py starts `.venv/bin/dagster-daemon run -w "
                                "workspace.yaml` (Start order)"),
    # ---- README.md -------------------------------------------------------------------------------
    "scripts/ensure_services.sh": Cover("run", "run for real against the local services (test_ensure_services)",
                                        group="services", expect=(r"PostgreSQL and Redis are up",)),
    "weather-flick-batch watchdog": _run(
        "operator", "the sandbox has no daemon: the watchdog reports it and exits 1 (docs/topology.md: "
        "'the exit status is 1')", exit=(1,), expect=(r"(?m)^ERROR +daemons .*never",)),
    "weather-flick-batch doctor": _run(
        "operator", "every check on the sandbox; the daemon check is at error (none ever ran), so exit 1 "
        "(docs/migration.md: 'exits 1 when any is at error')", exit=(1,),
        expect=(r"(?m)^OK +warehouse ", r"(?m)^OK +schema ", r"(?m)^ERROR +daemon +no daemon has ever run")),
    # ---- docs/benchmarks.md, docs/data.md --------------------------------------------------------
    "psql \\copy": Cover("code", "the COPY ceiling bench_weather_load.py measures (make bench runs it)",
                         source="benchmarks", expect=(r'\["psql"', r"\\\\copy ")),
    "weather-flick-batch compare": _help(f"needs two back-end databases; test_migration_guide.py runs it; here "
                                         f"the subcommand is {WFB_PARSER}",
                                         argv=("weather-flick-batch", "compare", "--help")),
    # ---- docs/health.md: the alert channels example ----------------------------------------------
    "export WEATHER_FLICK_REDIS_URL=redis://redis:6379/0": _run("alerts", "exported as written"),
    "export WEATHER_FLICK_UI_BASE_URL=https://dagster.weatherflick.example": _run("alerts", "exported as written"),
    "export WEATHER_FLICK_ALERT_SLACK_TOKEN=xoxb-...": _run("alerts", "exported as written"),
    "export WEATHER_FLICK_ALERT_SLACK_CHANNEL='#weatherflick-alerts'": _run("alerts", "exported as written"),
    "export WEATHER_FLICK_ALERT_SMTP_HOST=smtp.example WEATHER_FLICK_ALERT_SMTP_USERNAME=alerts@example": _run(
        "alerts", "exported as written"),
    "export WEATHER_FLICK_ALERT_SMTP_PASSWORD=...": _run("alerts", "exported as written"),
    "export WEATHER_FLICK_ALERT_EMAIL_FROM=batch@example WEATHER_FLICK_ALERT_EMAIL_TO=oncall@example": _run(
        "alerts", "exported as written"),
    "export WEATHER_FLICK_ALERT_SMS_NUMBERS=+821012345678": _run(
        "alerts", "the example configures every channel completely: the settings validate and are in effect, "
        "and the code location loads (a half-configured channel fails it); nothing is sent",
        then=".venv/bin/weather-flick-batch settings > settings.out && "
             ".venv/bin/python -c 'from weather_flick_batch.definitions import build_definitions as b; b()' && "
             "grep -qx 'WEATHER_FLICK_ALERT_SLACK_TOKEN=(secret, set)' settings.out && "
             "grep -qx 'WEATHER_FLICK_ALERT_SLACK_CHANNEL=#weatherflick-alerts' settings.out && "
             "grep -qx 'WEATHER_FLICK_ALERT_SMTP_PASSWORD=(secret, set)' settings.out && "
             "grep -qx 'WEATHER_FLICK_ALERT_EMAIL_TO=oncall@example' settings.out && "
             "grep -qx 'WEATHER_FLICK_ALERT_SMS_NUMBERS=+821012345678' settings.out"),
    # ---- docs/operations.md ----------------------------------------------------------------------
    "export DAGSTER_HOME=$PWD/.dagster_home": _run("backup", "the sandbox is $PWD (docs/running.md's block too)"),
    ".venv/bin/dagster job execute -m weather_flick_batch.definitions -a defs -j warehouse_backup_job": _run(
        "backup", "a verified backup of the sandbox's warehouse", expect=RUN_OK),
    "echo 'dry_run: true' > /tmp/dry.yaml": _run("backup", "as written"),
    ".venv/bin/dagster job execute -m weather_flick_batch.definitions -a defs -j cleanup_job -c /tmp/dry.yaml": _run(
        "backup", "a dry-run cleanup of the sandbox", expect=RUN_OK),
    ".venv/bin/weather-flick-batch backup list": _run(
        "backup", "lists the backup the job above made", expect=(r"warehouse-sqlite-\d{8}T\d{6}Z\.sqlite\.gz",)),
    "WEATHER_FLICK_WAREHOUSE_PASSWORD=... .venv/bin/weather-flick-batch backup restore "
    "--key backups/warehouse-postgresql-20261125T170000Z.dump "
    "--target-url postgresql+psycopg2://weather@db.internal:5432/weather_flick_restored": _run(
        "backup", "the example's S3 key and db.internal exist in production only: the same command restores the "
        "sandbox's backup, by the bare name `backup list` shows, into a new SQLite file, every table verified",
        subst=(("backups/warehouse-postgresql-20261125T170000Z.dump",
                '"$(basename "$(ls -t .dagster_home/backups/warehouse-sqlite-*.sqlite.gz | head -n 1)")"'),
               ("postgresql+psycopg2://weather@db.internal:5432/weather_flick_restored",
                "sqlite:///$SANDBOX/restored.sqlite")),
        expect=(r"restored warehouse-sqlite-\S+ into sqlite:///\S+restored\.sqlite: all \d+ tables match",)),
    "weather-flick-batch backup list": _run("backup", "the bare program, the virtualenv on PATH",
                                            expect=(r"warehouse-sqlite-",)),
    "weather-flick-batch backup restore --key instance-backups/instance-postgresql-<time>.dump --target-url ...": _help(
        f"an instance backup exists on the production (PostgreSQL) instance only: the subcommand and its options "
        f"are {WFB_PARSER}"),
    "dagster job launch -w workspace.yaml -j cleanup_job --config-json '{\"dry_run\": true}'": _run(
        "jobs", "submitted to the sandbox instance's queue (no daemon there: it stays queued, with its config)",
        then=".venv/bin/python -c 'import dagster as dg; r = dg.DagsterInstance.get().get_runs(limit=1)[0]; "
             "assert (r.job_name, r.status.value, r.run_config) == "
             "(\"cleanup_job\", \"QUEUED\", {\"dry_run\": True}), r'"),
    "pg_dump --format=custom": Cover("code", "what the backup runs on PostgreSQL (test_maintenance_backup runs it)"),
    "pg_restore --no-owner --clean --if-exists --single-transaction": Cover(
        "code", "what the restore runs on PostgreSQL (test_maintenance_backup runs it)"),
    # ---- docs/running.md -------------------------------------------------------------------------
    ".venv/bin/dagster asset materialize -m weather_flick_batch.definitions -a defs --select regions": _run(
        "running", "as written, on the sandbox", expect=RUN_OK),
    ".venv/bin/dagster job execute -m weather_flick_batch.definitions -a defs -j refresh_reference": _run(
        "running", "as written, on the sandbox", expect=RUN_OK),
    ".venv/bin/dagster definitions validate -w workspace.yaml": _run("running", "as written, in the sandbox"),
    ".venv/bin/weather-flick-batch db current": _run("running", "on the sandbox's warehouse",
                                                     expect=(r"revision \w+ \(up to date\)",)),
    "WEATHER_FLICK_WAREHOUSE_URL=postgresql+psycopg2://user@host/weather_flick "
    ".venv/bin/weather-flick-batch db upgrade": _run(
        "postgres", "user@host is production: the same command upgrades a fresh database of the local PostgreSQL "
        "(test_db_upgrade_on_postgresql), and `db current` then says it is up to date",
        subst=(("postgresql+psycopg2://user@host/weather_flick", '"$PG_URL"'),),
        expect=(r"warehouse postgresql\S*: empty -> \w+",),
        then='WEATHER_FLICK_WAREHOUSE_URL="$PG_URL" .venv/bin/weather-flick-batch db current | grep -q "(up to date)"'),
    "dagster asset check": Cover("fails", "the doc says there is no such command",
                                 argv=("dagster", "asset", "check", "--help"), expect=(r"No such command 'check'",)),
    # ---- docs/settings.md ------------------------------------------------------------------------
    "weather-flick-batch settings": _run("operator", "the settings in effect in the sandbox",
                                         expect=(r"(?m)^WEATHER_FLICK_WAREHOUSE_URL=sqlite:///",)),
    # ---- docs/topology.md ------------------------------------------------------------------------
    "dagster code-server start -m weather_flick_batch.definitions -a defs -d /opt/weather-flick-batch -h 0.0.0.0 "
    "-p 4000 --location-name weather_flick_batch": _help(
        "binds every interface and serves production: every option parses (test_scale_out starts one on loopback)"),
    "dagster-webserver -w deploy/production/workspace.yaml -h 127.0.0.1 -p 3000": _help(
        f"{PROD}: every option parses (test_scale_out starts one)"),
    "dagster-webserver -w deploy/production/workspace.yaml --read-only -h 127.0.0.1 -p 3001": _help(
        f"{PROD}: every option parses (test_webserver_access starts one)"),
    "dagster-daemon run -w deploy/production/workspace.yaml": _help(
        f"{PROD}: every option parses (test_scale_out starts one)"),
    "cd /opt/weather-flick-batch && .venv/bin/weather-flick-batch watchdog >> /var/log/wfb-watchdog.log 2>&1": _run(
        "operator", "the crontab entry's command, with the sandbox for /opt/weather-flick-batch and a log of its "
        "own; no daemon in the sandbox, so exit 1 and the finding in the log",
        subst=(("/opt/weather-flick-batch", "$SANDBOX"),
               ("/var/log/wfb-watchdog.log", "$SANDBOX/logs/wfb-watchdog.log")),
        exit=(1,), then='grep -q "^ERROR *daemons" "$SANDBOX/logs/wfb-watchdog.log"'),
    "dagster-celery status -A dagster_celery.app -y deploy/celery.yaml": _run(
        "worker", "with `make worker`'s worker up on the local Redis (test_make_worker_serves)",
        expect=(r"worker1@\S+: OK",)),
    'celery -A dagster_celery.app -b "${WEATHER_FLICK_CELERY_BROKER:-redis://127.0.0.1:6379/1}" inspect active': _run(
        "worker", "with `make worker`'s worker up on the local Redis (test_make_worker_serves)",
        expect=(r"worker1@\S+: OK",)),
    "dagster-celery worker list -y deploy/celery.yaml": Cover(
        "fails", "the doc says it cannot resolve the file's {env: ...} broker",
        argv=("dagster-celery", "worker", "list", "-y", "deploy/celery.yaml"),
        expect=(r'Param "broker" is not a str',)),
    # ---- docs/trip-notices.md --------------------------------------------------------------------
    ".venv/bin/dagster job execute -m weather_flick_batch.definitions -a defs -j trip_notices_job": _run(
        "jobs", "as written, on the sandbox", expect=RUN_OK),
    # ---- docs/migration.md's prose (its blocks are test_migration_guide.py's) ----------------------
    "weather-flick-batch ...": _help(f"the CLI in general, {WFB_PARSER}", argv=("weather-flick-batch", "--help")),
    "redis-server --daemonize yes --bind 127.0.0.1": Cover(
        "serve", "the fix for a stopped Redis: started as written plus a free port and a scratch directory, "
        "stopped once it answers PING (test_redis_server_fix_starts_redis)"),
    "pip install": Cover("forbidden", "the doc says never to install a package by hand"),
    'chown -R <user> "$WEATHER_FLICK_HOME"': _run("operator", "<user> is the batch's user: here whoever runs the test",
                                                 subst=(("<user>", '"$(id -un)"'),)),
}
KINDS = {"run", "pipeline", "serve", "make -n", "expands", "help", "fails", "code", "forbidden", "guide"}
RUN_GROUPS = ["running", "backup", "jobs", "operator", "alerts"]  # run in the background, each in its sandbox
OWN_TEST_GROUPS = {"pipeline": "test_make_run", "services": "test_ensure_services",
                   "postgres": "test_db_upgrade_on_postgresql", "worker": "test_make_worker_serves"}


def coverage_of(command: DocCommand) -> Cover | None:
    if command.file == MIGRATION and command.where == "block":
        return Cover("guide", "every block of docs/migration.md is run, in order, by test_migration_guide.py")
    return COVERAGE.get(command.text)


# -- the sandbox --------------------------------------------------------------------------------
SANDBOX_FILES = ("Makefile", "workspace.yaml", "dagster.yaml", "setup.py", "pyproject.toml", "constraints.txt",
                 ".env.example")
SANDBOX_LINKS = ("scripts", "benchmarks", "deploy")


def make_sandbox(dest: Path, pipeline_home: Path | None = None) -> Path:
    """A checkout to run documented commands in: its own files, the shared virtualenv behind a fresh install
    stamp (make never reinstalls it from here), and ``.dagster_home`` with the local instance's dagster.yaml,
    holding a copy of the embedded pipeline's instance and warehouse when given (what ``make run`` leaves)."""
    dest.mkdir(parents=True)
    venv = dest / ".venv"
    venv.mkdir()
    for entry in (ROOT / ".venv").iterdir():
        if entry.name != ".installed-stamp":
            (venv / entry.name).symlink_to(entry)
    for name in SANDBOX_FILES:
        shutil.copy2(ROOT / name, dest / name)  # keeps their times: the stamp below is newer
    shutil.copytree(ROOT / "docs", dest / "docs")
    for name in SANDBOX_LINKS:
        (dest / name).symlink_to(ROOT / name)
    (venv / ".installed-stamp").touch()
    (dest / "logs").mkdir()
    home = dest / ".dagster_home"
    if pipeline_home is not None:
        shutil.copytree(pipeline_home / "dagster", home)
        shutil.copytree(pipeline_home / "wf", home, dirs_exist_ok=True)
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text((ROOT / "deploy" / "local" / "dagster.yaml").read_text())
    return dest


def sandbox_env(root: Path, **extra: str) -> dict[str, str]:
    """Only loopback services, none of a developer's settings, the sandbox's instance and SQLite warehouse."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEATHER_FLICK_", "DAGSTER_", "MAKE", "MFLAGS"))}
    home = root / ".dagster_home"
    env.update(
        PATH=f"{root / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        DAGSTER_HOME=str(home), WEATHER_FLICK_HOME=str(home),
        WEATHER_FLICK_WAREHOUSE_URL=f"sqlite:///{home / 'warehouse.sqlite'}",
        WEATHER_FLICK_ENV_FILE="none",  # a developer's .env must not reach the sandbox
        SANDBOX=str(root), CHECKOUT=str(ROOT),
    )
    env.update(extra)
    return env


@dataclass
class Outcome:
    command: str
    script: str
    returncode: int
    output: str
    then_returncode: int | None = None
    then_output: str = ""


def _script(text: str, cover: Cover) -> str:
    for old, new in cover.subst:
        assert old in text, f"stale substitution {old!r} for {text!r}"
        text = text.replace(old, new)
    return text


def run_in_shell(commands: list[str], root: Path, env: dict[str, str], name: str) -> list[Outcome]:
    """Each command in its own bash, in order, as one operator's shell: what one exports holds for the next."""
    state = root / f".shell-state-{name}"
    state.write_text("")
    save = f"export -p | grep -vE '^declare -x (PWD|OLDPWD|SHLVL|_)=' > {state}"
    outcomes = []
    for text in commands:
        cover = COVERAGE[text]
        script = _script(text, cover)
        done = subprocess.run(["bash", "-o", "pipefail", "-c", f"source {state}\n{script}\nrc=$?\n{save}\nexit $rc"],
                              cwd=root, env=env, capture_output=True, text=True, timeout=300)
        outcome = Outcome(text, script, done.returncode, done.stdout + done.stderr)
        if cover.then:
            check = subprocess.run(["bash", "-o", "pipefail", "-c", f"source {state}\n{cover.then}"], cwd=root,
                                   env=env, capture_output=True, text=True, timeout=300)
            outcome.then_returncode, outcome.then_output = check.returncode, check.stdout + check.stderr
        outcomes.append(outcome)
    return outcomes


def assert_outcomes(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        cover = COVERAGE[o.command]
        assert o.returncode in cover.exit, (f"documented command exited {o.returncode} (the doc allows "
                                            f"{cover.exit}):\n{o.script}\n{o.output[-4000:]}")
        for pattern in cover.expect:
            assert re.search(pattern, o.output), f"{pattern!r} not in the output of\n{o.script}\n{o.output[-4000:]}"
        if cover.then:
            assert o.then_returncode == 0, (f"the check after\n{o.script}\nfailed:\n{cover.then}\n"
                                            f"{o.then_output[-4000:]}")


def group_commands(group: str) -> list[str]:
    return [text for text, cover in COVERAGE.items() if cover.how == "run" and cover.group == group]


def make_n(root: Path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """What ``make -n`` would run, one line per command (recipe continuations joined)."""
    done = subprocess.run(["make", "-n", *args], cwd=root, env=env or sandbox_env(root), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, f"make -n {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return [" ".join(line.split()) for line in done.stdout.replace("\\\n", " ").splitlines()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# A server must stop on SIGTERM even when the process running the tests inherited SIGINT/SIGTERM ignored
# (a CI runner's background job, nohup): exec it with the default dispositions.
_DEFAULT_SIGNALS = ("import os, signal, sys\n"
                    "for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGPIPE):\n"
                    "    signal.signal(s, signal.SIG_DFL)\n"
                    "os.execvp(sys.argv[1], sys.argv[1:])")


def start_server(script: str, root: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-S", "-c", _DEFAULT_SIGNALS, "bash", "-c", script], cwd=root,
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop_server(proc: subprocess.Popen, grace: float = 20) -> int | None:
    """SIGTERM to its process group; its exit status, or None if it had to be killed. Nothing of it is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        code = proc.wait(grace)
    except subprocess.TimeoutExpired:
        code = None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # children that outlive it (a code server waiting for its heartbeat)
    proc.wait(10)
    return code


# -- the slow units, run concurrently in the background ------------------------------------------
def _unit_group(name: str, root: Path) -> list[Outcome]:
    return run_in_shell(group_commands(name), root, sandbox_env(root), name)


def _unit_pipeline(root: Path) -> dict:
    env = sandbox_env(root)
    plan = make_n(root, "run", env=env)
    outcomes = run_in_shell(group_commands("pipeline"), root, env, "pipeline")
    cli = subprocess.run([".venv/bin/weather-flick-batch", "run", "--only", "refresh_reference"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=300)
    return {"plan": plan, "outcomes": outcomes, "cli": cli}


_LOCATIONS = ("{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus "
              "locationOrLoadError { __typename ... on PythonError { message } } } } } }")


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def _unit_make_dev(root: Path) -> dict:
    env = sandbox_env(root)
    plan = make_n(root, "dev", env=env)
    port = free_port()
    script = re.sub(r" -p 3000$", f" -p {port}", plan[-1])
    log = root / "logs" / "make-dev.log"
    started = time.monotonic()
    proc = start_server(script, root, env, log)
    entries, error = None, None
    try:
        while time.monotonic() - started < 150 and proc.poll() is None:
            try:
                entries = _graphql(port, _LOCATIONS)["data"]["workspaceOrError"].get("locationEntries")
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            except (OSError, ValueError, KeyError) as exc:
                error = exc
            time.sleep(0.5)
    finally:
        code = stop_server(proc)
    return {"plan": plan, "script": script, "entries": entries, "error": error, "exit": code,
            "log": log.read_text()[-4000:]}


def _unit_click(argv: tuple[str, ...], root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), cwd=root, env=sandbox_env(root), capture_output=True, text=True, timeout=120)


def _tool(text: str, cover: Cover) -> str:
    return _first_word(" ".join(cover.argv or text.split()))


CLICK = [t for t, c in COVERAGE.items() if c.how in ("help", "fails") and _tool(t, c) != "weather-flick-batch"]
ARGPARSE = [t for t, c in COVERAGE.items() if c.how == "help" and _tool(t, c) == "weather-flick-batch"]
UNITS = ["make-dev", "pipeline", *RUN_GROUPS, *(f"click:{t}" for t in CLICK)]  # longest first
UNIT_OF_TEST = {"test_make_dev_serves": "make-dev", "test_make_run": "pipeline"}


@pytest.fixture(scope="module", autouse=True)
def background(request, tmp_path_factory):
    """The slow units, each in a sandbox of its own so they overlap, started as soon as the module starts (only
    those of the tests selected): the module's other tests run meanwhile."""
    selected = set()
    for item in request.session.items:
        if item.module is sys.modules[__name__]:
            params = getattr(item, "callspec", None)
            selected.add(params.params.get("unit") if params else UNIT_OF_TEST.get(item.name))
    needs_pipeline = selected & ({"make-dev", "pipeline"} | set(RUN_GROUPS) - {"alerts"})
    home = request.getfixturevalue("embedded_pipeline")[0] if needs_pipeline else None
    base = tmp_path_factory.mktemp("doc_commands")
    plain = make_sandbox(base / "plain")
    futures: dict[str, concurrent.futures.Future] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=3, thread_name_prefix="doc-commands") as pool:
        for unit in (u for u in UNITS if u in selected):
            if unit == "make-dev":
                futures[unit] = pool.submit(_unit_make_dev, make_sandbox(base / unit, home))
            elif unit == "pipeline":
                futures[unit] = pool.submit(_unit_pipeline, make_sandbox(base / unit, home))
            elif unit in RUN_GROUPS:
                sandbox = make_sandbox(base / unit, None if unit == "alerts" else home)
                futures[unit] = pool.submit(_unit_group, unit, sandbox)
            else:
                text = unit.removeprefix("click:")
                futures[unit] = pool.submit(_unit_click, COVERAGE[text].argv or (*text.split(), "--help"), plain)
        yield futures


# -- the tests ----------------------------------------------------------------------------------
def test_every_doc_command_is_covered_and_every_entry_is_in_a_doc():
    commands = doc_commands()
    uncovered = [f"{c.file}:{c.line}: {c.text}" for c in commands if coverage_of(c) is None]
    assert not uncovered, ("documented commands that no test runs or maps (add each to COVERAGE in "
                           "weather_flick_batch_tests/test_doc_commands.py):\n" + "\n".join(uncovered))
    texts = {c.text for c in commands}
    stale = [text for text in COVERAGE if text not in texts]
    assert not stale, "COVERAGE entries whose command no doc holds any more (remove them):\n" + "\n".join(stale)
    # A command the doc says fails, or forbids, is prose: in a block it would be an instruction.
    for c in commands:
        if (cover := coverage_of(c)) and cover.how in ("fails", "forbidden"):
            assert c.where == "inline", f"{c.file}:{c.line}: `{c.text}` is mapped as {cover.how} but is an instruction"
    # What the migration guide test runs: each "guide" entry is (part of) one of its blocks' commands.
    guide = [c.text for c in commands if c.file == MIGRATION and c.where == "block"]
    for text, cover in COVERAGE.items():
        if cover.how == "guide":
            assert any(re.search(rf"(^|[ /]){re.escape(text)}( |$)", g) for g in guide), f"no guide block runs `{text}`"


def test_the_table_is_consistent():
    assert {c.how for c in COVERAGE.values()} <= KINDS
    groups = {c.group for c in COVERAGE.values() if c.how == "run"}
    assert groups == set(RUN_GROUPS) | set(OWN_TEST_GROUPS), groups
    own = {name for name in OWN_TEST_GROUPS.values()}
    assert own <= set(dir(sys.modules[__name__])), own


def test_the_extraction_rule():
    lines = ["# a comment", "make run    # the whole graph", "FOO=1 \\", "  .venv/bin/x --a 'b # c' \\",
             "  --d", "cat > f <<EOF", "a # not a comment", "EOF", "", "echo done  # or: make dev"]
    assert [text for _, text, _ in split_commands(lines)] == [
        "make run", "FOO=1 .venv/bin/x --a 'b # c' --d", "cat > f <<EOF\na # not a comment\nEOF", "echo done"]
    assert [t for _, t, _ in split_commands(["$ make run", "output", "$ make dev"], console=True)] == [
        "make run", "make dev"]
    assert CRON_LINE.match("*/5 * * * * cd /x && y").group("cmd") == "cd /x && y"
    per_file = Counter(c.file for c in doc_commands() if c.where == "block")
    for doc in ("README.md", "docs/health.md", "docs/operations.md", "docs/running.md", "docs/topology.md",
                "docs/trip-notices.md", MIGRATION):
        assert per_file[doc], f"no fenced command found in {doc}: the extraction is broken"


def test_the_migration_guide_test_runs_every_block():
    """docs/migration.md's commands are run by test_migration_guide.py: the blocks it runs are all of them."""
    from weather_flick_batch_tests.test_migration_guide import guide_blocks

    ran = [text for _kind, script in guide_blocks() for _, text, _ in split_commands(script.splitlines())]
    assert ran == [c.text for c in doc_commands() if c.file == MIGRATION and c.where == "block"]


class _Parsed(Exception):
    pass


def parse_only(argv: list[str]):
    """weather-flick-batch's own parser on argv, stopped before the command runs: the Namespace, or the exit code."""
    from weather_flick_batch import cli

    original = argparse.ArgumentParser.parse_args

    def capture(self, args=None, namespace=None):
        raise _Parsed(original(self, args, namespace))

    with mock.patch.object(argparse.ArgumentParser, "parse_args", capture):
        try:
            cli.main(argv)
        except _Parsed as parsed:
            return parsed.args[0]
        except SystemExit as exit_:
            return exit_.code
    raise AssertionError(f"weather-flick-batch {argv} returned without parsing")


@pytest.mark.parametrize("text", ARGPARSE)
def test_weather_flick_batch_command_parses(text, capsys):
    argv = list((COVERAGE[text].argv or tuple(text.split()))[1:])
    result = parse_only(argv)
    output = capsys.readouterr()
    if "--help" in argv:
        assert result == 0 and output.out.startswith("usage: "), output
        return
    assert isinstance(result, argparse.Namespace), f"`{text}` does not parse:\n{output.err}"
    for option in (w for w in argv if w.startswith("--")):
        assert getattr(result, option[2:].replace("-", "_"), None) is not None, (option, result)


def test_make_targets_expand_as_documented(tmp_path):
    root = make_sandbox(tmp_path / "checkout")
    for text, cover in COVERAGE.items():
        if cover.how == "make -n" and text.startswith("make "):
            plan = make_n(root, *text.split()[1:])
            for pattern in cover.expect:
                assert any(re.search(pattern, line) for line in plan), (text, pattern, plan)
            named = {w for line in plan for w in line.split() if re.fullmatch(r"[\w.-]+/[\w./-]+\.(py|sh|yaml)", w)}
            assert all((ROOT / w).exists() for w in named), (text, named)
        elif cover.how == "expands":
            plan = make_n(root, *cover.argv[1:])
            assert any(re.search(rf"(^|[ /]){re.escape(text)}$", line) for line in plan), (text, plan)


def test_reinstall_from_scratch_is_what_make_install_does(tmp_path):
    """`rm -rf .venv && make install` with -n, in a scratch checkout: never on the shared virtualenv."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for name in SANDBOX_FILES:
        shutil.copy2(ROOT / name, scratch / name)
    text = "rm -rf .venv && make install"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    done = subprocess.run(["bash", "-c", text.replace("make install", "make -n install")], cwd=scratch, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    for pattern in COVERAGE[text].expect:
        assert re.search(pattern, done.stdout), (pattern, done.stdout)


def test_the_code_runs_what_the_doc_says():
    for text, cover in COVERAGE.items():
        if cover.how == "code":
            sources = "\n".join(p.read_text() for p in (ROOT / cover.source).rglob("*.py"))
            patterns = cover.expect or (r",\s*".join(f'"{re.escape(word)}"' for word in text.split()),)
            for pattern in patterns:
                assert re.search(pattern, sources), f"nothing in {cover.source}/ runs `{text}` as the doc says"


def test_forbidden_commands_are_still_forbidden():
    for c in doc_commands():
        if (cover := COVERAGE.get(c.text)) and cover.how == "forbidden":
            line = (ROOT / c.file).read_text().splitlines()[c.line - 1]
            assert re.search(rf"never `{re.escape(c.text)}`", line), (c, line)


@pytest.mark.postgres
@pytest.mark.redis
def test_ensure_services(tmp_path):
    """The README names the script `make test` runs first: as written, against the local services."""
    root = make_sandbox(tmp_path / "checkout")
    assert_outcomes(run_in_shell(group_commands("services"), root, sandbox_env(root), "services"))


@pytest.mark.postgres
def test_db_upgrade_on_postgresql(fresh_postgres_url, tmp_path):
    root = make_sandbox(tmp_path / "checkout")
    env = sandbox_env(root, PG_URL=fresh_postgres_url)
    assert_outcomes(run_in_shell(group_commands("postgres"), root, env, "postgres"))


@pytest.mark.redis
@pytest.mark.integration
def test_make_worker_serves(redis_url, tmp_path):
    """`make worker WORKER_NAME=worker1` on the local Redis; the deployment checks of docs/topology.md see it;
    SIGTERM stops it cleanly."""
    root = make_sandbox(tmp_path / "checkout")
    env = sandbox_env(root, WEATHER_FLICK_CELERY_BROKER=redis_url, WEATHER_FLICK_CELERY_BACKEND=redis_url)
    log = root / "logs" / "worker.log"
    proc = start_server("make worker WORKER_NAME=worker1", root, env, log)
    try:
        deadline = time.monotonic() + 120
        while not re.search(r"worker1@\S+ ready", log.read_text()):
            assert proc.poll() is None and time.monotonic() < deadline, f"no worker:\n{log.read_text()[-4000:]}"
            time.sleep(0.2)
        outcomes = run_in_shell(group_commands("worker"), root, env, "worker")
    finally:
        code = stop_server(proc, grace=30)
    assert_outcomes(outcomes)
    assert code is not None, f"the worker did not stop on SIGTERM:\n{log.read_text()[-4000:]}"


def test_redis_server_fix_starts_redis(tmp_path):
    text = "redis-server --daemonize yes --bind 127.0.0.1"
    assert COVERAGE[text].how == "serve"
    port = free_port()
    script = f"{text} --port {port} --dir {tmp_path} --pidfile {tmp_path}/redis.pid --save '' --appendonly no"
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        deadline = time.monotonic() + 20
        while (ping := subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True,
                                      timeout=10)).stdout.strip() != "PONG":
            assert time.monotonic() < deadline, ping.stdout + ping.stderr
            time.sleep(0.1)
    finally:
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, timeout=10)


# The background units' results, collected last: the tests above ran meanwhile.
@pytest.mark.parametrize("unit", RUN_GROUPS)
def test_run_group(unit, background):
    outcomes = background[unit].result()
    assert [o.command for o in outcomes] == group_commands(unit)
    assert_outcomes(outcomes)


def test_make_run(background, embedded_pipeline):
    """`make run` = db upgrade, then `weather-flick-batch run`, on .dagster_home; the graph is the fixture's run."""
    assert embedded_pipeline[1].success, embedded_pipeline[1].failures
    unit = background["pipeline"].result()
    plan = [line for line in unit["plan"] if "weather-flick-batch" in line]
    assert [re.sub(r"^DAGSTER_HOME=\S+/\.dagster_home ", "", line) for line in plan] == [
        ".venv/bin/weather-flick-batch db upgrade", ".venv/bin/weather-flick-batch run"], unit["plan"]
    assert_outcomes(unit["outcomes"])
    cli = unit["cli"]
    assert cli.returncode == 0, cli.stdout[-4000:] + cli.stderr[-4000:]
    assert re.search(r"Asset checks: (\d+)/\1 passed", cli.stdout), cli.stdout[-4000:]


@pytest.mark.integration
def test_make_dev_serves(background):
    unit = background["make-dev"].result()
    assert re.fullmatch(r"DAGSTER_HOME=\S+/\.dagster_home \.venv/bin/dagster dev -w workspace\.yaml "
                        r"-h 127\.0\.0\.1 -p 3000", unit["plan"][-1]), unit["plan"]
    entries = unit["entries"]
    assert entries, f"the UI never answered ({unit['error']}):\n{unit['log']}"
    assert [(e["name"], e["loadStatus"], e["locationOrLoadError"]["__typename"]) for e in entries] == [
        ("weather_flick_batch", "LOADED", "RepositoryLocation")], (entries, unit["log"])
    assert unit["exit"] is not None, f"`make dev` did not stop on SIGTERM:\n{unit['log']}"


@pytest.mark.parametrize("unit", [f"click:{t}" for t in CLICK])
def test_click_command_parses(unit, background):
    text = unit.removeprefix("click:")
    cover = COVERAGE[text]
    done = background[unit].result()
    output = done.stdout + done.stderr
    if cover.how == "fails":
        assert done.returncode != 0, f"the doc says `{text}` fails, but it exited 0:\n{output}"
    else:
        assert done.returncode == 0 and "Usage:" in output, f"`{' '.join(done.args)}` does not parse:\n{output}"
        options = [w.split("=")[0] for w in text.split() if w.startswith("-")]
        missing = [o for o in options if not re.search(rf"(?<![\w-]){re.escape(o)}\b", output)]
        assert not missing, f"options of `{text}` its help does not list: {missing}"
    for pattern in cover.expect:
        assert re.search(pattern, output), f"{pattern!r} not in the output of `{' '.join(done.args)}`:\n{output}"


def _report() -> str:
    commands = doc_commands()
    lines = []
    for path in DOCS:
        rel = str(path.relative_to(ROOT))
        mine = [c for c in commands if c.file == rel]
        kinds = Counter(c.where for c in mine)
        lines.append(f"{rel}: {len(mine)} ({kinds['block']} in blocks, {kinds['inline']} inline, "
                     f"{kinds['comment']} in comments)")
        for c in mine:
            cover = coverage_of(c)
            how = cover.how if cover else "UNCOVERED"
            lines.append(f"  {c.line:4d} {c.where:7s} {how:9s} {c.text.splitlines()[0]}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(_report())
