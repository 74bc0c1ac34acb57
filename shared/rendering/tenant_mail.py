"""What the e-mails to the tenant (status report, notifications, collection case, statement)
share: the actions' names, the aligned plain-text table and the rendering of one template set.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from shared.messages import Action as MessageAction
from shared.rendering.email import RenderedEmail, _environment, _single_line
from shared.rendering.formatting import Language

# Every action a step can name, and what else a run does for a customer.
Action = MessageAction | Literal["statement"]

# The actions of a reminder as the tenant's staff call them; the same in both parts of the e-mail.
ACTION_NAMES: dict[Language, dict[Action, str]] = {
    "da": {
        "email": "e-mail",
        "sms": "SMS",
        "fee": "gebyr",
        "bs": "Betalingsservice",
        "interest": "morarente",
        "compensation": "kompensation",
        "collection": "inkasso",
        "statement": "kontoudtog",
    },
    "en": {
        "email": "email",
        "sms": "SMS",
        "fee": "fee",
        "bs": "Betalingsservice",
        "interest": "interest",
        "compensation": "compensation",
        "collection": "debt collection",
        "statement": "statement of account",
    },
}


@dataclass(frozen=True, slots=True)
class TextTable:
    """A plain-text table: ``head`` is the header line and its rule, ``body`` each line with its row."""

    head: tuple[str, str]
    body: tuple[tuple[str, Mapping[str, Any]], ...]


def text_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]], right: Collection[str] = ()
) -> TextTable:
    """Align ``rows`` in columns for the plain-text part.

    ``columns`` is (key, header) pairs; the keys of ``right`` are right-aligned (amounts).
    Lines carry no trailing spaces, so the last column is as long as its value needs:
    templates put the unbounded one (invoice numbers, reasons) there.
    """
    keys = [key for key, _ in columns]
    widths = [max([len(header), *(len(row[key]) for row in rows)]) for key, header in columns]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell.rjust(width) if key in right else cell.ljust(width)
            for key, cell, width in zip(keys, cells, widths, strict=True)
        )
        return "  ".join(padded).rstrip()

    head = (line([header for _, header in columns]), line(["-" * width for width in widths]))
    return TextTable(head=head, body=tuple((line([row[key] for key in keys]), row) for row in rows))


def render_tenant_email(name: str, language: Language, context: dict[str, Any]) -> RenderedEmail:
    """Render ``shared/templates/email/{name}_*_{language}`` with ``context``: subject, HTML and text."""
    env = _environment()
    subject = _single_line(env.get_template(f"email/{name}_subject_{language}.txt.j2").render(context))
    html = env.get_template(f"email/{name}_{language}.html.j2").render(context, subject=subject)
    text = env.get_template(f"email/{name}_{language}.txt.j2").render(context)
    # The templates' trailing conditionals leave varying blank lines; every part ends in exactly one newline.
    return RenderedEmail(subject=subject, html=html.rstrip() + "\n", text=text.rstrip() + "\n")
