"""Print template.yaml as the CloudFormation SAM's transform makes of it (JSON on stdout).

Runs in the SAM venv (``.venv-sam/bin/python scripts/expand_template.py``):
aws-sam-translator pins an older pydantic than the project's, so it cannot live
in ``.venv``. Offline: managed policies named in ``Policies`` are not looked up.
"""

import json
import os
import sys
from pathlib import Path

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class _NoManagedPolicies:
    """The translator asks for managed-policy ARNs by name; this template names none."""

    def load(self) -> dict[str, str]:
        return {}


def main() -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-north-1")  # the translator reads it; no AWS call is made
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
    template = yaml_parse(path.read_text(encoding="utf-8"))
    # As `sam package` would: the code is an S3 object (its content does not matter here).
    template.get("Globals", {}).get("Function", {})["CodeUri"] = "s3://code-bucket/code.zip"
    parameters = {"AWS::Region": "eu-north-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    print(json.dumps(transform(template, parameters, _NoManagedPolicies()), indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
