"""A readable description of the whole Dagster graph, committed as a golden file.

Every change to assets, groups, checks, jobs, schedules, sensors or resources shows up as a diff
of weather_flick_batch_tests/snapshots/asset_graph.txt. Regenerate with `make snapshot`.
"""

from __future__ import annotations

import dagster as dg


def _op_of(repo, key: dg.AssetKey):
    assets_def = repo.assets_defs_by_key.get(key)
    node_def = assets_def.node_def if assets_def is not None and assets_def.is_executable else None
    return node_def if isinstance(node_def, dg.OpDefinition) else None


def _retry(policy: dg.RetryPolicy | None) -> str:
    if policy is None:
        return "-"
    backoff = policy.backoff.value.lower() if policy.backoff else "none"
    jitter = policy.jitter.value.lower() if policy.jitter else "none"
    return f"{policy.max_retries}x from {policy.delay}s ({backoff}, jitter {jitter})"


def describe(defs: dg.Definitions) -> str:
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    lines: list[str] = ["# assets"]
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        if not node.is_materializable:
            continue
        partitions = type(node.partitions_def).__name__ if node.partitions_def else "-"
        deps = ", ".join(sorted(d.to_user_string() for d in node.parent_keys)) or "-"
        lines.append(f"{key.to_user_string()}")
        lines.append(f"  group: {node.group_name}")
        lines.append(f"  kinds: {', '.join(sorted(node.kinds)) or '-'}")
        lines.append(f"  owners: {', '.join(node.owners) or '-'}")
        lines.append(f"  partitions: {partitions}")
        lines.append(f"  deps: {deps}")
        op = _op_of(repo, key)
        if op is not None and (op.retry_policy or op.pool):
            lines.append(f"  step: pool={op.pool or '-'} retry={_retry(op.retry_policy)}")
        tags = {k: v for k, v in node.tags.items() if not k.startswith("dagster/kind/")}
        if tags:
            lines.append(f"  tags: {dict(sorted(tags.items()))}")
        if node.automation_condition is not None:
            lines.append(f"  automation: {node.automation_condition.get_label() or type(node.automation_condition).__name__}")
        for check_key in sorted(node.check_keys, key=lambda k: k.name):
            spec = graph.get_check_spec(check_key)
            lines.append(f"  check: {check_key.name}{' (blocking)' if spec.blocking else ''}")
    lines.append("")
    lines.append("# jobs")
    for job in sorted(repo.get_all_jobs(), key=lambda j: j.name):
        if job.name.startswith("__"):
            continue
        tags = {k: v for k, v in (job.tags or {}).items() if k.startswith(("dagster/", "weather_flick/"))}
        lines.append(f"{job.name}" + (f" tags={dict(sorted(tags.items()))}" if tags else ""))
    lines.append("")
    lines.append("# schedules")
    for schedule in sorted(repo.schedule_defs, key=lambda s: s.name):
        lines.append(
            f"{schedule.name}: {schedule.cron_schedule} {schedule.execution_timezone} "
            f"job={schedule.job_name} default={schedule.default_status.value}"
        )
    lines.append("")
    lines.append("# sensors")
    for sensor in sorted(repo.sensor_defs, key=lambda s: s.name):
        lines.append(f"{sensor.name}: {type(sensor).__name__} default={sensor.default_status.value}")
    lines.append("")
    lines.append("# resources")
    for name, resource in sorted(repo.get_top_level_resources().items()):
        cls = getattr(resource, "configurable_resource_cls", None) or type(resource)
        lines.append(f"{name}: {cls.__name__}")
    return "\n".join(lines) + "\n"
