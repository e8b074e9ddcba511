"""Every asset check against the warehouse as it stands: the jobs behind ``make checks``.

Two kinds of checks exist (docs/publication.md):

* **Publication checks** run inside an asset's write (its ``check_specs``): the gate that keeps bad rows
  from readers. ``audit_published_data`` runs the same check functions (each domain's
  ``audits.PUBLISHED_AUDITS``) on the rows that are published now and records the evaluations under the
  same check names: the UI's check history shows them beside the gate's, marked ``source: published
  data``. Each can also be executed alone from the UI (``checks.audited_asset``).
* **Standalone checks** (freshness, catalogue sync freshness, the guards' reachability probes and the
  region table's checks) are executable alone; ``standalone_asset_checks`` runs them all, and each can
  be executed on its own from its asset's Checks tab.

``weather-flick-batch checks`` runs both and the health probes (``health_job``: their checks are the
probes, so a materialization is how they are evaluated) and exits non-zero on a failed ERROR check.
"""


import importlib
from collections.abc import Iterable, Mapping, Sequence

import dagster as dg

from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.resources.warehouse import WarehouseResource

#: Domains whose ``audits`` module re-checks published rows (``PUBLISHED_AUDITS``).
AUDIT_MODULES = (
    "weather_flick_batch.weather.audits",
    "weather_flick_batch.weather_warnings.audits",
    "weather_flick_batch.air_quality.audits",
    "weather_flick_batch.destinations.audits",
    "weather_flick_batch.recommendations.audits",
    "weather_flick_batch.analytics.audits",
    "weather_flick_batch.trips.audits",
)

#: Publication checks evaluated another way, each with the reason.
NOT_REAUDITED = {
    "platform/health": "its checks are probes of the platform at the moment they run: health_job evaluates them",
}


def published_audits() -> dict[str, object]:
    """Asset key (user string) -> its re-audit (core.published.ReAudit), from every domain."""
    found: dict[str, object] = {}
    for name in AUDIT_MODULES:
        found.update(importlib.import_module(name).PUBLISHED_AUDITS)
    return found


def publication_checks(domains: Iterable[dg.Definitions]) -> dict[dg.AssetKey, list[str]]:
    """The checks every asset runs inside its own write (its check_specs), by asset."""
    found: dict[dg.AssetKey, list[str]] = {}
    for domain in domains:
        for assets_def in domain.assets or []:
            if isinstance(assets_def, dg.AssetsDefinition):
                for spec in assets_def.check_specs:
                    found.setdefault(spec.asset_key, []).append(spec.name)
    return found


def standalone_checks(domains: Iterable[dg.Definitions]) -> list:
    return [check for domain in domains for check in (domain.asset_checks or [])]


def _evaluation(key: dg.AssetKey, name: str, passed: bool, description: str, metadata: Mapping,
                severity: dg.AssetCheckSeverity, scope: str) -> dg.AssetCheckEvaluation:
    meta = {str(k): v for k, v in (metadata or {}).items()
            if isinstance(v, (str, int, float, bool)) or v is None}
    return dg.AssetCheckEvaluation(
        asset_key=key, check_name=name, passed=passed, severity=severity, description=description,
        metadata={**meta, "source": "published data", "scope": scope})


def reaudit(warehouse, checks: Mapping[dg.AssetKey, Sequence[str]]) -> list[dg.AssetCheckEvaluation]:
    """Every publication check, evaluated on the published rows (no Dagster context needed)."""
    audits = published_audits()
    no_schema = warehouse.current_revision() is None  # a warehouse nothing was ever written to
    evaluations = []
    for key in sorted(checks, key=lambda k: k.to_user_string()):
        asset = key.to_user_string()
        if asset in NOT_REAUDITED:
            continue
        names = checks[key]

        def all_fail(description: str, scope: str) -> list[dg.AssetCheckEvaluation]:
            return [_evaluation(key, n, False, description, {}, dg.AssetCheckSeverity.ERROR, scope) for n in names]

        if no_schema:
            evaluations += all_fail("nothing published yet: the warehouse has no schema (make run, or "
                                    "weather-flick-batch db upgrade and the jobs)", "nothing published")
            continue
        try:
            result = audits[asset](warehouse)
        except Exception as exc:  # one line a human understands, for every check of the asset
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            evaluations += all_fail(f"could not read the published rows: {first}", "unreadable")
            continue
        if result is None:
            evaluations += all_fail("nothing published yet: materialize the asset first", "nothing published")
            continue
        for name in names:
            verdict = result.verdicts.get(name)
            severity = dg.AssetCheckSeverity.WARN if name in result.warn_only else dg.AssetCheckSeverity.ERROR
            if verdict is None:
                evaluations.append(_evaluation(key, name, False, "the re-audit does not evaluate this check",
                                               {}, dg.AssetCheckSeverity.ERROR, result.scope))
            else:
                evaluations.append(_evaluation(key, name, bool(verdict.passed), verdict.description,
                                               verdict.metadata, severity, result.scope))
    return evaluations


def build_audit_job(checks: Mapping[dg.AssetKey, Sequence[str]]) -> dg.JobDefinition:
    """``audit_published_data``: the publication checks of every asset, on its published rows."""

    @dg.op(name="audit_published_rows",
           description="Run every asset's publication checks on the rows published now; record each "
                       "evaluation under the asset's check (source: published data).")
    def audit_published_rows(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> None:
        evaluations = reaudit(warehouse.get(), checks)
        for evaluation in evaluations:
            context.log_event(evaluation)
        failed = [e for e in evaluations if not e.passed]
        context.log.info(f"{len(evaluations) - len(failed)}/{len(evaluations)} publication checks pass on "
                         "the published data" + "".join(f"\n  {e.asset_key.to_user_string()}:{e.check_name}: "
                                                        f"{e.description}" for e in failed))

    @dg.job(name="audit_published_data", tags=LANE_TAGS["health"], executor_def=dg.in_process_executor,
            description="Every asset's publication checks, on what readers see now (no fetch, no write): "
                        "the warehouse as it stands, judged by the gates that published it.")
    def audit_published_data():
        audit_published_rows()

    return audit_published_data


def build_standalone_checks_job(checks: Sequence):
    return dg.define_asset_job(
        name="standalone_asset_checks",
        selection=dg.AssetSelection.checks(*checks),
        tags=LANE_TAGS["health"],
        executor_def=dg.in_process_executor,
        description="Every check executable on its own (freshness, sync freshness, guards), without "
                    "materializing anything.",
    )
