"""S3 for raw API archives and backups, through dagster-aws's S3Resource.

dagster_aws costs ~0.7 s at import (it pulls in much of Dagster's storage layer), which alone
would break the code location's load-time budget. This resource holds the same settings and
builds dagster-aws's ``S3Resource`` only when a step actually needs S3.
"""

from typing import Any, Optional

import dagster as dg


class S3StorageResource(dg.ConfigurableResource):
    """Bucket and connection settings; an empty bucket means embedded mode (local directories)."""

    bucket: Optional[str] = None
    endpoint_url: Optional[str] = None  # S3-compatible servers (MinIO, moto); None: AWS
    region_name: str = "ap-northeast-2"
    aws_access_key_id: Optional[str] = None
    aws_secret_access_key: Optional[str] = None

    @property
    def enabled(self) -> bool:
        return bool(self.bucket)

    def s3_resource(self) -> Any:
        """dagster-aws's S3Resource with these settings (imported here, not at load)."""
        from dagster_aws.s3 import S3Resource

        kwargs: dict[str, Any] = {"region_name": self.region_name}
        for field in ("endpoint_url", "aws_access_key_id", "aws_secret_access_key"):
            if getattr(self, field):
                kwargs[field] = getattr(self, field)
        return S3Resource(**kwargs)

    def get_client(self) -> Any:
        return self.s3_resource().get_client()
