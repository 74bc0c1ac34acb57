"""Reasons in the reader's language: the catalogue behind the status report and the notices.

The engine states every reason in English with a stable code (:class:`~shared.domain.reasons.Reason`);
effects keep the English text. A Danish report looks the code up here and fills in the facts the
Danish way — amounts as ``1.234,50 kr.``, dates as ``14. marts 2026``. An English report keeps the
English text. A reason without a code, or with a code the catalogue does not know, is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from shared.domain.reasons import Reason
from shared.rendering.formatting import Language, format_date, format_money

_FEE_LAW = "renteloven § 9 b, stk. 2"
_CHANNELS = {"email": "e-mail", "sms": "SMS", "bs": "Betalingsservice", "statement": "kontoudtog"}


def _danish(value: Any) -> str:
    if isinstance(value, Reason):
        return say(value, "da")
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, Decimal):
        return format_money(value, "da")
    if isinstance(value, date):
        return format_date(value, "da")
    if isinstance(value, tuple | list):
        return "; ".join(_danish(item) for item in value)
    return str(value)


def _entries(count: Any) -> str:
    return f"{count} ikke-bogført postering" if count == 1 else f"{count} ikke-bogførte posteringer"


def _pending(p: Mapping[str, Any]) -> str:
    text = f"{p['count']} forslag venter på godkendelse"
    if p.get("cases"):
        text += f", heraf {p['cases']} {'inkassosag' if p['cases'] == 1 else 'inkassosager'}"
    return text


# Why a phone number cannot be used (shared/rendering/sms.PhoneProblem's codes)
_PHONE_PROBLEMS = {
    "country_code": "landekoden mangler eller er ukendt",
    "unknown_country_code": "landekoden er ukendt",
    "not_a_number": "det ligner ikke et telefonnummer",
    "short_after_prefix": "det er for kort efter det internationale præfiks",
    "too_short": "det er for kort",
    "too_long": "det er for langt",
    "wrong_length": "det har et forkert antal cifre",
    "local_only": "det kan kun ringes op lokalt",
    "unparseable": "det kan ikke læses",
    "impossible_length": "dets længde er ikke mulig",
    "no_such_range": "nummerserien er ikke i brug",
}


def _phone_problem(p: Mapping[str, Any]) -> str:
    """The phone number's problem in Danish (the English text when its code is unknown)."""
    text = _PHONE_PROBLEMS.get(str(p.get("problem_code")))
    if text is None:
        return str(p.get("problem", ""))
    return f"{text} (+{p['country']})" if p.get("country") else text


# code -> Danish text with {name} placeholders (filled in Danish), or a function of the raw facts
DANISH: dict[str, str | Callable[[Mapping[str, Any]], str]] = {
    # channels (shared/domain/channels.py, the consumers)
    "channel.no_email": "kunden har ingen e-mailadresse",
    "channel.no_phone": "kunden har intet telefonnummer",
    "channel.bad_phone": lambda p: f"kundens telefonnummer kan ikke bruges: {_phone_problem(p)}",
    "channel.none": "ingen af trinnets kanaler nåede kunden",
    "customer.unknown": "ukendt kunde",
    "bs.disabled": "Betalingsservice er ikke slået til (settings.bs.enabled)",
    "bs.no_creditor": "Betalingsservice mangler et kreditornummer (settings.bs.creditor_number)",
    "bs.no_address": "kunden har ingen postadresse, som et Betalingsservice-indbetalingskort kræver",
    # fees, interest, compensation (shared/domain/danish_rules.py, shared/services/charges.py)
    "fee.refused": "gebyret må ikke opkræves",
    "fee.no_letter": lambda p: (
        "intet rykkerbrev nåede kunden, så der opkræves intet gebyr (renteloven § 9 b)"
        + "".join(
            f"{'; ' if i else ': '}{_CHANNELS.get(action, action)}: {say(reason, 'da')}"
            for i, (action, reason) in enumerate(p.get("channels") or ())
        )
    ),
    "fee.disputed": "faktura {invoice} er gjort indsigelse mod; rykkere efter en indsigelse er uden gebyr "
    "(renteloven § 9 b, stk. 1)",
    "fee.max_per_invoice": "der er allerede opkrævet {count} gebyrer for faktura {invoice}, højst {most} pr. krav "
    f"({_FEE_LAW})",
    "fee.max_per_period": lambda p: (
        f"der er allerede opkrævet {p['count']} gebyrer for aftale {p['agreement']} i den sammenhængende periode "
        f"med restance{' siden ' + format_date(p['since'], 'da') if p.get('since') else ''}, højst {p['most']} "
        f"({_FEE_LAW})"
    ),
    "fee.too_soon": "sidste gebyr for faktura {invoice} blev opkrævet {last_on}, under {days} dage siden "
    f"({_FEE_LAW})",
    "fee.over_cap": lambda p: (
        f"gebyret på {format_money(p['fee'], 'da')} overstiger grænsen på {format_money(p['most'], 'da')} for "
        f"{'en erhvervskunde uden aftalte højere gebyrer' if p.get('business') else 'en forbruger'} ({_FEE_LAW})"
    ),
    "compensation.consumer": "kompensationsbeløbet gælder kun erhvervskunder (renteloven § 9 a, stk. 3)",
    "compensation.already": "kompensationsbeløbet er allerede opkrævet i denne periode med restance "
    "(renteloven § 9 a, stk. 3)",
    "interest.none": "der er ikke påløbet morarente siden sidste opkrævning",
    # run checks (shared/domain/run_control.py)
    "check.configuration": "konfiguration: {problems}",
    "check.all": "{problems}",
    "check.unknown_customer": "settings.excluded_customers nævner den ukendte kunde '{customer}'",
    "check.unknown_journal": "settings.check_journals nævner den ukendte kladde '{journal}'",
    "check.bank_inactive": "bankforbindelsen '{name}' er ikke aktiv",
    "check.unposted": lambda p: f"kladden '{p['journal']}' har {_entries(p['count'])}",
    # held back (shared/domain/planning.py, the status report)
    "held_back.de_minimis": "ubetalt i alt {total} er under bagatelgrænsen på {threshold}",
    "held_back.disputed": "indsigelse, indtil den er afklaret",
    "held_back.disputed_until": "indsigelse til {until}",
    # approval and failures (shared/services/reporting.py)
    "approval.pending": _pending,
    "failure.concurrent_run": "samtidig kørsel",
    "failure.concurrent_run.detail": "{count} rykker(e) blev taget af en anden kørsel samtidig og er ikke med "
    "i denne rapport",
    "failure.interrupted": "tidligere kørsel afbrudt",
    "failure.interrupted.detail": "{count} besked(er), som en tidligere kørsel havde gemt, blev sendt nu",
}


def say(reason: str, language: Language) -> str:
    """``reason`` as the reader of a ``language`` text should read it."""
    if language == "en" or not isinstance(reason, Reason):
        return str(reason)
    entry = DANISH.get(reason.code)
    if entry is None:
        return str(reason)
    if callable(entry):
        return entry(reason.params)
    return entry.format(**{name: _danish(value) for name, value in reason.params.items()})
