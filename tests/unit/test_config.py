"""Each function's configuration reads its fields from the environment by one naming rule."""

import pytest

from shared.config import ConfigError, SchedulerConfig
from shared.console.links import LinkConfig

QUEUES = {f"{action}_QUEUE_URL": f"https://sqs/{action}" for action in ("EMAIL", "SMS", "FEE", "BS")}


def test_fields_come_from_their_upper_case_names_unless_renamed() -> None:
    # Given an environment with the scheduler's variables, the function name as Lambda sets it
    env = {"TENANT_ID": "acme", "TABLE_NAME": "t", "AWS_LAMBDA_FUNCTION_NAME": "sched", **QUEUES}
    # When the configuration is read
    config = SchedulerConfig.from_env(env)
    # Then each field holds its variable, the renamed one included
    assert (config.tenant_id, config.table_name, config.function_name) == ("acme", "t", "sched")
    assert config.bs_queue_url == "https://sqs/BS"


def test_missing_variables_are_named() -> None:
    # Given an environment without the table and the queues
    # When the configuration is read
    with pytest.raises(ConfigError) as refused:
        SchedulerConfig.from_env({"TENANT_ID": "acme"})
    # Then the refusal names the variables, not the fields
    assert "TABLE_NAME" in str(refused.value) and "EMAIL_QUEUE_URL" in str(refused.value)


def test_links_are_configured_only_with_a_console() -> None:
    # Given a stack with and one without a console URL
    # When the link configuration is read
    # Then the key comes from its renamed variable, and without a console there is none
    assert LinkConfig.configured({"CONSOLE_URL": "https://c", "CONSOLE_LINK_KEY": "ab"}) == LinkConfig(
        console_url="https://c", link_key="ab"
    )
    assert LinkConfig.configured({}) is None
