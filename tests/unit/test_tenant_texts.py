"""A tenant's own texts: the variables, the sandbox, its limits, and the refusals at definition."""

import time
from pathlib import Path

import pytest

from dunning.scenario import ScenarioError, load_scenario
from shared.domain.templates import Step, StepTexts, TemplateDefinition, TemplateVersion, decide_version
from shared.rendering.sms import count_segments
from shared.rendering.tenant_texts import (
    MAX_BODY_CHARS,
    MAX_LINE_CHARS,
    TEXT_VARIABLES,
    TextError,
    TextRenderError,
    render_step_texts,
    render_tenant_text,
    sample_variables,
    sms_segments,
    template_sms_segments,
    text_to_html,
    validate_step_texts,
    validate_template_texts,
)

EVERY_VARIABLE = """Kære {{ customer.name }} ({{ customer.id }})

{% for invoice in invoices %}Faktura {{ invoice.id }} af {{ invoice.issued }}, forfald {{ invoice.due }}: \
{{ invoice.amount }}, ubetalt {{ invoice.open_amount }}
{% endfor %}
I alt {{ total }} ({{ invoices|length }} fakturaer).{% if fee %} Gebyr: {{ fee }}{% endif %}
{% if deadline %}Betales senest {{ deadline }}.{% endif %}
Reference {{ reference }}
{% for way in ['bank', 'iban', 'bic', 'fi', 'mobilepay', 'link'] %}{% if payment[way] %}{{ payment[way] }}
{% endif %}{% endfor %}
{{ sender.name }}{% if sender.cvr %}, CVR {{ sender.cvr }}{% endif %}
{% if sender.address %}{{ sender.address }}{% endif %}
{{ sender.phone|default('', true) }} {{ sender.email|default('', true) }}
{{ step.name }} ({{ step.number }} af {{ step.count }})"""


def texts(**parts: str) -> dict:
    return {"da": StepTexts(**parts)}


def refusal(source: str, part: str = "body", language: str = "da") -> TextError:
    with pytest.raises(TextError) as refused:
        validate_step_texts({language: StepTexts(**{part: source})}, "templates[0].steps[1].texts")
    return refused.value


# ----------------------------------------------------------------- the variables


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("minimal", [False, True])
def test_the_sample_has_exactly_the_documented_variables_formatted_for_the_language(language, minimal):
    sample = sample_variables(language, minimal=minimal)
    assert set(sample) == TEXT_VARIABLES
    assert set(sample["customer"]) == {"id", "name"}
    assert all(set(i) == {"id", "issued", "due", "amount", "open_amount"} for i in sample["invoices"])
    assert set(sample["payment"]) == {"bank", "iban", "bic", "fi", "mobilepay", "link"}
    assert set(sample["sender"]) == {"name", "cvr", "address", "phone", "email"}
    assert set(sample["step"]) == {"name", "number", "count"}
    assert len(sample["reference"]) == 15 and sample["reference"].isdigit()
    assert sample["total"].endswith(" kr.") if language == "da" else sample["total"].startswith("DKK ")


def test_the_full_sample_gives_every_value_and_the_minimal_one_leaves_the_optional_ones_out():
    full, minimal = sample_variables("da"), sample_variables("da", minimal=True)
    assert full["fee"] == "100,00 kr." and full["deadline"] == "17. februar 2026"
    assert full["payment"]["fi"] == f"+71<{full['reference']}+87654321<"
    assert minimal["fee"] is None and minimal["deadline"] is None
    assert set(minimal["payment"].values()) == {None} and minimal["sender"]["cvr"] is None


# ----------------------------------------------------------------- rendering


def test_a_text_places_the_variables():
    # Given a text reading several variables
    source = "Kære {{ customer.name }}, {{ invoices|length }} fakturaer, i alt {{ total }} ({{ step.name }})"
    # When it is rendered with the Danish sample
    text = render_tenant_text(source, sample_variables("da"), html=False)
    # Then each value is placed as given
    assert text == "Kære Jensen & Søn ApS, 2 fakturaer, i alt 3.730,50 kr. (Rykker 2)"


def test_a_text_with_every_variable_passes_validation_and_renders_them_all():
    validate_step_texts(texts(subject="{{ step.name }}: {{ total }}", body=EVERY_VARIABLE, sms="{{ total }}"), "t")
    text = render_tenant_text(EVERY_VARIABLE, sample_variables("da"), html=False)
    for value in ("K1001", "F-2026-0142", "2.480,50 kr.", "17. februar 2026", "+71<", "DK50 0040", "CVR 12345678"):
        assert value in text
    assert "Rykker 2 (2 af 3)" in text


def test_the_html_body_escapes_every_value_and_the_tenants_own_markup():
    # Given a customer whose name is a script, and a tenant who writes markup in a plain-text body
    variables = sample_variables("da") | {"customer": {"id": "K1", "name": "<script>alert(1)</script>"}}
    source = "Kære {{ customer.name }}\n\n<b>Betal</b> {{ total }}\nsenest i dag"
    # When the body is rendered for the HTML part
    escaped = render_tenant_text(source, variables, html=True)
    html = render_step_texts(StepTexts(body=source), variables).body_html or ""
    # Then nothing is markup: the name and the tenant's tags are escaped
    assert (
        escaped == "Kære &lt;script&gt;alert(1)&lt;/script&gt;\n\n&lt;b&gt;Betal&lt;/b&gt; 3.730,50 kr.\nsenest i dag"
    )
    # And as the e-mail's HTML body, paragraphs are <p> and a line break is <br>
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;</p>" in html
    assert "&lt;b&gt;Betal&lt;/b&gt; 3.730,50 kr.<br>\nsenest i dag</p>" in html
    assert html.count("<p ") == 2


def test_text_to_html_splits_paragraphs_at_blank_lines_only():
    assert (
        text_to_html("a\r\nb\n\n\n  \nc\n")
        == '<p style="margin:0 0 16px;">a<br>\nb</p>\n<p style="margin:0 0 16px;">c</p>'
    )


def test_a_steps_texts_render_the_subject_on_one_line_and_the_body_as_text_and_html():
    own = render_step_texts(
        StepTexts(subject="{{ step.name }} til {{ customer.name }}", body="A & B"),
        {
            **sample_variables("en"),
            "customer": {"id": "K1", "name": "Ann\nSmith"},
        },
    )
    assert own.subject == "Rykker 2 til Ann Smith"  # a line break in a value never breaks a header
    assert (own.body_text, own.body_html, own.sms) == ("A & B", '<p style="margin:0 0 16px;">A &amp; B</p>', None)


# ----------------------------------------------------------------- refused at definition


def test_each_refusal_names_the_field_path():
    cases = [
        ("Kære {{ customer.name", "body", "syntax", "does not compile"),
        ("Kære {{ kunde.navn }}", "body", "variable", "unknown variable 'kunde'"),
        ("Kære {{ customer.email }}", "sms", "variable", "no attribute 'email'"),
        ("{{ ''.__class__ }}", "body", "internals", "Python internals"),
        ("{{ customer.name * 100 }}", "subject", "limit", f"more than {MAX_LINE_CHARS:,} characters"),
        ("Rykker\n{{ step.name }}", "subject", "line_break", "a subject has no line break"),
        ("Rykker{{ '\\n' }}{{ step.name }}", "subject", "line_break", "renders with a line break"),
        ("{% macro m() %}x{% endmacro %}{{ m() }}", "body", "construct", "{% macro %}"),
        ("{% include 'x' %}", "body", "construct", "{% include %}"),
        ("{{ customer.name|center(80) }}", "body", "syntax", "No filter named 'center'"),
    ]
    for source, part, kind, reason in cases:
        error = refusal(source, part)
        assert error.field == f"templates[0].steps[1].texts.da.{part}", source
        assert (error.kind, reason in error.expected) == (kind, True), (source, error.expected)
        assert str(error).startswith(f"{error.field}: ")


def test_a_text_that_only_works_when_a_value_is_given_is_refused():
    # {{ fee.upper() }} works with a fee; the sparsest sample has none
    error = refusal("Gebyr {{ fee.upper() }}")
    assert error.kind == "variable" and "sample values" in error.expected


def test_a_body_over_the_limit_is_refused():
    loop = "{% for i in invoices %}{% for c in customer.name %}" + "x" * 1000 + "{% endfor %}{% endfor %}"
    error = refusal(loop)
    assert error.kind == "limit" and f"more than {MAX_BODY_CHARS:,} characters" in error.expected


def test_every_step_of_a_template_is_checked_with_its_index():
    steps = [
        Step(name="Rykker 1", days=1, actions=["email"]),
        Step(name="Rykker 2", days=1, actions=["sms"], texts={"en": StepTexts(sms="{{ amount }}")}),
    ]
    with pytest.raises(TextError) as refused:
        validate_template_texts(steps, "timeline[3].template.")
    assert refused.value.field == "timeline[3].template.steps[1].texts.en.sms"


# ----------------------------------------------------------------- the sandbox


ESCAPES = [
    # (text, refused at definition with this kind, or None: rendered harmlessly)
    ("{{ ''.__class__.__mro__ }}", "internals"),
    ("{{ cycler.__init__.__globals__ }}", "variable"),
    ("{{ joiner.__init__.__globals__ }}", "variable"),
    ("{{ namespace.__init__.__globals__ }}", "variable"),
    ("{{ self.__init__.__globals__ }}", "variable"),
    ("{{ lipsum.__globals__ }}", "variable"),
    ("{{ invoices.__len__() }}", "internals"),
    ("{{ customer.items.__self__ }}", "internals"),
    ("{% for i in range(10**9) %}x{% endfor %}", "variable"),
    ("{{ 'x' * 10**9 }}", "limit"),
    ("{{ (1,2)*10**9 }}", "limit"),
    ("{{ [customer] * 10**6 }}", "limit"),
    ("{{ 10 ** 10 ** 10 }}", "limit"),
    ("{{ '{0.__class__}'.format(1) }}", "construct"),
    ("{{ '{:>999999999}'.format(1) }}", "construct"),
    ("{{ total.format_map(customer) }}", "construct"),
    ("{{ '%999999999d' % 1 }}", "construct"),
    ("{{ 'x'.ljust(10**9) }}", "construct"),
    ("{{ 'x'|center(10**9) }}", "syntax"),
    ("{% set a = 'x' * 20000 %}{{ a ~ a }}", "limit"),
    ("{% set a = 'x' * 20000 %}{{ [a, a] }}", "limit"),
    ("{% set a = ['x'] %}" + "{% set a = [a, a] %}" * 12 + "{{ a == a }}", "limit"),
    ("{% set a = 'x' * 2000 %}{% for c in a %}{% for d in a %}{% endfor %}{% endfor %}", "limit"),
    ("{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}", "construct"),
    ("{% set x %}{{ customer.name }}{% endset %}{{ x }}", "construct"),
    ("{% for i in invoices recursive %}{{ loop(invoices) }}{% endfor %}", "construct"),
    ("{% extends 'email/_layout.html.j2' %}", "construct"),
    ("{{ customer.items() }}", None),
    ("{{ total * 3 }}", None),
    ("{{ 2 ** 64 }}", None),
    ("{{ invoices|string|length > 10 }}", None),
]


@pytest.mark.parametrize(("source", "kind"), ESCAPES, ids=[source for source, _ in ESCAPES])
def test_a_sandbox_escape_is_refused_at_definition_or_rendered_harmlessly(source: str, kind: str | None):
    started = time.monotonic()
    if kind is None:
        # Then it passes definition, and what it prints holds no Python internals
        validate_step_texts(texts(body=source), "t")
        text = render_tenant_text(source, sample_variables("da"), html=False)
        assert "__" not in text and "<function" not in text and "<class" not in text
    else:
        # Then it is refused at definition, for the expected reason, and by the renderer too
        assert refusal(source).kind == kind
        with pytest.raises(TextRenderError) as refused:
            render_tenant_text(source, sample_variables("da"), html=False)
        assert refused.value.kind == kind
    assert time.monotonic() - started < 5  # bounded: refused fast, never a hang


def test_a_text_valid_on_the_sample_is_still_bounded_with_a_huge_real_customer():
    # Given a text with three nested loops: 8 turns with the sample's 2 invoices, so it is accepted
    loop = "{% for _ in invoices %}"
    source = loop * 3 + "{% endfor %}" * 3
    validate_step_texts(texts(body=source), "t")
    # When a real customer has 300 open invoices (27 million turns)
    many = sample_variables("da") | {"invoices": sample_variables("da")["invoices"] * 150}
    started = time.monotonic()
    # Then the render stops at the work limit, quickly, instead of hanging
    with pytest.raises(TextRenderError) as refused:
        render_tenant_text(source, many, html=False)
    assert refused.value.kind == "limit" and "too much work" in str(refused.value)
    assert time.monotonic() - started < 5


def test_a_long_real_invoice_list_still_renders():
    # 500 invoices joined and looped over: real data is never refused for being many
    many = sample_variables("da") | {"invoices": sample_variables("da")["invoices"] * 250}
    text = render_tenant_text(
        "{{ invoices|length }} {% for i in invoices %}{{ i.id[-4:] }} {% endfor %}", many, html=False
    )
    assert text.startswith("500 0117 0142")


# ----------------------------------------------------------------- SMS segments and versions


def test_the_sms_segment_count_is_that_of_the_rendered_sample():
    source = "Hej {{ customer.name }}, vi mangler {{ total }}. Mvh {{ sender.name }}"
    rendered = render_tenant_text(source, sample_variables("da"), html=False)
    assert sms_segments(source, "da") == count_segments(rendered)
    assert sms_segments(source, "da").segments == 1
    assert sms_segments(source + " – tak", "da").encoding == "UCS-2"  # an en dash is outside GSM-7


def test_template_sms_segments_lists_each_language_with_an_sms_text():
    steps = [
        Step(name="Rykker 1", days=1, actions=["email"], texts={"da": StepTexts(subject="x")}),
        Step(
            name="Rykker 2",
            days=1,
            actions=["sms"],
            texts={"da": StepTexts(sms="{{ total }} " * 30), "en": StepTexts(sms="{{ total }}")},
        ),
    ]
    counted = {(s.step, s.language): s.segments for s in template_sms_segments(steps)}
    assert counted == {(2, "da"): 3, (2, "en"): 1}


def test_a_changed_text_is_a_changed_definition_and_a_used_version_never_changes():
    # Given a used version whose step has its own Danish subject
    step = Step(name="Rykker 1", days=4, actions=["email"], texts={"da": StepTexts(subject="Rykker")})
    used = TemplateVersion(name="standard", number=1, steps=(step,), used=True)
    same = TemplateDefinition(name="standard", steps=[step])
    changed = TemplateDefinition(
        name="standard", steps=[step.model_copy(update={"texts": {"da": StepTexts(subject="Påmindelse")}})]
    )
    # Then the same texts change nothing, and other texts become the next version
    assert decide_version(same, used).unchanged
    assert (decide_version(changed, used).number, decide_version(changed, used).creates_new_version) == (2, True)
    # And while unused, a changed text replaces the version in place
    unused = TemplateVersion(name="standard", number=1, steps=(step,), used=False)
    assert not decide_version(changed, unused).unchanged and decide_version(changed, unused).number == 1


# ----------------------------------------------------------------- scenarios


def test_a_scenario_with_valid_texts_is_accepted(tmp_path: Path):
    body = "\n".join("              " + line for line in EVERY_VARIABLE.replace("\\\n", "").splitlines())
    scenario = tmp_path / "texts.yaml"
    scenario.write_text(
        f"""tenant: acme
settings: {{default_template: standard}}
templates:
  - name: standard
    steps:
      - name: Rykker 1
        days: 4
        actions: [email, sms]
        texts:
          da:
            subject: "Påmindelse om {{{{ invoices|length }}}} ubetalte fakturaer"
            sms: "Hej {{{{ customer.name }}}}, vi mangler {{{{ total }}}}. Mvh {{{{ sender.name }}}}"
            body: |
{body}
simulate: {{start: 2026-01-10, end: 2026-01-11}}
""",
        encoding="utf-8",
    )
    assert load_scenario(scenario).templates[0].steps[0].texts["da"].body.startswith("Kære")


def test_a_scenario_with_a_bad_text_names_the_file_and_the_field(tmp_path: Path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(
        "tenant: acme\ntemplates:\n  - name: s\n    steps:\n"
        "      - {name: R1, days: 1, actions: [email], texts: {en: {subject: '{{ amount }}'}}}\n"
        "simulate: {start: 2026-01-10, end: 2026-01-11}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as refused:
        load_scenario(scenario)
    assert f"{scenario}: templates[0].steps[0].texts.en.subject: unknown variable 'amount'" in str(refused.value)
