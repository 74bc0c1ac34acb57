"""The local stack's tables, queues and bucket, created from ``template.yaml`` by direct API calls.

Only the ``AWS::DynamoDB::Table``, ``AWS::SQS::Queue`` and ``AWS::S3::Bucket`` resources are
taken, with the template's own properties: the local tables have exactly the deployed keys and
indexes, the queues their visibility timeouts and redrive policies. They are created with
DynamoDB, SQS and S3 calls rather than through moto's CloudFormation: importing
``moto.cloudformation`` loads the models of every service moto knows (1.8-2.5 s of CPU, the
largest cost of a ``dunning simulate`` before this module), for three resource types.

Intrinsic functions resolved: ``Ref`` (a parameter, ``AWS::Region``/``AccountId``/``StackName``,
or a resource's physical id), ``Fn::Sub`` (string or ``[string, vars]``) and ``Fn::GetAtt``
(``Arn``, ``QueueUrl``, ``QueueName``). A property with any other function is refused, so a
template change the local stack cannot follow fails loudly instead of being half-applied.
Resource properties without an effect locally (a table's point-in-time recovery, a bucket's
lifecycle and ownership rules) are not applied.
"""

from __future__ import annotations

import json
import re
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from dunning.cfn_yaml import load_template

LOCAL_RESOURCE_TYPES = {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket"}
ACCOUNT_ID = "123456789012"  # moto's default account


class UnsupportedTemplate(ValueError):
    """A local resource uses something the local stack cannot create."""


def local_resources(template: dict[str, Any]) -> dict[str, Any]:
    """The part of the SAM template created locally: parameters, tables, queues and the bucket."""
    resources = {
        name: resource for name, resource in template["Resources"].items() if resource["Type"] in LOCAL_RESOURCE_TYPES
    }
    return {"Parameters": template.get("Parameters", {}), "Resources": resources}


@lru_cache(maxsize=8)
def parsed_template(path: Path, modified_ns: int) -> dict[str, Any]:
    """The local part of a template, parsed once per file version (the YAML parse is the costly part)."""
    return local_resources(load_template(path))


class _Creator:
    """Creates each resource once, the ones it refers to first."""

    def __init__(self, template: dict[str, Any], parameters: dict[str, str], stack_name: str, region: str) -> None:
        self.resources: dict[str, Any] = template["Resources"]
        self.parameters = parameters
        self.stack_name = stack_name
        self.region = region
        self.physical: dict[str, str] = {}
        self.attributes: dict[str, dict[str, str]] = {}
        self._creating: set[str] = set()
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        """One client per service for the whole stack (each costs ~20 ms to build)."""
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(service, region_name=self.region)
        return self._clients[service]

    # -- intrinsic functions -------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::GetAtt":
                name, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self._get_att(name, attribute)
            if key.startswith("Fn::") or key == "Condition":
                raise UnsupportedTemplate(f"{key} in a local resource's properties")
        return {key: self.resolve(item) for key, item in value.items()}

    def _ref(self, name: str) -> str:
        pseudo = {"AWS::Region": self.region, "AWS::AccountId": ACCOUNT_ID, "AWS::StackName": self.stack_name}
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.create(name)

    def _sub(self, argument: str | list[Any]) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], self.resolve(argument[1]))

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                resource, attribute = name.split(".", 1)
                return self._get_att(resource, attribute)
            return str(self._ref(name))

        return re.sub(r"\$\{([^}!]+)\}", value, text)

    def _get_att(self, name: str, attribute: str) -> str:
        self.create(name)
        try:
            return self.attributes[name][attribute]
        except KeyError:
            raise UnsupportedTemplate(f"Fn::GetAtt {name}.{attribute}") from None

    # -- resources ---------------------------------------------------------------------
    def create(self, name: str) -> str:
        """The resource's physical id (a table or bucket name, a queue URL), creating it first if need be."""
        if name in self.physical:
            return self.physical[name]
        if name not in self.resources:
            raise UnsupportedTemplate(f"{name} is neither a parameter nor a local resource")
        if name in self._creating:
            raise UnsupportedTemplate(f"{name} refers to itself")
        self._creating.add(name)
        resource = self.resources[name]
        properties = self.resolve(resource.get("Properties", {}))
        kind = resource["Type"]
        if kind == "AWS::DynamoDB::Table":
            self._table(name, properties)
        elif kind == "AWS::SQS::Queue":
            self._queue(name, properties)
        else:
            self._bucket(name, properties)
        return self.physical[name]

    def _generated_name(self, name: str) -> str:
        return f"{self.stack_name}-{name}-{uuid.uuid4().hex[:12]}".lower()

    def _table(self, name: str, properties: dict[str, Any]) -> None:
        dynamodb = self.client("dynamodb")
        table = properties.get("TableName") or self._generated_name(name)
        request: dict[str, Any] = {"TableName": table}
        for key in (
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "BillingMode",
            "ProvisionedThroughput",
            "Tags",
        ):
            if key in properties:
                request[key] = properties[key]
        if "StreamSpecification" in properties:
            request["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
        if "SSESpecification" in properties:
            sse = properties["SSESpecification"]
            request["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled"))} | {
                key: sse[key] for key in ("SSEType", "KMSMasterKeyId") if key in sse
            }
        description = dynamodb.create_table(**request)["TableDescription"]
        if "TimeToLiveSpecification" in properties:
            dynamodb.update_time_to_live(TableName=table, TimeToLiveSpecification=properties["TimeToLiveSpecification"])
        self.physical[name] = table
        self.attributes[name] = {"Arn": description["TableArn"]}

    def _queue(self, name: str, properties: dict[str, Any]) -> None:
        properties = dict(properties)
        queue = properties.pop("QueueName", None) or self._generated_name(name)
        tags = {tag["Key"]: tag["Value"] for tag in properties.pop("Tags", [])}
        attributes = {
            key: json.dumps(value)
            if isinstance(value, dict)
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
            for key, value in properties.items()
        }
        url = self.client("sqs").create_queue(QueueName=queue, Attributes=attributes, tags=tags)["QueueUrl"]
        arn = f"arn:aws:sqs:{self.region}:{ACCOUNT_ID}:{queue}"
        self.physical[name] = url
        self.attributes[name] = {"Arn": arn, "QueueUrl": url, "QueueName": queue}

    def _bucket(self, name: str, properties: dict[str, Any]) -> None:
        s3 = self.client("s3")
        bucket = properties.get("BucketName") or self._generated_name(name)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.region})
        if "VersioningConfiguration" in properties:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=properties["VersioningConfiguration"])
        if "BucketEncryption" in properties:
            rules = [  # CloudFormation's names for the S3 API's
                {
                    ("ApplyServerSideEncryptionByDefault" if k == "ServerSideEncryptionByDefault" else k): v
                    for k, v in rule.items()
                }
                for rule in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in properties:
            s3.put_public_access_block(
                Bucket=bucket, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
            )
        self.physical[name] = bucket
        self.attributes[name] = {"Arn": f"arn:aws:s3:::{bucket}", "DomainName": f"{bucket}.s3.amazonaws.com"}


def _attribute(value: Any) -> str:
    """A queue property as SQS wants its attribute: a policy as JSON, a flag as ``true``/``false``."""
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def create_local_resources(
    template_path: Path, parameters: dict[str, str], stack_name: str, region: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """Create the template's tables, queues and bucket on the current (local) AWS.

    ``parameters`` overrides the template's defaults. Returns each resource's physical id by
    logical name (table and bucket names, queue URLs) and the template's Parameters section."""
    template = parsed_template(template_path, template_path.stat().st_mtime_ns)
    declared: dict[str, Any] = template["Parameters"]
    values = {name: str(spec["Default"]) for name, spec in declared.items() if "Default" in spec} | parameters
    creator = _Creator(template, values, stack_name, region)
    for name in template["Resources"]:
        creator.create(name)
    return creator.physical, declared
