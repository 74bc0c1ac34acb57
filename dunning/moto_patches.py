"""Work-arounds for the places where the local AWS costs more than it should; on in every local stack.

None changes what is sent or answered, or how many requests there are; they only
take moto's own bookkeeping out of the timings (of the tests, the simulator and
the bench alike).

* ``fast_transactions``: moto's ``TransactWriteItems`` deep-copies the whole
  table once per item of the transaction, to roll back on failure. With 100,000
  invoices that is seconds per transaction, and the fee and BS consumers write
  one transaction per message. The patch snapshots only the items the
  transaction touches and restores exactly those on failure (the same
  all-or-nothing result, and unlike moto's copy it never rolls back a write
  another thread made meanwhile).
* ``fast_table_reads``: every moto ``Query`` (on the table or an index) lists
  the whole table and sorts it comparing ``DynamoType`` objects, which converts
  each key again on every comparison: the top cost of a simulated day. The
  patch sorts on each key's value, converted once per item (the same order).
  And a ``Query`` considers only its candidates: on the table, the items of the
  one partition it names; on an index, the items whose index hash key equals
  the query's. moto filters and sorts those same items afterwards, so the
  answer is the same; without it every query sorts the whole table (the top
  cost of ``dunning demo``: 2,700 queries over a growing table). An index's
  candidates come from the table's items listed by that key once and kept until
  the next write: a run reads the 16 due-index shards twice in a row, and one
  pass over the table serves them all (every DynamoDB request other than a
  read, over the wire or in-process, drops the lists before and after it runs,
  so a list never outlives the table it was made from).
* ``shared_service_models``: PynamoDB gives every model's connection its own
  botocore session, and each session parses the DynamoDB service description
  (a large JSON file) again: about 0.13 s of CPU per model, about 2 s for a
  fresh stack's fifteen models. The patch gives PynamoDB one session per
  thread, so the description is parsed once. (Not moto's cost but the local
  stack's: a Lambda container keeps its connections.) Likewise every botocore
  session made meanwhile (boto3's, the functions' in ``shared/aws.py``) shares
  one data loader, so ``endpoints.json`` and each service description are
  parsed once per process, not once per session (41 files, 1.5 s of a
  ``dunning simulate``).
* ``fast_sqs_clock``: moto SQS reads the clock through ``unix_time_millis``
  (datetime arithmetic) for every message on every send/receive, which makes
  deep queues slow (quadratic overall). The patch reads ``time.time()``
  instead; same value, about 17x cheaper. Still quadratic: see tooling.md §5.
* ``fast_attribute_values``: moto serializes each DynamoDB answer by walking the
  API's output shapes, looking every member of every attribute value up under
  all its aliases: 45 % of ``dunning demo``'s CPU (queries that answer many
  items). The items are already in the wire form (``{"S": "x"}``); the patch
  copies an attribute value of a plain kind (S, N, BOOL, NULL, SS, NS) as it
  is and lets moto serialize the rest (M and L walk into the fast path, B and
  BS stay moto's). ``tests/integration/test_moto_patches.py`` checks that the
  bodies are byte for byte moto's.
* ``fast_dispatch``: before each request's action, moto lists the response
  class's methods with ``inspect.getmembers`` (about 0.5 ms a request, 10 % of
  a simulated day's CPU). The patch lists each class once.
* ``fast_expression_traversal``: moto validates an update expression by walking
  its syntax tree ten times; at every node it visits it builds the walker's map
  of node classes to processing methods anew (twice) and asks ``isinstance`` of
  ABCs (the ABC machinery each time): most of the 6 ms an ``UpdateItem`` or
  ``TransactWriteItems`` cost in ``dunning demo``. The patch builds a walker's
  map once (its keys are classes, its values the walker's own methods: the same
  map every time) and remembers ``isinstance`` per type; the walk itself is
  moto's, line for line.
* ``lazy_kms_keys``: the table's server-side encryption makes moto create a
  KMS key, and moto gives every KMS key, symmetric ones too, a freshly generated
  2048-bit RSA key pair: 50-300 ms of prime search per stack (the local stack's
  costliest set-up step), for a key that never signs. The patch makes the pair
  when the key is first used for signing or verifying.
* ``in_process_requests``: a DynamoDB request on in-process moto cost about
  1.3 ms, nearly all of it the emulated HTTP round trip (botocore signs and
  sends, moto routes it, parses the body against the API model, answers,
  serializes the answer by its output shapes, botocore parses it again), while
  finding the answer takes a fraction of that; and a simulated day is mostly
  DynamoDB requests (a run reads the 16 due-index shards twice). The patch
  answers them at botocore's ``before-call``, after the request is built and
  before it is sent (the caller's request count, the bench's counting and fault
  injection are the same), by calling moto's own DynamoDB handler with the
  request's parameters: moto still decides every answer. A read (GetItem,
  Query) is answered as moto's JSON, parsed as botocore parses JSON; one that
  moto refuses, or that meets binary values (botocore decodes those), is left
  to the wire, where moto answers as always (a read changes nothing, so asking
  twice is harmless). A write (PutItem, UpdateItem, DeleteItem,
  TransactWriteItems, BatchWriteItem) is answered by moto's ``call_action``
  (moto's status, headers and body, its refusals included) and parsed by
  botocore's own parser with the error's modeled fields (a cancelled
  transaction's reasons). Requests to another endpoint (a moto server) and
  every other service still take the wire. (A botocore ``Stubber`` on a DynamoDB
  client registers its ``before-call`` after this one and would not be asked
  while the patch is on; none is used with a local stack.) ``tests/integration/test_moto_patches.py``
  checks the answers, refusals and resulting tables against the wire's.

Each patch may be entered by nested or concurrent users (the bench around a
local stack, two stacks in one process): it is installed by the first and
removed by the last.
"""

from __future__ import annotations

import binascii
import copy
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, ClassVar

import botocore.handlers
import botocore.loaders
import botocore.parsers
import botocore.session
import moto.core.responses as moto_responses
import moto.core.serialize as moto_serialize
import moto.core.utils as moto_utils
import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.parsing.ast_nodes as moto_ast_nodes
import moto.kms.models as kms_models
import moto.sqs.models as sqs_models
import pynamodb.connection.base as pynamodb_connection
from botocore.awsrequest import AWSResponse
from moto import settings as moto_settings
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.utilities.aws_headers import gen_amzn_requestid_long

Saved = list[tuple[Table, Any, Any, Any]]

_LOCK = threading.Lock()
_DEPTH: dict[str, int] = {}
_ORIGINALS: dict[str, Any] = {}
_SNAPSHOTTING = threading.local()  # set while this thread's transaction has its own snapshot


@contextmanager
def _installed(name: str, owner: Any, attribute: str, value: Any) -> Iterator[None]:
    """Set ``owner.attribute`` to ``value`` while at least one user holds the patch ``name``."""
    with _LOCK:
        if _DEPTH.get(name, 0) == 0:
            _ORIGINALS[name] = getattr(owner, attribute)
            setattr(owner, attribute, value)
        _DEPTH[name] = _DEPTH.get(name, 0) + 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH[name] -= 1
            if _DEPTH[name] == 0:
                setattr(owner, attribute, _ORIGINALS.pop(name))


class _CopyKeepingTables:
    """Stands in for the ``copy`` module inside ``moto.dynamodb.models``: while a snapshotted
    transaction runs on this thread, a whole table is not deep-copied."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        if isinstance(value, Table) and getattr(_SNAPSHOTTING, "on", False):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _snapshot(backend: Any, transact_items: list[dict[str, Any]]) -> Saved:
    saved: Saved = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.get_table(op["TableName"])
        if "Item" in op:
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        hash_value, range_value = backend.get_keys_value(table, key)
        saved.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
    return saved


def _restore(saved: Saved) -> None:
    for table, hash_value, range_value, item in reversed(saved):
        if item is None:
            table.delete_item(hash_value, range_value)
        elif range_value is not None:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item


@contextmanager
def fast_transactions() -> Iterator[None]:
    """TransactWriteItems snapshots the items it touches instead of every table it names."""
    original: Callable[..., None] = dynamodb_models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        try:
            saved = _snapshot(self, transact_items)
        except Exception:  # malformed request: let moto answer it the usual (slow) way
            return original(self, transact_items)
        _SNAPSHOTTING.on = True
        try:
            original(self, transact_items)
        except Exception:
            _restore(saved)
            raise
        finally:
            _SNAPSHOTTING.on = False

    with (
        _installed("copy", dynamodb_models, "copy", _CopyKeepingTables()),
        _installed("transact", dynamodb_models.DynamoDBBackend, "transact_write_items", transact_write_items),
    ):
        yield


_QUERY = threading.local()  # the candidates of the query this thread runs: (table, items)


def _all_items(self: Table) -> list[Any]:
    """``Table.all_items`` in the same order, each key converted once instead of on every comparison;
    inside a query, only that query's candidates (see ``_query``)."""
    candidates = getattr(_QUERY, "candidates", None)
    if candidates is not None and candidates[0] is self:
        items = list(candidates[1])
    elif self.range_key_attr:
        items = [item for by_range in self.items.values() for item in by_range.values()]
    else:
        items = list(self.items.values())

    def order(item: Any) -> tuple[Any, ...]:
        if item.range_key:
            return (item.hash_key.cast_value, item.range_key.cast_value)
        return (item.hash_key.cast_value,)

    return sorted(items, key=order)


def _candidates(table: Table, hash_key: Any, index_name: str | None, conditions: Any) -> list[Any] | None:
    """The items a query can answer with (moto checks each again), or None: let moto list them all."""
    if index_name is None and hash_key is not None:
        partition = table.items.get(hash_key)  # a defaultdict: .get() adds no partition
        if partition is None:
            return []
        return list(partition.values()) if table.range_key_attr else [partition]
    if index_name is not None and conditions:
        (first_name, first_value), *others = list(conditions)
        # moto's own test, per hash key condition: present and equal (the first one by the index)
        return [
            item
            for item in _by_attribute(table, first_name).get(first_value, ())
            if all(item.attrs.get(n) and item.attrs.get(n) == v for n, v in others)
        ]
    return None


class _Indexes:
    """The table's items by the value of an attribute (an index's hash key), per table and attribute,
    valid while no write has been made since they were listed: every DynamoDB request other than a
    read moves ``generation`` on, before it starts and after it ends, and drops them."""

    generation = 0
    writing = 0  # write requests under way: nothing listed meanwhile is kept
    by_table: ClassVar[dict[tuple[int, str], tuple[Table, dict[Any, list[Any]]]]] = {}


def _by_attribute(table: Table, name: str) -> dict[Any, list[Any]]:
    """The table's items by their value of ``name`` (items without it left out), listed once per
    write generation (see :class:`_Indexes`)."""
    cached = _Indexes.by_table.get((id(table), name))
    if cached is not None and cached[0] is table:
        return cached[1]
    generation = _Indexes.generation
    everything: list[Any] = (
        [item for by_range in list(table.items.values()) for item in list(by_range.values())]
        if table.range_key_attr
        else list(table.items.values())
    )
    grouped: dict[Any, list[Any]] = {}
    for item in everything:
        value = item.attrs.get(name)
        if value is not None:
            grouped.setdefault(value, []).append(item)
    with _LOCK:
        if generation == _Indexes.generation and not _Indexes.writing:
            _Indexes.by_table[(id(table), name)] = (table, grouped)
    return grouped


_READ_ACTIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})


def _moved_on() -> None:
    with _LOCK:
        _Indexes.generation += 1
        _Indexes.by_table.clear()


def _call_action(self: Any) -> Any:
    """``DynamoHandler.call_action``: a request that may write drops the listed indexes before and after."""
    action = self._get_action()
    if action in _READ_ACTIONS or action.startswith(("Describe", "List")):
        return _ORIGINAL_CALL_ACTION(self)
    _moved_on()
    with _LOCK:
        _Indexes.writing += 1
    try:
        return _ORIGINAL_CALL_ACTION(self)
    finally:
        with _LOCK:
            _Indexes.writing -= 1
        _moved_on()


_ORIGINAL_QUERY = Table.query


def _query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    candidates = _candidates(self, hash_key, index_name, kwargs.get("hash_key_conditions"))
    if candidates is None:
        return _ORIGINAL_QUERY(self, hash_key, *args, **kwargs)
    _QUERY.candidates = (self, candidates)
    try:
        return _ORIGINAL_QUERY(self, hash_key, *args, **kwargs)
    finally:
        _QUERY.candidates = None


_ORIGINAL_CALL_ACTION = DynamoHandler.call_action


@contextmanager
def fast_table_reads() -> Iterator[None]:
    """moto's Query sorts its candidates on converted key values, and finds an index's from the items
    listed by their index hash key (see the module docstring)."""
    with (
        _installed("all_items", Table, "all_items", _all_items),
        _installed("query", Table, "query", _query),
        _installed("call_action", DynamoHandler, "call_action", _call_action),
    ):
        _moved_on()  # nothing listed before the patch was on is trusted
        yield


_SESSIONS = threading.local()


def _session_per_thread() -> botocore.session.Session:
    """The botocore session PynamoDB asks for once per connection: one per thread instead (PynamoDB keeps
    sessions per thread because creating clients is not thread-safe), so its parsed service descriptions
    and client classes are reused."""
    session = getattr(_SESSIONS, "session", None)
    if session is None:
        session = _SESSIONS.session = botocore.session.get_session()
    return session


_LOADERS: dict[Any, botocore.loaders.Loader] = {}


def _shared_loader(search_path_string: Any = None) -> botocore.loaders.Loader:
    """``botocore.loaders.create_loader``, one loader per search path: what it parsed, it keeps for all."""
    with _LOCK:
        loader = _LOADERS.get(search_path_string)
        if loader is None:
            loader = _LOADERS[search_path_string] = botocore.loaders.create_loader(search_path_string)
        return loader


@contextmanager
def shared_service_models() -> Iterator[None]:
    """PynamoDB's sessions share one botocore session, every session one loader (see the module docstring)."""
    with (
        _installed("pynamodb_session", pynamodb_connection, "get_session", _session_per_thread),
        _installed("loader", botocore.session, "create_loader", _shared_loader),
    ):
        yield


def _clock_millis(dt: Any = None) -> float:
    return time.time() * 1000.0 if dt is None else float(_ORIGINAL_MILLIS(dt))


_ORIGINAL_MILLIS = sqs_models.unix_time_millis


@contextmanager
def fast_sqs_clock() -> Iterator[None]:
    """moto SQS reads ``time.time()`` for "now" (see the module docstring)."""
    with _installed("sqs_clock", sqs_models, "unix_time_millis", _clock_millis):
        yield


_PLAIN_KINDS = frozenset({"S", "N", "BOOL", "NULL", "SS", "NS"})
_ORIGINAL_SERIALIZE = moto_serialize.BaseJSONSerializer._serialize


def _serialize(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
    """An attribute value of a plain kind as it is (see the module docstring), else moto's way."""
    if shape.name == "AttributeValue" and key and isinstance(value, dict) and len(value) == 1:
        kind, inner = next(iter(value.items()))
        if kind in _PLAIN_KINDS and (
            isinstance(inner, str)
            or (kind in ("BOOL", "NULL") and isinstance(inner, bool))
            or (kind in ("SS", "NS") and isinstance(inner, list) and all(isinstance(v, str) for v in inner))
        ):
            serialized[key] = {kind: list(inner) if isinstance(inner, list) else inner}
            return
    _ORIGINAL_SERIALIZE(self, serialized, value, shape, key)


@contextmanager
def fast_attribute_values() -> Iterator[None]:
    """moto's JSON serializer copies plain DynamoDB attribute values (see the module docstring)."""
    with _installed("attribute_values", moto_serialize.BaseJSONSerializer, "_serialize", _serialize):
        yield


_METHOD_NAMES: dict[type, frozenset[str]] = {}


def _method_names(clazz: Any) -> frozenset[str]:
    """moto's ``method_names_from_class``, once per class (the functions of a class do not change)."""
    names = _METHOD_NAMES.get(clazz)
    if names is None:
        names = _METHOD_NAMES[clazz] = frozenset(_ORIGINAL_METHOD_NAMES(clazz))
    return names


_ORIGINAL_METHOD_NAMES = moto_responses.method_names_from_class


ast_nodes: Any = moto_ast_nodes  # moto's module opts out of type checking: its names are not seen
_IS_INSTANCE: dict[tuple[type, Any], bool] = {}


def _isinstance(value: Any, classes: Any) -> bool:
    """``isinstance`` remembered per type: moto's syntax-tree classes are ABCs, whose ``isinstance``
    runs the ABC machinery on every call (the same answer for every object of one type)."""
    key = (type(value), classes)
    known = _IS_INSTANCE.get(key)
    if known is None:
        known = _IS_INSTANCE[key] = isinstance(value, classes)
    return known


def _node_types(self: Any) -> tuple[type, ...]:
    """``DepthFirstTraverser.nodes_to_be_processed``, listed once per traverser (its map's keys are classes)."""
    listed = self.__dict__.get("_listed_node_types")
    if listed is None:
        listed = self.__dict__["_listed_node_types"] = tuple(self._processing_map().keys())
    return listed


def _process_node(self: Any, node: Any) -> Any:
    """``DepthFirstTraverser.process`` with the traverser's processing map built once, not per node."""
    processing = self.__dict__.get("_listed_processing")
    if processing is None:
        processing = self.__dict__["_listed_processing"] = list(self._processing_map().items())
    for class_key, processor in processing:
        if _isinstance(node, class_key):
            return processor(node)
    return None


def _traverse_node_recursively(self: Any, node: Any, child_id: int = -1) -> Any:
    """``DepthFirstTraverser.traverse_node_recursively``, line for line, with the remembered ``isinstance``."""
    if _isinstance(node, ast_nodes.Node):
        parent_node = node.parent
        if node.children is not None:
            for i, child_node in enumerate(node.children):
                self.pre_processing_of_child(node, i)
                self.traverse_node_recursively(child_node, i)
        if _isinstance(node, self.nodes_to_be_processed()):
            node = self.process(node)
            node.parent = parent_node
            if parent_node:
                parent_node.children[child_id] = node
    return node


def _find_clauses(self: Any, clause_types: Any) -> list[Any]:
    """``Node.find_clauses``, line for line, with the remembered ``isinstance``."""
    clauses = []
    for child in self.children or []:
        if type(child) in clause_types:
            clauses.append(child)
        elif _isinstance(child, ast_nodes.Expression) or _isinstance(child, ast_nodes.UpdateExpressionFunction):
            clauses.extend(child.find_clauses(clause_types))
    return clauses


@contextmanager
def fast_expression_traversal() -> Iterator[None]:
    """moto's expression walkers build their processing map once and remember ``isinstance`` per type."""
    traverser = ast_nodes.DepthFirstTraverser
    with (
        _installed("node_types", traverser, "nodes_to_be_processed", _node_types),
        _installed("process_node", traverser, "process", _process_node),
        _installed("traverse", traverser, "traverse_node_recursively", _traverse_node_recursively),
        _installed("find_clauses", ast_nodes.Node, "find_clauses", _find_clauses),
    ):
        yield


class _KeyOnFirstUse:
    """Stands in for a moto KMS key's private key (``Key.private_key``) until it is first used: a
    symmetric key (the table's encryption key) gets an RSA key pair it never signs with."""

    def __init__(self, key_spec: str) -> None:
        self._key_spec = key_spec
        self._key: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._key is None:
            self._key = _ORIGINAL_PRIVATE_KEY(self._key_spec)
        return getattr(self._key, name)


def _private_key_on_first_use(key_spec: str) -> Any:
    return _KeyOnFirstUse(key_spec)


_ORIGINAL_PRIVATE_KEY = kms_models.generate_private_key


@contextmanager
def lazy_kms_keys() -> Iterator[None]:
    """A moto KMS key makes its RSA key pair when it is first used, not when the key is created."""
    with _installed("kms_private_key", kms_models, "generate_private_key", _private_key_on_first_use):
        yield


@contextmanager
def fast_dispatch() -> Iterator[None]:
    """moto finds a request's action among the methods listed once per response class."""
    with _installed("method_names", moto_responses, "method_names_from_class", _method_names):
        yield


# -- in-process requests ---------------------------------------------------------------------------
_READS = {"GetItem": "get_item", "Query": "query"}
_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
_BINARY = ('"B":', '"BS":')  # a JSON key only (inside a JSON string a quote is escaped)
_MOTO_URL = re.compile(r"^https://dynamodb\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/?$")
_ACCESS_KEY = re.compile(r"^[A-Z0-9]{20}$")


class _InProcess:
    on = False  # set while at least one user holds ``in_process_requests`` (see ``_installed``)


def _account(request_signer: Any) -> str:
    """The account moto would file the request under (``BaseResponse.get_current_account``): the
    signing key's, or moto's default for a key that is not an AWS-shaped one (``testing``)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    from moto.iam.models import get_account_id_from

    credentials = request_signer._credentials  # the signer holds the client's credentials
    key = getattr(credentials, "access_key", None) if credentials is not None else None
    return get_account_id_from(key if key and _ACCESS_KEY.match(key) else "AKIAEXAMPLE")


def _handler(params: dict[str, Any], request_signer: Any, region: str, body: dict[str, Any]) -> Any:
    """moto's DynamoDB handler set up as ``BaseResponse.setup_class`` sets it up for this request."""
    from moto.utilities.utils import get_partition
    from werkzeug.http import http_date

    handler = DynamoHandler()
    handler.current_account = _account(request_signer)
    handler.region = region
    handler.partition = get_partition(region)
    handler.params = handler.body = body
    handler.uri_match = {}
    handler.uri = params["url"]
    handler.method = params.get("method", "POST")
    handler.querystring = {}
    handler.headers = {name: _text(value) for name, value in params.get("headers", {}).items()}
    handler.response_headers = {"server": "amazon.com", "date": http_date(moto_utils.utcnow())}
    return handler


def _text(value: Any) -> Any:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _in_process(model: Any, params: dict[str, Any], request_signer: Any, **_: Any) -> Any:
    """``before-call.dynamodb.*``: a request answered by moto's own handler without the wire (see the
    module docstring); None (the usual way) for anything else."""
    name = model.name
    if (name not in _READS and name not in _WRITES) or not _InProcess.on or not botocore_stubber.enabled:
        return None
    match = _MOTO_URL.match(params.get("url", ""))
    body = params.get("body", b"")
    if match is None or not isinstance(body, bytes | str) or float("inf") != moto_settings.INITIAL_NO_AUTH_ACTION_COUNT:
        return None  # another endpoint (a moto server, real AWS), or IAM checks on: not ours to answer
    text = _text(body)
    if any(kind in text for kind in _BINARY):
        return None
    if name in _READS:
        return _read(name, params, request_signer, match["region"], text)
    return _write(model, params, request_signer, match["region"], text)


def _read(name: str, params: dict[str, Any], request_signer: Any, region: str, text: str) -> Any:
    """A read's answer as moto finds it, parsed as botocore would parse it (plain JSON without binary
    values); None when moto refuses it (the wire then answers with moto's error: a read changes nothing)."""
    try:
        handler = _handler(params, request_signer, region, json.loads(text) if text else {})
        answer = json.dumps(getattr(handler, _READS[name])().result)
    except Exception:
        return None
    if any(kind in answer for kind in _BINARY):
        return None
    headers = {
        "server": "amazon.com",
        "date": handler.response_headers["date"],
        "content-type": "application/x-amz-json-1.0",
        "x-amzn-requestid": gen_amzn_requestid_long(),
        "x-amz-crc32": str(binascii.crc32(answer.encode("utf-8")) & 0xFFFFFFFF),
    }
    parsed = json.loads(answer)
    parsed["ResponseMetadata"] = {
        "RequestId": headers["x-amzn-requestid"],
        "HTTPStatusCode": 200,
        "HTTPHeaders": headers,
        "RetryAttempts": 0,
    }
    return AWSResponse(params["url"], 200, headers, MockRawResponse(answer)), parsed


def _write(model: Any, params: dict[str, Any], request_signer: Any, region: str, text: str) -> Any:
    """A write answered by moto's ``call_action`` (moto's own answer and errors, byte for byte), the
    answer parsed by botocore's parser as the client's endpoint parses it."""
    handler = _handler(params, request_signer, region, json.loads(text) if text else {})
    status, headers, body = handler.call_action()
    http = AWSResponse(params["url"], int(status), headers, MockRawResponse(body))
    response = {"headers": http.headers, "status_code": http.status_code, "body": http.content}
    response["context"] = {"operation_name": model.name}
    parser = botocore.parsers.create_parser(model.service_model.resolved_protocol)
    parsed = parser.parse(response, model.output_shape)
    if http.status_code >= 300:  # the modeled fields of the error (a transaction's cancellation reasons)
        code = parsed.get("Error", {}).get("Code")
        shape = model.service_model.shape_for_error_code(code) if code else None
        if shape is not None:
            parsed.update(parser.parse(response, shape))
    if "ResponseMetadata" in parsed:
        parsed["ResponseMetadata"]["RetryAttempts"] = 0  # as the endpoint adds it: answered at the first try
    return http, parsed


# Every botocore session made from now on has the handler (as moto's own ``before-send`` stubber); it
# answers only while ``in_process_requests`` is entered.
botocore.handlers.BUILTIN_HANDLERS.append(("before-call.dynamodb", _in_process))


@contextmanager
def in_process_requests() -> Iterator[None]:
    """DynamoDB reads and writes answered by moto's handler without the wire (see the module docstring)."""
    with _installed("in_process", _InProcess, "on", True):
        yield


NOTES = {
    "transactions": "moto patched: TransactWriteItems snapshots the touched items instead "
    "of deep-copying the whole table per item (moto's copy is O(table size)).",
    "table_reads": "moto patched: Query sorts the table on key values converted once per item "
    "(moto converts them on every comparison).",
    "service_models": "PynamoDB's connections share one botocore session per thread (the DynamoDB service "
    "description is parsed once, not once per model connection).",
    "sqs_clock": "moto patched: moto.sqs.models.unix_time_millis reads time.time() "
    "(moto SQS evaluates the clock per message per request; see tooling.md section 5).",
    "dispatch": "moto patched: a response class's method names are listed once, not on every request.",
    "kms_keys": "moto patched: a KMS key makes its RSA key pair on first use, not when it is created.",
    "expression_traversal": "moto patched: an expression traverser builds its processing map once, "
    "not on every node it visits.",
    "attribute_values": "moto patched: plain DynamoDB attribute values are copied into the JSON answer, "
    "not walked through the API's shapes.",
    "in_process": "moto patched: DynamoDB reads and writes are answered by moto's handler in-process, "
    "without the emulated HTTP round trip (same answers, same request count).",
}


@contextmanager
def moto_patches(
    transactions: bool = True,
    sqs_clock: bool = True,
    table_reads: bool = True,
    service_models: bool = True,
    dispatch: bool = True,
    expression_traversal: bool = True,
    kms_keys: bool = True,
    attribute_values: bool = True,
    in_process: bool = True,
) -> Iterator[list[str]]:
    """Apply the chosen patches; yields the notes that say which are on."""
    notes: list[str] = []
    with ExitStack() as stack:
        for name, wanted, patch in (
            ("transactions", transactions, fast_transactions),
            ("table_reads", table_reads, fast_table_reads),
            ("service_models", service_models, shared_service_models),
            ("sqs_clock", sqs_clock, fast_sqs_clock),
            ("dispatch", dispatch, fast_dispatch),
            ("expression_traversal", expression_traversal, fast_expression_traversal),
            ("kms_keys", kms_keys, lazy_kms_keys),
            ("attribute_values", attribute_values, fast_attribute_values),
            ("in_process", in_process, in_process_requests),
        ):
            if wanted:
                stack.enter_context(patch())
                notes.append(NOTES[name])
        yield notes
