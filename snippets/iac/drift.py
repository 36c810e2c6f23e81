"""Drift detection by hand, because moto 5.2.5 does not implement DetectStackDrift.

Like CloudFormation's, it compares only the properties the stack's template declares with
what the service reports now: a property the template leaves out is not checked, whatever
happens to it. Results use the API's words (IN_SYNC, MODIFIED, DELETED, NOT_CHECKED).
Simplified: top-level properties only, literal values only (no Ref or Fn:: to resolve), and
three resource types.

Builds on stack.py. Shown on docs/*/iac.md, run by notebooks/iac_cloudformation.ipynb,
tested by tests/iac/.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml
from botocore.exceptions import ClientError

QUEUE_NUMBERS = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
)


def read_queue(cloud, url: str) -> dict:
    attributes = cloud.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return {"QueueName": url.rsplit("/", 1)[1], **{k: int(attributes[k]) for k in QUEUE_NUMBERS}}


def read_bucket(cloud, name: str) -> dict:
    try:
        tags = cloud.s3.get_bucket_tagging(Bucket=name)["TagSet"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchTagSet":
            raise
        tags = []
    return {"BucketName": name, "Tags": tags}


def read_parameter(cloud, name: str) -> dict:
    found = cloud.ssm.get_parameter(Name=name)["Parameter"]
    return {"Name": found["Name"], "Type": found["Type"], "Value": found["Value"]}


READERS: dict[str, Callable[..., dict]] = {
    "AWS::SQS::Queue": read_queue,
    "AWS::S3::Bucket": read_bucket,
    "AWS::SSM::Parameter": read_parameter,
}
GONE = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NoSuchBucket", "ParameterNotFound"}


def comparable(value):
    if isinstance(value, list) and all(isinstance(v, dict) and "Key" in v for v in value):
        return sorted((str(v["Key"]), str(v["Value"])) for v in value)  # tags: order does not matter
    return str(value)


# --8<-- [start:detect]
def detect_drift(cloud, stack: str) -> list[dict]:
    """Declared properties vs actual ones, per resource of the stack."""
    cf = cloud.cloudformation
    body = cf.get_template(StackName=stack)["TemplateBody"]
    declared = (yaml.safe_load(body) if isinstance(body, str) else body)["Resources"]
    results = []
    for resource in cf.describe_stack_resources(StackName=stack)["StackResources"]:
        logical, kind = resource["LogicalResourceId"], resource["ResourceType"]
        result = {"LogicalResourceId": logical, "ResourceType": kind, "PropertyDifferences": []}
        results.append(result)
        if kind not in READERS:
            result["StackResourceDriftStatus"] = "NOT_CHECKED"
            continue
        try:
            actual = READERS[kind](cloud, resource["PhysicalResourceId"])
        except ClientError as error:
            if error.response["Error"]["Code"] not in GONE:
                raise
            result["StackResourceDriftStatus"] = "DELETED"
            continue
        for prop, expected in declared[logical].get("Properties", {}).items():
            if prop not in actual:
                raise KeyError(f"drift.py does not read {kind} property {prop}")
            if comparable(expected) != comparable(actual[prop]):
                result["PropertyDifferences"].append(
                    {
                        "PropertyPath": f"/{prop}",
                        "ExpectedValue": expected,
                        "ActualValue": actual[prop],
                        "DifferenceType": "NOT_EQUAL",
                    }
                )
        result["StackResourceDriftStatus"] = "MODIFIED" if result["PropertyDifferences"] else "IN_SYNC"
    return sorted(results, key=lambda r: r["LogicalResourceId"])


# --8<-- [end:detect]


def stack_drift_status(results: list[dict]) -> str:
    in_sync = all(r["StackResourceDriftStatus"] in ("IN_SYNC", "NOT_CHECKED") for r in results)
    return "IN_SYNC" if in_sync else "DRIFTED"


def report(results: list[dict]) -> list[str]:
    lines = []
    for r in results:
        lines.append(f"{r['LogicalResourceId']:<11} {r['ResourceType']:<16} {r['StackResourceDriftStatus']}")
        lines += [
            f"    {d['PropertyPath']}: expected {d['ExpectedValue']!r}, actual {d['ActualValue']!r}"
            for d in r["PropertyDifferences"]
        ]
    return lines + [f"stack: {stack_drift_status(results)}"]
