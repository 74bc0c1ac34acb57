"""The local stack's moto patches change no answer: the same bodies, the same query results."""

import json
from contextlib import ExitStack
from typing import Any

import botocore.session
from botocore.exceptions import ClientError
from moto import mock_aws

from dunning.moto_patches import (
    fast_attribute_values,
    fast_table_reads,
    in_process_requests,
    lazy_kms_keys,
    moto_patches,
)

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
        _indexed_table()
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


def _indexed_table() -> Any:
    """A plain botocore client on table ``t`` (pk, sk) with the index ``g-index`` (gk, sk)."""
    raw = botocore.session.get_session().create_client("dynamodb", region_name=REGION)
    raw.create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "g-index",
                "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    return raw


def _reads(in_process: bool) -> tuple[list[Any], list[str]]:
    """Parsed answers (without the volatile ResponseMetadata) of GetItem and Query of every shape the
    stores use and some they do not, and the reads that went over moto's emulated wire."""
    answers: list[Any] = []
    on_the_wire: list[str] = []
    with mock_aws(), ExitStack() as patches:
        if in_process:
            patches.enter_context(in_process_requests())
        raw = _indexed_table()
        for item in ITEMS:  # one of them with a binary attribute
            raw.put_item(
                TableName="t", Item={k: v for k, v in item.items() if k != "blob" or item["sk"]["S"] == "I#000"}
            )
        raw.meta.events.register(
            "before-send.dynamodb", lambda request, **_: on_the_wire.append(request.headers["X-Amz-Target"].decode())
        )
        reads: list[tuple[str, dict[str, Any]]] = [
            ("get_item", {"Key": {"pk": {"S": "C#1"}, "sk": {"S": "I#004"}}}),
            ("get_item", {"Key": {"pk": {"S": "C#1"}, "sk": {"S": "nothing"}}, "ConsistentRead": True}),
            ("get_item", {"Key": {"pk": {"S": "C#1"}, "sk": {"S": "I#001"}}, "ReturnConsumedCapacity": "TOTAL"}),
            (
                "get_item",
                {
                    "Key": {"pk": {"S": "C#1"}, "sk": {"S": "I#001"}},
                    "ProjectionExpression": "#a, nested.l[2]",
                    "ExpressionAttributeNames": {"#a": "amount"},
                },
            ),
            ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "C#1"}}}),
            (
                "query",
                {
                    "IndexName": "g-index",
                    "KeyConditionExpression": "#g = :g AND sk < :s",
                    "ExpressionAttributeNames": {"#g": "gk"},
                    "ExpressionAttributeValues": {":g": {"S": "G#1"}, ":s": {"S": "I#010"}},
                    "Limit": 2,
                    "ScanIndexForward": False,
                },
            ),
            (
                "query",
                {
                    "IndexName": "g-index",
                    "KeyConditionExpression": "gk = :g",
                    "ExpressionAttributeValues": {":g": {"S": "G#1"}},
                    "ExclusiveStartKey": {"gk": {"S": "G#1"}, "sk": {"S": "I#005"}, "pk": {"S": "C#2"}},
                    "ReturnConsumedCapacity": "INDEXES",
                },
            ),
            (
                "query",
                {
                    "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
                    "FilterExpression": "amount < :a AND attribute_exists(tags)",
                    "ExpressionAttributeValues": {":p": {"S": "C#0"}, ":s": {"S": "I#"}, ":a": {"N": "7"}},
                },
            ),
            (
                "query",
                {
                    "KeyConditionExpression": "pk = :p",
                    "ExpressionAttributeValues": {":p": {"S": "C#2"}},
                    "Select": "COUNT",
                },
            ),
            ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "none"}}}),
            ("get_item", {"Key": {"pk": {"S": "C#0"}, "sk": {"S": "I#000"}}}),  # binary values: over the wire
            ("get_item", {"Key": {"pk": {"S": "C#0"}}}),  # refused by moto
            ("query", {"KeyConditionExpression": "nokey = :p", "ExpressionAttributeValues": {":p": {"S": "x"}}}),
        ]
        for operation, request in reads:
            try:
                answer = dict(getattr(raw, operation)(TableName="t", **request))
                del answer["ResponseMetadata"]
                answers.append(answer)
            except ClientError as error:
                answers.append(("refused", error.response["Error"], str(error)))
        try:
            raw.get_item(TableName="missing", Key={"pk": {"S": "x"}, "sk": {"S": "y"}})
        except ClientError as error:
            answers.append(("refused", error.response["Error"], str(error)))
    return answers, on_the_wire


def test_in_process_requests_answer_as_moto_does_over_the_wire():
    # Given the same reads answered over moto's emulated wire and in-process by moto's handler
    wire, all_sent = _reads(in_process=False)
    in_process, sent = _reads(in_process=True)
    # Then every answer (items, counts, pages, capacity, refusals) is the same
    assert in_process == wire
    assert wire[0]["Item"]["sk"] == {"S": "I#004"} and "Item" not in wire[1]
    assert [item["sk"]["S"] for item in wire[5]["Items"]] == ["I#009", "I#007"] and "LastEvaluatedKey" in wire[5]
    assert wire[8]["Count"] == 4 and "Items" not in wire[8]
    assert [refused[1]["Code"] for refused in wire[-3:]] == ["ValidationException"] * 2 + ["ResourceNotFoundException"]
    # And only the reads that meet binary values and the refused ones went over the wire
    assert len(all_sent) == len(wire)
    get, query = "DynamoDB_20120810.GetItem", "DynamoDB_20120810.Query"
    assert sent == [query, get, get, query, get]


def _writes(in_process: bool) -> tuple[list[Any], list[Any], list[str]]:
    """Parsed answers (without ResponseMetadata) and refusals of writes of every kind the stores make,
    the table afterwards, and the writes that went over moto's emulated wire."""
    answers: list[Any] = []
    on_the_wire: list[str] = []
    key = {"pk": {"S": "C#1"}, "sk": {"S": "I#001"}}
    plain = {k: v for k, v in ITEMS[1].items() if k != "blob"}
    writes: list[tuple[str, dict[str, Any]]] = [
        ("put_item", {"Item": plain, "ConditionExpression": "attribute_not_exists(pk)"}),
        ("put_item", {"Item": plain, "ConditionExpression": "attribute_not_exists(pk)"}),  # refused
        (
            "put_item",
            {
                "Item": plain,
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
        ),
        (
            "update_item",
            {
                "Key": key,
                "UpdateExpression": "SET amount = :a, nested.l[0] = :s, effect = :m ADD tags :t REMOVE nothing",
                "ConditionExpression": "amount = :old",
                "ExpressionAttributeValues": {
                    ":a": {"N": "9"},
                    ":s": {"S": "y"},
                    ":t": {"SS": ["new"]},
                    ":old": {"N": "1.50"},
                    ":m": {"M": {"k": {"L": [{"S": "v"}, {"NULL": True}]}}},
                },
                "ReturnValues": "ALL_NEW",
            },
        ),
        (
            "update_item",
            {
                "Key": key,
                "UpdateExpression": "SET amount = :a",
                "ConditionExpression": "amount = :old",
                "ExpressionAttributeValues": {":a": {"N": "10"}, ":old": {"N": "1.50"}},
            },
        ),  # refused
        ("update_item", {"Key": key, "UpdateExpression": "SET amount = :missing"}),  # refused
        (
            "transact_write_items",
            {
                "TransactItems": [
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": "T#1"}, "sk": {"S": "x"}, "gk": {"S": "G#9"}}}},
                    {"Delete": {"TableName": "t", "Key": {"pk": {"S": "C#2"}, "sk": {"S": "I#002"}}}},
                ]
            },
        ),
        (
            "transact_write_items",
            {
                "TransactItems": [
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": "T#2"}, "sk": {"S": "x"}}}},
                    {
                        "ConditionCheck": {
                            "TableName": "t",
                            "Key": key,
                            "ConditionExpression": "amount = :n",
                            "ExpressionAttributeValues": {":n": {"N": "0"}},
                        }
                    },
                ]
            },
        ),  # cancelled, with reasons
        ("delete_item", {"Key": {"pk": {"S": "C#0"}, "sk": {"S": "I#003"}}, "ReturnValues": "ALL_OLD"}),
        (
            "delete_item",
            {
                "Key": {"pk": {"S": "C#0"}, "sk": {"S": "I#006"}},
                "ConditionExpression": "attribute_exists(nope)",
            },
        ),  # refused
        (
            "batch_write_item",
            {
                "RequestItems": {
                    "t": [
                        {"PutRequest": {"Item": {"pk": {"S": "B#1"}, "sk": {"S": "x"}}}},
                        {"DeleteRequest": {"Key": {"pk": {"S": "C#1"}, "sk": {"S": "I#004"}}}},
                    ]
                }
            },
        ),
        ("put_item", {"Item": ITEMS[0]}),  # binary values: over the wire
    ]
    with mock_aws(), ExitStack() as patches:
        if in_process:
            patches.enter_context(moto_patches())  # every patch: the answers must still be plain moto's
        raw = botocore.session.get_session().create_client("dynamodb", region_name=REGION)
        raw.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        )
        raw.meta.events.register(
            "before-send.dynamodb", lambda request, **_: on_the_wire.append(request.headers["X-Amz-Target"].decode())
        )
        for item in ITEMS[2:]:
            raw.put_item(TableName="t", Item={k: v for k, v in item.items() if k != "blob"})
        for operation, request in writes:
            arguments = (
                request if operation in ("transact_write_items", "batch_write_item") else {"TableName": "t"} | request
            )
            try:
                answer = dict(getattr(raw, operation)(**arguments))
                del answer["ResponseMetadata"]
                answers.append(answer)
            except ClientError as error:
                refusal = {k: v for k, v in error.response.items() if k != "ResponseMetadata"}
                answers.append(("refused", refusal, str(error)))
        table = raw.scan(TableName="t")["Items"]
    return answers, table, on_the_wire


def test_in_process_writes_answer_and_write_as_moto_does_over_the_wire():
    # Given the same writes made over moto's emulated wire and in-process by moto's handler
    wire, wire_table, all_sent = _writes(in_process=False)
    in_process, table, sent = _writes(in_process=True)
    # Then every answer and refusal (with a cancelled transaction's reasons) is the same, and so is the table
    assert in_process == wire
    assert table == wire_table
    refused = [answer[1]["Error"]["Code"] for answer in wire if isinstance(answer, tuple)]
    assert refused == ["ConditionalCheckFailedException"] * 3 + [
        "ValidationException",
        "TransactionCanceledException",
        "ConditionalCheckFailedException",
    ]
    cancelled = wire[7][1]
    assert [reason["Code"] for reason in cancelled["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
    assert wire[2][1]["Item"]["sk"] == {"S": "I#001"} and wire[3]["Attributes"]["amount"] == {"N": "9"}
    # And only the write of binary values went over the wire (and the scan)
    assert all_sent[len(ITEMS) - 2 :] == [f"DynamoDB_20120810.{name}" for name in _WIRE_NAMES]
    assert sent == ["DynamoDB_20120810.PutItem", "DynamoDB_20120810.Scan"]


_WIRE_NAMES = ["PutItem"] * 3 + ["UpdateItem"] * 3 + ["TransactWriteItems"] * 2 + ["DeleteItem"] * 2
_WIRE_NAMES += ["BatchWriteItem", "PutItem", "Scan"]


def _index_reads_between_writes(patched: bool) -> list[Any]:
    """Index queries between writes that move items into, out of and between index partitions."""
    found: list[Any] = []
    with mock_aws(), ExitStack() as patches:
        if patched:
            patches.enter_context(moto_patches())
        raw = _indexed_table()

        def shards() -> None:
            for shard in ("G#0", "G#1", "G#2"):
                answer = raw.query(
                    TableName="t",
                    IndexName="g-index",
                    KeyConditionExpression="gk = :g",
                    ExpressionAttributeValues={":g": {"S": shard}},
                )
                found.append([item["sk"]["S"] for item in answer["Items"]])

        def key(n: int) -> dict[str, Any]:
            return {"pk": {"S": f"C#{n % 3}"}, "sk": {"S": f"I#{n:03}"}}

        for n in range(6):
            raw.put_item(TableName="t", Item=key(n) | {"gk": {"S": f"G#{n % 2}"}})
        shards()
        raw.update_item(
            TableName="t", Key=key(1), UpdateExpression="SET gk = :g", ExpressionAttributeValues={":g": {"S": "G#2"}}
        )
        shards()
        raw.update_item(TableName="t", Key=key(2), UpdateExpression="REMOVE gk")
        raw.delete_item(TableName="t", Key=key(4))
        shards()
        raw.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": key(7) | {"gk": {"S": "G#0"}}}},
                {
                    "Update": {
                        "TableName": "t",
                        "Key": key(3),
                        "UpdateExpression": "SET gk = :g",
                        "ExpressionAttributeValues": {":g": {"S": "G#0"}},
                    }
                },
            ]
        )
        raw.batch_write_item(
            RequestItems={
                "t": [{"DeleteRequest": {"Key": key(0)}}, {"PutRequest": {"Item": key(8) | {"gk": {"S": "G#2"}}}}]
            }
        )
        shards()
    return found


def test_index_queries_after_writes_find_what_moto_finds():
    # Given index queries between writes that add, move and remove index entries
    plain = _index_reads_between_writes(patched=False)
    patched = _index_reads_between_writes(patched=True)
    # Then the patched moto (items listed by index key, dropped on every write) finds the same
    assert patched == plain
    assert plain[3:9] == [
        ["I#000", "I#002", "I#004"],
        ["I#003", "I#005"],
        ["I#001"],
        ["I#000"],
        ["I#003", "I#005"],
        ["I#001"],
    ]
    assert plain[-3:] == [["I#003", "I#007"], ["I#005"], ["I#001", "I#008"]]


def test_a_kms_key_makes_its_key_pair_on_first_use_and_then_signs_as_before():
    # Given moto's KMS with the key pairs made on first use
    from moto.kms.models import kms_backends

    with mock_aws(), lazy_kms_keys():
        kms = botocore.session.get_session().create_client("kms", region_name=REGION)
        symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
        signing = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        # When the signing key signs and verifies
        signed = kms.sign(KeyId=signing, Message=b"rykker", SigningAlgorithm="RSASSA_PSS_SHA_256")
        verified = kms.verify(
            KeyId=signing, Message=b"rykker", Signature=signed["Signature"], SigningAlgorithm="RSASSA_PSS_SHA_256"
        )
        keys = kms_backends["123456789012"][REGION].keys
        # Then it works as before, and the symmetric key never made a key pair
        assert verified["SignatureValid"] is True
        assert kms.get_public_key(KeyId=signing)["PublicKey"]
        assert keys[symmetric].private_key._key is None
        assert keys[signing].private_key._key is not None
