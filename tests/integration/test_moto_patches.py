"""The local stack's moto patches change no answer: the same bodies, the same query results."""

import json
from typing import Any

import boto3
import botocore.session
from moto import mock_aws

from dunning.moto_patches import fast_attribute_values, fast_table_reads

REGION = "eu-north-1"
ITEMS = [
    {
        "pk": {"S": f"C#{n % 3}"},
        "sk": {"S": f"I#{n:03}"},
        "gk": {"S": f"G#{n % 2}"},
        "amount": {"N": f"{n}.50"},
        "flag": {"BOOL": n % 2 == 0},
        "nothing": {"NULL": True},
        "tags": {"SS": ["a", f"t{n}"]},
        "numbers": {"NS": ["1", str(n + 2)]},
        "nested": {"M": {"l": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"deep": {"BOOL": False}}}]}}},
        "blob": {"B": b"\x00\x01" + bytes([n])},
    }
    for n in range(12)
]


def _answers() -> list[Any]:
    """Raw answer bodies of puts, gets and queries (on the table and on an index) of every kind of value."""
    bodies: list[Any] = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "g-index",
                    "KeySchema": [
                        {"AttributeName": "gk", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
        raw = botocore.session.get_session().create_client("dynamodb", region_name=REGION)
        raw.meta.events.register("after-call.dynamodb", lambda http_response, **_: bodies.append(http_response.text))
        for item in ITEMS:
            raw.put_item(TableName="t", Item=item, ReturnValues="NONE")
        raw.get_item(TableName="t", Key={"pk": {"S": "C#1"}, "sk": {"S": "I#004"}})
        raw.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "C#2"}})
        raw.query(
            TableName="t",
            IndexName="g-index",
            KeyConditionExpression="gk = :g AND sk > :s",
            ExpressionAttributeValues={":g": {"S": "G#1"}, ":s": {"S": "I#002"}},
            Limit=3,
            ScanIndexForward=False,
        )
        raw.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "none"}})
        raw.update_item(
            TableName="t",
            Key={"pk": {"S": "C#0"}, "sk": {"S": "I#000"}},
            UpdateExpression="SET amount = :a",
            ExpressionAttributeValues={":a": {"N": "7"}},
            ReturnValues="ALL_NEW",
        )
    return bodies


def test_the_patched_moto_answers_byte_for_byte_as_moto_does():
    # Given the same requests answered by plain moto and by moto with the query and serializer patches
    plain = _answers()
    with fast_table_reads(), fast_attribute_values():
        patched = _answers()
    # Then every answer body is the same, and the queries found what they should
    assert patched == plain
    on_table, on_index = json.loads(plain[13]), json.loads(plain[14])
    assert [i["sk"]["S"] for i in on_table["Items"]] == ["I#002", "I#005", "I#008", "I#011"]
    assert [i["sk"]["S"] for i in on_index["Items"]] == ["I#011", "I#009", "I#007"]
    assert json.loads(plain[15])["Items"] == []
