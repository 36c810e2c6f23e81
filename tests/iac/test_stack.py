"""Tests for snippets.iac.stack and drift: cfn-lint on our templates, stacks on moto, offline.

Some tests pin what moto 5.2.5 does differently from CloudFormation, because the page says so:
if a moto upgrade changes one, the test fails and the page needs a look.
"""

from __future__ import annotations

import json
import os
import socket

import boto3
import pytest
from botocore.exceptions import ClientError

from snippets.iac.drift import detect_drift, report, stack_drift_status
from snippets.iac.stack import (
    ChangeSetFailed,
    LocalCloud,
    create_stack,
    delete_stack,
    execute,
    lint,
    preview,
    queue_attribute,
    queue_names,
    resources,
    status,
    template,
)

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("no_leaks")]
ACCOUNT_URL = "https://sqs.us-east-1.amazonaws.com/123456789012"


@pytest.fixture
def cloud():
    with LocalCloud() as started:
        yield started


def test_good_templates_pass_cfn_lint() -> None:
    assert lint("app.yaml", "app_v2.yaml") == (0, "")


def test_broken_template_fails_with_rule_ids_and_relative_paths() -> None:
    code, findings = lint("broken.yaml")
    assert code == 2  # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational
    blocks = [block.splitlines() for block in findings.split("\n\n")]
    assert [(b[0].split()[0], b[1]) for b in blocks] == [
        ("E3002", "broken.yaml:6:7"),
        ("E3012", "broken.yaml:11:7"),
        ("E3030", "broken.yaml:16:7"),
    ]
    assert "'BucketNme' was unexpected" in findings and "'thirty' is not of type 'integer'" in findings
    assert "/" not in findings.replace("\n", " ").split("broken.yaml")[0]  # no absolute paths


def test_lint_cannot_see_a_name_that_is_already_taken() -> None:
    assert lint("fails.yaml") == (0, "")  # the clash only shows when the stack is created


def test_lint_reports_a_missing_file() -> None:
    code, findings = lint("missing.yaml")
    assert code != 0 and "E0003" in findings


def test_create_preview_execute_delete(cloud) -> None:
    cf = cloud.cloudformation
    assert create_stack(cf, "app", "app.yaml") == "CREATE_COMPLETE"
    assert resources(cf, "app") == [
        "Artifacts   AWS::S3::Bucket      infra-notes-artifacts",
        f"Jobs        AWS::SQS::Queue      {ACCOUNT_URL}/jobs",
        "Mode        AWS::SSM::Parameter  /app/mode",
    ]
    tags = cloud.s3.get_bucket_tagging(Bucket="infra-notes-artifacts")["TagSet"]
    assert tags == [{"Key": "team", "Value": "infra"}]
    assert cloud.ssm.get_parameter(Name="/app/mode")["Parameter"]["Value"] == "blue"

    assert preview(cf, "app", "app_v2.yaml", "v2") == [
        "Add     FailedJobs  AWS::SQS::Queue",
        "Modify  Jobs        AWS::SQS::Queue",
        "Remove  Mode        AWS::SSM::Parameter",
    ]
    assert status(cf, "app") == "CREATE_COMPLETE"  # a change set changes nothing until executed
    assert queue_attribute(cloud.sqs, "jobs", "VisibilityTimeout") == "30"

    assert execute(cf, "app", "v2") == "UPDATE_COMPLETE"
    assert queue_attribute(cloud.sqs, "jobs", "VisibilityTimeout") == "60"
    assert queue_attribute(cloud.sqs, "jobs-failed", "MessageRetentionPeriod") == "1209600"
    assert queue_names(cloud.sqs) == ["jobs", "jobs-failed"]
    with pytest.raises(ClientError, match="ParameterNotFound"):
        cloud.ssm.get_parameter(Name="/app/mode")
    outputs = cf.describe_stacks(StackName="app")["Stacks"][0]["Outputs"]
    assert outputs == [{"OutputKey": "JobsArn", "OutputValue": "arn:aws:sqs:us-east-1:123456789012:jobs"}]

    with pytest.raises(ChangeSetFailed, match="didn't contain changes"):
        preview(cf, "app", "app_v2.yaml", "same-again")

    delete_stack(cf, "app")
    summaries = cf.list_stacks()["StackSummaries"]
    assert [(s["StackName"], s["StackStatus"]) for s in summaries] == [("app", "DELETE_COMPLETE")]
    assert queue_names(cloud.sqs) == [] and cloud.s3.list_buckets()["Buckets"] == []


def test_nothing_leaves_the_process(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    with LocalCloud() as cloud:
        assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
        create_stack(cloud.cloudformation, "app", "app.yaml")
        preview(cloud.cloudformation, "app", "app_v2.yaml", "v2")
        execute(cloud.cloudformation, "app", "v2")
        detect_drift(cloud, "app")
        delete_stack(cloud.cloudformation, "app")


def test_the_users_aws_settings_are_hidden_and_restored(monkeypatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")  # a profile that does not exist here
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKING")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://10.0.0.1:4566")  # would bypass moto's URL matching
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail(f"network access: {a[1:]!r}"))
    before = dict(os.environ)
    with LocalCloud() as cloud:
        assert not {"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"} & set(os.environ)
        assert os.environ["AWS_ACCESS_KEY_ID"] != "AKIAREALLOOKING"
        assert cloud.sqs.list_queues().get("QueueUrls", []) == []
        assert cloud.sqs.meta.region_name == "us-east-1"
    assert dict(os.environ) == before
    with pytest.raises(Exception, match="production"):
        boto3.session.Session().client("sqs", region_name="us-east-1")  # what LocalCloud saved us from


def test_each_cloud_starts_empty() -> None:
    with LocalCloud() as cloud:
        create_stack(cloud.cloudformation, "app", "app.yaml")
    with LocalCloud() as cloud:
        assert cloud.cloudformation.describe_stacks()["Stacks"] == []
        assert queue_names(cloud.sqs) == []


def test_drift_compares_only_declared_properties(cloud) -> None:
    cf = cloud.cloudformation
    create_stack(cf, "app", "app.yaml")
    assert stack_drift_status(detect_drift(cloud, "app")) == "IN_SYNC"

    jobs = cloud.sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
    cloud.sqs.set_queue_attributes(QueueUrl=jobs, Attributes={"DelaySeconds": "10"})  # not in the template
    assert stack_drift_status(detect_drift(cloud, "app")) == "IN_SYNC"

    cloud.sqs.set_queue_attributes(QueueUrl=jobs, Attributes={"VisibilityTimeout": "5"})
    retagged = {"TagSet": [{"Key": "team", "Value": "data"}]}
    cloud.s3.put_bucket_tagging(Bucket="infra-notes-artifacts", Tagging=retagged)
    cloud.ssm.delete_parameter(Name="/app/mode")
    results = {r["LogicalResourceId"]: r for r in detect_drift(cloud, "app")}
    assert {k: r["StackResourceDriftStatus"] for k, r in results.items()} == {
        "Artifacts": "MODIFIED",
        "Jobs": "MODIFIED",
        "Mode": "DELETED",
    }
    assert results["Jobs"]["PropertyDifferences"] == [
        {"PropertyPath": "/VisibilityTimeout", "ExpectedValue": 30, "ActualValue": 5, "DifferenceType": "NOT_EQUAL"}
    ]
    assert [d["PropertyPath"] for d in results["Artifacts"]["PropertyDifferences"]] == ["/Tags"]
    assert report(list(results.values()))[-1] == "stack: DRIFTED"


def test_drift_tag_order_does_not_matter_and_unknown_types_are_not_checked(cloud) -> None:
    body = {
        "Resources": {
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": "drift-tags",
                    "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
                },
            },
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}},
            "Flag": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/f", "Type": "String", "Value": "on"}},
        }
    }
    cloud.cloudformation.create_stack(StackName="s", TemplateBody=json.dumps(body))
    reordered = [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]
    cloud.s3.put_bucket_tagging(Bucket="drift-tags", Tagging={"TagSet": reordered})
    cloud.ssm.put_parameter(Name="/f", Value="off", Type="String", Overwrite=True)
    got = {r["LogicalResourceId"]: r["StackResourceDriftStatus"] for r in detect_drift(cloud, "s")}
    assert got == {"Bucket": "IN_SYNC", "Flag": "MODIFIED", "Topic": "NOT_CHECKED"}


def test_drift_refuses_a_property_it_cannot_read(cloud) -> None:
    properties = {"QueueName": "q", "KmsMasterKeyId": "alias/x"}
    body = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": properties}}}
    cloud.cloudformation.create_stack(StackName="s", TemplateBody=json.dumps(body))
    with pytest.raises(KeyError, match="does not read AWS::SQS::Queue property KmsMasterKeyId"):
        detect_drift(cloud, "s")


# What moto 5.2.5 does differently from CloudFormation (the page states these).


def test_moto_has_no_drift_detection(cloud) -> None:
    create_stack(cloud.cloudformation, "app", "app.yaml")
    cf = cloud.cloudformation
    with pytest.raises(NotImplementedError, match="has not been implemented"):
        cf.detect_stack_drift(StackName="app")
    with pytest.raises(NotImplementedError, match="has not been implemented"):
        cf.detect_stack_resource_drift(StackName="app", LogicalResourceId="Jobs")


def test_moto_fails_a_bad_creation_in_the_call_and_does_not_roll_back(cloud) -> None:
    # CloudFormation: CreateStack returns, the stack ends in ROLLBACK_COMPLETE, the queue is deleted.
    cf = cloud.cloudformation
    create_stack(cf, "app", "app.yaml")
    with pytest.raises(ClientError, match="BucketAlreadyExists"):
        create_stack(cf, "reports", "fails.yaml")
    assert status(cf, "reports") == "CREATE_IN_PROGRESS"
    assert queue_names(cloud.sqs) == ["jobs", "reports"]
    delete_stack(cf, "reports")
    assert queue_names(cloud.sqs) == ["jobs"]


def test_moto_differs_on_updates(cloud) -> None:
    cf = cloud.cloudformation
    create_stack(cf, "app", "app.yaml")
    # CloudFormation refuses an update with the same template ("No updates are to be performed").
    cf.update_stack(StackName="app", TemplateBody=template("app.yaml"))
    assert status(cf, "app") == "UPDATE_COMPLETE"
    # CloudFormation's ChangeSetType defaults to UPDATE; moto treats a missing one as CREATE.
    cf.create_change_set(StackName="app", ChangeSetName="untyped", TemplateBody=template("app.yaml"))
    changes = cf.describe_change_set(StackName="app", ChangeSetName="untyped")["Changes"]
    assert {c["ResourceChange"]["Action"] for c in changes} == {"Add"}
    # Modify changes carry no Replacement field, and VersioningConfiguration is not applied.
    cf.create_change_set(
        StackName="app", ChangeSetName="v2", ChangeSetType="UPDATE", TemplateBody=template("app_v2.yaml")
    )
    changes = cf.describe_change_set(StackName="app", ChangeSetName="v2")["Changes"]
    modify = [c["ResourceChange"] for c in changes if c["ResourceChange"]["Action"] == "Modify"]
    assert modify and all("Replacement" not in c for c in modify)
    versioned = {
        "Resources": {
            "B": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"BucketName": "versioned", "VersioningConfiguration": {"Status": "Enabled"}},
            }
        }
    }
    cf.create_stack(StackName="v", TemplateBody=json.dumps(versioned))
    assert "Status" not in cloud.s3.get_bucket_versioning(Bucket="versioned")
