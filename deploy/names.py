"""Every resource name and ARN of the stack, derived from the config in one place."""

from __future__ import annotations

from dataclasses import dataclass

from deploy.config import DeployConfig

TRIGGER_IGNORED_PREFIXES = ("quarantine/", "_triggers/")
METRIC_NAMESPACE = "DuffBeer/Trigger"


@dataclass(frozen=True)
class Names:
    config: DeployConfig
    account: str

    @property
    def region(self) -> str:
        return self.config.region

    def _name(self, suffix: str) -> str:
        return f"{self.config.stack}-{suffix}"

    # --- plain names -------------------------------------------------------------
    @property
    def job(self) -> str:
        return self._name("process-orders")

    @property
    def crawler(self) -> str:
        return self._name("processed-orders")

    @property
    def workgroup(self) -> str:
        return self._name("analytics")

    @property
    def trigger_function(self) -> str:
        return self._name("upload-trigger")

    @property
    def api_function(self) -> str:
        return self._name("orders-api")

    @property
    def rest_api(self) -> str:
        return self._name("orders-api")

    @property
    def usage_plan(self) -> str:
        return self._name("orders-api-plan")

    @property
    def api_key(self) -> str:
        return self._name("orders-api-key")

    @property
    def queue(self) -> str:
        return self._name("upload-trigger")

    @property
    def dlq(self) -> str:
        return self._name("upload-trigger-dlq")

    @property
    def topic(self) -> str:
        return self._name("pipeline-alerts")

    @property
    def job_failed_rule(self) -> str:
        return self._name("glue-job-failed")

    def role(self, purpose: str) -> str:
        return self._name(f"{purpose}-role")

    def log_group(self, function: str) -> str:
        return f"/aws/lambda/{function}"

    # --- ARNs --------------------------------------------------------------------
    def bucket_arn(self, bucket: str, objects: str = "") -> str:
        return f"arn:aws:s3:::{bucket}" + (f"/{objects}" if objects else "")

    def role_arn(self, purpose: str) -> str:
        return f"arn:aws:iam::{self.account}:role/{self.role(purpose)}"

    def function_arn(self, function: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{function}"

    def queue_arn(self, queue: str) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account}:{queue}"

    @property
    def topic_arn(self) -> str:
        return f"arn:aws:sns:{self.region}:{self.account}:{self.topic}"

    @property
    def job_arn(self) -> str:
        return f"arn:aws:glue:{self.region}:{self.account}:job/{self.job}"

    @property
    def rule_arn(self) -> str:
        return f"arn:aws:events:{self.region}:{self.account}:rule/{self.job_failed_rule}"

    @property
    def workgroup_arn(self) -> str:
        return f"arn:aws:athena:{self.region}:{self.account}:workgroup/{self.workgroup}"

    def glue_catalog_arns(self, tables: str = "*") -> list[str]:
        """Catalog, database and its tables: the scope of every catalog permission."""
        base = f"arn:aws:glue:{self.region}:{self.account}"
        db = self.config.database
        return [f"{base}:catalog", f"{base}:database/{db}", f"{base}:table/{db}/{tables}"]

    def log_group_arn(self, group: str) -> str:
        return f"arn:aws:logs:{self.region}:{self.account}:log-group:{group}:*"

    @property
    def artifacts_prefix(self) -> str:
        return f"s3://{self.config.artifacts_bucket}/glue/"

    @property
    def processed_root(self) -> str:
        """The processed root without a trailing slash (the DDL's ${processed_location})."""
        return f"s3://{self.config.processed_bucket}"
