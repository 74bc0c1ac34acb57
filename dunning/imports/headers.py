"""The header map: the column names of accounting exports (e-conomic, Dinero, Billy, a spreadsheet),
Danish or English, to the fields of the import. docs/import.md lists it for bookkeepers.

A header is compared after normalising: lower case, ``.``/``:``/``#``/``*`` and a trailing
"(DKK)" or "kr." dropped, ``-``, ``_`` and ``/`` read as spaces, runs of spaces as one
("Postnr." → "postnr", "E-mail" → "e mail", "Customer_Number" → "customer number").
"""

from __future__ import annotations

import re

# field -> the normalised headers that mean it. The ids are concepts ("customer_no"), not the row's own
# id: "Kundenr." is the customer's own id in a debtor list, and the invoice's customer in an invoice list.
HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "nr", "no", "nummer", "number", "løbenr", "lobenr"),
    "customer_no": (
        "kundenr", "kunde nr", "kundenummer", "kunde nummer", "kunde id", "kundeid", "debitornr", "debitor nr",
        "debitornummer", "debitor nummer", "debitor", "debitorkonto", "kontaktnr", "kontakt nr",
        "kontaktnummer", "kontakt id", "customer", "customer no", "customer number", "customer id", "customer nr",
        "customerid", "customernumber", "debtor", "debtor no",
        "debtor number", "contact id", "contact no", "contact number", "kunde",
    ),
    "invoice_no": (
        "fakturanr", "faktura nr", "faktnr", "fakt nr", "fakturanummer", "faktura nummer", "faktura", "faktura id",
        "bilagsnr",
        "bilag nr", "bilagsnummer", "bilag", "dokumentnr", "invoice", "invoice no", "invoice number", "invoice id",
        "invoice nr", "invoicenumber", "voucher", "voucher no", "voucher number", "document no",
    ),
    "agreement_no": ("aftale", "aftalenr", "aftale nr", "aftalenummer", "agreement", "agreement id", "agreement no"),
    "template": ("skabelon", "rykkerskabelon", "rykkerforløb", "rykkerforlob", "template", "dunning template"),
    "name": (
        "navn", "name", "kundenavn", "kunde navn", "debitornavn", "debitor navn", "firmanavn", "firma", "virksomhed",
        "kontaktnavn", "kontakt", "customer name", "company", "company name", "debtor name", "contact name",
        "contact",
    ),
    "email": (
        "e mail", "email", "mail", "e mail adresse", "emailadresse", "email adresse", "e mail address",
        "email address", "faktura e mail", "fakturamail", "invoice email", "e mail til faktura",
    ),
    "phone": (
        "telefon", "tlf", "tlf nr", "tlfnr", "telefonnr", "telefon nr", "telefonnummer", "mobil", "mobilnr",
        "mobil nr", "mobilnummer", "mobiltelefon", "phone", "phone no", "phone number", "telephone", "mobile",
        "mobile phone", "cell", "telefon og faxnummer",
    ),
    "language": ("sprog", "language", "lang", "kundesprog", "sprogkode", "language code", "locale"),
    "business": ("erhverv", "erhvervskunde", "business", "b2b", "kundetype", "customer type", "type af kunde"),
    "cvr": (
        "cvr", "cvr nr", "cvrnr", "cvr nummer", "cvrnummer", "se nr", "senr", "momsnr", "moms nr", "vat",
        "vat no", "vat number", "vat id", "company registration no", "corporate id", "cvr se nr",
    ),
    "address": (
        "adresse", "adresse 1", "adresse1", "adresselinje 1", "adresselinje", "vej", "gade", "vejnavn",
        "address", "address 1", "address1", "address line 1", "street", "street address", "postadresse",
    ),
    "address2": ("adresse 2", "adresse2", "adresselinje 2", "address 2", "address2", "address line 2", "c o"),
    "postcode": ("postnr", "post nr", "postnummer", "postal code", "postcode", "post code", "zip", "zip code"),
    "city": ("by", "bynavn", "city", "town", "postdistrikt", "post by"),
    "postcode_city": ("postnr og by", "postnr by", "postnummer og by", "postal code and city", "zip city"),
    "country": ("land", "landekode", "country", "country code"),
    "amount": (
        "beløb", "belob", "beloeb", "fakturabeløb", "fakturabelob", "faktura beløb", "beløb inkl moms",
        "belob inkl moms", "total inkl moms", "total", "i alt", "brutto", "bruttobeløb", "beløb i dkk",
        "beløb i alt", "belob i alt", "totalbeløb", "total beløb", "fakturatotal",
        "amount", "invoice amount", "gross amount", "total incl vat", "amount incl vat", "gross",
    ),
    "open_amount": (
        "restbeløb", "restbelob", "restbeloeb", "rest", "resterende", "resterende beløb", "udestående",
        "udestaende", "åben", "åbent beløb", "åben saldo", "aaben saldo", "mangler", "ubetalt", "remaining",
        "remaining amount", "remainder", "outstanding", "outstanding amount", "open amount", "balance due",
        "amount due", "due amount", "unpaid", "balance", "invoice balance",
    ),
    "issued": (
        "dato", "fakturadato", "faktura dato", "bilagsdato", "udstedt", "udstedelsesdato", "date", "invoice date",
        "issued", "issue date", "issued on", "document date",
    ),
    "due": (
        "forfaldsdato", "forfald", "forfaldsdag", "sidste rettidige betalingsdag",
        "forf dato", "forfdato", "forfalds dato", "due", "due date", "due on", "payment due", "duedate",
    ),
    "paid": ("betalt", "betalt beløb", "betalt belob", "indbetalt", "paid", "amount paid", "paid amount"),
    "status": ("status", "fakturastatus", "invoice status", "state"),
    "currency": ("valuta", "valutakode", "currency", "currency code"),
    "entry_type": ("type", "bilagstype", "posteringstype", "dokumenttype", "document type", "entry type", "art"),
}  # fmt: skip

# Fields the old JSON/CSV format of this importer named by their API name, which the header map must keep.
_API_NAMES = {"customer": "customer_no", "agreement": "agreement_no", "issued": "issued", "due": "due"}

_BY_HEADER = {header: field for field, headers in HEADERS.items() for header in headers} | _API_NAMES

# What a missing column is called in messages: its usual Danish header and English one.
LABELS = {
    "customer_no": "Kundenr. (customer)",
    "invoice_no": "Fakturanr. (invoice)",
    "agreement_no": "Aftale (agreement)",
    "name": "Navn (name)",
    "amount": "Beløb (amount)",
    "open_amount": "Restbeløb (remaining)",
    "issued": "Dato (date)",
    "due": "Forfaldsdato (due date)",
    "id": "id",
}


def normalise(header: str) -> str:
    """A header as the map compares it ("E-mail:" → "e mail", "Beløb (DKK)" → "beløb")."""
    text = header.strip().lstrip("\ufeff").lower()
    text = re.sub(r"\((dkk|kr\.?|i dkk)\)|\bkr\.?$|\bdkk$", "", text)
    text = re.sub(r"[.:#*?\"']", "", text)
    text = re.sub(r"[-_/\\&+]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def field_of(header: str) -> str | None:
    """The import field a header means, or None (a column the import does not use)."""
    key = normalise(header)
    return _BY_HEADER.get(key) or _BY_HEADER.get(key.replace(" ", ""))
