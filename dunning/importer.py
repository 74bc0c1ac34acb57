"""``dunning import``: what an accounting system exports (customers, agreements, invoices; CSV or
JSON) brought into the engine as a sync. docs/import.md describes the formats and the rules.

Every row is checked — its cells here, its references against what the engine has, the rest by
the API in a dry run — and every bad row is reported as ``file:line: column: what was expected``.
A file with a bad row imports nothing unless ``--skip-invalid`` drops the bad rows (and what
depended on them). Importing the same export again changes nothing; a lower remaining amount
becomes a payment; what the import cannot decide is reported, not guessed at.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from dunning.api_client import Api
from dunning.imports.model import ImportFailed, Items, NoDefaultTemplate, Plan, Problem, Write, few
from dunning.imports.reading import ExportFile, Unreadable, read_file
from dunning.imports.rows import read_items
from dunning.imports.sync import plan_sync

__all__ = ["ImportFailed", "run_import"]

CHUNK = 500
# A failure half-way leaves what was written; the import is a sync, so running it again completes it.
AGAIN = "; what was written before stays, and importing again completes the rest"
BULK = ("customers", "agreements", "invoices")


def run_import(
    api: Api,
    paths: list[Path],
    *,
    kind: str | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    encoding: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    progress: Callable[..., Any] | None = None,
    today: date | None = None,
) -> int:
    """Import the files; returns the exit code (0 done, 1 bad rows and nothing imported, 2 unreadable).

    ``today`` dates the payments a lower remaining amount becomes (the import's own day by default).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    exports: list[ExportFile] = []
    for path in paths:
        try:
            exports.append(read_file(Path(path), encoding))
        except Unreadable as error:
            print(f"dunning import: {error}", file=err)
            return 2
    for export in exports:
        _describe(export, out)
    items = read_items(exports, kind)
    if not any(export.records for export in exports):
        print("nothing to import: the files have a header and no rows", file=out)
        return 0
    for reason, ids in items.left_out.items():
        print(f"not imported ({reason}): {few(ids)}", file=out)
    try:
        plan, skipped = _plan(api, items, exports, skip_invalid, today or date.today())
    except NoDefaultTemplate as error:
        for problem in [] if skip_invalid else _sorted(items.problems):
            print(problem, file=err)
        print(f"dunning import: {error}", file=err)
        return 1
    if plan is None:
        for problem in _sorted(skipped):
            print(problem, file=err)
        rows = len({(p.source, p.line) for p in skipped})
        print(
            f"dunning import: {len(skipped)} problem(s) in {rows} row(s); nothing imported "
            "(--skip-invalid imports the rest)",
            file=err,
        )
        return 1
    for problem in _sorted(skipped):
        print(f"skipped {problem}", file=out)
    if dry_run:
        _print_dry_run(plan, out)
        return 0
    _apply(api, plan, err, progress)
    _print_done(plan, skipped, out)
    return 0


def _describe(export: ExportFile, out: TextIO) -> None:
    how = export.encoding + (f", delimiter {export.delimiter!r}" if export.delimiter else "")
    print(f"{export.source}: {len(export.records)} row(s) ({how})", file=out)
    if export.ignored:
        print(f"{export.source}: columns not imported: {', '.join(export.ignored)}", file=out)
    if export.skipped:
        lines = ", ".join(str(line) for line in export.skipped)
        print(f"{export.source}: total line(s) not imported: line {lines}", file=out)


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.source, p.line, p.column))


def _plan(
    api: Api, items: Items, exports: list[ExportFile], skip_invalid: bool, today: date
) -> tuple[Plan | None, list[Problem]]:
    """The plan with every problem dropped (``skip_invalid``), or None and the problems."""
    skipped: list[Problem] = []
    dropped: set[tuple[str, int]] = set()
    for _ in range(8):  # dropping a bad customer can make its invoices bad: plan again
        kept = _without(items, dropped)
        plan = plan_sync(api, kept, exports, today)
        problems = kept.problems + plan.problems
        if not problems:
            problems = _check(api, plan)
        if not problems:
            return plan, skipped
        if not skip_invalid:
            return None, problems
        skipped += problems
        dropped |= {(p.source, p.line) for p in problems}
    raise ImportFailed("the rows kept failing the checks; fix the problems above and import again")


def _without(items: Items, dropped: set[tuple[str, int]]) -> Items:
    def keep(item: Any) -> bool:
        return (item.record.source, item.record.line) not in dropped

    return Items(
        customers=[c for c in items.customers if keep(c)],
        agreements=[a for a in items.agreements if keep(a)],
        invoices=[i for i in items.invoices if keep(i)],
        entries=[e for e in items.entries if keep(e)],
        problems=[p for p in items.problems if (p.source, p.line) not in dropped],
    )


def _chunks(writes: list[Write]) -> list[list[Write]]:
    return [writes[start : start + CHUNK] for start in range(0, len(writes), CHUNK)]


def _bulk_body(kind: str, chunk: list[Write], dry_run: bool, plan: Plan) -> dict[str, Any]:
    body: dict[str, Any] = {"items": [write.body for write in chunk], "dry_run": dry_run}
    if dry_run and kind == "agreements":
        body["also_importing_customers"] = [w.body["id"] for w in plan.of("customers")]
    if dry_run and kind == "invoices":
        body["also_importing_agreements"] = [w.body["id"] for w in plan.of("agreements")]
    return body


def _check(api: Api, plan: Plan) -> list[Problem]:
    """The API's dry run of every bulk write: what it refuses, as file:line: column problems."""
    problems = []
    for kind in BULK:
        for chunk in _chunks(plan.of(kind)):
            status, answer = api.request("POST", f"/{kind}/bulk", _bulk_body(kind, chunk, True, plan))
            if status == 200:
                continue
            if not isinstance(answer, dict) or not (answer.get("errors") or answer.get("field")):
                raise ImportFailed(f"the engine refused the {kind}: {_reason(answer)}")
            for error in answer.get("errors") or [answer]:
                index, field = _index_and_field(error)
                write = chunk[index] if 0 <= index < len(chunk) else chunk[0]
                problems.append(_problem(write, field, str(error.get("reason", error))))
    return problems


def _index_and_field(error: dict[str, Any]) -> tuple[int, str]:
    field = str(error.get("field") or "")
    if error.get("index") is not None:
        return int(error["index"]), field
    if field.startswith("items["):  # a body-level validation error: items[3].amount
        index = int(field.split("[", 1)[1].split("]", 1)[0])
        return index, field.split("].", 1)[1] if "]." in field else "id"
    return 0, field


def _problem(write: Write, field: str, reason: str) -> Problem:
    column = write.column.get(field.split(".")[0], field or "row")
    if write.record is None:
        return Problem("(import)", 0, column, reason)
    return Problem(write.record.source, write.record.line, column, reason)


def _reason(answer: Any) -> str:
    if isinstance(answer, dict) and answer.get("reason"):
        field = f" ({answer['field']})" if answer.get("field") else ""
        return f"{answer['reason']}{field}"
    return str(answer)


def _apply(api: Api, plan: Plan, err: TextIO, progress: Callable[..., Any] | None) -> None:
    """The writes in order: customers, agreements, invoices in bulk; then payments and credit notes."""
    tty = hasattr(err, "isatty") and err.isatty()
    for kind in (*BULK, "payments", "credit-notes"):
        writes = plan.of(kind)
        if not writes:
            continue
        meter = (progress or _progress)(total=len(writes), desc=kind, unit="row", file=err) if tty else nullcontext()
        with meter as bar:
            if kind in BULK:
                for chunk in _chunks(writes):
                    status, answer = api.request("POST", f"/{kind}/bulk", _bulk_body(kind, chunk, False, plan))
                    if status != 200:
                        first = chunk[0].record
                        at = f" (from {first.source}:{first.line})" if first else ""
                        raise ImportFailed(f"the engine refused the {kind}{at}: {_reason(answer)}{AGAIN}")
                    if bar is not None:
                        bar.update(len(chunk))
                continue
            for write in writes:
                status, answer = _post_entry(api, kind, write.body)
                if status not in (200, 201):
                    where = f"{write.record.source}:{write.record.line}: " if write.record else ""
                    raise ImportFailed(
                        f"{where}the engine refused the {kind[:-1]} {write.body['id']}: {_reason(answer)}{AGAIN}"
                    )
                if bar is not None:
                    bar.update(1)


def _post_entry(api: Api, kind: str, body: dict[str, Any]) -> tuple[int, Any]:
    """A payment or credit note; a stack whose API has no ``source`` yet gets it without one
    (its id, ``imp-…``, still says it came from an import)."""
    status, answer = api.request("POST", f"/{kind}", body)
    if status == 422 and isinstance(answer, dict) and str(answer.get("field") or "").endswith("source"):
        status, answer = api.request("POST", f"/{kind}", {k: v for k, v in body.items() if k != "source"})
    return status, answer


def _progress(**kwargs: Any) -> Any:
    from tqdm import tqdm

    return tqdm(**kwargs)


def _counts(plan: Plan) -> dict[str, int]:
    new_customers = [w for w in plan.of("customers") if w.text.startswith("+")]
    return {
        "customers": len(new_customers),
        "changed customers": len(plan.of("customers")) - len(new_customers),
        "agreements": len(plan.of("agreements")),
        "invoices": len(plan.of("invoices")),
        "payments": len(plan.of("payments")),
        "credit notes": len(plan.of("credit-notes")),
    }


def _summary(counts: dict[str, int]) -> str:
    text = f"{counts['customers']} customers, {counts['agreements']} agreements, {counts['invoices']} invoices"
    extra = [f"{counts[name]} {name}" for name in ("changed customers", "payments", "credit notes") if counts[name]]
    return text + "".join(f", {part}" for part in extra)


def _unchanged(plan: Plan) -> str:
    parts = [f"{n} {name}" for name, n in plan.unchanged.items() if n]
    return f"unchanged: {', '.join(parts)}" if parts else ""


def _print_reports(plan: Plan, out: TextIO) -> None:
    if plan.paid:
        print(f"{len(plan.paid)} invoice(s) paid in full (remaining 0,00) not imported: {few(plan.paid)}", file=out)
    if plan.reports:
        print(f"to look at ({len(plan.reports)}; the import changed nothing for these):", file=out)
        for report in plan.reports:
            print(f"! {report}", file=out)


def _print_default(plan: Plan, out: TextIO, verb: str) -> None:
    if plan.default_agreements:
        print(
            f"{len(plan.default_agreements)} customer(s) had no agreement and {verb} one on the default template "
            f"{plan.default_template}: {few(plan.default_agreements)}",
            file=out,
        )


def _print_dry_run(plan: Plan, out: TextIO) -> None:
    if not plan.writes:
        print("dry run: no changes" + (f" ({_unchanged(plan)})" if _unchanged(plan) else ""), file=out)
    else:
        print(f"dry run: nothing written; the import would make {len(plan.writes)} change(s):", file=out)
        for write in plan.writes:
            print(write.text, file=out)
        _print_default(plan, out, "would get")
        print(
            f"would import {_summary(_counts(plan))}" + (f"; {_unchanged(plan)}" if _unchanged(plan) else ""), file=out
        )
    _print_reports(plan, out)


def _print_done(plan: Plan, skipped: list[Problem], out: TextIO) -> None:
    if not plan.writes:
        print(
            "no changes: the engine has this export already" + (f" ({_unchanged(plan)})" if _unchanged(plan) else ""),
            file=out,
        )
    else:
        _print_default(plan, out, "got")
        for write in plan.writes:
            if write.kind in ("payments", "credit-notes") or write.text.startswith("~"):
                print(write.text, file=out)
        rows = len({(p.source, p.line) for p in skipped})
        print(
            f"imported {_summary(_counts(plan))}"
            + (f"; {_unchanged(plan)}" if _unchanged(plan) else "")
            + (f"; skipped {rows} bad row(s)" if skipped else ""),
            file=out,
        )
    _print_reports(plan, out)
