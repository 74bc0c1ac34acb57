"""Every function as `sam build` packaged it imports on the declared runtime, with nothing but its artifact."""

import glob
import os
import shutil
import subprocess

import pytest

from dunning.cfn_yaml import load_template
from tests.conftest import REPO

BUILD = REPO / ".aws-sam" / "build"
TEMPLATE = load_template(REPO / "template.yaml")
RUNTIME = TEMPLATE["Globals"]["Function"]["Runtime"]  # e.g. python3.13
FUNCTIONS = {
    name: resource["Properties"]["Handler"]
    for name, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}


def runtime_python() -> str | None:
    """The runtime's interpreter: pyenv's (its shims on PATH may not be active), else one on PATH."""
    version = RUNTIME.removeprefix("python")
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    pyenv = sorted(glob.glob(f"{root}/versions/{version}.*/bin/python{version}"))
    if pyenv:
        return pyenv[-1]
    found = shutil.which(f"python{version}")
    if found and "shims" not in found:
        return found
    return None


@pytest.mark.parametrize(("function", "handler"), sorted(FUNCTIONS.items()))
def test_the_built_handler_imports_on_the_lambda_runtime(function: str, handler: str):
    artifact = BUILD / function
    python = runtime_python()
    if not artifact.exists() or python is None:
        if os.environ.get("CI"):
            pytest.fail(f"{artifact} or python for {RUNTIME} is missing: `make build` runs before the tests in CI")
        pytest.skip("run `make build` first (and have the runtime's python on PATH)")
    module, _, attribute = handler.rpartition(".")
    # -S: no site-packages at all, so only what the artifact carries can be imported
    code = (
        f"import sys; sys.path.insert(0, {str(artifact)!r}); import importlib; "
        f"h = getattr(importlib.import_module({module!r}), {attribute!r}); assert callable(h); print('ok')"
    )
    env = {
        "PATH": os.environ["PATH"],
        "AWS_DEFAULT_REGION": "eu-north-1",
        "POWERTOOLS_SERVICE_NAME": function,
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    result = subprocess.run([python, "-S", "-c", code], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
