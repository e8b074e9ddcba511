"""Small Dagster-layer helpers shared by every domain's assets."""

from contextlib import contextmanager
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:  # core.quality imports pandas; the code location must load without it
    from weather_flick_batch.core.quality import Verdict


def check_result(name: str, verdict: "Verdict", severity=dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    """An in-asset check result from a pure quality verdict."""
    return dg.AssetCheckResult(check_name=name, passed=verdict.passed, severity=severity,
                               description=verdict.description, metadata=verdict.metadata)


@contextmanager
def fatal_api_errors():
    """A bad key or an exhausted quota will not heal by retrying the step: fail it once, clearly."""
    from weather_flick_batch.core.apiclient import ApiConfigurationError, QuotaExhaustedError

    try:
        yield
    except (ApiConfigurationError, QuotaExhaustedError) as exc:
        raise dg.Failure(str(exc), allow_retries=False) from None
