"""Small Dagster-layer helpers shared by every domain's assets."""

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
