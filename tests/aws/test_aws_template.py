"""Static checks of the stack, no AWS and no moto: the committed template is current,
cfn-lint (AWS's resource specs, the ASL schema, runtime lifecycles) finds nothing,
parliament finds nothing in any policy, the API body is what API Gateway accepts, the
state machine is well formed, and each blocker of the review has its own test."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_all
from openapi_spec_validator import validate as validate_openapi
from parliament import analyze_policy_string

from athena.catalog import DATABASE
from athena.ddl import DDL_PATH, PLACEHOLDER, glue_table_input
from deploy import flow
from deploy.apigw import PAGE_ROUTES, unsupported_schema_keywords
from deploy.config import WORKER_TYPES, ConfigError, DeployConfig
from deploy.ddl import parse_ddl
from deploy.deployer_policy import deployer_policy
from deploy.local_twin import resolve
from deploy.names import BUCKET_PARAMETERS, DATA_BUCKETS, VERSIONED, Names
from deploy.policies import queue_policy, roles, tls_only_bucket_policy, topic_policy
from deploy.template import BOOTSTRAP_PATH, TEMPLATE_PATH, build_bootstrap, build_template, render
from deploy.template_app import API_QUERY_TIMEOUT, API_TIMEOUT
from lambdas import steps
from transforms.tables import PUBLIC_TABLES

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
SYMLINK_DDL = """CREATE DATABASE IF NOT EXISTS duffbeer;
CREATE EXTERNAL TABLE IF NOT EXISTS duffbeer.orders (order_id string, quantity int)
PARTITIONED BY (order_date date, channel string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '${processed_location}/orders/_manifest/'
TBLPROPERTIES ('projection.enabled'='true', 'projection.order_date.type'='date',
  'projection.order_date.range'='2000-01-01,NOW+1DAYS', 'projection.channel.type'='enum',
  'projection.channel.values'='online,store',
  'storage.location.template'='${processed_location}/orders/_manifest/order_date=${order_date}/channel=${channel}/');
"""


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def names() -> Names:
    return Names("duffbeer", "eu-west-1", ACCOUNT, DeployConfig().bucket_names(ACCOUNT))


def test_committed_templates_are_current():
    assert TEMPLATE_PATH.read_text(encoding="utf-8") == render(build_template()), "make template"
    assert BOOTSTRAP_PATH.read_text(encoding="utf-8") == render(build_bootstrap()), "make template"


@pytest.mark.parametrize("path", [TEMPLATE_PATH, BOOTSTRAP_PATH], ids=lambda p: p.name)
def test_cfn_lint_finds_no_error_or_warning(path: Path):
    matches = lint_all(path.read_text(encoding="utf-8"))
    found = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id[0] in "EW"]
    assert found == []


def test_cfn_lint_validates_the_state_machine_definition(template: dict[str, Any]):
    broken = json.loads(json.dumps(template))
    machine = broken["Resources"]["PipelineStateMachine"]["Properties"]["Definition"]
    machine["States"]["AnyValid"]["Type"] = "Decide"  # not an ASL state type
    ids = {m.rule.id for m in lint_all(json.dumps(broken))}
    assert any(i.startswith("E") for i in ids)


def test_lambda_runtimes_are_supported_for_at_least_a_year(template: dict[str, Any]):
    lifecycle = json.loads(
        (Path(lint_all.__globals__["__file__"]).parent / "data" / "AdditionalSpecs"
         / "LmbdRuntimeLifecycle.json").read_text()
    )  # fmt: skip
    horizon = dt.date.today() + dt.timedelta(days=365)
    functions = resources(template, "AWS::Lambda::Function")
    assert len(functions) == 3
    for name, fn in functions.items():
        runtime = fn["Properties"]["Runtime"]
        deprecated = dt.date.fromisoformat(lifecycle[runtime]["deprecated"])
        assert deprecated > horizon, f"{name}: {runtime} is deprecated on {deprecated}"
    assert dt.date.fromisoformat(lifecycle["python3.11"]["deprecated"]) <= horizon  # the old one


def _policies() -> dict[str, dict[str, Any]]:
    n = names()
    docs = {f"role:{purpose}": inline for purpose, (_, inline) in roles(n).items()}
    docs.update({f"bucket:{p}": tls_only_bucket_policy(n, p) for p in n.buckets})
    docs.update(queue=queue_policy(n), topic=topic_policy(n), deployer=deployer_policy(n))
    return docs


@pytest.mark.parametrize("name", sorted(_policies()))
def test_parliament_finds_nothing_in_any_policy(name: str):
    findings = analyze_policy_string(json.dumps(_policies()[name])).findings
    assert [f"{f.issue}: {f.detail}" for f in findings] == []


def test_parliament_catches_scoped_wildcard_only_actions():
    """The review's finding: these actions are authorised only on "*"."""
    doc = deployer_policy(names())
    doc["Statement"].append(
        {
            "Effect": "Allow",
            "Action": ["glue:CreateCrawler", "events:ListRules"],
            "Resource": [f"arn:aws:glue:eu-west-1:{ACCOUNT}:crawler/x"],
        }
    )
    issues = {f.issue for f in analyze_policy_string(json.dumps(doc)).findings}
    assert "RESOURCE_MISMATCH" in issues


def test_only_the_state_machine_role_trusts_on_source_conditions(template: dict[str, Any]):
    """Step Functions documents aws:SourceAccount and aws:SourceArn in its role's trust
    policy; Glue and Lambda do not, and a condition on a key the service does not send
    would keep the job and the functions from ever starting (docs/aws.md, "Trust")."""
    conditioned = {}
    for name, role in resources(template, "AWS::IAM::Role").items():
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        conditioned[name] = "Condition" in statement
        if name == "StateMachineRole":
            condition = statement["Condition"]
            account = condition["StringEquals"]["aws:SourceAccount"]
            assert account == {"Fn::Sub": "${AWS::AccountId}"}
            assert "stateMachine:${AWS::StackName}-pipeline" in str(condition["ArnLike"])
    assert [name for name, has in conditioned.items() if has] == ["StateMachineRole"]
    assert len(conditioned) == 5


def test_api_body_is_openapi_3_0_with_draft_4_schemas_only(template: dict[str, Any]):
    body = template["Resources"]["OrdersApi"]["Properties"]["Body"]
    text = json.dumps(body)
    assert '"const"' not in text
    assert unsupported_schema_keywords(body) == []
    arn = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:duffbeer-orders-api"
    values = {"ApiFunction.Arn": arn, "AWS::Region": "eu-west-1", "AWS::StackName": "duffbeer"}
    resolved = resolve(body, values)
    # `{proxy+}` is API Gateway's greedy path syntax (its parameter is named "proxy"),
    # which generic OpenAPI validators cannot match: validate everything else.
    greedy = resolved["paths"].pop("/static/{proxy+}")
    assert greedy["get"]["parameters"][0]["name"] == "proxy"
    validate_openapi(resolved)
    health = body["components"]["schemas"]["Health"]["properties"]["status"]
    assert health["enum"] == ["ok"]


def test_unsupported_keywords_are_reported():
    doc = {"components": {"schemas": {"H": {"properties": {"s": {"const": "ok"}}}}}, "paths": {}}
    assert unsupported_schema_keywords(doc) == ["components.schemas.H.properties.s: const"]


def test_state_machine_is_well_formed_and_retries_concurrent_runs(template: dict[str, Any]):
    props = template["Resources"]["PipelineStateMachine"]["Properties"]
    definition = props["Definition"]
    assert flow.check_structure(definition["States"], definition["StartAt"]) == []
    used = {s for s in flow.FLOW_SUBSTITUTIONS if "${" + s + "}" in json.dumps(definition)}
    assert used == set(props["DefinitionSubstitutions"]) == set(flow.FLOW_SUBSTITUTIONS)
    glue = definition["States"]["ProcessBatch"]
    assert glue["Resource"] == "arn:aws:states:::glue:startJobRun.sync"
    (retry,) = glue["Retry"]
    assert retry["ErrorEquals"] == ["Glue.ConcurrentRunsExceededException"]
    assert retry["BackoffRate"] > 1 and retry["MaxAttempts"] >= 10
    # every Task can fail into the alert
    for name, state in flow.state_names(definition["States"]).items():
        if state["Type"] == "Task" and name not in {"Alert", "ValidateFile"}:
            assert state["Catch"], name


def test_check_structure_reports_dangling_and_unreachable_states():
    states = {"A": {"Type": "Pass", "Next": "B"}, "C": {"Type": "Succeed"}}
    assert flow.check_structure(states, "A") == ["A: unknown target 'B'", "C: unreachable"]


def test_no_crawler_and_only_uploads_notify(template: dict[str, Any]):
    assert resources(template, "AWS::Glue::Crawler") == {}
    bucket = template["Resources"]["InputBucket"]["Properties"]
    (queue,) = bucket["NotificationConfiguration"]["QueueConfigurations"]
    assert queue["Filter"]["S3Key"]["Rules"] == [
        {"Name": "prefix", "Value": {"Fn::Sub": "${UploadPrefix}"}}
    ]


def buckets_by_purpose() -> dict[str, dict[str, Any]]:
    """Every bucket of both templates, by its purpose (its name parameter says which)."""
    purpose_of = {parameter: purpose for purpose, parameter in BUCKET_PARAMETERS.items()}
    out = {}
    for path in (TEMPLATE_PATH, BOOTSTRAP_PATH):
        stack = json.loads(path.read_text(encoding="utf-8"))
        for bucket in resources(stack, "AWS::S3::Bucket").values():
            out[purpose_of[bucket["Properties"]["BucketName"]["Ref"]]] = bucket
    return out


def test_no_stack_operation_deletes_a_data_bucket():
    """Deleting the stack, or replacing a bucket (its name parameter changed), leaves every
    data bucket and its objects: DeletionPolicy and UpdateReplacePolicy are Retain."""
    buckets = buckets_by_purpose()
    assert sorted(buckets) == sorted(BUCKET_PARAMETERS)
    for purpose in DATA_BUCKETS:
        policies = {k: buckets[purpose].get(k) for k in ("DeletionPolicy", "UpdateReplacePolicy")}
        assert policies == dict.fromkeys(policies, "Retain"), purpose
    assert "DeletionPolicy" not in buckets["artifacts"]  # only what the deployer wrote


def test_the_buckets_the_job_deletes_in_are_versioned_and_replaced_versions_expire():
    buckets = buckets_by_purpose()
    assert set(VERSIONED) == {"input", "processed"}
    for purpose, bucket in buckets.items():
        props = bucket["Properties"]
        status = props.get("VersioningConfiguration", {}).get("Status")
        assert status == ("Enabled" if purpose in VERSIONED else None), purpose
        expiring = [
            rule
            for rule in props["LifecycleConfiguration"]["Rules"]
            if "NoncurrentVersionExpiration" in rule
        ]
        assert len(expiring) == (purpose in VERSIONED), purpose
        if expiring:
            assert expiring[0]["Prefix"] == "" and expiring[0]["ExpiredObjectDeleteMarker"]


def test_the_worker_types_are_a_spark_batch_jobs(template: dict[str, Any]):
    """G.025X is for streaming jobs only (docs.aws.amazon.com/glue/latest/dg/worker-types.html):
    neither the template nor the config takes it."""
    allowed = template["Parameters"]["WorkerType"]["AllowedValues"]
    assert allowed == list(WORKER_TYPES) and "G.025X" not in allowed
    assert DeployConfig().worker_type in allowed
    with pytest.raises(ConfigError, match=r"G\.025X is for streaming jobs only"):
        DeployConfig(worker_type="G.025X")


def test_bucket_names_are_unique_per_stack_account_and_region_unless_chosen():
    default = DeployConfig().bucket_names(ACCOUNT)
    assert default["input"] == f"duffbeer-input-{ACCOUNT}-eu-west-1"
    other = DeployConfig(stack="other", region="us-east-1").bucket_names("210987654321")
    assert not set(default.values()) & set(other.values())
    chosen = DeployConfig(input_bucket="duffbeer-input-orders").bucket_names(ACCOUNT)
    assert chosen["input"] == "duffbeer-input-orders"


def test_api_lambda_times_out_before_api_gateway(template: dict[str, Any]):
    api = template["Resources"]["ApiFunction"]["Properties"]
    assert api["Timeout"] == API_TIMEOUT < 29
    env = api["Environment"]["Variables"]
    assert int(env["DUFFBEER_QUERY_TIMEOUT_SECONDS"]) == API_QUERY_TIMEOUT < API_TIMEOUT


def planned_partitions(params: dict[str, str], first: str, today: dt.date) -> int:
    """Partitions Athena's projection plans for a query without a partition filter."""
    total = 1
    for key, value in params.items():
        if key.endswith(".range"):
            start = dt.date.fromisoformat(value.split(",")[0].replace("${FirstOrderDate}", first))
            total *= (today + dt.timedelta(days=1) - start).days + 1
        elif key.endswith(".values"):
            total *= len(value.split(","))
    return total


def test_partition_projection_is_bounded_by_the_first_order_date(template: dict[str, Any]):
    orders = template["Resources"]["TableOrders"]["Properties"]["TableInput"]["Parameters"]
    params = {k: (v["Fn::Sub"] if isinstance(v, dict) else v) for k, v in orders.items()}
    assert params["projection.order_date.range"].startswith("${FirstOrderDate},")
    today = dt.date(2026, 11, 30)
    first = DeployConfig().first_order_date
    planned = planned_partitions(params, first, today)
    unbounded = planned_partitions(params, "2000-01-01", today)
    print(f"orders: {planned} planned partitions from {first} (was {unbounded} from 2000-01-01)")
    assert unbounded > 39_000 and planned < 3_000


def test_the_job_and_every_projection_read_the_one_first_order_date(template: dict[str, Any]):
    """An order the job accepts is inside every table's projection: the job's
    --first_order_date and each projected date range start at the same parameter, and the
    config refuses a first date the contract would not accept."""
    job = template["Resources"]["ProcessOrdersJob"]["Properties"]["DefaultArguments"]
    assert job["--first_order_date"] == {"Fn::Sub": "${FirstOrderDate}"}
    starts = {}
    for name, table in resources(template, "AWS::Glue::Table").items():
        for key, value in table["Properties"]["TableInput"]["Parameters"].items():
            if key.endswith(".range"):
                starts[name] = value["Fn::Sub"].split(",")[0]
    assert len(starts) == 5 and set(starts.values()) == {"${FirstOrderDate}"}
    with pytest.raises(ConfigError, match="on or after 2000-01-01"):
        DeployConfig(first_order_date="1999-12-31")


def test_the_stacks_tables_are_what_athena_stores_for_the_ddl():
    """The template builds each Glue table from transforms/tables.py (athena.ddl); athena/
    ddl.sql says the same in SQL. Parsed as Athena would store it (deploy/ddl.py, sqlglot),
    each statement gives exactly the template's table."""
    root = "s3://bucket"
    parsed = parse_ddl(
        DDL_PATH.read_text(encoding="utf-8").replace(PLACEHOLDER, root), root, DATABASE
    )
    tables = {st.name: st.table_input for st in parsed if st.kind == "table"}
    assert sorted(tables) == sorted(PUBLIC_TABLES)
    for name, table_input in tables.items():
        assert table_input == glue_table_input(name, root), name
    sd = glue_table_input("orders", root)["StorageDescriptor"]
    assert sd["InputFormat"] == "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
    assert sd["Location"] == "s3://bucket/orders/_manifest/"


# --- one failure, one alert -------------------------------------------------------------
def _publishes_on_the_way_out(states: dict[str, Any], start: str) -> tuple[list[str], bool, bool]:
    """From a Catch target to the end, every other task succeeding: the states that publish to
    the alert topic, whether the execution then fails (a Fail state), and whether the steps
    Lambda counted the alert (its "alerted" step)."""
    published, name, counted = [], start, False
    while True:
        state = states[name]
        if state["Type"] in {"Fail", "Succeed"}:
            return published, state["Type"] == "Fail", counted
        if state.get("Resource") == flow.SNS_PUBLISH:
            assert state["Parameters"]["TopicArn"] == "${TopicArn}"
            published.append(f"state machine: {name}")
        if state.get("Resource") == flow.LAMBDA_INVOKE:
            counted |= state["Parameters"]["Payload"]["step"] == "alerted"
        name = state["Next"]


def _matches(pattern: Any, event: Any) -> bool:
    """EventBridge matching, the subset used here: lists of exact values, nested objects."""
    if isinstance(pattern, dict):
        return all(k in event and _matches(v, event[k]) for k, v in pattern.items())
    return event in pattern


Moved = tuple[str, str, Any]  # (namespace, metric, dimension value or None if undimensioned)


def _metric_moved(metric: dict[str, Any], moved: list[Moved]) -> bool:
    dims = [d["Value"] for d in metric.get("Dimensions", [])]
    return any(
        (metric["Namespace"], metric["MetricName"]) == (ns, name)
        and (value in dims if value is not None else not dims)
        for ns, name, value in moved
    )


def _metric_math(expression: str, values: dict[str, int]) -> int:
    """CloudWatch metric math, the subset the stack uses: ids, FILL(id, 0), + and -."""
    text = re.sub(r"FILL\((\w+),\s*0\)", r"\1", expression).replace(" ", "")
    tokens = re.findall(r"\w+|[+-]", text)
    assert "".join(tokens) == text, f"unsupported metric math: {expression}"
    total, sign = 0, 1
    for token in tokens:
        if token in "+-":
            sign = 1 if token == "+" else -1
        else:
            total += sign * values[token]
    return total


def _namespace(template: dict[str, Any]) -> Any:
    """The stack's own metric namespace, as the steps Lambda is told it."""
    env = template["Resources"]["StepsFunction"]["Properties"]["Environment"]["Variables"]
    return env["METRIC_NAMESPACE"]


def alarms_moved_by(template: dict[str, Any], metrics: list[Moved]) -> list[str]:
    """The alarms that notify the alert topic when ``metrics`` (namespace, metric, dimension
    value) each move by one, every other metric staying at zero. A metric-math alarm fires
    when its expression reaches the threshold."""
    found = []
    for name, alarm in resources(template, "AWS::CloudWatch::Alarm").items():
        props = alarm["Properties"]
        if "Metrics" in props:
            queries = props["Metrics"]
            values = {
                q["Id"]: int(_metric_moved(q["MetricStat"]["Metric"], metrics))
                for q in queries
                if "MetricStat" in q
            }
            (shown,) = [q for q in queries if q.get("ReturnData", True)]
            moved = _metric_math(shown["Expression"], values) >= props["Threshold"]
        else:
            moved = _metric_moved(props, metrics)
        if moved and {"Ref": "AlertTopic"} in props.get("AlarmActions", []):
            found.append(f"alarm: {name}")
    return found


def alerts_for_failure(template: dict[str, Any], state_name: str) -> list[str]:
    """Every SNS alert one failure of the flow's task ``state_name`` sends, as AWS routes it:
    the flow's own publishes after the catch, the alarms on the metrics that failure moves
    (the steps Lambda's Errors, the state machine's ExecutionsFailed, the alert count), the
    EventBridge rules matching the Glue run's state change."""
    machine = template["Resources"]["PipelineStateMachine"]["Properties"]
    states = machine["Definition"]["States"]
    state = states[state_name]
    catch = next(c for c in state["Catch"] if "States.ALL" in c["ErrorEquals"])
    alerts, execution_failed, counted = _publishes_on_the_way_out(states, catch["Next"])
    metrics: list[Moved] = []
    if execution_failed:
        metrics.append(("AWS/States", "ExecutionsFailed", {"Ref": "PipelineStateMachine"}))
    if counted:
        metrics.append((_namespace(template), steps.BATCHES_ALERTED, None))
    steps_fn = machine["DefinitionSubstitutions"]["StepsFunctionArn"]["Fn::GetAtt"][0]
    if state["Type"] == "Map" or state["Resource"] == flow.LAMBDA_INVOKE:
        metrics.append(("AWS/Lambda", "Errors", {"Ref": steps_fn}))
    alerts += alarms_moved_by(template, metrics)
    topic = {"Ref": "AlertTopic"}
    if state.get("Resource") == flow.GLUE_SYNC:
        job = machine["DefinitionSubstitutions"]["JobName"]
        event = {
            "source": "aws.glue",
            "detail-type": "Glue Job State Change",
            "detail": {"jobName": job, "state": "FAILED", "severity": "ERROR"},
        }
        for name, rule in resources(template, "AWS::Events::Rule").items():
            props = rule["Properties"]
            targets = [t["Arn"] for t in props.get("Targets", [])]
            if topic in targets and _matches(props["EventPattern"], event):
                alerts.append(f"rule: {name}")
    return alerts


def test_an_execution_failing_past_every_catch_is_alarmed_once(template: dict[str, Any]):
    """States.DataLimitExceeded, or an Alert that cannot publish, fails the execution without
    the alert count: only ExecutionsFailed moves, and exactly one alarm tells the topic."""
    failed = ("AWS/States", "ExecutionsFailed", {"Ref": "PipelineStateMachine"})
    assert alarms_moved_by(template, [failed]) == ["alarm: PipelineFailedUnalertedAlarm"]
    alerted = (_namespace(template), steps.BATCHES_ALERTED, None)
    assert alarms_moved_by(template, [failed, alerted]) == []
    states = template["Resources"]["PipelineStateMachine"]["Properties"]["Definition"]["States"]
    assert states["Alert"]["Next"] == "CountAlert" and states["CountAlert"]["Next"] == "Failed"
    assert states["Failed"]["Error"] == flow.BATCH_FAILED


def test_a_run_rejecting_an_unusual_share_of_its_rows_is_alarmed(template: dict[str, Any]):
    alarm = template["Resources"]["RejectedRowsShareAlarm"]["Properties"]
    metric = (_namespace(template), steps.ROWS_REJECTED_PERCENT)
    assert (alarm["Namespace"], alarm["MetricName"]) == metric
    assert alarm["Threshold"] == {"Ref": "RejectedRowsAlarmPercent"}
    assert (alarm["Statistic"], alarm["ComparisonOperator"]) == ("Maximum", "GreaterThanThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "AlertTopic"}]
    assert template["Parameters"]["RejectedRowsAlarmPercent"]["MaxValue"] == 100


def test_what_no_catch_sees_is_alarmed_timeouts_aborts_and_api_5xx(template: dict[str, Any]):
    """A timed-out or aborted execution never reaches the flow's Alert, and the API answers
    Athena failures as handled 502/504 (its function's Errors never move): each has its
    own alarm on the alert topic."""
    machine = {"Ref": "PipelineStateMachine"}
    api = template["Resources"]["OrdersApi"]["Properties"]["Name"]
    metrics = [
        ("AWS/States", "ExecutionsTimedOut", machine),
        ("AWS/States", "ExecutionsAborted", machine),
        ("AWS/ApiGateway", "5XXError", api),
    ]
    for metric in metrics:
        assert len(alarms_moved_by(template, [metric])) == 1, metric
    (alarm,) = [
        a["Properties"]
        for a in resources(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "5XXError"
    ]
    assert {"Name": "Stage", "Value": {"Ref": "ApiStage"}} in alarm["Dimensions"]


def test_a_day_without_a_succeeded_batch_is_alarmed(template: dict[str, Any]):
    """Nothing arriving, or every batch failing, is silent otherwise: the steps Lambda counts
    each succeeded batch, and a day whose count is below 1, or missing, alarms."""
    alarm = template["Resources"]["NoSucceededBatchAlarm"]["Properties"]
    steps_env = template["Resources"]["StepsFunction"]["Properties"]["Environment"]["Variables"]
    assert alarm["Namespace"] == steps_env["METRIC_NAMESPACE"]
    assert alarm["MetricName"] == "BatchesSucceeded" and alarm["Period"] == 86400
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["AlarmActions"] == [{"Ref": "AlertTopic"}]


def test_every_method_is_throttled_the_keyless_dashboard_routes_too(template: dict[str, Any]):
    """The usage plan throttles requests that carry the API key; `/`, `/dashboard` and
    `/static/{proxy+}` need none, so the stage throttles every method as well."""
    stage = template["Resources"]["OrdersApiStage"]["Properties"]
    (setting,) = stage["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ApiBurstLimit"}
    body = template["Resources"]["OrdersApi"]["Properties"]["Body"]
    keyless = [p for p, ops in body["paths"].items() if ops.get("get", {}).get("security") == []]
    assert sorted(keyless) == sorted(PAGE_ROUTES)


@pytest.mark.parametrize("state", ["ProcessBatch", "ValidateFiles", "StageBatch", "RecordSuccess"])
def test_a_failure_sends_exactly_one_alert_the_flows_own(template: dict[str, Any], state: str):
    assert alerts_for_failure(template, state) == ["state machine: Alert"]


def test_a_batcher_that_keeps_failing_alerts_once_as_a_dead_letter(template: dict[str, Any]):
    """SQS retries the batcher; an upload event it cannot batch ends in the DLQ, alarmed."""
    dlq = {"Fn::GetAtt": ["UploadDeadLetterQueue", "QueueName"]}
    metrics = [
        ("AWS/Lambda", "Errors", {"Ref": "BatcherFunction"}),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq),
    ]
    assert alarms_moved_by(template, metrics) == ["alarm: DeadLetterAlarm"]


def test_the_alert_count_sees_a_rule_and_an_alarm_that_would_double_it(template: dict[str, Any]):
    """The template before this change: an EventBridge rule on the Glue job's FAILED state and
    an alarm on failed executions, both to the topic, besides the flow's own alert."""
    doubled = json.loads(json.dumps(template))
    job = doubled["Resources"]["PipelineStateMachine"]["Properties"]["DefinitionSubstitutions"]
    doubled["Resources"]["GlueJobFailedRule"] = {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "EventPattern": {
                "source": ["aws.glue"],
                "detail-type": ["Glue Job State Change"],
                "detail": {"jobName": [job["JobName"]], "state": ["FAILED", "TIMEOUT"]},
            },
            "Targets": [{"Id": "alerts", "Arn": {"Ref": "AlertTopic"}}],
        },
    }
    doubled["Resources"]["BatchesFailedAlarm"] = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "Namespace": "AWS/States",
            "MetricName": "ExecutionsFailed",
            "Dimensions": [{"Name": "StateMachineArn", "Value": {"Ref": "PipelineStateMachine"}}],
            "AlarmActions": [{"Ref": "AlertTopic"}],
        },
    }
    assert alerts_for_failure(doubled, "ProcessBatch") == [
        "state machine: Alert",
        "alarm: BatchesFailedAlarm",
        "rule: GlueJobFailedRule",
    ]
    assert alerts_for_failure(doubled, "StageBatch") == [
        "state machine: Alert",
        "alarm: BatchesFailedAlarm",
    ]


def test_the_glue_jobs_log_groups_belong_to_the_stack_and_expire(template: dict[str, Any]):
    """Glue 5.0+ writes a job's logs to "<--custom-logGroup-prefix>/error" and ".../output";
    the stack creates both, with the retention every other log group has."""
    job = template["Resources"]["ProcessOrdersJob"]
    prefix = job["Properties"]["DefaultArguments"]["--custom-logGroup-prefix"]["Fn::Sub"]
    groups = {
        r["Properties"]["LogGroupName"]["Fn::Sub"]: (name, r["Properties"])
        for name, r in resources(template, "AWS::Logs::LogGroup").items()
        if isinstance(r["Properties"]["LogGroupName"], dict)
    }
    for kind in ("error", "output"):
        name, props = groups[f"{prefix}/{kind}"]
        assert props["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert name in job["DependsOn"]
    assert "--enable-continuous-cloudwatch-log" not in job["Properties"]["DefaultArguments"]


def test_api_access_logs_and_reserved_concurrency_are_opt_in(template: dict[str, Any]):
    """Both need account-level settings a new account lacks (the API Gateway CloudWatch role;
    100 unreserved executions), so each is a parameter that defaults off."""
    params, conditions = template["Parameters"], template["Conditions"]
    assert params["ApiAccessLogs"]["Default"] == "false"
    stage = template["Resources"]["OrdersApiStage"]["Properties"]
    on, setting, off = stage["AccessLogSetting"]["Fn::If"]
    assert conditions[on] == {"Fn::Equals": [{"Ref": "ApiAccessLogs"}, "true"]}
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["OrdersApiAccessLogs", "Arn"]}
    assert off == {"Ref": "AWS::NoValue"}
    assert "$context.requestId" in setting["Format"]
    group = template["Resources"]["OrdersApiAccessLogs"]
    assert group["Condition"] == on
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    function = template["Resources"]["ApiFunction"]["Properties"]
    reserved, value, none = function["ReservedConcurrentExecutions"]["Fn::If"]
    assert conditions[reserved] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ApiReservedConcurrency"}, "0"]}]
    }
    assert (value, none) == ({"Ref": "ApiReservedConcurrency"}, {"Ref": "AWS::NoValue"})
    defaults = DeployConfig()
    assert (defaults.api_access_logs, defaults.api_reserved_concurrency) == (False, 0)
