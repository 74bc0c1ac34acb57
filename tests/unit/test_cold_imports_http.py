"""What the HTTP handlers load at a cold start and on their first request (issue 15, cold start).

The operator API includes a route group's router — and with it that group's models and
services — when a request first needs it (``functions/api/app.py``); the console registers a
page module's routes when a request first needs them (``shared/console/app.py``). Each probe
runs in a fresh interpreter, as a cold start does, and reports which modules were loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ROUTES = ROOT / "functions" / "api" / "routes"
API_ENV = {"TENANT_ID": "acme", "TABLE_NAME": "acme-dunning", "POWERTOOLS_SERVICE_NAME": "api"}

# Per route group: modules only that group's requests need (its routes, models, mappers, services).
OWN_MODULES = {
    "templates": {
        "functions.api.routes.templates",
        "functions.api.mappers.templates",
        "shared.api.models.templates",
        "shared.services.tenant.templates",
        "shared.services.preview",
    },
    "accounting": {
        "functions.api.routes.accounting",
        "shared.api.models.payments",
        "shared.services.tenant.accounting",
    },
    "agreements": {
        "functions.api.routes.agreements",
        "functions.api.mappers.agreements",
        "shared.api.models.agreements",
        "shared.services.tenant.agreements",
    },
    "customers": {
        "functions.api.routes.customers",
        "functions.api.mappers.customers",
        "shared.api.models.customers",
        "shared.services.statements",
    },
    "invoices": {
        "functions.api.routes.invoices",
        "functions.api.mappers.invoices",
        "shared.api.models.invoices",
        "shared.services.tenant.invoices",
    },
    "runs": {"functions.api.routes.runs", "shared.api.models.runs", "shared.services.tenant.runs"},
    "sends": {"functions.api.routes.sends", "shared.services.tenant.sends"},
}
EVERY_GROUPS_OWN = set().union(*OWN_MODULES.values())


def probe(code: str, env: dict[str, str] | None = None) -> Any:
    """Run ``code`` in a fresh interpreter (outside Lambda); it prints one JSON value, returned here."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA", "LAMBDA_"))}
    clean |= {"AWS_DEFAULT_REGION": "eu-north-1", "AWS_EC2_METADATA_DISABLED": "true", "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=clean | API_ENV | (env or {}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


LOADED = "json.dumps(sorted(m for m in sys.modules if m.startswith(('functions.', 'shared.'))))"


# ------------------------------------------------------------------------------------ the API


def test_importing_the_api_handler_loads_no_route_group() -> None:
    # Given the API handler imported cold
    loaded = set(probe(f"import json, sys, functions.api.app; print({LOADED})"))
    # Then no route module, no resource's models, mappers or services came with it
    assert not {m for m in loaded if m.startswith("functions.api.routes.")}
    assert not loaded & EVERY_GROUPS_OWN
    # and the request's own wiring did: the resolver, the refusals, the storage layer
    assert {"functions.api.request", "functions.api.errors", "shared.storage.repository"} <= loaded


def test_one_request_loads_its_own_group_only() -> None:
    # Given a tenant's table on the embedded AWS, and the API handler called once: GET /invoices
    code = f"""
        import json, sys
        from dunning.local_api import LocalApi
        from dunning.local_stack import LocalStack
        with LocalStack("acme") as stack:
            status, body = LocalApi(stack).request("GET", "/invoices", query={{"customer": "C1"}})
            assert status == 200 and body == [], (status, body)
        print({LOADED})
    """
    loaded = set(probe(code))
    # Then the invoices group was loaded, and no other group's routes, models or services
    assert OWN_MODULES["invoices"] <= loaded
    assert not loaded & (EVERY_GROUPS_OWN - OWN_MODULES["invoices"])
    routers = {m for m in loaded if m.startswith("functions.api.routes.")} - {"functions.api.routes.params"}
    assert routers == {"functions.api.routes.invoices"}


def test_a_path_of_no_group_is_refused_as_before_and_loads_no_group() -> None:
    # Given the handler, and a path no route has (and one with a known segment but no route)
    code = """
        import json, sys
        from dunning.api_events import api_event
        from dunning.local_stack import FakeLambdaContext
        from functions.api.app import handler
        unknown = (("GET", "/nope"), ("DELETE", "/nope/1"))
        answers = [handler(api_event(m, p), FakeLambdaContext("api")) for m, p in unknown]
        routes = sorted(m for m in sys.modules if m.startswith("functions.api.routes."))
        answers.append(handler(api_event("GET", "/invoices/I1/nope"), FakeLambdaContext("api")))
        print(json.dumps([[a["statusCode"], json.loads(a["body"])] for a in answers] + [routes]))
    """
    nope, delete, unknown_under_invoices, routes = probe(code)
    # Then each is the same 404 as ever, and the unknown segments included no group
    assert nope == [404, {"error": "not_found", "field": "path", "reason": "no route GET /nope"}]
    assert delete == [404, {"error": "not_found", "field": "path", "reason": "no route DELETE /nope/1"}]
    assert unknown_under_invoices == [
        404,
        {"error": "not_found", "field": "path", "reason": "no route GET /invoices/I1/nope"},
    ]
    assert routes == []


def test_every_route_starts_with_a_segment_of_its_own_group() -> None:
    # Given every router of functions/api/routes, imported and read directly
    code = """
        import importlib, json
        from functions.api.app import GROUP_OF_SEGMENT, GROUPS
        found = {}
        for group in GROUPS:
            router = importlib.import_module(f"functions.api.routes.{group}").router
            found[group] = sorted({rule.split("/")[1] for rule, *_ in router._routes})
        print(json.dumps({"groups": list(GROUPS), "table": GROUP_OF_SEGMENT, "found": found}))
    """
    answer = probe(code)
    modules = sorted(p.stem for p in ROUTES.glob("*.py") if "router = Router()" in p.read_text())
    # Then the lazy table names every router module, and maps each route's first segment to its group
    assert sorted(answer["groups"]) == modules
    by_table: dict[str, list[str]] = {}
    for segment, group in answer["table"].items():
        by_table.setdefault(group, []).append(segment)
    assert {group: sorted(segments) for group, segments in by_table.items()} == answer["found"]


def test_the_openapi_document_and_routes_are_those_of_all_routers_included_at_once() -> None:
    # Given a warm container that served other groups first, then /openapi.json; and a resolver
    # with every router included at once, as the handler did before route groups were lazy
    code = """
        import json
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        from dunning.api_events import api_event
        from dunning.local_stack import FakeLambdaContext
        from functions.api import app as api
        from functions.api.routes import openapi

        def call(method, path):
            return api.handler(api_event(method, path), FakeLambdaContext("api"))

        # refused by validation before any table is read: 422 each
        invalid = (("POST", "/sends/S1/resolve"), ("GET", "/invoices"), ("GET", "/customers/!"))
        refused = [call(*r)["statusCode"] for r in invalid]
        assert refused == [422, 422, 422], refused
        served = call("GET", "/openapi.json")
        lazy_routes = sorted(api.app._route_keys)
        at_once = APIGatewayRestResolver(enable_validation=True)
        for group in api.GROUPS:
            at_once.include_router(__import__(f"functions.api.routes.{group}", fromlist=["router"]).router)
        document = at_once.get_openapi_json_schema(
            title=openapi.TITLE,
            version=openapi.API_VERSION,
            description=json.loads(served["body"])["info"]["description"],
        )
        print(json.dumps({"served": served["body"], "status": served["statusCode"], "at_once": document,
                          "lazy_routes": lazy_routes, "all_routes": sorted(at_once._route_keys)}))
    """
    warm = probe(code)
    cold = probe(
        """
        from dunning.api_events import api_event
        from dunning.local_stack import FakeLambdaContext
        from functions.api.app import handler
        import json
        print(json.dumps(handler(api_event("GET", "/openapi.json"), FakeLambdaContext("api"))["body"]))
        """
    )
    # Then the same routes are registered, the document is that of all routers at once, and it is
    # the same text whether the container served other groups first or not
    assert warm["status"] == 200
    assert warm["lazy_routes"] == warm["all_routes"] and len(warm["all_routes"]) > 40
    assert json.loads(warm["served"]) == json.loads(warm["at_once"])
    assert cold == warm["served"]


# -------------------------------------------------------------------------------- the console

PAGE_MODULES = {f"shared.console.pages.{p.stem}" for p in (ROOT / "shared/console/pages").glob("*.py")} - {
    "shared.console.pages.__init__"
}
# Services only some pages call: the overview and the login page call none of them.
OTHER_PAGES_SERVICES = {
    "shared.services.preview",
    "shared.services.statements",
    "shared.services.tenant.templates",
    "shared.services.tenant.agreements",
    "shared.services.tenant.invoices",
    "shared.services.tenant.approvals",
    "shared.services.tenant.accounting",
    "shared.services.tenant.collection",
    "shared.services.tenant.usage",
}
CONSOLE_REQUEST = """
    import json, sys
    from datetime import UTC, datetime
    import boto3
    from dunning.api_events import api_event
    from dunning.local_stack import FakeLambdaContext, LocalStack
    from shared.console.security import SESSION_COOKIE, issue_session

    with LocalStack("acme") as stack:
        secrets = boto3.client("secretsmanager")
        os_env = dict(
            TENANT_ID="acme", TABLE_NAME=stack.env["TABLE_NAME"], SCHEDULER_FUNCTION_NAME="acme-dunning-scheduler",
            USER_POOL_CLIENT_ID="client", POWERTOOLS_SERVICE_NAME="console",
            SESSION_SECRET_ARN=secrets.create_secret(Name="session", SecretString="s" * 64)["ARN"],
            CONSOLE_LINK_SECRET_ARN=secrets.create_secret(Name="links", SecretString="l" * 64)["ARN"],
        )
        import os
        os.environ.update(os_env)
        _, cookie = issue_session(b"s" * 64, "bo@jensen.example", "Bo", datetime.now(UTC))
        before = set(sys.modules)
        from functions.console.app import handler

        def call(method, path, session=True):
            headers = {"Host": "console.example"} | ({"Cookie": f"{SESSION_COOKIE}={cookie}"} if session else {})
            return handler(api_event(method, path, headers=headers), FakeLambdaContext("console"))["statusCode"]

        statuses = [call(method, path, session) for method, path, session in REQUESTS]
        loaded = sorted(m for m in sys.modules if m.startswith(("functions.", "shared.")) and m not in before)
    print(json.dumps({"statuses": statuses, "loaded": loaded}))
"""


def console_requests(requests: list[tuple[str, str, bool]]) -> tuple[list[int], set[str]]:
    """Statuses of ``(method, path, with a session)`` on a cold console, and the modules the
    handler's import and those requests loaded."""
    answer = probe(CONSOLE_REQUEST.replace("REQUESTS", repr(requests)))
    return answer["statuses"], set(answer["loaded"])


def test_importing_the_console_handler_loads_no_page_and_not_the_api() -> None:
    # Given the console handler imported cold
    loaded = set(probe(f"import json, sys, functions.console.app; print({LOADED})"))
    # Then no page module, no page's services and nothing of the operator API came with it
    assert not loaded & PAGE_MODULES
    assert not loaded & OTHER_PAGES_SERVICES
    assert not {m for m in loaded if m.startswith(("functions.api", "shared.api"))}


def test_the_login_page_loads_its_own_page_module_only() -> None:
    # Given a cold console, and the login page asked for without a session
    statuses, loaded = console_requests([("GET", "/login", False)])
    # Then it is shown, with the login page's module and none of the other pages or their services
    assert statuses == [200]
    assert loaded & PAGE_MODULES == {"shared.console.pages.auth"}
    assert not loaded & OTHER_PAGES_SERVICES


def test_the_overview_loads_its_own_page_module_and_unknown_paths_are_refused_as_before() -> None:
    # Given a cold console and an operator's session: the overview, an unknown path, a wrong method
    statuses, loaded = console_requests([("GET", "/", True), ("GET", "/nope", True), ("POST", "/", True)])
    # Then the overview is shown, the unknown path is 404 and the known one under another method 405
    assert statuses == [200, 404, 405]
    # and only the overview's page module (and none of the other pages' services) was loaded
    assert loaded & PAGE_MODULES == {"shared.console.pages.runs"}
    assert not loaded & OTHER_PAGES_SERVICES


def test_every_console_route_starts_with_a_segment_of_its_page_modules() -> None:
    # Given every page module, imported, and the routes each registered
    code = """
        import importlib, json
        from shared.console.app import router
        from shared.console.pages import PAGES, PAGES_OF_SEGMENT
        found = {}
        for page in PAGES:
            before = len(router.routes)
            importlib.import_module(f"shared.console.pages.{page}")
            for route in router.routes[before:]:
                segment = route.pattern.pattern.strip("^$").split("/")[1]
                found.setdefault(segment, []).append(page)
        print(json.dumps({"pages": list(PAGES), "table": PAGES_OF_SEGMENT, "found": found}))
    """
    answer = probe(code)
    # Then the table names every page module, and for each first segment exactly the modules with a
    # route under it (in the order they register)
    assert {f"shared.console.pages.{page}" for page in answer["pages"]} == PAGE_MODULES
    found = {segment: sorted(set(pages), key=answer["pages"].index) for segment, pages in answer["found"].items()}
    assert answer["table"] == found


def test_every_name_of_the_console_services_door_resolves() -> None:
    # Given the console's services facade, whose names are imported on first use
    code = """
        import json
        from shared.console import services
        found = {name: getattr(services, name) is not None for name in services.__all__}
        print(json.dumps({"found": found, "homes": sorted(services._HOMES)}))
    """
    answer = probe(code)
    # Then every name it exports resolves, and each lazy one is one it exports
    assert all(answer["found"].values()) and len(answer["found"]) > 20
    assert set(answer["homes"]) <= set(answer["found"])
