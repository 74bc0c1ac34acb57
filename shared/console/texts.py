"""The console's words, Danish first and English as the option.

The seeds' own words label the controls their users know ("Afsend rykkere", "Start
rykkerflow nu", "Robot status", "Venter på robot", "Godkend alle").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

Lang = Literal["da", "en"]

TEXTS: dict[str, tuple[str, str]] = {
    "app": ("Rykkerrobot", "Reminder robot"),
    "nav.overview": ("Overblik", "Overview"),
    "nav.runs": ("Kørsler", "Runs"),
    "nav.approvals": ("Godkendelse", "Approval"),
    "nav.settings": ("Indstillinger", "Settings"),
    "nav.templates": ("Rykker > Konfiguration", "Reminder > Configuration"),
    "nav.agreements": ("Aftaler", "Agreements"),
    "nav.customers": ("Kunder", "Customers"),
    "nav.cases": ("Inkassosager", "Collection cases"),
    "nav.usage": ("Forbrug", "Usage"),
    "logout": ("Log ud", "Log out"),
    "login": ("Log ind", "Log in"),
    "login.user": ("Brugernavn (e-mail)", "User name (e-mail)"),
    "login.password": ("Adgangskode", "Password"),
    "login.failed": ("Forkert brugernavn eller adgangskode.", "Wrong user name or password."),
    "login.new_password": ("Vælg en ny adgangskode", "Choose a new password"),
    "login.new_password_hint": (
        "Første gang du logger ind, skal du vælge din egen adgangskode (mindst 12 tegn).",
        "The first time you log in you choose your own password (at least 12 characters).",
    ),
    "login.mfa_setup_title": ("Opsæt totrinsbekræftelse", "Set up two-step verification"),
    "login.mfa_setup_hint": (
        "Konsollen kræver en kode fra en godkendelsesapp (fx Microsoft Authenticator eller Google "
        "Authenticator) ved hvert login. Scan QR-koden med appen, eller indtast nøglen, og skriv den "
        "sekscifrede kode, appen viser.",
        "The console asks for a code from an authenticator app (e.g. Microsoft Authenticator or Google "
        "Authenticator) at every login. Scan the QR code with the app, or enter the key, and type the "
        "six-digit code the app shows.",
    ),
    "login.mfa_key": ("Nøgle", "Key"),
    "login.mfa_open_app": (
        "Er du på telefonen? Åbn nøglen i godkendelsesappen",
        "On your phone? Open the key in the authenticator app",
    ),
    "login.mfa_code": ("Kode fra godkendelsesappen (6 cifre)", "Code from the authenticator app (6 digits)"),
    "login.mfa_code_hint": (
        "Åbn godkendelsesappen og skriv den sekscifrede kode til Rykker.",
        "Open your authenticator app and type the six-digit code for Rykker.",
    ),
    "login.mfa_wrong": (
        "Koden passer ikke. Skriv den kode, appen viser nu (den skifter hvert 30. sekund).",
        "That code does not match. Type the code the app shows now (it changes every 30 seconds).",
    ),
    "login.mfa_confirm": ("Bekræft", "Confirm"),
    "robot_status": ("Robot status", "Robot status"),
    "status.waiting": ("Venter på robot", "Waiting for robot"),
    "status.queued": ("Venter på robot", "Waiting for robot"),
    "status.running": ("Kører", "Running"),
    "status.continuing": ("Kører (fortsætter)", "Running (continuing)"),
    "status.fanned_out": ("Kører (fordelt parallelt)", "Running (in parallel)"),
    "status.completed": ("Færdig", "Completed"),
    "status.paused": ("Sat på pause", "Paused"),
    "status.aborted": ("Afbrudt", "Aborted"),
    "status.failed": ("Fejlet", "Failed"),
    "status.skipped": ("Sprunget over", "Skipped"),
    "status.idle": ("Ingen kørsel i gang", "No run in progress"),
    "start_now": ("Start rykkerflow nu", "Start reminder flow now"),
    "started": ("Rykkerflowet er bestilt – robotten starter om lidt.", "The reminder flow is requested."),
    "send_reminders": ("Afsend rykkere", "Send reminders"),
    "on": ("Til", "On"),
    "off": ("Fra", "Off"),
    "switch.on": ("Slå fra", "Turn off"),
    "switch.off": ("Slå til", "Turn on"),
    "automatic.on": ("Robotten sender rykkere ved hver planlagt kørsel.", "The robot sends at each scheduled run."),
    "automatic.off": (
        "Afsendelse er slået fra: kørsler sender ingen rykkere.",
        "Sending is off: runs send no reminders.",
    ),
    "requested_at": ("bestilt", "requested"),
    "last_run": ("Seneste kørsel", "Last run"),
    "current_run": ("Aktuel kørsel", "Current run"),
    "next_run": ("Næste planlagte kørsel", "Next scheduled run"),
    "no_runs": ("Ingen kørsler endnu.", "No runs yet."),
    "run": ("Kørsel", "Run"),
    "run.kind": ("Type", "Kind"),
    "run.date": ("Dato", "Date"),
    "run.status": ("Status", "Status"),
    "run.reason": ("Årsag", "Reason"),
    "run.recipient_reason": ("Modtager / årsag", "Recipient / reason"),
    "run.held_back": ("Holdt tilbage", "Held back"),
    "run.held_back_more": ("og {count} mere, som ikke er listet her.", "and {count} more, not listed here."),
    "reason": ("Årsag", "Reason"),
    "run.started_by": ("Startet af", "Started by"),
    "actor.iam": ("CLI/API", "CLI/API"),
    "run.resumed_by": ("Genoptaget af", "Resumed by"),
    "count.reminders": ("Rykkere", "Reminders"),
    "count.messages": ("Beskeder", "Messages"),
    "count.invoices": ("Fakturaer rykket", "Invoices advanced"),
    "count.proposals": ("Forslag", "Proposals"),
    "count.held_back": ("Holdt tilbage", "Held back"),
    "kind.scheduled": ("Planlagt", "Scheduled"),
    "kind.manual": ("Manuel", "Manual"),
    "kind.resume": ("Genoptaget", "Resumed"),
    "report": ("Statusrapport", "Status report"),
    "report.none": ("Kørslen har ingen hændelser.", "The run has no effects."),
    "paused.title": ("Kørslen er sat på pause", "The run is paused"),
    "paused.entries": (
        "Der er ikke-bogførte indbetalinger i kassekladden. Bogfør dem og genoptag, så ingen kunde rykkes for "
        "det, de har betalt – eller genoptag uden at bogføre: så kører robotten, som om posteringerne ikke fandtes.",
        "The journal has unposted payments. Post them and resume, so no customer is reminded of what they paid "
        "– or resume without posting: the robot then runs as if the entries did not exist.",
    ),
    "post_and_resume": ("Bogfør posteringerne og genoptag", "Post the entries and resume"),
    "resume_unposted": ("Genoptag uden at bogføre", "Resume without posting"),
    "posted_and_resumed": (
        "{count} postering(er) er bogført – kørslen genoptages, robotten starter om lidt.",
        "{count} entr(y/ies) posted – the run resumes shortly.",
    ),
    "paused.none_left": ("Alle posteringer er bogført.", "Every entry is posted."),
    "resume": ("Genoptag", "Resume"),
    "resumed": ("Kørslen genoptages – robotten starter om lidt.", "The run resumes shortly."),
    "journal": ("Kassekladde", "Journal"),
    "customer": ("Kunde", "Customer"),
    "customers": ("Kunder", "Customers"),
    "amount": ("Beløb", "Amount"),
    "text": ("Tekst", "Text"),
    "approve_all": ("Godkend alle", "Approve all"),
    "reject_all": ("Afvis alle", "Reject all"),
    "approve": ("Godkend", "Approve"),
    "reject": ("Afvis", "Reject"),
    "approvals.none": ("Ingen forslag venter på godkendelse.", "No proposals await approval."),
    "customers.none": (
        "Ingen kunder endnu. De kommer ind fra bogføringen med dunning import (e-conomic, Dinero, Billy) "
        "eller gennem API'et.",
        "No customers yet. They come in from the books with dunning import (e-conomic, Dinero, Billy) or the API.",
    ),
    "templates.none": (
        "Ingen skabeloner endnu. Definér den første med dunning templates define --file skabelon.yaml; "
        "nye versioner laves derefter her.",
        "No templates yet. Define the first with dunning templates define --file template.yaml; "
        "new versions are made here after that.",
    ),
    "agreements.none": (
        "Ingen aftaler endnu. Hver kunde får en aftale på standardskabelonen, når kunderne importeres.",
        "No agreements yet. Each customer gets one on the default template when customers are imported.",
    ),
    "approvals.per_entry": ("Pr. postering", "Per entry"),
    "approvals.history": ("Besluttede forslag", "Decided proposals"),
    "approvals.key": ("Forslag", "Proposal"),
    "approvals.decision": ("Beslutning", "Decision"),
    "approvals.by": ("Besluttet af", "Decided by"),
    "approvals.approved": ("Godkendt", "Approved"),
    "approvals.rejected": ("Afvist", "Rejected"),
    "approvals.per_customer": ("Én linje pr. kunde", "One row per customer"),
    "approvals.decided": ("{approved} godkendt, {rejected} afvist.", "{approved} approved, {rejected} rejected."),
    "proposal.step": ("Trin", "Step"),
    "proposal.invoices": ("Fakturaer", "Invoices"),
    "proposal.kind": ("Art", "Kind"),
    "proposal.reminder": ("Rykker", "Reminder"),
    "proposal.case": ("Inkassosag", "Collection case"),
    "proposal.run": ("Foreslået af kørsel", "Proposed by run"),
    "settings.saved": ("Indstillingerne er gemt.", "Settings saved."),
    "settings.general": ("Generelt", "General"),
    "settings.default_template": ("Standardskabelon", "Default template"),
    "settings.bs": ("Betalingsservice", "Betalingsservice"),
    "settings.bs_enabled": ("Rykkere via Betalingsservice", "Reminders via Betalingsservice"),
    "settings.bs_creditor": ("Kreditornummer (8 cifre)", "Creditor number (8 digits)"),
    "settings.respite": ("Mindst dage mellem rykkere (respit)", "Minimum days between reminders (respite)"),
    "settings.de_minimis": ("Bagatelgrænse (kr.)", "De-minimis threshold (DKK)"),
    "settings.approval": ("Godkend rykkere før afsendelse", "Approve reminders before sending"),
    "settings.checks": ("Kontroller før kørsel", "Checks before a run"),
    "settings.bs_cvr": ("CVR-nr. hos Betalingsservice", "CVR no. at Betalingsservice"),
    "settings.bs_debtor_group": ("Debitorgruppe (5 cifre)", "Debtor group (5 digits)"),
    "settings.excluded": ("Kunder uden rykkere (kundenumre, komma)", "Customers without reminders (ids, comma)"),
    "settings.settle": ("Afregn åbne poster før kørsel", "Settle open items before a run"),
    "settings.reverse_fees": ("Tilbagefør gebyrer, når fakturaen er betalt", "Reverse fees when the invoice is paid"),
    "settings.write_off_below": ("Afskriv restbeløb under (kr.)", "Write off remainders below (DKK)"),
    "settings.collection_partner": ("Inkassopartnerens e-mail (tom: ingen inkasso)", "Collection partner's e-mail"),
    "settings.collection_after_days": ("Dage efter sidste rykker før inkassoforslag", "Days after the last step"),
    "settings.check_bank": ("Stop ved inaktiv bankforbindelse", "Stop when a bank connection is inactive"),
    "settings.check_journals": ("Kassekladder der skal være bogført (komma)", "Journals that must be posted (comma)"),
    "settings.reports": ("Rapporter", "Reports"),
    "settings.status_report_to": ("Statusrapport sendes til", "Status report to"),
    "settings.notify_to": ("Besked om stop/godkendelse til", "Stop/approval notices to"),
    "settings.sender": ("Afsender og betaling", "Sender and ways to pay"),
    "settings.sender_name": ("Afsenders navn", "Sender's name"),
    "settings.sender_cvr": ("CVR-nr.", "CVR no."),
    "settings.sender_email": ("Afsenders e-mail", "Sender's e-mail"),
    "settings.sender_phone": ("Afsenders telefon", "Sender's phone"),
    "settings.bank_reg": ("Reg.nr.", "Reg. no."),
    "settings.bank_account": ("Kontonr.", "Account no."),
    "settings.mobilepay": ("MobilePay-nummer", "MobilePay number"),
    "settings.timezone": ("Tidszone", "Time zone"),
    "settings.none": ("(ingen)", "(none)"),
    "save": ("Gem", "Save"),
    "start.no_settings": (
        "Robotten kan ikke starte endnu: udfyld og gem indstillingerne (afsender, betaling, standardskabelon) først.",
        "The robot cannot start yet: fill in and save the settings (sender, payment, default template) first.",
    ),
    "settings.approval_steps": (
        "Gælder kun trinnene: {steps}. De andre trin sendes uden godkendelse.",
        "Only for the steps: {steps}. The other steps are sent without approval.",
    ),
    "settings.refused": (
        "Intet er gemt – ret feltet og prøv igen.",
        "Nothing was saved – correct the field and try again.",
    ),
    "expect.amount": (
        "skriv et beløb i kroner, fx 100,00 eller 1.000,50",
        "an amount in kroner, e.g. 100.00 or 1,000.50",
    ),
    "expect.days": ("skriv et antal dage (0 eller mere)", "a number of days (0 or more)"),
    "expect.email": ("skriv en e-mailadresse, fx bogholderi@firma.dk", "an e-mail address, e.g. accounts@company.dk"),
    "expect.phone": ("skriv et telefonnummer, fx +45 70 10 10 10", "a phone number, e.g. +45 70 10 10 10"),
    "expect.digits4": ("skriv 4 cifre", "4 digits"),
    "expect.digits5": ("skriv 5 cifre", "5 digits"),
    "expect.digits8": ("skriv 8 cifre", "8 digits"),
    "expect.account": ("skriv op til 10 cifre", "up to 10 digits"),
    "expect.bank": (
        "udfyld både reg.nr. (4 cifre) og kontonr. (op til 10 cifre)",
        "both reg. no. (4 digits) and account no. (up to 10 digits)",
    ),
    "expect.mobilepay": ("skriv MobilePay-nummeret (4–10 cifre)", "the MobilePay number (4–10 digits)"),
    "expect.action": (
        "vælg mindst én handling (e-mail, SMS, kontoudtog, Betalingsservice)",
        "tick at least one action",
    ),
    "expect.step_name": ("giv trinnet et navn (højst 60 tegn)", "a name for the step (at most 60 characters)"),
    "expect.steps": (
        "udfyld mindst ét trin (navn, dage, handlinger)",
        "fill in at least one step (name, days, actions)",
    ),
    "expect.template": ("vælg en skabelon, der findes", "a template that exists"),
    "templates": ("Skabeloner", "Templates"),
    "template": ("Skabelon", "Template"),
    "version": ("Version", "Version"),
    "versions": ("Versioner", "Versions"),
    "created_on": ("Oprettet", "Created"),
    "used": ("Brugt", "Used"),
    "yes": ("Ja", "Yes"),
    "no": ("Nej", "No"),
    "usage.agreements": ("Aftaler", "Agreements"),
    "usage.invoices": ("Fakturaer i gang", "Invoices in process"),
    "usage.default": ("Standard", "Default"),
    "template.new_version": ("Definér ny version", "Define a new version"),
    "template.steps": ("Trin", "Steps"),
    "template.step_name": ("Navn", "Name"),
    "template.days": ("Dage", "Days"),
    "template.days_first": ("Dage efter forfald", "Days after the due date"),
    "template.days_next": ("Dage efter forrige trin", "Days after the previous step"),
    "template.after_due": ("{days} {unit} efter forfald", "{days} {unit} after the due date"),
    "template.after_previous": ("{days} {unit} efter forrige trin", "{days} {unit} after the previous step"),
    "template.warning": ("inkassovarsel", "collection warning"),
    "unit.day": ("dag", "day"),
    "unit.days": ("dage", "days"),
    "template.actions": ("Handlinger", "Actions"),
    "template.fee": ("Gebyr (kr.)", "Fee (DKK)"),
    "template.fee_cap": (
        "et rykkergebyr må højst være 100,00 kr. (renteloven § 9 b)",
        "a reminder fee may be at most DKK 100.00 (Danish Interest Act, section 9 b)",
    ),
    "template.fee_count": (
        "højst 3 rykkere må have gebyr (renteloven § 9 b)",
        "at most 3 reminders may carry a fee (Danish Interest Act, section 9 b)",
    ),
    "template.subject_da": ("Emne (dansk)", "Subject (Danish)"),
    "template.body_da": ("Brødtekst (dansk)", "Body (Danish)"),
    "template.defined": ("Version {version} er {outcome}.", "Version {version} is {outcome}."),
    "outcome.created": ("oprettet", "created"),
    "outcome.replaced": ("erstattet", "replaced"),
    "outcome.unchanged": ("uændret", "unchanged"),
    "preview": ("Forhåndsvisning", "Preview"),
    "preview.language": ("Sprog", "Language"),
    "preview.customer_language": ("Kundens sprog", "The customer's language"),
    "preview.show": ("Vis", "Show"),
    "preview.sample": ("Eksempelkunde", "Sample customer"),
    "preview.sms": ("SMS", "SMS"),
    "preview.segments": ("{count} SMS-dele ({encoding})", "{count} SMS parts ({encoding})"),
    "preview.slip": ("Betalingsservice-tekst", "Betalingsservice text"),
    "agreements": ("Aftaler", "Agreements"),
    "agreement": ("Aftale", "Agreement"),
    "move.title": ("Flyt valgte aftaler", "Move the selected agreements"),
    "move.to": ("Flyt valgte til", "Move selected to"),
    "move.all": ("Flyt alle aftaler", "Move every agreement"),
    "move.done": ("{count} aftale(r) flyttet til {version}.", "{count} agreement(s) moved to {version}."),
    "move.none_chosen": ("Vælg mindst én aftale, eller flyt alle.", "Choose at least one agreement, or move all."),
    "invoices": ("Fakturaer", "Invoices"),
    "invoice": ("Faktura", "Invoice"),
    "open_amount": ("Restbeløb", "Open"),
    "due": ("Forfald", "Due"),
    "issued": ("Udstedt", "Issued"),
    "steps_done": ("Rykkertrin sendt", "Steps sent"),
    "timeline": ("Tidslinje", "Timeline"),
    "why": ("Hvorfor (ikke) rykket?", "Why (not) reminded?"),
    "email": ("E-mail", "E-mail"),
    "phone": ("Telefon", "Phone"),
    "customer.address": ("Adresse", "Address"),
    "customer.language": ("Sprog i breve", "Letter language"),
    "customer.language_da": ("Dansk", "Danish"),
    "customer.language_en": ("Engelsk", "English"),
    "customer.kind": ("Kundetype", "Customer type"),
    "customer.business": ("Erhverv", "Business"),
    "customer.consumer": ("Privat", "Consumer"),
    "customer.no_email": ("ingen – rykkere kan ikke sendes som e-mail", "none – no reminder e-mails"),
    "customer.no_phone": ("intet – ingen SMS", "none – no text messages"),
    "customer.no_address": (
        "ingen – rykkere kan ikke gå via Betalingsservice",
        "none – no reminders through Betalingsservice",
    ),
    "customer.no_invoices": ("Kunden har ingen fakturaer.", "The customer has no invoices."),
    "cases.handed_over": ("Overdraget", "Handed over"),
    "cases.partner": ("Inkassopartner", "Collection partner"),
    "cases.none": ("Ingen sager er sendt til inkasso.", "No cases have gone to collection."),
    "usage.month": ("Måned", "Month"),
    "usage.none": ("Intet forbrug i måneden.", "No usage this month."),
    "error": ("Det kunne ikke lade sig gøre", "That could not be done"),
    "not_found": ("Siden findes ikke", "Page not found"),
    "not_found.detail": (
        "Konsollen har ingen side med adressen {path}. Find siden i menuen ovenfor.",
        "The console has no page at {path}. Find the page in the menu above.",
    ),
    "not_a_page": (
        "Adressen hører til en knap i konsollen og kan ikke åbnes som en side. Intet er gjort – brug knappen på siden.",
        "The address belongs to a button in the console and cannot be opened as a page. Nothing was done.",
    ),
    "login.again": ("Log ind igen", "Log in again"),
    "login.ended": (
        "Din session er udløbet eller afsluttet (fx med »Log ud« på en anden enhed). Intet er gjort – log ind, "
        "og prøv igen.",
        "Your session expired or was ended (e.g. with 'Log out' on another device). Nothing was done – log in and "
        "try again.",
    ),
    "forbidden.csrf": (
        "Handlingen blev afvist: formularen var for gammel eller kom ikke fra konsollen. Prøv igen.",
        "The action was refused: the form was stale or did not come from the console. Try again.",
    ),
    "link.expired": ("Linket er udløbet.", "The link has expired."),
    "link.forged": ("Linket er ugyldigt.", "The link is not valid."),
    "link.expired_hint": (
        "Links i robottens e-mails virker i 14 dage. Find siden i menuen ovenfor i stedet.",
        "Links in the robot's e-mails work for 14 days. Find the page in the menu above instead.",
    ),
    "link.forged_hint": (
        "Linket er ændret eller ikke kopieret helt. Åbn det fra e-mailen igen, eller find siden i menuen ovenfor.",
        "The link was changed or not copied in full. Open it from the e-mail again, or find the page in the menu.",
    ),
    "language": ("English", "Dansk"),
    "effect.issued": ("Udstedt", "Issued"),
    "effect.due": ("Forfald", "Due"),
    "effect.email": ("E-mail", "E-mail"),
    "effect.sms": ("SMS", "SMS"),
    "effect.fee": ("Gebyr", "Fee"),
    "effect.bs": ("Betalingsservice", "Betalingsservice"),
    "effect.statement": ("Kontoudtog", "Statement"),
    "effect.interest": ("Renter", "Interest"),
    "effect.compensation": ("Kompensation", "Compensation"),
    "effect.skipped": ("Sprunget over", "Skipped"),
    "effect.report": ("Statusrapport sendt", "Status report sent"),
    "effect.notification": ("Besked sendt", "Notice sent"),
    "effect.run": ("Kørsel", "Run"),
    "effect.settlement": ("Afregning", "Settlement"),
    "effect.write_off": ("Afskrivning", "Write-off"),
    "effect.fee_reversal": ("Tilbageført gebyr", "Fee reversed"),
    "effect.case": ("Inkassosag", "Collection case"),
    "effect.proposal": ("Forslag", "Proposal"),
    "effect.rejected": ("Forslag afvist", "Proposal rejected"),
    "effect.collection": ("Sendt til inkasso", "Handed to collection"),
    "effect.unconfirmed": ("Afsendelse uafklaret", "Send unconfirmed"),
    "effect.bs_delivery": ("Betalingsservice-leverance", "Betalingsservice delivery"),
    "effect.payment": ("Betaling", "Payment"),
    "effect.credit_note": ("Kreditnota", "Credit note"),
    "effect.dispute": ("Indsigelse", "Dispute"),
    "effect.dead_letter": ("Fejlet besked", "Dead letter"),
    "action.email": ("e-mail", "e-mail"),
    "action.sms": ("SMS", "SMS"),
    "action.fee": ("gebyr", "fee"),
    "action.bs": ("Betalingsservice", "Betalingsservice"),
    "action.statement": ("kontoudtog", "statement"),
    "action.interest": ("renter", "interest"),
    "action.compensation": ("kompensation", "compensation"),
    "usage.runs": ("Kørsler", "Runs"),
    "usage.email": ("E-mails", "E-mails"),
    "usage.sms": ("SMS'er", "SMS messages"),
    "usage.sms_segments": ("SMS-dele", "SMS parts"),
    "usage.fees": ("Gebyrer", "Fees"),
    "usage.fee_amount": ("Gebyrer i alt", "Fees in total"),
    "usage.bs": ("Betalingsservice-rykkere", "Betalingsservice reminders"),
    "usage.bs_deliveries": ("Betalingsservice-leverancer", "Betalingsservice deliveries"),
    "usage.proposals": ("Forslag til godkendelse", "Proposals"),
    "usage.collection_cases": ("Inkassosager", "Collection cases"),
    "usage.collection_amount": ("Overdraget til inkasso i alt", "Handed to collection in total"),
    "usage.interest": ("Renteberegninger", "Interest charges"),
    "usage.interest_amount": ("Renter i alt", "Interest in total"),
    "usage.compensation": ("Kompensationer", "Compensations"),
    "usage.compensation_amount": ("Kompensation i alt", "Compensation in total"),
    "template.new_step": ("Nyt trin (udfyld for at tilføje)", "New step (fill in to add)"),
    "proposal.proposed_on": ("Foreslået", "Proposed"),
    "none": ("–", "–"),
}


def _kroner(amount: str) -> str:
    """``1234.50`` as ``1.234,50 kr.`` (the stored reasons write amounts the machine way)."""
    whole, _, cents = amount.partition(".")
    return f"{int(whole):,}".replace(",", ".") + f",{(cents + '00')[:2]} kr."


def _day(iso: str) -> str:
    """``2026-03-02`` as ``2. marts 2026``, as the status report and the letters write a date."""
    from datetime import date

    from shared.rendering.formatting import format_date  # Babel, loaded where a reason is read

    return format_date(date.fromisoformat(iso), "da")


_FEE_LAW = "renteloven § 9 b, stk. 2"

# Run and effect reasons are stored in English (the effect log's language, without their codes); the
# common ones read in Danish here (the status report says them from their codes: shared/rendering/reasons.py).
# Each entry: a pattern of the English text, and the Danish text ({0}… the pattern's groups) or a function of them.
DANISH_REASONS: tuple[tuple[re.Pattern[str], str | Callable[..., str]], ...] = (
    (
        re.compile(r"Betalingsservice is not enabled for this tenant \(settings\.bs\.enabled\)"),
        "Betalingsservice er ikke slået til i indstillingerne",
    ),
    (
        re.compile(r"Betalingsservice has no creditor number \(settings\.bs\.creditor_number\)"),
        "Betalingsservice mangler et kreditornummer i indstillingerne",
    ),
    (re.compile(r"the fee may not be charged"), "gebyret må ikke opkræves"),
    (
        re.compile(r"(.+) has been disputed; reminders after a dispute carry no fee \(renteloven § 9 b, stk\. 1\)"),
        "der er gjort indsigelse mod faktura {0}; rykkere efter en indsigelse er uden gebyr (renteloven § 9 b, stk. 1)",
    ),
    (
        re.compile(r"(\d+) fees have already been charged for (.+), at most (\d+) per claim \(.+\)"),
        "der er allerede opkrævet {0} gebyrer for faktura {1}, højst {2} pr. krav (" + _FEE_LAW + ")",
    ),
    (
        re.compile(r"last fee for (.+) was charged on (\d{4}-\d\d-\d\d), less than (\d+) days ago \(.+\)"),
        lambda invoice, on, days: (
            f"sidste gebyr for faktura {invoice} blev opkrævet {_day(on)}, under {days} dage siden ({_FEE_LAW})"
        ),
    ),
    (
        re.compile(r"fee ([\d.]+) exceeds the ([\d.]+) maximum for (.+) \(.+\)"),
        lambda fee, most, who: (
            f"gebyret på {_kroner(fee)} overstiger grænsen på {_kroner(most)} for "
            f"{'en forbruger' if 'consumer' in who else 'en erhvervskunde uden aftalte højere gebyrer'} ({_FEE_LAW})"
        ),
    ),
    (
        re.compile(r"the fixed compensation is only for business customers \(renteloven § 9 a, stk\. 3\)"),
        "kompensationsbeløbet gælder kun erhvervskunder (renteloven § 9 a, stk. 3)",
    ),
    (
        re.compile(r"the compensation was charged already in this arrears period \(renteloven § 9 a, stk\. 3\)"),
        "kompensationsbeløbet er allerede opkrævet i denne periode med restance (renteloven § 9 a, stk. 3)",
    ),
    (
        re.compile(r"no late-payment interest has accrued since the last charge"),
        "der er ikke påløbet morarente siden sidste opkrævning",
    ),
    (
        re.compile(r"open total ([\d.]+) is below the de-minimis threshold ([\d.]+)"),
        lambda total, threshold: f"ubetalt i alt {_kroner(total)} er under bagatelgrænsen på {_kroner(threshold)}",
    ),
    (re.compile(r"disputed until resolved"), "indsigelse, indtil den er afklaret"),
    (re.compile(r"disputed until (\d{4}-\d\d-\d\d)"), lambda until: f"indsigelse til {_day(until)}"),
    (re.compile(r"unknown customer"), "ukendt kunde"),
    (
        re.compile(r"journal '([^']+)' has (\d+) unposted entr(?:y|ies)"),
        "kladden '{0}' har {1} ikke-bogført{2} postering{3}",
    ),
    (re.compile(r"bank connection '([^']+)' is inactive"), "bankforbindelsen '{0}' er ikke aktiv"),
    (
        re.compile(r"settings\.check_journals names unknown journal '([^']+)'"),
        "kassekladden '{0}' under »Kassekladder der skal være bogført« findes ikke",
    ),
    (
        re.compile(r"settings\.excluded_customers names unknown customer '([^']+)'"),
        "kunden '{0}' under »Kunder uden rykkere« findes ikke",
    ),
    (re.compile(r"fanned out over (\d+) due-index shards"), "fordelt på {0} dele, der kører side om side"),
    (
        re.compile(r"(\d+) due-index shards handed out in (\d+) work item\(s\)"),
        "{0} dele fordelt i {1} arbejdspakke(r)",
    ),
    (
        re.compile(r"moving invoices to the customer-sharded due index; the run continues"),
        "fakturaerne flyttes til det nye forfaldsindeks; kørslen fortsætter",
    ),
    (
        re.compile(
            r"(\d+) message\(s\) of (\d+) reminder\(s\) wait in the outbox: the queues failed until the time "
            r"ran out; the run continues"
        ),
        "{0} besked(er) fra {1} rykker(e) venter på at blive sendt, fordi køerne fejlede, indtil tiden løb ud; "
        "kørslen fortsætter",
    ),
    (re.compile(r"waiting for run (.+)"), "venter på kørsel {0}"),
    (
        re.compile(r"reminders are (?:disabled|switched off)(?: \(settings\.reminders_enabled\))?"),
        "afsendelse af rykkere er slået fra",
    ),
    (
        re.compile(r"(\d+) proposal\(s\) await approval, (\d+) of them debt-collection case\(s\)"),
        "{0} forslag venter på godkendelse, heraf {1} inkassosag(er)",
    ),
    (re.compile(r"(\d+) proposal\(s\) await approval"), "{0} forslag venter på godkendelse"),
    (re.compile(r"the customer has no e-mail address"), "kunden har ingen e-mailadresse"),
    (re.compile(r"the customer has no phone number"), "kunden har intet telefonnummer"),
    (re.compile(r"the customer's phone number is not usable: .*"), "kundens telefonnummer kan ikke bruges"),
    (
        re.compile(r"the customer has no postal address, which a BS payment slip needs"),
        "kunden har ingen postadresse, som et Betalingsservice-indbetalingskort kræver",
    ),
    (
        re.compile(r"no letter reached the customer.*"),
        "intet rykkerbrev nåede kunden, så der opkræves intet gebyr (renteloven § 9 b)",
    ),
    (
        re.compile(r"(\d+) fees have already been charged for agreement (.+) in its arrears period, at most (\d+).*"),
        "der er allerede opkrævet {0} gebyrer for aftale {1} i perioden med restance, højst {2} "
        "(renteloven § 9 b, stk. 2)",
    ),
)


def reason_text(reason: str | None, lang: Lang) -> str:
    """A stored run reason in the operator's language (unknown ones as stored).

    A run stopped by several problems stores them joined by "; " (a configuration problem after
    "configuration: "); each is said on its own, and the whole is kept as stored unless every part
    is known."""
    if not reason or lang == "en":
        return reason or ""
    whole = _danish_reason(reason)
    if whole is not None:
        return whole
    text, lead = reason, ""
    if reason.startswith("configuration: "):
        text, lead = reason.removeprefix("configuration: "), "fejl i indstillingerne: "
    parts = [_danish_reason(part) for part in text.split("; ")]
    if all(part is not None for part in parts):
        return lead + "; ".join(part for part in parts if part is not None)
    return reason


def _danish_reason(reason: str) -> str | None:
    for pattern, danish in DANISH_REASONS:
        found = pattern.fullmatch(reason)
        if found:
            if callable(danish):
                return danish(*found.groups())
            plural = ("e", "er") if found.lastindex and found.group(found.lastindex) != "1" else ("", "")
            return danish.format(*found.groups(), *plural)
    return None


def say(key: str, lang: Lang, **values: object) -> str:
    """The text for ``key`` in ``lang`` (the key itself when unknown, so a gap shows rather than breaks)."""
    pair = TEXTS.get(key)
    text = key if pair is None else pair[0 if lang == "da" else 1]
    return text.format(**values) if values else text
