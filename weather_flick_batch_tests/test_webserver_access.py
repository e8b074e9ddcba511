"""Who gets in: the read-only webserver refuses launches, and the sample proxy guards every route.

A real ``dagster-webserver --read-only`` (the command docs/topology.md gives viewers) on loopback,
over a real local instance, asked through its GraphQL API exactly as the UI's launch button asks:
the answer is ``UnauthorizedError`` and no run exists afterwards.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import dagster as dg
import yaml

from weather_flick_batch.testing.services import free_port
from weather_flick_batch_tests.test_daemon_integration import stop_group, wait_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NGINX = ROOT / "deploy" / "production" / "nginx.conf"

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on UnauthorizedError { message }
    ... on LaunchRunSuccess { run { runId } }
  }
}"""
PERMISSIONS = "query { permissions { permission value } }"


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", method="POST",
                                     data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_the_read_only_webserver_refuses_a_launch_through_graphql(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "local_dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "local" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(yaml.safe_dump({"load_from": [{"python_module": {
        "module_name": "weather_flick_batch_tests.test_run_monitoring", "attribute": "probe_defs",
        "location_name": "crash_probe", "working_directory": str(ROOT)}}]}))
    port = free_port()
    log = tmp_path / "webserver.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([str(BIN / "dagster-webserver"), "-w", str(workspace), "-h", "127.0.0.1",
                                   "-p", str(port), "--read-only"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        wait_for("the read-only webserver", lambda: _up(port), timeout=90, daemon_log=log)
        permissions = {p["permission"]: p["value"] for p in graphql(port, PERMISSIONS)["data"]["permissions"]}
        assert permissions["launch_pipeline_execution"] is False and permissions["wipe_assets"] is False
        selector = {"repositoryLocationName": "crash_probe", "repositoryName": "__repository__",
                    "jobName": "crash_probe_job"}
        answer = graphql(port, LAUNCH, {"params": {"selector": selector, "runConfigData": {}}})
        launch = answer["data"]["launchRun"]
        assert launch["__typename"] == "UnauthorizedError", answer
        with dg.DagsterInstance.get() as instance:
            assert instance.get_runs() == []
    finally:
        stop_group(server)


def test_the_sample_proxy_config_authenticates_every_route_to_dagster() -> None:
    text = NGINX.read_text()
    assert text.count("{") == text.count("}")
    upstreams = dict(re.findall(r"upstream (\w+)\s*\{\s*server ([\d.:]+);", text))
    assert upstreams["dagster_ops"] == "127.0.0.1:3000" and upstreams["dagster_readonly"] == "127.0.0.1:3001"
    locations = re.findall(r"location ([^{]+)\{([^}]*)\}", text)
    to_dagster = [body for _, body in locations if re.search(r"proxy_pass http://dagster_", body)]
    assert len(to_dagster) == 2 and all("auth_request /oauth2/auth;" in body for body in to_dagster)
    # The commands docs/topology.md gives bind where the proxy expects them.
    topology = (ROOT / "docs" / "topology.md").read_text()
    assert "-h 127.0.0.1 -p 3000" in topology and "--read-only -h 127.0.0.1 -p 3001" in topology

