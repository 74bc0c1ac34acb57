"""The services' refusals in the operator's language.

The services refuse in English (the API's and the CLI's words: ``customer '9999' does not exist``,
naming the field). The console reaches most of them through links and forms, some only through a
hand-typed or stale address (``/customers/9999``, ``/usage?month=2026-13``, a proposal a colleague
decided a minute ago): a Danish console says each of them in Danish, without the field's
programming name. A refusal it does not know keeps its English text after a Danish lead, so nothing
is hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from shared.console.texts import Lang, say
from shared.errors import DunningError

_QUOTED = r"(?P<q>['\"])(?P<id>.*)(?P=q)"

# What a service says does not exist (its word before the id) → the Danish noun, definite form.
_THINGS = {
    "customer": "Kunden",
    "invoice": "Fakturaen",
    "run": "Kørslen",
    "template version": "Skabelonversionen",
    "template": "Skabelonen",
    "agreement": "Aftalen",
    "sale": "Salget",
    "journal": "Kassekladden",
    "send": "Afsendelsen",
}

_Danish = Callable[["re.Match[str]", Lang], str]


def _missing(found: re.Match[str], lang: Lang) -> str:
    return f"{_THINGS[found['thing']]} '{found['id']}' findes ikke."


def _no_version(found: re.Match[str], lang: Lang) -> str:
    return f"Skabelonen '{found['id']}' har ingen version {found['number']}."


def _no_step(found: re.Match[str], lang: Lang) -> str:
    return f"{found['version']} har trin 1 til {found['last']}; der er intet trin {found['step']}."


def _step_number(found: re.Match[str], lang: Lang) -> str:
    return f"Trin: skriv trinnets nummer, fx 1 (ikke '{found['id']}')."


def _month(found: re.Match[str], lang: Lang) -> str:
    return f"Måned: skriv år og måned som ÅÅÅÅ-MM, fx 2026-03 (ikke '{found['id']}')."


def _not_paused(found: re.Match[str], lang: Lang) -> str:
    status = say(f"status.{found['status']}", lang).lower()
    return f"Kørslen er {status} og kan ikke genoptages: kun en kørsel, der er sat på pause, kan genoptages."


def _decided(found: re.Match[str], lang: Lang) -> str:
    return (
        "Forslaget venter ikke længere på godkendelse: det er allerede godkendt eller afvist "
        "(måske af en kollega eller i en anden fane). Intet er ændret."
    )


def _no_proposal_for(found: re.Match[str], lang: Lang) -> str:
    return (
        f"Intet forslag venter på godkendelse for kunde {found['ids']} (det er måske allerede godkendt "
        "eller afvist). Intet er ændret."
    )


def _unknown_agreements(found: re.Match[str], lang: Lang) -> str:
    return f"Aftalerne findes ikke: {found['ids']}. Intet er flyttet."


def _text_fails(found: re.Match[str], lang: Lang) -> str:
    return f"Trinnets egen tekst kan ikke vises for kunde {found['customer']}: {found['error']}"


def _no_template(found: re.Match[str], lang: Lang) -> str:
    return "Vælg en skabelon: der er ingen standardskabelon i indstillingerne."


def _no_settings(found: re.Match[str], lang: Lang) -> str:
    return say("start.no_settings", lang)


REFUSALS: tuple[tuple[re.Pattern[str], _Danish], ...] = (
    (re.compile(rf"(?P<thing>{'|'.join(_THINGS)}) {_QUOTED} does not exist.*", re.S), _missing),
    (re.compile(rf"template {_QUOTED} has no version (?P<number>.+)"), _no_version),
    (re.compile(r"(?P<version>\S+) has steps 1 to (?P<last>\d+), not (?P<step>.+)"), _no_step),
    (re.compile(rf"expected YYYY-MM, got {_QUOTED}"), _month),
    (re.compile(rf"expected a step number, got {_QUOTED}"), _step_number),
    (re.compile(rf"run {_QUOTED} is (?P<status>\w+); only a paused run can be resumed"), _not_paused),
    (re.compile(r"no pending proposal with key\(s\) .*", re.S), _decided),
    (re.compile(r"no pending proposal for customer\(s\) (?P<ids>.*)", re.S), _no_proposal_for),
    (re.compile(r"unknown agreement\(s\): (?P<ids>.*); nothing was moved"), _unknown_agreements),
    (re.compile(r"the step's own text cannot be rendered for (?P<customer>[^:]+): (?P<error>.*)", re.S), _text_fails),
    (re.compile(r"the tenant has no settings yet.*"), _no_settings),
    (re.compile(r"no template given and the tenant has no default_template"), _no_template),
)

# Why a tenant's own text (a step's subject, body or SMS) was refused, said after the field's label.
# Jinja's own description of a syntax error stays as Jinja gives it (in English), set in quotes.
_FOUND_RENDERING = r"(?P<sample> \(found rendering the sample values\))?"
TEXT_REFUSALS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(rf"unknown variable {_QUOTED}; expected one of (?P<names>.+?){_FOUND_RENDERING}", re.S),
        "ukendt variabel '{id}' – en tekst kan bruge {names}",
    ),
    (
        re.compile(
            r"does not compile: (?P<what>.+) \(line (?P<line>\d+)\); expected a Jinja2 text such as (?P<example>.+)",
            re.S,
        ),
        "teksten kan ikke læses i linje {line} (Jinja2: »{what}«); skriv fx {example}",
    ),
    (
        re.compile(
            r"does not compile: (?P<what>.+) \(line (?P<line>\d+)\); the filters a text may use are (?P<names>.+)",
            re.S,
        ),
        "teksten kan ikke læses i linje {line} (Jinja2: »{what}«); en tekst kan bruge filtrene {names}",
    ),
    (
        re.compile(
            rf"unknown variable or attribute: (?P<what>.+); expected the documented variables.*{_FOUND_RENDERING}", re.S
        ),
        "ukendt variabel eller egenskab (Jinja2: »{what}«) – se de variabler, en tekst kan bruge, i docs/texts.md",
    ),
    (
        re.compile(r"(?P<what>.+) is not available in a text.*", re.S),
        "{what} kan ikke bruges i en tekst – se docs/texts.md",
    ),
    (
        re.compile(r"one line: (?:a subject has no line break|the subject renders with a line break)"),
        "en emnelinje er én linje uden linjeskift",
    ),
)


def text_problem(reason: str, lang: Lang) -> str:
    """Why a tenant text was refused, in Danish where the catalogue knows the reason (else as given)."""
    if lang == "da":
        for pattern, danish in TEXT_REFUSALS:
            found = pattern.fullmatch(reason)
            if found:
                return danish.format(**{k: v or "" for k, v in found.groupdict().items()})
    return reason


# The lead of a refusal the catalogue does not know, by its kind.
_LEADS = {
    "not_found": "Det findes ikke",
    "conflict": "Det strider mod det, der allerede er gemt",
    "refused_by_law": "Loven tillader det ikke",
}


def danish_reason(error: DunningError, lang: Lang) -> str:
    """The reason alone (no lead, no field: a form names its field by its label), in Danish where the
    catalogue knows it — without its closing full stop, as a form's problem line adds its own."""
    reason = error.reason.removeprefix("Value error, ")
    if lang == "da":
        reason = reason.removeprefix(f"{error.field}: ") if error.field else reason
        for pattern, danish in REFUSALS:
            found = pattern.fullmatch(reason)
            if found:
                return danish(found, lang).rstrip(".")
    return reason


def refusal_text(error: DunningError, lang: Lang) -> str:
    """``error`` as the console says it: in Danish from the catalogue (the field is in the words);
    in English, or when the catalogue does not know it, the service's reason naming its field once."""
    named = not error.field or error.reason.startswith(f"{error.field}:")
    english = error.reason if named else f"{error.field}: {error.reason}"
    if lang == "en":
        return english
    reason = error.reason.removeprefix(f"{error.field}: ") if error.field else error.reason
    for pattern, danish in REFUSALS:
        found = pattern.fullmatch(reason)
        if found:
            return danish(found, lang)
    return f"{_LEADS.get(error.code, 'Det blev afvist')} ({english})."
