"""Least privilege, proved on the CloudFormation SAM actually deploys.

template.yaml is expanded by aws-sam-translator (``scripts/expand_template.py``,
run in the SAM venv: the translator pins an older pydantic than the project)
and every IAM role in the result is walked — SAM's generated roles included,
with the managed policies SAM attaches and the statements its event sources
and destinations add. Generic over functions: a function added later is
covered without a change here.

Allowed wildcards, and why:

* ``logs:``/``xray:`` actions on ``*`` — X-Ray has no resource-level
  permissions; SAM's AWSLambdaBasicExecutionRole is logs only;
* ``sns:Publish`` on ``*`` — publishing to a phone number has no resource ARN,
  IAM accepts nothing narrower (the statement pins the region);
* a trailing ``/*`` under one named parent (a table's indexes, a bucket
  prefix) and a log group's ``:*`` (its streams).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"

# Managed policies whose content is logs or X-Ray writes only (what SAM adds to a role it generates).
ALLOWED_MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}
WILDCARD_RESOURCE_ACTIONS = {"sns:Publish"}  # see the module docstring
ACTION_QUEUES = ("EmailQueue", "SmsQueue", "FeeQueue", "BsQueue")


@cache
def expanded() -> dict[str, Any]:
    if not SAM_PYTHON.exists():
        pytest.fail("the SAM venv is missing: run `make install-sam` (CI does, before the tests)")
    result = subprocess.run(
        [str(SAM_PYTHON), str(ROOT / "scripts" / "expand_template.py"), str(ROOT / "template.yaml")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return dict(json.loads(result.stdout))


def text(value: Any) -> str:
    """An ARN expression as readable text: ``{"Fn::GetAtt": ["T", "Arn"]}`` -> ``<T.Arn>``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return f"<{target[0]}.{target[1]}>" if isinstance(target, list) else f"<{target}>"
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(text(part) for part in parts)
    return json.dumps(value, sort_keys=True)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def roles() -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in expanded()["Resources"].items() if r["Type"] == "AWS::IAM::Role"}


def statements(role: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for policy in role.get("Policies", []):
        yield from as_list(policy["PolicyDocument"]["Statement"])


def grants(role: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every (action, resource) an Allow statement of the role grants."""
    for statement in statements(role):
        if statement.get("Effect") != "Allow":
            continue
        for action in as_list(statement["Action"]):
            for resource in as_list(statement.get("Resource", "*")):
                yield str(action), text(resource)


def function_roles() -> dict[str, dict[str, Any]]:
    """Each Lambda function's role, by function name (explicit roles and SAM's alike)."""
    resources = expanded()["Resources"]
    found = {}
    for name, resource in resources.items():
        if resource["Type"] == "AWS::Lambda::Function":
            role = resource["Properties"]["Role"]
            found[name] = resources[role["Fn::GetAtt"][0]]["Properties"]
    return found


def wildcard_problem(action: str, resource: str) -> str | None:
    """Why a grant is too wide, or None when it is allowed."""
    service = action.split(":", 1)[0]
    if "*" in action and service not in ("logs", "xray"):
        return "wildcard action"
    if resource == "*":
        if service in ("logs", "xray") or action in WILDCARD_RESOURCE_ACTIONS:
            return None
        return "Resource '*'"
    if "*" in resource:
        if resource.endswith("/index/*") or (resource.endswith(":*") and ":log-group:" in resource):
            return None
        head, _, tail = resource.rpartition("/")
        if tail == "*" and "*" not in head and head.count("/") >= 1:  # objects under one named prefix
            return None
        return "wildcard resource"
    return None


def test_the_expansion_has_a_role_for_every_function() -> None:
    # Given the template expanded by SAM / Then every function has a role found here
    functions = function_roles()
    assert {"SchedulerFunction", "ApiFunction", "EmailFunction", "SmsFunction", "FeeFunction", "BsFunction"} <= set(
        functions
    )


def test_no_role_grants_a_wildcard_beyond_logs_xray_and_sms_publish() -> None:
    # Given every IAM role in the expanded template
    problems = []
    for name, role in roles().items():
        # Then its managed policies are the logs/X-Ray ones only (no AWSLambdaSQSQueueExecutionRole)
        for arn in as_list(role.get("ManagedPolicyArns", [])):
            if text(arn) not in ALLOWED_MANAGED:
                problems.append(f"{name}: managed policy {text(arn)}")
        # And no statement grants a wildcard action or resource beyond the allowed ones
        for action, resource in grants(role):
            if why := wildcard_problem(action, resource):
                problems.append(f"{name}: {why}: {action} on {resource}")
    assert problems == []


def test_the_checker_refuses_what_sam_would_have_granted() -> None:
    # Given grants SAM's policy templates and SQS event source expand to
    # Then each is refused, so the test above can fail
    assert wildcard_problem("sqs:ReceiveMessage", "*") == "Resource '*'"
    assert wildcard_problem("sqs:SendMessage*", "<EmailQueue.Arn>") == "wildcard action"
    assert wildcard_problem("lambda:InvokeFunction", "arn:aws:lambda:r:1:function:t-dunning-scheduler*") is not None
    assert wildcard_problem("s3:GetObject", "arn:aws:s3:::*") is not None
    assert wildcard_problem("sns:Publish", "*") is None


def test_no_function_may_scan_or_describe_a_table() -> None:
    for name, role in function_roles().items():
        actions = {action for action, _ in grants(role)}
        # Then nothing the code never calls is granted
        assert not actions & {"dynamodb:Scan", "dynamodb:DescribeTable", "dynamodb:DeleteTable"}, name


def test_only_the_scheduler_may_send_to_the_action_queues() -> None:
    # Given every role's sqs:SendMessage grants on the action queues
    sends = {
        (name, resource)
        for name, role in function_roles().items()
        for action, resource in grants(role)
        if action == "sqs:SendMessage" and resource in {f"<{queue}.Arn>" for queue in ACTION_QUEUES}
    }
    # Then the scheduler may send to every one of them
    assert {(name, r) for name, r in sends if name == "SchedulerFunction"} == {
        ("SchedulerFunction", f"<{queue}.Arn>") for queue in ACTION_QUEUES
    }
    # And besides it only the API, to the e-mail and SMS queues (an operator's resend, if granted)
    others = {(name, r) for name, r in sends if name != "SchedulerFunction"}
    assert others <= {("ApiFunction", "<EmailQueue.Arn>"), ("ApiFunction", "<SmsQueue.Arn>")}

    # And the queues refuse everyone else, whatever their own policies say
    policy = expanded()["Resources"]["ActionQueuesPolicy"]["Properties"]
    allowed_by_queue: dict[str, set[str]] = {}
    for statement in as_list(policy["PolicyDocument"]["Statement"]):
        assert statement["Effect"] == "Deny" and statement["Action"] == "sqs:SendMessage"
        exempt = {text(v) for v in statement["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]}
        for resource in as_list(statement["Resource"]):
            allowed_by_queue[text(resource)] = exempt
    assert set(allowed_by_queue) == {f"<{queue}.Arn>" for queue in ACTION_QUEUES}
    for queue, exempt in allowed_by_queue.items():
        # (a Fn::If renders as JSON text: the optional redrive role)
        roles_exempt = {e for e in exempt if e.startswith("<")}
        expected = {"<SchedulerFunctionRole.Arn>"}
        if queue in ("<EmailQueue.Arn>", "<SmsQueue.Arn>"):
            expected.add("<ApiFunctionRole.Arn>")
        assert roles_exempt == expected, queue


def test_only_the_scheduler_sends_to_and_reads_the_work_queue() -> None:
    # Given every role's SQS grants on the work queue
    grants_on_work = {
        (name, action)
        for name, role in function_roles().items()
        for action, resource in grants(role)
        if action.startswith("sqs:") and resource == "<WorkQueue.Arn>"
    }
    # Then only the scheduler has any: it hands out work items and consumes them
    assert {name for name, _ in grants_on_work} == {"SchedulerFunction"}
    assert {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"} <= {action for _, action in grants_on_work}
    # And the queue refuses every other sender
    policy = expanded()["Resources"]["WorkQueuePolicy"]["Properties"]["PolicyDocument"]
    (statement,) = as_list(policy["Statement"])
    assert statement["Effect"] == "Deny" and statement["Action"] == "sqs:SendMessage"
    exempt = {text(v) for v in statement["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]}
    assert {e for e in exempt if e.startswith("<")} == {"<SchedulerFunctionRole.Arn>"}


def test_each_consumer_reads_its_own_queue_only() -> None:
    for function, queue in (
        ("EmailFunction", "EmailQueue"),
        ("SmsFunction", "SmsQueue"),
        ("FeeFunction", "FeeQueue"),
        ("BsFunction", "BsQueue"),
    ):
        role = function_roles()[function]
        # Then every SQS grant of the consumer is on its own queue
        sqs = {resource for action, resource in grants(role) if action.startswith("sqs:")}
        assert sqs == {f"<{queue}.Arn>"}, function


def test_fee_and_bs_have_no_idempotency_table_and_no_external_sends() -> None:
    for function in ("FeeFunction", "BsFunction"):
        granted = list(grants(function_roles()[function]))
        # Then they touch neither the idempotency table nor SES/SNS/S3
        assert not [g for g in granted if "IdempotencyTable" in g[1]], function
        assert not [g for g in granted if g[0].split(":")[0] in ("ses", "sns", "s3")], function


def test_the_delivery_function_may_only_read_and_write_delivery_files() -> None:
    granted = set(grants(function_roles()["BsDeliveryFunction"]))
    s3 = {g for g in granted if g[0].startswith("s3:")}
    # Then S3 is get/put under bs/ and a listing (so a missing file is 404, not 403)
    assert s3 == {
        ("s3:GetObject", "${DeliveryBucket.Arn}/bs/*"),
        ("s3:PutObject", "${DeliveryBucket.Arn}/bs/*"),
        ("s3:ListBucket", "<DeliveryBucket.Arn>"),
    }


def test_each_api_has_one_throttled_stage_with_access_logs() -> None:
    resources = expanded()["Resources"]
    stages = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::ApiGateway::Stage"}
    # Then there is no SAM default "Stage" stage: the machine API has v1, the console app, one each
    assert sorted((text(stage["RestApiId"]), stage["StageName"]) for stage in stages.values()) == [
        ("<ConsoleApi>", "app"),
        ("<OperatorApi>", "v1"),
    ]
    for stage in stages.values():
        # And each is throttled on every method
        assert any(
            s["ResourcePath"] == "/*" and s["HttpMethod"] == "*" and s["ThrottlingRateLimit"] > 0
            for s in stage["MethodSettings"]
        )
        # And its access log goes to a log group that expires
        group = stage["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
        assert resources[group]["Type"] == "AWS::Logs::LogGroup"
        assert "RetentionInDays" in resources[group]["Properties"]


# Routes a browser must reach without a session: the login form, its two posts and the static files.
CONSOLE_PUBLIC = {("/login", "get"), ("/login", "post"), ("/login/new-password", "post"), ("/static/{name}", "get")}


def test_every_console_route_but_login_and_static_is_behind_the_session_authorizer() -> None:
    body = expanded()["Resources"]["ConsoleApi"]["Properties"]["Body"]
    # Given the authorizer SAM declares: a Lambda REQUEST authorizer reading the Cookie header, never cached
    scheme = body["components"]["securitySchemes"]["ConsoleSession"]["x-amazon-apigateway-authorizer"]
    assert scheme["type"] == "request"
    assert scheme["identitySource"] == "method.request.header.Cookie"
    assert scheme["authorizerResultTtlInSeconds"] == 0
    assert text(scheme["authorizerUri"]).endswith("/invocations")
    # Then every route needs it, except exactly the public ones
    routes = {(path, method): op.get("security") for path, ops in body["paths"].items() for method, op in ops.items()}
    assert {route for route, security in routes.items() if security != [{"ConsoleSession": []}]} == CONSOLE_PUBLIC
    assert all(routes[route] == [{"NONE": []}] for route in CONSOLE_PUBLIC)
    # And the catch-all and the root are covered (no page escapes by its path)
    assert routes[("/{proxy+}", "x-amazon-apigateway-any-method")] == [{"ConsoleSession": []}]
    assert routes[("/", "x-amazon-apigateway-any-method")] == [{"ConsoleSession": []}]
    # And a refused request is sent to the login page
    responses = body["x-amazon-apigateway-gateway-responses"]
    assert responses["UNAUTHORIZED"]["statusCode"] == "303"
    assert responses["UNAUTHORIZED"]["responseParameters"]["gatewayresponse.header.Location"] == "'/app/login'"


def test_the_machine_api_stays_iam_authorised() -> None:
    body = expanded()["Resources"]["OperatorApi"]["Properties"]["Body"]
    for path, ops in body["paths"].items():
        for method, op in ops.items():
            assert op.get("security") == [{"AWS_IAM": []}], (path, method)


def test_the_console_functions_have_least_privilege() -> None:
    functions = function_roles()
    # Then the console reads and writes table items, starts runs, and reads its two keys
    assert set(grants(functions["ConsoleFunction"])) == {
        *(
            (f"dynamodb:{a}", t)
            for a in TABLE_ITEM_ACTIONS
            for t in ("<DunningTable.Arn>", "${DunningTable.Arn}/index/*")
        ),
        (
            "lambda:InvokeFunction",
            "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${TenantId}-dunning-scheduler",
        ),
        ("secretsmanager:GetSecretValue", "<ConsoleSessionSecret>"),
        ("secretsmanager:GetSecretValue", "<ConsoleLinkSecret>"),
    }
    # And the authorizer only reads the session key
    assert set(grants(functions["ConsoleAuthorizerFunction"])) == {
        ("secretsmanager:GetSecretValue", "<ConsoleSessionSecret>")
    }
    # And no other function reads the session key; only the scheduler also reads the link key
    readers = {
        (name, resource)
        for name, role in functions.items()
        for action, resource in grants(role)
        if action == "secretsmanager:GetSecretValue"
    }
    assert readers == {
        ("ConsoleFunction", "<ConsoleSessionSecret>"),
        ("ConsoleFunction", "<ConsoleLinkSecret>"),
        ("ConsoleAuthorizerFunction", "<ConsoleSessionSecret>"),
        ("SchedulerFunction", "<ConsoleLinkSecret>"),
    }


TABLE_ITEM_ACTIONS = (
    "GetItem",
    "BatchGetItem",
    "Query",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "ConditionCheckItem",
)
