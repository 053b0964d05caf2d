"""Every resource name and ARN of the stack, derived in one place.

The same `Names` serves the template (where stack, account, region and bucket names are
CloudFormation placeholders such as ``${AWS::StackName}``, later wrapped in ``Fn::Sub``)
and the tests and tools (where they are concrete values)."""

from __future__ import annotations

from dataclasses import dataclass, field

from athena.catalog import DATABASE

METRIC_NAMESPACE = "DuffBeer/Trigger"
QUARANTINE_PREFIX = "quarantine/"
BATCHES_PREFIX = "batches/"
BATCH_RECORDS_PREFIX = "_batches/"
BUCKET_PURPOSES = ("input", "processed", "artifacts", "athena-results")
# The buckets holding data: kept by every stack operation (DeletionPolicy and
# UpdateReplacePolicy Retain); teardown deletes them only when empty, or with --force.
# The artifacts bucket holds only what the deployer wrote.
DATA_BUCKETS = ("input", "processed", "athena-results")
# Versioned: the uploads, and the tables the job replaces and deletes objects of.
VERSIONED = ("input", "processed")
# Template parameter holding each bucket's name.
BUCKET_PARAMETERS = {
    "input": "InputBucketName",
    "processed": "ProcessedBucketName",
    "artifacts": "ArtifactsBucketName",
    "athena-results": "AthenaResultsBucketName",
}
# Template parameter holding the Glue database's name.
DATABASE_PARAMETER = "DatabaseName"


@dataclass(frozen=True)
class Names:
    stack: str
    region: str
    account: str
    buckets: dict[str, str] = field(default_factory=dict)
    database: str = DATABASE
    upload_prefix: str = "incoming/"

    @classmethod
    def template(cls) -> Names:
        """Placeholders resolved by CloudFormation (``Fn::Sub``) at deploy time."""
        return cls(
            stack="${AWS::StackName}",
            region="${AWS::Region}",
            account="${AWS::AccountId}",
            buckets={p: "${%s}" % name for p, name in BUCKET_PARAMETERS.items()},  # noqa: UP031
            database="${%s}" % DATABASE_PARAMETER,  # noqa: UP031
            upload_prefix="${UploadPrefix}",
        )

    def _name(self, suffix: str) -> str:
        return f"{self.stack}-{suffix}"

    def bucket(self, purpose: str) -> str:
        return self.buckets[purpose]

    # --- plain names -------------------------------------------------------------
    @property
    def job(self) -> str:
        return self._name("process-orders")

    @property
    def glue_log_prefix(self) -> str:
        """The job's --custom-logGroup-prefix: Glue 5.0 and later write its logs to
        "<prefix>/error" and "<prefix>/output", which the stack owns with a retention."""
        return f"/aws-glue/jobs/{self.job}"

    @property
    def workgroup(self) -> str:
        return self._name("analytics")

    @property
    def batch_function(self) -> str:
        return self._name("upload-batcher")

    @property
    def steps_function(self) -> str:
        return self._name("pipeline-steps")

    @property
    def api_function(self) -> str:
        return self._name("orders-api")

    @property
    def state_machine(self) -> str:
        return self._name("pipeline")

    @property
    def rest_api(self) -> str:
        return self._name("orders-api")

    @property
    def api_key(self) -> str:
        return self._name("orders-api-key")

    @property
    def queue(self) -> str:
        return self._name("uploads")

    @property
    def dlq(self) -> str:
        return self._name("uploads-dlq")

    @property
    def topic(self) -> str:
        return self._name("pipeline-alerts")

    @property
    def metric_namespace(self) -> str:
        """The steps Lambda's metrics: one namespace per stack, so one stack's alarm never
        counts another's rejected files."""
        return f"{METRIC_NAMESPACE}/{self.stack}"

    def role(self, purpose: str) -> str:
        """IAM role names are global to the account, not the region: the region is part of
        the name, so one stack name can be deployed to two regions (30-character stack +
        "-state-machine-role-" + a 14-character region = IAM's 64-character limit)."""
        return self._name(f"{purpose}-role-{self.region}")

    def log_group(self, function: str) -> str:
        return f"/aws/lambda/{function}"

    # --- ARNs --------------------------------------------------------------------
    def bucket_arn(self, purpose: str, objects: str = "") -> str:
        return f"arn:aws:s3:::{self.bucket(purpose)}" + (f"/{objects}" if objects else "")

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
    def state_machine_arn(self) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:stateMachine:{self.state_machine}"

    @property
    def executions_arn(self) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:execution:{self.state_machine}:*"

    @property
    def workgroup_arn(self) -> str:
        return f"arn:aws:athena:{self.region}:{self.account}:workgroup/{self.workgroup}"

    def glue_catalog_arns(self, tables: str = "*") -> list[str]:
        """Catalog, database and its tables: the scope of every catalog permission."""
        base = f"arn:aws:glue:{self.region}:{self.account}"
        db = self.database
        return [f"{base}:catalog", f"{base}:database/{db}", f"{base}:table/{db}/{tables}"]

    def log_group_arn(self, group: str) -> str:
        return f"arn:aws:logs:{self.region}:{self.account}:log-group:{group}:*"

    def alarm_arn(self, alarm: str = "*") -> str:
        return f"arn:aws:cloudwatch:{self.region}:{self.account}:alarm:{self.stack}-{alarm}"

    @property
    def processed_root(self) -> str:
        """The processed root without a trailing slash (the DDL's ${processed_location})."""
        return f"s3://{self.bucket('processed')}"
