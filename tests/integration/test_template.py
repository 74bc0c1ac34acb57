"""template.yaml checked against the code it deploys.

No network, no Docker, nothing imported from functions/: these tests read
template.yaml (through dunning.cfn_yaml), the PynamoDB models and the sample
events, and check that they agree — the table the code expects is the table
the stack creates, every SQS consumer reports partial batch failures, every
queue has somewhere to put poison messages, and every handler path exists.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from dunning.cfn_yaml import load_template, parse_template
from shared.storage.models import ALL_MODELS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
GLOBAL_FUNCTION: dict[str, Any] = TEMPLATE.get("Globals", {}).get("Function", {})

# Resource types the local runner lifts out of the template on their own.
LOCAL_STACK_TYPES = {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket"}
FOURTEEN_DAYS = 14 * 24 * 3600


def _of_type(type_: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in RESOURCES.items() if res["Type"] == type_}


FUNCTIONS = _of_type("AWS::Serverless::Function")
QUEUES = _of_type("AWS::SQS::Queue")


def _function_setting(function: dict[str, Any], key: str) -> Any:
    """A function property, falling back to Globals like SAM does."""
    return function["Properties"].get(key, GLOBAL_FUNCTION.get(key))


def _target(value: Any) -> str:
    """The logical id behind ``{"Ref": X}`` or ``{"Fn::GetAtt": [X, attr]}``."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise AssertionError(f"expected a Ref or GetAtt, got {value!r}")


def _sqs_events() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for fn_name, fn in FUNCTIONS.items():
        for event_name, event in fn["Properties"].get("Events", {}).items():
            if event["Type"] == "SQS":
                yield fn_name, event_name, event["Properties"]


# The consumers' SQS events; the scheduler's own (the work queue of fanned-out runs) is checked apart.
SQS_EVENTS = [event for event in _sqs_events() if event[0] != "SchedulerFunction"]
SQS_EVENT_IDS = [f"{function}.{event}" for function, event, _ in SQS_EVENTS]


def _references(node: Any) -> Iterator[str]:
    """Every name a template fragment points at through Ref, GetAtt or Sub."""
    if isinstance(node, list):
        for item in node:
            yield from _references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                yield str(value)
            elif key == "Fn::GetAtt":
                yield str(value[0])
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                    if name not in variables:
                        yield name.split(".")[0]
                yield from _references(variables)
            else:
                yield from _references(value)


# ------------------------------------------------------------------ loader


def test_loader_turns_short_tags_into_long_form() -> None:
    # Given a fragment that uses the short intrinsic tags
    text = """
    a: !Ref Param
    b: !GetAtt Queue.Arn
    c: !Sub "${TenantId}-x"
    d: !If [Cond, !Join ["-", [x, !Select [0, !Split [",", "p,q"]]]], !Ref AWS::NoValue]
    e: !Not [!Equals [!FindInMap [M, K, V], ""]]
    f: 2010-09-09
    """
    # When it is parsed
    data = parse_template(text)
    # Then every tag is the long-form dict and dates stay text
    assert data["a"] == {"Ref": "Param"}
    assert data["b"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert data["c"] == {"Fn::Sub": "${TenantId}-x"}
    assert data["d"] == {
        "Fn::If": [
            "Cond",
            {"Fn::Join": ["-", ["x", {"Fn::Select": [0, {"Fn::Split": [",", "p,q"]}]}]]},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert data["e"] == {"Fn::Not": [{"Fn::Equals": [{"Fn::FindInMap": ["M", "K", "V"]}, ""]}]}
    assert data["f"] == "2010-09-09"


# ------------------------------------------------------------------ tables


def _key_schema(entries: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    return {(e["AttributeName"], e["KeyType"]) for e in entries}


def test_dunning_table_matches_the_pynamodb_models() -> None:
    # Given the table in template.yaml and what every PynamoDB model describes
    table = RESOURCES["DunningTable"]["Properties"]
    schemas = [model._get_schema() for model in ALL_MODELS]

    # Then every model has the table's primary key
    for model, schema in zip(ALL_MODELS, schemas, strict=True):
        assert _key_schema(schema["key_schema"]) == _key_schema(table["KeySchema"]), model.__name__

    # And the table defines exactly the attributes the models' keys and indexes use
    model_attributes = {(d["AttributeName"], d["AttributeType"]) for s in schemas for d in s["attribute_definitions"]}
    template_attributes = {(d["AttributeName"], d["AttributeType"]) for d in table["AttributeDefinitions"]}
    assert template_attributes == model_attributes

    # And the global secondary indexes agree on name, keys and projection
    model_indexes = {
        gsi["index_name"]: (_key_schema(gsi["key_schema"]), gsi["projection"])
        for s in schemas
        for gsi in s["global_secondary_indexes"]
    }
    template_indexes = {
        gsi["IndexName"]: (_key_schema(gsi["KeySchema"]), gsi["Projection"])
        for gsi in table.get("GlobalSecondaryIndexes", [])
    }
    assert template_indexes == model_indexes
    assert "due-index" in template_indexes
    assert not any(s["local_secondary_indexes"] for s in schemas)
    assert "LocalSecondaryIndexes" not in table


@pytest.mark.parametrize("name", sorted(_of_type("AWS::DynamoDB::Table")))
def test_tables_are_retained_encrypted_and_recoverable(name: str) -> None:
    table = RESOURCES[name]
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True}
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


# ------------------------------------------------------------------ queues


def test_there_is_one_sqs_consumer_per_action() -> None:
    consumed = sorted(_target(props["Queue"]) for _, _, props in SQS_EVENTS)
    assert consumed == ["BsQueue", "EmailQueue", "FeeQueue", "SmsQueue"]


@pytest.mark.parametrize(("function", "event", "props"), SQS_EVENTS, ids=SQS_EVENT_IDS)
def test_sqs_event_reports_batch_item_failures(function: str, event: str, props: dict[str, Any]) -> None:
    # BatchProcessor's partial response is ignored (and the whole batch
    # retried) unless the event source mapping asks for it.
    assert props.get("FunctionResponseTypes") == ["ReportBatchItemFailures"]
    assert 1 <= props.get("BatchSize", 10) <= 10


@pytest.mark.parametrize(("function", "event", "props"), SQS_EVENTS, ids=SQS_EVENT_IDS)
def test_consumer_queue_visibility_outlasts_six_function_timeouts(
    function: str, event: str, props: dict[str, Any]
) -> None:
    # Given the consumer's timeout (function-level or Globals) and its queue
    timeout = _function_setting(FUNCTIONS[function], "Timeout")
    queue = QUEUES[_target(props["Queue"])]["Properties"]
    # Then a message stays invisible for at least 6 invocations' worth of time (the parameter's least value)
    assert isinstance(timeout, int)
    assert queue["VisibilityTimeout"] == {"Ref": "ConsumerVisibilityTimeout"}
    parameter = TEMPLATE["Parameters"]["ConsumerVisibilityTimeout"]
    assert parameter["MinValue"] >= 6 * timeout and parameter["Default"] >= parameter["MinValue"]


def test_the_send_lease_outlasts_the_visibility_timeout_it_is_computed_from() -> None:
    from shared.config import ConsumerConfig

    # Given the e-mail and SMS consumers' environment as the template sets it
    for name in ("EmailFunction", "SmsFunction", "DeliveryEventsFunction"):
        variables = FUNCTIONS[name]["Properties"]["Environment"]["Variables"]
        assert variables["QUEUE_VISIBILITY_TIMEOUT"] == {"Ref": "ConsumerVisibilityTimeout"}
    # When the consumer computes its lease from the default
    visibility = TEMPLATE["Parameters"]["ConsumerVisibilityTimeout"]["Default"]
    env = {"TENANT_ID": "t", "TABLE_NAME": "t", "IDEMPOTENCY_TABLE_NAME": "i"}
    env["QUEUE_VISIBILITY_TIMEOUT"] = str(visibility)
    lease = ConsumerConfig.from_env(env).send_lease
    # Then a redelivery (one visibility timeout later) still finds the claim live
    assert lease.total_seconds() > visibility


def _dead_letter_queues() -> set[str]:
    """Queues that only ever receive failures: redrive targets and failure destinations."""
    targets = {
        _target(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        for q in QUEUES.values()
        if "RedrivePolicy" in q["Properties"]
    }
    for fn in FUNCTIONS.values():
        on_failure = fn["Properties"].get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure")
        if on_failure:
            targets.add(_target(on_failure["Destination"]))
        for event in fn["Properties"].get("Events", {}).values():
            if "DeadLetterConfig" in event["Properties"]:
                targets.add(_target(event["Properties"]["DeadLetterConfig"]["Arn"]))
    return targets


DEAD_LETTER_QUEUES = _dead_letter_queues()


@pytest.mark.parametrize("name", sorted(QUEUES))
def test_every_queue_is_redriven_or_is_a_dead_letter_queue(name: str) -> None:
    props = QUEUES[name]["Properties"]
    assert props.get("SqsManagedSseEnabled") is True
    if name in DEAD_LETTER_QUEUES:
        # A dead-letter queue keeps failures as long as SQS allows.
        assert "RedrivePolicy" not in props
        assert props["MessageRetentionPeriod"] == FOURTEEN_DAYS
    else:
        redrive = props["RedrivePolicy"]
        assert _target(redrive["deadLetterTargetArn"]) in QUEUES
        assert 3 <= redrive["maxReceiveCount"] <= 5


@pytest.mark.parametrize("name", sorted(DEAD_LETTER_QUEUES))
def test_every_dead_letter_queue_has_an_alarm(name: str) -> None:
    # Given the alarms on queue depth
    watched = {
        _target(dimension["Value"])
        for alarm in _of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        for dimension in alarm["Properties"]["Dimensions"]
        if dimension["Name"] == "QueueName"
    }
    # Then the dead-letter queue is one of them
    assert name in watched


# ------------------------------------------------------------------ scheduler


def test_scheduler_runs_on_a_timezone_aware_schedule_with_retries_and_dlqs() -> None:
    # Given the scheduler function and its ScheduleV2 event
    props = FUNCTIONS["SchedulerFunction"]["Properties"]
    (schedule,) = [e["Properties"] for e in props["Events"].values() if e["Type"] == "ScheduleV2"]

    # Then the schedule follows the tenant's parameters
    assert schedule["ScheduleExpression"] == {"Ref": "RunSchedule"}
    assert schedule["ScheduleExpressionTimezone"] == {"Ref": "TenantTimezone"}
    assert schedule["State"] == {"Ref": "RunsEnabled"}
    assert schedule["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert _target(schedule["DeadLetterConfig"]["Arn"]) in QUEUES

    # And "now" comes from the schedule, in the same shape as the sample event
    assert json.loads(schedule["Input"]) == {"source": "schedule", "time": "<aws.scheduler.scheduled-time>"}
    sample = json.loads((ROOT / "events" / "scheduler.json").read_text())
    assert sample.keys() == json.loads(schedule["Input"]).keys()
    assert sample["source"] == "schedule"

    # And a run that fails after Lambda's own retries lands in a queue
    on_failure = props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    assert on_failure["Type"] == "SQS"
    assert _target(on_failure["Destination"]) in QUEUES


def test_the_scheduler_consumes_its_work_queue_one_item_at_a_time_with_bounded_concurrency() -> None:
    # Given the scheduler's SQS event (the shards of a fanned-out run)
    events = [props for function, _, props in _sqs_events() if function == "SchedulerFunction"]
    assert len(events) == 1
    props = events[0]
    # Then it reads the work queue, one item per invocation, reporting failures per item
    assert _target(props["Queue"]) == "WorkQueue"
    assert props["BatchSize"] == 1 and props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # And no more shard workers run at once than the tenant's ShardConcurrency
    assert props["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "ShardConcurrency"}
    parameter = TEMPLATE["Parameters"]["ShardConcurrency"]
    assert 2 <= parameter["MinValue"] <= parameter["Default"] <= parameter["MaxValue"] <= 1000
    # And an item stays invisible for 6 scheduler timeouts, then goes to its DLQ after 5 tries
    scheduler = FUNCTIONS["SchedulerFunction"]
    queue = QUEUES["WorkQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * _function_setting(scheduler, "Timeout")
    assert _target(queue["RedrivePolicy"]["deadLetterTargetArn"]) == "WorkDeadLetterQueue"
    # And the scheduler knows where to hand out work items and continuations
    variables = scheduler["Properties"]["Environment"]["Variables"]
    assert variables["WORK_QUEUE_URL"] == {"Ref": "WorkQueue"}


def test_the_local_stack_creates_the_work_queue_and_feeds_it_to_the_scheduler() -> None:
    from dunning.local_stack import QUEUE_CONSUMERS, local_resources

    assert {"WorkQueue", "WorkDeadLetterQueue"} <= set(local_resources(TEMPLATE)["Resources"])
    assert QUEUE_CONSUMERS["work"] == "scheduler"


def test_scheduler_gets_a_queue_url_for_every_consumer_queue() -> None:
    variables = FUNCTIONS["SchedulerFunction"]["Properties"]["Environment"]["Variables"]
    for _, _, props in SQS_EVENTS:
        queue = _target(props["Queue"])
        action = queue.removesuffix("Queue").upper()
        assert variables[f"{action}_QUEUE_URL"] == {"Ref": queue}


# ------------------------------------------------------------------ Betalingsservice delivery


def test_delivery_bucket_is_private_encrypted_versioned_and_retained() -> None:
    bucket = RESOURCES["DeliveryBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert bucket["UpdateReplacePolicy"] == "Retain"
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    # And plain HTTP is refused by the bucket policy
    (policy,) = [r for r in RESOURCES.values() if r["Type"] == "AWS::S3::BucketPolicy"]
    assert _target(policy["Properties"]["Bucket"]) == "DeliveryBucket"
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_bs_delivery_runs_daily_in_the_tenant_zone_with_least_privilege() -> None:
    # Given the delivery function and its ScheduleV2 event
    props = FUNCTIONS["BsDeliveryFunction"]["Properties"]
    (schedule,) = [e["Properties"] for e in props["Events"].values() if e["Type"] == "ScheduleV2"]

    # Then it runs on its own expression, in the tenant's time zone, late in the day by default
    assert schedule["ScheduleExpression"] == {"Ref": "BsDeliverySchedule"}
    assert schedule["ScheduleExpressionTimezone"] == {"Ref": "TenantTimezone"}
    assert TEMPLATE["Parameters"]["BsDeliverySchedule"]["Default"] == "cron(0 17 * * ? *)"
    assert schedule["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert _target(schedule["DeadLetterConfig"]["Arn"]) in QUEUES
    on_failure = props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    assert _target(on_failure["Destination"]) in QUEUES

    # And the business day comes from the schedule's time, in the sample event's shape
    assert json.loads(schedule["Input"]) == {"time": "<aws.scheduler.scheduled-time>"}
    sample = json.loads((ROOT / "events" / "bs-delivery.json").read_text())
    assert sample.keys() == json.loads(schedule["Input"]).keys()

    # And it may touch the table and the delivery bucket, nothing else
    # (the statements themselves: tests/integration/test_template_policy.py)
    (policy,) = props["Policies"]
    targets = {
        _target(resource) if "Fn::Sub" not in resource else resource["Fn::Sub"].split(".", 1)[0].lstrip("${")
        for statement in policy["Statement"]
        for resource in (statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]])
    }
    assert targets == {"DunningTable", "DeliveryBucket"}
    assert props["Environment"]["Variables"]["DELIVERY_BUCKET_NAME"] == {"Ref": "DeliveryBucket"}


# ------------------------------------------------------------------ functions


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_handler_is_a_module_under_functions(name: str) -> None:
    # Given the dotted handler path, e.g. functions.actions.email.app.handler
    fn = FUNCTIONS[name]
    module, _, attribute = fn["Properties"]["Handler"].rpartition(".")
    # Then it names a function in a file of the functions/ package (shipped in the bundle)
    assert _function_setting(fn, "CodeUri") == ".build/lambda"
    assert module.split(".")[0] == "functions"
    assert attribute.isidentifier()
    assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_logs_to_its_own_log_group_with_retention(name: str) -> None:
    # Given the function's name and the log group it is pointed at
    props = FUNCTIONS[name]["Properties"]
    group = RESOURCES[_target(props["LoggingConfig"]["LogGroup"])]
    # Then the group is the function's default one, with retention
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/" + props["FunctionName"]["Fn::Sub"]}
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_has_a_powertools_service_name(name: str) -> None:
    variables = {
        **GLOBAL_FUNCTION["Environment"]["Variables"],
        **FUNCTIONS[name]["Properties"]["Environment"]["Variables"],
    }
    assert variables["POWERTOOLS_SERVICE_NAME"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Dunning"
    assert variables["TABLE_NAME"] == {"Ref": "DunningTable"}


# ------------------------------------------------------------------ local stack contract


@pytest.mark.parametrize("name", sorted(n for n, r in RESOURCES.items() if r["Type"] in LOCAL_STACK_TYPES))
def test_tables_queues_and_buckets_stand_alone(name: str) -> None:
    # The local runner creates only tables, queues and buckets; anything else
    # they referenced would be missing there.
    allowed = set(TEMPLATE["Parameters"]) | {n for n, r in RESOURCES.items() if r["Type"] in LOCAL_STACK_TYPES}
    for reference in _references(RESOURCES[name]):
        assert reference in allowed or reference.startswith("AWS::"), reference


# ------------------------------------------------------------------ samconfig and sample events


_OVERRIDE = re.compile(r'(\w+)=(?:"([^"]*)"|(\S*))')


def _overrides(entries: list[str] | str) -> dict[str, str]:
    """``parameter_overrides`` as SAM CLI reads them: a value with spaces must be quoted."""
    if isinstance(entries, str):
        entries = re.findall(r'\S+="[^"]*"|\S+', entries)
    values = {}
    for entry in entries:
        match = _OVERRIDE.fullmatch(entry)
        assert match, f"SAM would cut {entry!r} at its first space; quote the value"
        values[match[1]] = match[2] if match[2] is not None else match[3]
    return values


SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text())


@pytest.mark.parametrize("env", ["default", "acme"])
def test_samconfig_environment_satisfies_the_template_parameters(env: str) -> None:
    # Given the parameter overrides of one config environment
    overrides = _overrides(SAMCONFIG[env]["deploy"]["parameters"]["parameter_overrides"])
    parameters = TEMPLATE["Parameters"]
    # Then every required parameter is set and every value passes the template's constraints
    assert set(overrides) <= set(parameters)
    assert {name for name, p in parameters.items() if "Default" not in p} <= set(overrides)
    for name, value in overrides.items():
        spec = parameters[name]
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), (name, value)
        if "AllowedValues" in spec:
            assert value in [str(v) for v in spec["AllowedValues"]], (name, value)
        assert len(value) <= spec.get("MaxLength", len(value)), (name, value)


@pytest.mark.parametrize(("function", "event", "props"), SQS_EVENTS, ids=SQS_EVENT_IDS)
def test_sample_sqs_event_comes_from_the_consumers_queue(function: str, event: str, props: dict[str, Any]) -> None:
    # Given the consumer's queue name for tenant "acme" and the sample event of that action
    queue_name = QUEUES[_target(props["Queue"])]["Properties"]["QueueName"]["Fn::Sub"].replace("${TenantId}", "acme")
    action = queue_name.rsplit("-", 1)[1]
    sample = json.loads((ROOT / "events" / f"{action}.json").read_text())
    # Then the sample records say they came from that queue
    for record in sample["Records"]:
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"].rsplit(":", 1)[1] == queue_name
        assert json.loads(record["body"])["action"] == action


# ------------------------------------------------------------------ operator console


def test_console_operators_are_invited_by_email_never_sign_themselves_up() -> None:
    pool = RESOURCES["ConsoleUserPool"]["Properties"]
    # Then only an administrator creates operators, named by their e-mail
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    # And the pool outlives a stack replacement (the operators stay)
    assert RESOURCES["ConsoleUserPool"]["DeletionPolicy"] == "Retain"
    client = RESOURCES["ConsoleUserPoolClient"]["Properties"]
    # And the console's client has no secret to leak and allows the password flow only
    assert client["UserPoolId"] == {"Ref": "ConsoleUserPool"}
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert client["PreventUserExistenceErrors"] == "ENABLED"


def test_console_api_defaults_to_the_cookie_authorizer() -> None:
    auth = RESOURCES["ConsoleApi"]["Properties"]["Auth"]
    authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
    assert _target(authorizer["FunctionArn"]) == "ConsoleAuthorizerFunction"
    assert authorizer["FunctionPayloadType"] == "REQUEST"
    assert authorizer["Identity"]["Headers"] == ["Cookie"]
    # And only login and static files opt out, on the console API
    events = FUNCTIONS["ConsoleFunction"]["Properties"]["Events"]
    public = {
        (e["Properties"]["Path"], e["Properties"]["Method"])
        for e in events.values()
        if e["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
    }
    assert public == {("/login", "GET"), ("/login", "POST"), ("/login/new-password", "POST"), ("/static/{name}", "GET")}
    assert all(_target(e["Properties"]["RestApiId"]) == "ConsoleApi" for e in events.values())
    # And the machine API keeps IAM
    assert RESOURCES["OperatorApi"]["Properties"]["Auth"]["DefaultAuthorizer"] == "AWS_IAM"


def test_console_and_scheduler_know_the_keys_and_the_console_address() -> None:
    console = FUNCTIONS["ConsoleFunction"]["Properties"]["Environment"]["Variables"]
    assert console["USER_POOL_CLIENT_ID"] == {"Ref": "ConsoleUserPoolClient"}
    assert console["SESSION_SECRET_ARN"] == {"Ref": "ConsoleSessionSecret"}
    assert console["CONSOLE_LINK_SECRET_ARN"] == {"Ref": "ConsoleLinkSecret"}
    scheduler = FUNCTIONS["SchedulerFunction"]["Properties"]["Environment"]["Variables"]
    assert scheduler["CONSOLE_LINK_SECRET_ARN"] == {"Ref": "ConsoleLinkSecret"}
    assert "${ConsoleApi}" in scheduler["CONSOLE_URL"]["Fn::Sub"]
    authorizer = FUNCTIONS["ConsoleAuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    assert authorizer["SESSION_SECRET_ARN"] == {"Ref": "ConsoleSessionSecret"}


def test_ses_events_never_handled_wait_in_a_failure_queue() -> None:
    # Given the delivery-events function and its SES rule
    function = FUNCTIONS["DeliveryEventsFunction"]["Properties"]
    rule = function["Events"]["SesEvents"]["Properties"]
    failures = "DeliveryEventsFailureQueue"
    # Then what EventBridge could not deliver and what the function failed on both land in it
    assert _target(rule["DeadLetterConfig"]["Arn"]) == failures
    assert _target(function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"]) == failures
    # And only this account's EventBridge rules may send to it
    policy = TEMPLATE["Resources"]["DeliveryEventsFailureQueuePolicy"]["Properties"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert "aws:SourceArn" in statement["Condition"]["ArnLike"]
