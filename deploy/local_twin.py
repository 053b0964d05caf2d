"""The template as moto's CloudFormation can deploy it (the local twin, `make moto`).

moto skips resource types it does not implement (MOTO_UNSUPPORTED) but then cannot resolve
references to them, and it reads a state machine only from `DefinitionString`. So for a
local endpoint the template is reduced: unsupported resources are dropped, a `Ref` to one
becomes its name (every resource here has an explicit name) and the state machine's
`Definition` + `DefinitionSubstitutions` become one `Fn::Sub`-ed `DefinitionString`.
What covers the dropped types instead is in docs/aws.md.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

MOTO_UNSUPPORTED = frozenset(
    {
        "AWS::S3::BucketPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::SNS::Subscription",
        "AWS::Glue::Database",
        "AWS::Glue::Table",
        "AWS::Glue::Job",
        "AWS::Athena::WorkGroup",
        "AWS::CloudWatch::Alarm",
        "AWS::ApiGateway::Deployment",  # moto's RestApi ignores Body: no methods to deploy
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::ApiKey",
        "AWS::ApiGateway::UsagePlan",
        "AWS::ApiGateway::UsagePlanKey",
    }
)
NAME_PROPERTIES = ("Name", "WorkGroupName", "StageName", "UsagePlanName", "AlarmName")


def _name_of(res: dict[str, Any], logical: str) -> Any:
    props = res.get("Properties", {})
    if "DatabaseInput" in props:
        return props["DatabaseInput"]["Name"]
    for key in NAME_PROPERTIES:
        if key in props:
            return props[key]
    return logical


def _replace_refs(node: Any, dropped: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in dropped:
            return copy.deepcopy(dropped[node["Ref"]])
        return {k: _replace_refs(v, dropped) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_refs(v, dropped) for v in node]
    return node


def for_moto(template: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The reduced template, and the dropped resources as `Logical (Type)`."""
    out = copy.deepcopy(template)
    resources = out["Resources"]
    dropped = {
        logical: _name_of(res, logical)
        for logical, res in resources.items()
        if res["Type"] in MOTO_UNSUPPORTED
    }
    skipped = [f"{logical} ({resources[logical]['Type']})" for logical in dropped]
    for logical in dropped:
        del resources[logical]
    for res in resources.values():
        depends = res.get("DependsOn")
        if isinstance(depends, list):
            kept = [d for d in depends if d not in dropped]
            if kept:
                res["DependsOn"] = kept
            else:
                del res["DependsOn"]
        props = res.get("Properties", {})
        if res["Type"] == "AWS::StepFunctions::StateMachine" and "Definition" in props:
            text = json.dumps(props.pop("Definition"), sort_keys=True)
            props["DefinitionString"] = {"Fn::Sub": [text, props.pop("DefinitionSubstitutions")]}
    out["Resources"] = _replace_refs(resources, dropped)
    out["Outputs"] = {
        k: v for k, v in out.get("Outputs", {}).items() if not _mentions(v, set(dropped))
    }
    return out, skipped


def _mentions(node: Any, names: set[str]) -> bool:
    text = json.dumps(node)
    return any(f'"{n}"' in text or "${" + n + "}" in text for n in names)


def resolve(node: Any, values: dict[str, str]) -> Any:
    """Resolve Ref / Fn::GetAtt / Fn::Sub against known values (parameters, pseudo
    parameters, `Logical` and `Logical.Attr` of deployed resources)."""
    if isinstance(node, list):
        return [resolve(v, values) for v in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        return values[node["Ref"]]
    if set(node) == {"Fn::GetAtt"}:
        return values[".".join(node["Fn::GetAtt"])]
    if set(node) == {"Fn::Sub"}:
        text, extra = (node["Fn::Sub"], {}) if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"]
        scope = {**values, **{k: resolve(v, values) for k, v in extra.items()}}
        return re.sub(
            r"\$\{(!?)([^}]*)\}",
            lambda m: "${" + m.group(2) + "}" if m.group(1) else str(scope[m.group(2)]),
            text,
        )
    return {k: resolve(v, values) for k, v in node.items()}


def create_unsupported(
    session: Any, endpoint: str, region: str, template: dict[str, Any], values: dict[str, str]
) -> list[str]:
    """On the local twin, create the Glue database, tables and job and the Athena workgroup
    through their APIs from the template's own (resolved) properties, so the flow can start
    Glue runs. Idempotent: existing ones are left alone. Returns what was created."""
    glue = session.client("glue", region_name=region, endpoint_url=endpoint)
    athena = session.client("athena", region_name=region, endpoint_url=endpoint)
    apigw = session.client("apigateway", region_name=region, endpoint_url=endpoint)
    created = []
    values = dict(values)
    for logical, res in template["Resources"].items():
        if res["Type"] in MOTO_UNSUPPORTED and logical not in values:
            values[logical] = resolve(_name_of(res, logical), values)
    s3 = session.client("s3", region_name=region, endpoint_url=endpoint)
    handled = {"AWS::Glue::Database", "AWS::Glue::Table", "AWS::Glue::Job", "AWS::S3::Bucket"}
    handled |= {"AWS::ApiGateway::RestApi", "AWS::Athena::WorkGroup", "AWS::S3::BucketPolicy"}
    for logical, res in template["Resources"].items():
        kind = res["Type"]
        if kind not in handled:
            continue
        props = resolve(res.get("Properties", {}), values)
        try:
            if kind == "AWS::S3::Bucket":
                current = s3.get_bucket_notification_configuration(Bucket=props["BucketName"])
                if "NotificationConfiguration" not in props or current.get("QueueConfigurations"):
                    continue
                s3.put_bucket_notification_configuration(
                    Bucket=props["BucketName"],
                    NotificationConfiguration=notification(props["NotificationConfiguration"]),
                )
            elif kind == "AWS::S3::BucketPolicy":
                if _has_policy(s3, props["Bucket"]):
                    continue
                s3.put_bucket_policy(
                    Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"])
                )
            elif kind == "AWS::Glue::Database":
                glue.create_database(DatabaseInput=props["DatabaseInput"])
            elif kind == "AWS::Glue::Table":
                glue.create_table(
                    DatabaseName=props["DatabaseName"], TableInput=props["TableInput"]
                )
            elif kind == "AWS::Glue::Job":
                if glue.get_jobs()["Jobs"] and any(
                    j["Name"] == props["Name"] for j in glue.get_jobs()["Jobs"]
                ):
                    continue
                glue.create_job(**props)
            elif kind == "AWS::ApiGateway::RestApi":
                api_id = values[logical]
                if len(apigw.get_resources(restApiId=api_id)["items"]) > 1:
                    continue  # already imported
                apigw.put_rest_api(
                    restApiId=api_id, mode="overwrite", body=json.dumps(props["Body"])
                )
                apigw.create_deployment(restApiId=api_id, stageName=values["ApiStage"])
            elif kind == "AWS::Athena::WorkGroup":
                athena.create_work_group(
                    Name=props["Name"], Configuration=props["WorkGroupConfiguration"]
                )
            else:
                continue
        except (glue.exceptions.AlreadyExistsException, athena.exceptions.InvalidRequestException):
            continue
        created.append(f"{logical} ({kind})")
    return created


def notification(cfn: dict[str, Any]) -> dict[str, Any]:
    """AWS::S3::Bucket NotificationConfiguration -> PutBucketNotificationConfiguration."""
    return {
        "QueueConfigurations": [
            {
                "QueueArn": q["Queue"],
                "Events": [q["Event"]],
                "Filter": {
                    "Key": {
                        "FilterRules": [
                            {"Name": r["Name"], "Value": r["Value"]}
                            for r in q["Filter"]["S3Key"]["Rules"]
                        ]
                    }
                },
            }
            for q in cfn.get("QueueConfigurations", [])
        ]
    }


def _has_policy(s3: Any, bucket: str) -> bool:
    try:
        s3.get_bucket_policy(Bucket=bucket)
    except s3.exceptions.ClientError:
        return False
    return True
