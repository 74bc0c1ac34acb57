"""``dunning import``: customers, agreements and invoices from CSV or JSON (an accounting export).

Every row is checked — its shape here, its references by the API in a dry run — and every
bad row is reported with its line number, field and reason. A file with a bad row imports
nothing unless ``--skip-invalid`` drops the bad rows (and what depended on them). Then the
rows go to the bulk endpoints, customers first, with a progress bar.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ValidationError

from dunning.api_client import Api
from shared.api.models import AgreementIn, CustomerIn, InvoiceIn

KINDS = ("customers", "agreements", "invoices")
MODELS: dict[str, type[BaseModel]] = {"customers": CustomerIn, "agreements": AgreementIn, "invoices": InvoiceIn}
CHUNK = 500
# Column names accounting exports use, to ours.
ALIASES = {
    "kundenummer": "id",
    "customer_number": "id",
    "invoice_number": "id",
    "fakturanummer": "id",
    "navn": "name",
    "telefon": "phone",
    "sprog": "language",
    "kunde": "customer",
    "aftale": "agreement",
    "skabelon": "template",
    "beløb": "amount",
    "belob": "amount",
    "date": "issued",
    "dato": "issued",
    "due_date": "due",
    "forfald": "due",
    "erhverv": "business",
}
# Yes/no as accounting exports write it (the business column); true/false/1/0 pydantic reads itself.
YES_NO = {"ja": "true", "nej": "false", "j": "true", "n": "false"}


@dataclass(frozen=True)
class Row:
    source: str
    line: int
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Problem:
    row: Row
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.row.source}:{self.row.line}: {self.row.kind[:-1]} {self.field}: {self.reason}"


def _guess_kind(columns: set[str]) -> str | None:
    if {"amount", "agreement"} <= columns:
        return "invoices"
    if "customer" in columns:
        return "agreements"
    if "name" in columns:
        return "customers"
    return None


def _normalise(record: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in record.items():
        name = ALIASES.get(str(key).strip().lower(), str(key).strip().lower())
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
            if name == "business":
                value = YES_NO.get(value.lower(), value)
        out[name] = value
    return out


def read_rows(path: Path, kind: str | None = None) -> list[Row]:
    """The file's rows with their line numbers (CSV: the physical line; JSON: the item's line)."""
    source = str(path)
    if path.suffix.lower() == ".json":
        text = path.read_text(encoding="utf-8")
        document = json.loads(text)
        sections = document if isinstance(document, dict) else {kind or "": document}
        rows = []
        for section, items in sections.items():
            for number, item in enumerate(items, start=1):
                data = _normalise(item) if isinstance(item, dict) else {"_": item}
                row_kind = section if section in KINDS else kind or _guess_kind(set(data))
                if row_kind is None:
                    raise ValueError(f"{source}: cannot tell what item {number} is; give --kind")
                rows.append(Row(source, _json_line(text, section, number), row_kind, data))
        return rows
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        columns = {ALIASES.get(c.strip().lower(), c.strip().lower()) for c in reader.fieldnames or []}
        row_kind = kind or _guess_kind(columns)
        if row_kind is None:
            raise ValueError(f"{source}: cannot tell from the columns what the rows are; give --kind")
        return [Row(source, reader.line_num, row_kind, _normalise(record)) for record in reader]


def _json_line(text: str, section: str, number: int) -> int:
    """The line an item of a JSON list starts on (items counted by their opening brace)."""
    start = text.find(f'"{section}"') if section else 0
    depth, seen, line = 0, 0, text.count("\n", 0, max(start, 0)) + 1
    for char in text[max(start, 0) :]:
        if char == "\n":
            line += 1
        elif char == "{":
            depth += 1
            if depth == 1:
                seen += 1
                if seen == number:
                    return line
        elif char == "}":
            depth -= 1
    return number


def check_shapes(rows: list[Row]) -> list[Problem]:
    """Every row against its API model, and ids repeated within the import."""
    problems = []
    seen: dict[tuple[str, str], Row] = {}
    for row in rows:
        try:
            MODELS[row.kind].model_validate(row.data)
        except ValidationError as error:
            for item in error.errors():
                field = ".".join(str(part) for part in item["loc"]) or "row"
                problems.append(Problem(row, field, str(item["msg"])))
            continue
        key = (row.kind, str(row.data["id"]))
        if key in seen:
            first = seen[key]
            problems.append(Problem(row, "id", f"{key[1]!r} appears twice (first at line {first.line})"))
        else:
            seen[key] = row
    return problems


def _chunks(rows: list[Row]) -> list[list[Row]]:
    return [rows[start : start + CHUNK] for start in range(0, len(rows), CHUNK)]


def _body(kind: str, rows: list[Row], dry_run: bool, pending: dict[str, list[str]]) -> dict[str, Any]:
    body: dict[str, Any] = {"items": [MODELS[kind].model_validate(r.data).model_dump(mode="json") for r in rows]}
    body["dry_run"] = dry_run
    if dry_run and kind == "agreements":
        body["also_importing_customers"] = pending["customers"]
    if dry_run and kind == "invoices":
        body["also_importing_agreements"] = pending["agreements"]
    return body


class ImportFailed(RuntimeError):
    pass


def check_references(api: Api, by_kind: dict[str, list[Row]]) -> list[Problem]:
    """A dry run of every chunk: references, ids taken, templates — nothing is written."""
    pending = {kind: [str(r.data["id"]) for r in by_kind[kind]] for kind in KINDS}
    problems = []
    for kind in KINDS:
        for chunk in _chunks(by_kind[kind]):
            status, answer = api.request("POST", f"/{kind}/bulk", _body(kind, chunk, True, pending))
            if status == 200:
                continue
            if status != 422 or not answer.get("errors"):
                raise ImportFailed(f"the API refused the {kind}: {status} {answer}")
            for error in answer["errors"]:
                index = error.get("index")
                if index is None:  # a body-level validation error: items[3].amount
                    field = str(error["field"])
                    index = int(field.split("[", 1)[1].split("]", 1)[0]) if field.startswith("items[") else 0
                    field = field.split("].", 1)[1] if "]." in field else field
                else:
                    field = error["field"]
                problems.append(Problem(chunk[index], field, error["reason"]))
    return problems


def run_import(
    api: Api,
    paths: list[Path],
    kind: str | None,
    skip_invalid: bool,
    dry_run: bool,
    out: TextIO | None = None,
    err: TextIO | None = None,
    progress: Callable[..., Any] | None = None,
) -> int:
    """Import the files; returns the exit code (0 done, 1 bad rows and nothing imported, 2 unreadable)."""
    out = out or sys.stdout
    err = err or sys.stderr
    rows: list[Row] = []
    for path in paths:
        try:
            rows += read_rows(path, kind)
        except (OSError, ValueError, csv.Error) as error:
            print(f"dunning import: {error}", file=err)
            return 2
    skipped: list[Problem] = []
    for _ in range(5):  # dropping a bad agreement can make its invoices bad: check again
        problems = check_shapes(rows)
        bad = {id(p.row) for p in problems}
        by_kind = {k: [r for r in rows if r.kind == k and id(r) not in bad] for k in KINDS}
        problems += check_references(api, by_kind)
        if not problems:
            break
        if not skip_invalid:
            for problem in sorted(problems, key=lambda p: (p.row.source, p.row.line)):
                print(problem, file=err)
            print(
                f"dunning import: {len(problems)} problem(s); nothing imported (--skip-invalid imports the rest)",
                file=err,
            )
            return 1
        skipped += problems
        bad = {id(p.row) for p in problems}
        rows = [r for r in rows if id(r) not in bad]
    for problem in sorted(skipped, key=lambda p: (p.row.source, p.row.line)):
        print(f"skipped {problem}", file=err)
    by_kind = {k: [r for r in rows if r.kind == k] for k in KINDS}
    counts = {k: len(v) for k, v in by_kind.items()}
    if dry_run:
        print(
            f"dry run: {counts['customers']} customers, {counts['agreements']} agreements, "
            f"{counts['invoices']} invoices would be imported",
            file=out,
        )
        return 0
    bar = progress or _progress
    for k in KINDS:
        if not by_kind[k]:
            continue
        with bar(total=len(by_kind[k]), desc=k, unit="row", file=err) as meter:
            for chunk in _chunks(by_kind[k]):
                status, answer = api.request("POST", f"/{k}/bulk", _body(k, chunk, False, {}))
                if status != 200:
                    raise ImportFailed(f"the API refused {k} lines {chunk[0].line}-{chunk[-1].line}: {answer}")
                meter.update(len(chunk))
    print(
        f"imported {counts['customers']} customers, {counts['agreements']} agreements, "
        f"{counts['invoices']} invoices" + (f"; skipped {len(skipped)} bad row(s)" if skipped else ""),
        file=out,
    )
    return 0


def _progress(**kwargs: Any) -> Any:
    from tqdm import tqdm

    return tqdm(**kwargs)
