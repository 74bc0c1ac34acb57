"""Read ``template.yaml`` as plain data, CloudFormation short tags included.

PyYAML's safe loader rejects ``!Ref``, ``!Sub``, ``!GetAtt`` and the other
short-form intrinsic functions. This loader turns each of them into the
long form CloudFormation itself uses (``!Ref X`` becomes ``{"Ref": "X"}``,
``!GetAtt A.B`` becomes ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub s`` becomes
``{"Fn::Sub": "s"}`` ...), so tests and the local stack runner can walk the
template as ordinary dicts and lists, and the result can be handed to a
CloudFormation API (moto's included) as JSON.

Like CloudFormation, unquoted dates stay strings (``2010-09-09`` is not a
``datetime.date``). Nothing here evaluates the functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# Short tag -> long-form key. `!Ref` and `!Condition` have no "Fn::" prefix.
_INTRINSICS: dict[str, str] = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in (
            "And",
            "Base64",
            "Cidr",
            "Equals",
            "FindInMap",
            "GetAtt",
            "GetAZs",
            "If",
            "ImportValue",
            "Join",
            "Not",
            "Or",
            "Select",
            "Split",
            "Sub",
            "Transform",
            "ToJsonString",
            "Length",
        )
    },
}


# libyaml's parser when PyYAML has it (about 10x faster on template.yaml: the local stack reads it once
# per process), else the pure-Python one; both are safe loaders with the same constructors and resolvers.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CfnLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe YAML loader that knows CloudFormation's short intrinsic tags."""


# CloudFormation keeps unquoted dates as text; drop YAML 1.1's timestamp resolver.
CfnLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_intrinsic(loader: CfnLoader, node: yaml.Node) -> dict[str, Any]:
    key = _INTRINSICS[node.tag]
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if key == "Fn::GetAtt":
            # `!GetAtt Resource.Attribute` (the attribute may itself hold dots).
            resource, _, attribute = str(value).partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - YAML has no other node kinds
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for {node.tag}", node.start_mark)
    return {key: value}


for _tag in _INTRINSICS:
    CfnLoader.add_constructor(_tag, _construct_intrinsic)


def parse_template(text: str) -> dict[str, Any]:
    """Parse CloudFormation/SAM YAML text into long-form dicts and lists."""
    data = yaml.load(text, Loader=CfnLoader)  # CfnLoader is a SafeLoader
    if not isinstance(data, dict):
        raise ValueError("a CloudFormation template must be a YAML mapping")
    return data


def load_template(path: str | Path) -> dict[str, Any]:
    """Load the CloudFormation/SAM template at ``path`` (e.g. ``template.yaml``)."""
    return parse_template(Path(path).read_text(encoding="utf-8"))
