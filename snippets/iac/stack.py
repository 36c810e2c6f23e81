"""CloudFormation, offline: templates checked by cfn-lint, stacks run on moto's in-process AWS.

`LocalCloud` starts moto's `mock_aws`, which answers every boto3 call inside this process:
no request leaves it, so nothing is created anywhere. It first clears every AWS_* variable
(a profile, an endpoint URL or a region from the user's shell), points the config and
credentials files at /dev/null, sets dummy credentials and turns off the EC2 metadata
lookup (169.254.169.254), so a mistake cannot reach a real account.

moto 5.2.5 creates and updates stacks at once (no *_IN_PROGRESS to wait through), fails a
bad creation in the CreateStack call itself without rolling back, and does not implement
drift detection: see drift.py for that.

Shown on docs/*/iac.md, run by notebooks/iac_cloudformation.ipynb, tested by tests/iac/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import boto3
from botocore.exceptions import WaiterError
from moto import mock_aws

TEMPLATES = Path(__file__).resolve().parent / "templates"
CFN_LINT = Path(sys.executable).with_name("cfn-lint")  # installed next to this Python
REGION = "us-east-1"
OFFLINE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",  # never ask 169.254.169.254 for credentials
    "AWS_CONFIG_FILE": os.devnull,  # ignore ~/.aws: no profile, no endpoint_url, no SSO
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


class ChangeSetFailed(RuntimeError):
    """CloudFormation could not create the change set; the message is its StatusReason."""


def template(name: str) -> str:
    return (TEMPLATES / name).read_text()


# --8<-- [start:lint]
def lint(*names: str) -> tuple[int, str]:
    """Run cfn-lint on templates/NAME...: (exit code, findings). 0 means no findings."""
    with tempfile.TemporaryDirectory() as home:  # no ~/.cfnlintrc from the user
        done = subprocess.run(
            [str(CFN_LINT), *names, "--regions", REGION],
            cwd=TEMPLATES,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": str(CFN_LINT.parent), "HOME": home},
        )
    return done.returncode, (done.stdout + done.stderr).strip()


# --8<-- [end:lint]


# --8<-- [start:local-cloud]
class LocalCloud:
    """moto's AWS inside this process, with boto3 clients for the services the demos use."""

    def start(self) -> LocalCloud:
        self._env = mock.patch.dict(os.environ)  # restores the whole environment on stop()
        self._env.start()
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            del os.environ[name]
        os.environ.update(OFFLINE_ENV)
        self._aws = mock_aws()
        self._aws.start()
        session = boto3.session.Session(region_name=REGION)
        self.cloudformation = session.client("cloudformation")
        self.s3, self.sqs, self.ssm = (session.client(s) for s in ("s3", "sqs", "ssm"))
        return self

    # --8<-- [end:local-cloud]

    def stop(self) -> None:
        self._aws.stop()  # forgets every resource
        self._env.stop()  # puts os.environ back as it was

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# --8<-- [start:stack]
def create_stack(cf, name: str, template_name: str) -> str:
    cf.create_stack(StackName=name, TemplateBody=template(template_name))
    cf.get_waiter("stack_create_complete").wait(StackName=name)
    return status(cf, name)


def preview(cf, name: str, template_name: str, change_set: str) -> list[str]:
    """Create a change set and list what executing it would do, without doing it."""
    cf.create_change_set(
        StackName=name, ChangeSetName=change_set, ChangeSetType="UPDATE", TemplateBody=template(template_name)
    )
    try:
        cf.get_waiter("change_set_create_complete").wait(StackName=name, ChangeSetName=change_set)
    except WaiterError:
        found = cf.describe_change_set(StackName=name, ChangeSetName=change_set)
        raise ChangeSetFailed(found.get("StatusReason", found["Status"])) from None
    changes = cf.describe_change_set(StackName=name, ChangeSetName=change_set)["Changes"]
    rows = [c["ResourceChange"] for c in changes]  # moto 5.2.5 leaves out Replacement
    return [
        f"{r['Action']:<7} {r['LogicalResourceId']:<11} {r['ResourceType']}"
        + (f" Replacement={r['Replacement']}" if "Replacement" in r else "")
        for r in rows
    ]


def execute(cf, name: str, change_set: str) -> str:
    cf.execute_change_set(StackName=name, ChangeSetName=change_set)
    cf.get_waiter("stack_update_complete").wait(StackName=name)
    return status(cf, name)


def delete_stack(cf, name: str) -> None:
    cf.delete_stack(StackName=name)
    cf.get_waiter("stack_delete_complete").wait(StackName=name)


# --8<-- [end:stack]


def status(cf, name: str) -> str:
    return cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]


def resources(cf, name: str) -> list[str]:
    """Logical id, type and physical id of each resource, sorted (ARNs and URLs use moto's fixed account)."""
    found = cf.describe_stack_resources(StackName=name)["StackResources"]
    rows = sorted((r["LogicalResourceId"], r["ResourceType"], r["PhysicalResourceId"]) for r in found)
    return [f"{logical:<11} {kind:<20} {physical}" for logical, kind, physical in rows]


def queue_names(sqs) -> list[str]:
    return sorted(url.rsplit("/", 1)[1] for url in sqs.list_queues().get("QueueUrls", []))


def queue_attribute(sqs, queue: str, attribute: str) -> str:
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[attribute])["Attributes"][attribute]
