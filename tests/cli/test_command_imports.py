"""The operator commands go through the API: only the modules that replay scenarios, run the local
stack or redrive a queue may reach AWS (boto3) or the table (shared.storage) themselves."""

import ast
from pathlib import Path

import dunning.commands
from dunning.commands import DIRECT_AWS, MODULES

COMMANDS = Path(dunning.commands.__file__).parent
FORBIDDEN = ("boto3", "botocore", "shared.storage", "shared.services", "functions", "dunning.local_stack")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def reaches_past_the_api(module: str) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in FORBIDDEN)


def test_no_operator_command_imports_the_storage_or_boto3():
    # Given every command module but the few allowed to touch AWS directly, and the entry point
    files = [p for p in COMMANDS.glob("*.py") if p.stem not in DIRECT_AWS]
    files.append(COMMANDS.parent / "cli.py")
    assert len(files) >= 15
    # Then none of them imports boto3, the storage, the services or the functions
    offenders = {p.name: sorted(m for m in imported_modules(p) if reaches_past_the_api(m)) for p in files}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_every_command_module_is_registered_and_the_allowed_list_names_real_modules():
    # Given the modules on disk
    on_disk = {p.stem for p in COMMANDS.glob("*.py")} - {"__init__", "common", "errors"}
    # Then each registers its commands, and the direct-AWS list names only existing modules
    assert {m.__name__.rsplit(".", 1)[1] for m in MODULES} == on_disk
    assert on_disk >= DIRECT_AWS


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path):
    # Given a command module that imports the storage inside its handler
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def run():\n    from shared.storage.repository import DunningRepository\n    import boto3\n")
    # Then both imports are found
    assert {m for m in imported_modules(sneaky) if reaches_past_the_api(m)} >= {"boto3", "shared.storage.repository"}


def test_the_command_line_loads_no_aws_yaml_or_models_before_a_command_needs_them():
    # Given a fresh interpreter that builds the whole `dunning` parser (what every call does)
    import json
    import subprocess
    import sys

    heavy = ("boto3", "botocore", "moto", "pydantic", "yaml", "pynamodb", "jinja2", "shared", "functions")
    probe = (
        "import json, sys; from dunning.commands import build_parser; build_parser(); "
        f"print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    # Then none of the heavy packages came with it: a call to the API pays for HTTP and output only
    assert json.loads(done.stdout) == []
