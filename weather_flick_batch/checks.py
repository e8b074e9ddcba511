"""Small Dagster-layer helpers shared by every domain's assets."""

import functools
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import dagster as dg

from weather_flick_batch.policies import permanent_write_errors

if TYPE_CHECKING:  # core.quality imports pandas; the code location must load without it
    from weather_flick_batch.core.quality import Verdict


def check_result(name: str, verdict: "Verdict", severity=dg.AssetCheckSeverity.ERROR,
                 asset_key: dg.AssetKey | None = None) -> dg.AssetCheckResult:
    """An in-asset check result from a pure quality verdict (``asset_key``: in a multi-asset)."""
    return dg.AssetCheckResult(check_name=name, passed=verdict.passed, severity=severity, asset_key=asset_key,
                               description=verdict.description, metadata=verdict.metadata)


@contextmanager
def fatal_api_errors():
    """A bad key or an exhausted quota will not heal by retrying the step: fail it once, clearly."""
    from weather_flick_batch.core.apiclient import ApiConfigurationError, QuotaExhaustedError

    try:
        yield
    except (ApiConfigurationError, QuotaExhaustedError) as exc:
        raise dg.Failure(str(exc), allow_retries=False) from None


class PublishAudit:
    """Write–audit–publish for one write: the asset's checks, run on rows no reader can see yet.

    The warehouse calls it inside the write's transaction, after the new rows are in and before the
    commit. ``evaluate(conn)`` returns the asset's check results; it may read the new rows through
    ``conn`` (no other connection sees them). A failing ERROR check raises, the transaction rolls
    back, and readers keep the previous publication. ``results`` are the checks either way.
    """

    def __init__(self, evaluate: "Callable[[Any], Sequence[dg.AssetCheckResult]]"):
        self.evaluate = evaluate
        self.results: list[dg.AssetCheckResult] = []

    def __call__(self, conn: "Any") -> None:
        from weather_flick_batch.warehouse.warehouse import PublishAuditError

        self.results = list(self.evaluate(conn))
        failed = self.failed()
        if failed:
            raise PublishAuditError("; ".join(f"{r.check_name}: {r.description}" for r in failed))

    def failed(self) -> list[dg.AssetCheckResult]:
        return [r for r in self.results if not r.passed and r.severity == dg.AssetCheckSeverity.ERROR]


@contextmanager
def publishing(context: dg.AssetExecutionContext, audit: PublishAudit | None = None):
    """Around an asset's write: an audit that refused it fails the step with the checks' one line (and
    records them as failed check evaluations, so the UI and the check alerts show them); a write the
    database refused fails once (policies.permanent_write_errors); connection trouble stays retryable."""
    from weather_flick_batch.warehouse.warehouse import PublishAuditError

    try:
        with permanent_write_errors():
            yield
    except PublishAuditError as exc:
        own = context.selected_asset_check_keys  # standalone checks run on their own, after the asset
        keys = sorted(context.selected_asset_keys, key=lambda k: k.to_user_string())
        for result in (audit.results if audit else []):
            key = result.asset_key or keys[0]  # a multi-asset's results name their asset
            if dg.AssetCheckKey(key, result.check_name) not in own:
                continue
            context.log_event(dg.AssetCheckEvaluation(
                asset_key=key, check_name=result.check_name, passed=result.passed,
                metadata=result.metadata or {}, severity=result.severity, description=result.description))
        partition = f"[{context.partition_key}]" if context.has_partition_key else ""
        label = " and ".join(k.to_user_string() for k in keys)
        raise dg.Failure(
            description=f"{label}{partition} was not published, the published table is "
                        f"unchanged: {exc}",
            metadata={r.check_name: r.description or "" for r in (audit.failed() if audit else [])},
            allow_retries=False) from None


# -- assets whose publication checks can also run on their own ------------------------------------
_SPEC_ARGS = {"deps", "description", "metadata", "group_name", "kinds", "tags", "owners", "code_version",
              "automation_condition"}
_OP_ARGS = {"partitions_def", "pool", "retry_policy", "op_tags", "backfill_policy"}


def audited_asset(*, key: dg.AssetKey, check_specs: "Sequence[dg.AssetCheckSpec]", **kwargs):
    """``@dg.asset`` for an asset whose checks gate its own write, with those checks executable alone.

    Dagster runs an asset's in-asset checks only with a materialization (an ``@asset`` cannot be
    subset). This builds the same asset as a one-asset ``multi_asset`` that can be subset: the
    same op name, spec and checks; when a run selects only checks (the *Execute* button on a check in
    the UI, or ``audit_published_data``), the body does not fetch or write anything: it evaluates the
    selected checks on the rows published now, with the same functions the gate calls (the domain's
    ``audits.PUBLISHED_AUDITS``), metadata ``source: published data``. A run that materializes the
    asset behaves exactly as before, reporting the checks it selected.
    """
    spec_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in _SPEC_ARGS}
    unknown = set(kwargs) - _OP_ARGS
    if unknown:
        raise TypeError(f"audited_asset: unsupported arguments {sorted(unknown)}")

    def decorate(fn):
        @functools.wraps(fn)
        def body(context: dg.AssetExecutionContext, *args, **params):
            if key not in context.selected_asset_keys:
                yield from _published_check_results(context, key, params["warehouse"])
                return
            result = fn(context, *args, **params)
            wanted = context.selected_asset_check_keys
            yield result._replace(check_results=[
                r for r in (result.check_results or []) if dg.AssetCheckKey(key, r.check_name) in wanted])

        return dg.multi_asset(name="__".join(key.path), specs=[dg.AssetSpec(key, **spec_kwargs)],
                              check_specs=check_specs, can_subset=True, **kwargs)(body)

    return decorate


def _published_check_results(context: dg.AssetExecutionContext, key: dg.AssetKey, warehouse):
    from weather_flick_batch.published_checks import reaudit

    names = [k.name for k in context.selected_asset_check_keys if k.asset_key == key]
    for evaluation in reaudit(warehouse.get(), {key: names}):
        yield dg.AssetCheckResult(asset_key=key, check_name=evaluation.check_name, passed=evaluation.passed,
                                  severity=evaluation.severity, description=evaluation.description,
                                  metadata=evaluation.metadata)
