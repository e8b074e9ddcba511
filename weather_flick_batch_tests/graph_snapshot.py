"""A readable description of the whole Dagster graph, committed as a golden file.

Every change to assets, groups, checks, jobs, schedules, sensors or resources shows up as a diff
of weather_flick_batch_tests/snapshots/asset_graph.txt. Regenerate with `make snapshot`.
"""

from __future__ import annotations

import dagster as dg


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
