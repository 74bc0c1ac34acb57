"""The local stack creates the template's tables, queues and bucket by direct API calls, as deployed."""

import json

import boto3
import pytest

from dunning.cfn_yaml import load_template
from dunning.local_resources import UnsupportedTemplate, _Creator
from dunning.local_stack import REGION, TEMPLATE_PATH, LocalStack


def test_the_local_resources_have_the_templates_keys_indexes_and_redrive_policies():
    # Given the template and a local stack built from it
    template = load_template(TEMPLATE_PATH)["Resources"]
    with LocalStack("acme") as stack:
        table = boto3.client("dynamodb", region_name=REGION).describe_table(TableName=stack.table_name)["Table"]
        sqs = boto3.client("sqs", region_name=REGION)
        email = sqs.get_queue_attributes(QueueUrl=stack.queue_url("email"), AttributeNames=["All"])["Attributes"]
        dlq = sqs.get_queue_attributes(QueueUrl=stack.dead_letter_urls["email"], AttributeNames=["QueueArn"])
        versioning = boto3.client("s3", region_name=REGION).get_bucket_versioning(Bucket=stack.delivery_bucket)
    # Then the table has the template's name, keys and indexes
    declared = template["DunningTable"]["Properties"]
    assert table["TableName"] == "acme-dunning"
    assert table["KeySchema"] == declared["KeySchema"]
    assert {i["IndexName"]: i["KeySchema"] for i in table["GlobalSecondaryIndexes"]} == {
        i["IndexName"]: i["KeySchema"] for i in declared["GlobalSecondaryIndexes"]
    }
    # And the e-mail queue its visibility timeout (the parameter's default) and its DLQ
    assert email["VisibilityTimeout"] == "360"
    assert json.loads(email["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq["Attributes"]["QueueArn"],
        "maxReceiveCount": 5,
    }
    assert stack.queue_url("email").endswith("/acme-dunning-email")
    # And the bucket is versioned, as deployed
    assert versioning["Status"] == "Enabled"


def test_a_local_resource_with_a_function_the_local_stack_cannot_resolve_is_refused():
    # Given a queue whose name depends on a condition
    template = {
        "Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::If": ["C", "a", "b"]}}}}
    }
    creator = _Creator(template, {}, "acme-dunning", REGION)
    # Then creating it is refused by name, before any request
    with pytest.raises(UnsupportedTemplate, match="Fn::If"):
        creator.create("Q")


def test_sub_resolves_parameters_pseudo_parameters_and_explicit_variables():
    # Given a creator with a tenant parameter
    creator = _Creator({"Resources": {}}, {"TenantId": "acme"}, "acme-dunning", REGION)
    # Then Fn::Sub fills in each kind of name
    assert creator.resolve({"Fn::Sub": "${TenantId}-${AWS::Region}"}) == f"acme-{REGION}"
    assert creator.resolve({"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "TenantId"}}]}) == "acme-x"
