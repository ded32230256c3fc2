"""Questionnaire page: the heaviest page's GET (in-process, the app's test client) against a
baseline page with the same fields written as plain Jinja markup, served by a route of the
same app that loads the same draft.

The baseline is the very page, ``intake/step.html`` rendered by ``render_template`` with the
context the step view gives it, but for its ``fields`` block: there each field is written as
plain Jinja markup (a loop over its options, ``checked`` by a comparison), in place of the
step's WTForms form written by the macros of ``_forms.html``. The run checks that the two pages
are the same outside that block.

For information it also times a stricter baseline, whose layout is the real page's markup kept
as text (fresh only in its CSRF tokens and script nonce, which a page must write anew to work):
that figure adds the cost of rendering the layout to the fields'.

For information only: the goal against the plain markup was retired (issue 17), since
rendering is about a millisecond of a page a phone waits hundreds of milliseconds for.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from bench.common import app_config, init_db, make_app, median, percentile

GETS = 300
TREATMENT_STEPS = ("about_you", "visit", "pregnancy", "health", "medicines", "skin", "feeling")
WRITTEN_BY_THE_PAGE = ("csrf_token", "return_to")  # step.html's own inputs, outside the block
PLAIN = "/__bench/plain/"
FROZEN = "/__bench/frozen/"

# What a working page writes afresh on each view, as Jinja writes it.
_FRESH = (
    (
        re.compile(r'(name="csrf_token"[^>]*value=")[^"]*'),
        r"\1{% endraw %}{{ csrf_token() }}{% raw %}",
    ),
    (re.compile(r'(nonce=")[^"]*'), r"\1{% endraw %}{{ csp_nonce() }}{% raw %}"),
)
# A page's form fields, between step.html's own inputs and its Continue button.
_FIELDS = re.compile(r'(name="return_to"[^>]*>).*?(<button)', re.S)


def _field_markup(name: str, spec: dict) -> str:
    """One field as plain markup: labels and answers from the view's dicts."""
    kind, values = spec["type"], spec["values"]
    if kind == "hidden":
        return f'<input type="hidden" name="{name}" value="{{{{ hidden["{name}"] }}}}">\n'
    if kind in ("radio", "checkbox"):
        test = "==" if kind == "radio" else "in"
        out = [f'<fieldset><legend>{{{{ labels["{name}"] }}}}</legend>\n']
        for number, value in enumerate(values):
            selected = (
                f'"{value}" == answers.get("{name}")'
                if test == "=="
                else f'"{value}" in answers.get("{name}", ())'
            )
            out.append(
                f'<div class="choice"><input type="{kind}" id="{name}-{number}" name="{name}" '
                f'value="{value}"{{% if {selected} %}} checked{{% endif %}}>'
                f'<label for="{name}-{number}">{{{{ options["{name}"]["{value}"] }}}}</label>'
                "</div>\n"
            )
        out.append("</fieldset>\n")
        return "".join(out)
    if kind == "select":
        return (
            f'<label for="{name}">{{{{ labels["{name}"] }}}}</label><select id="{name}" '
            f'name="{name}">{{% for code, text in options["{name}"].items() %}}'
            f'<option value="{{{{ code }}}}"{{% if code == answers.get("{name}") %}} selected'
            "{% endif %}>{{ text }}</option>{% endfor %}</select>\n"
        )
    return (
        f'<label for="{name}">{{{{ labels["{name}"] }}}}</label><input type="{kind}" '
        f'id="{name}" name="{name}" value="{{{{ answers.get("{name}", "") }}}}">\n'
    )


def question_fields(page: str, action: str) -> dict[str, dict]:
    """The fields of the page's form that ask something (not its token or return address)."""
    from loadtest import form_fields, form_html

    fields = form_fields(form_html(page, action))
    return {name: spec for name, spec in fields.items() if name not in WRITTEN_BY_THE_PAGE}


def baseline_template(fields: dict[str, dict]) -> str:
    """The step page with its ``fields`` block written as plain Jinja markup."""
    plain = "".join(_field_markup(name, spec) for name, spec in fields.items())
    return '{% extends "intake/step.html" %}{% block fields %}' + plain + "{% endblock %}"


def frozen_layout_template(page: str, action: str, fields: dict[str, dict]) -> str:
    """The real page's markup kept as text, but for its tokens and nonce, with its form's
    fields written as plain Jinja markup."""
    written = _FIELDS.search(page, page.index(f'action="{action}"'))
    plain = "".join(_field_markup(name, spec) for name, spec in fields.items())
    return _raw(page[: written.end(1)]) + plain + _raw(page[written.start(2) :])


def _raw(markup: str) -> str:
    """Written page markup as a Jinja template: kept as it is, but for its tokens and nonces."""
    raw = "{% raw %}" + markup + "{% endraw %}"
    for pattern, fresh in _FRESH:
        raw = pattern.sub(fresh, raw)
    return raw


def add_baseline_routes(app, templates: dict[str, dict[str, str]], fields: dict[str, dict]):
    """``/__bench/plain/<step>`` and ``/__bench/frozen/<step>``: the baselines of a step page,
    once ``templates`` and ``fields`` hold it, for the session's draft (as the step view)."""
    from flask import render_template, session

    from screening.access import PUBLIC, allow
    from screening.intake import service
    from screening.intake.routes import SESSION_KEY, _progress
    from screening.intake.steps import STEPS_BY_ID, previous_step_id
    from screening.outreach.mailer import mail_enabled

    compiled = {}

    def view_data(step_id: str) -> dict:
        spec = fields[step_id]
        return {
            "labels": {name: name.replace("_", " ").capitalize() for name in spec},
            "options": {
                name: {value: value.replace("_", " ").capitalize() for value in field["values"]}
                for name, field in spec.items()
            },
            "hidden": {name: (field["values"] or [""])[0] for name, field in spec.items()},
        }

    def template(kind: str, step_id: str):
        if (kind, step_id) not in compiled:  # compiled once, as render_template's loader caches
            compiled[kind, step_id] = app.jinja_env.from_string(templates[kind][step_id])
        return compiled[kind, step_id]

    def plain(step_id: str):
        draft = service.find_draft(session.get(SESSION_KEY))
        chosen = service.chosen_ruleset(draft)
        return render_template(
            template("plain", step_id),
            step=STEPS_BY_ID[step_id],
            booked=None,
            errors=[],
            **_progress(draft, step_id),  # as the step view counts its pages
            previous=previous_step_id(step_id, chosen),
            returning=False,
            mail_enabled=mail_enabled(),  # the intake blueprint's context, this route being outside
            answers=draft.data,
            **view_data(step_id),
        )

    def frozen(step_id: str):
        draft = service.find_draft(session.get(SESSION_KEY))
        return template("frozen", step_id).render(answers=draft.data, **view_data(step_id))

    app.add_url_rule(PLAIN + "<step_id>", "bench_plain", allow(PUBLIC)(plain))
    app.add_url_rule(FROZEN + "<step_id>", "bench_frozen", allow(PUBLIC)(frozen))


def _outside_the_fields(page: str) -> str:
    """A page without its form's fields, tokens and nonce, which may differ between views."""
    for pattern, _ in _FRESH:
        page = pattern.sub(r"\1", page)
    return _FIELDS.sub(r"\1\2", page)


def _check_baselines(client, page: str, step: str) -> None:
    """Both baselines work as the real page does (a fresh token in each form, the header's
    nonce on the script); the plain one is the real page outside the fields."""
    for address in (PLAIN, FROZEN):
        response = client.get(address + step)
        assert response.status_code == 200, (address, response.status_code)
        nonces = set(re.findall(r'nonce="([^"]+)"', response.text))
        policy = response.headers["Content-Security-Policy"]
        assert nonces == {re.search(r"'nonce-([^']+)'", policy)[1]}, address
        tokens = re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', response.text)
        assert len(tokens) == page.count('name="csrf_token"'), address
        # The language switch returns to the page it is on.
        same = response.text.replace(f"next={address}{step}", f"next=/intake/{step}")
        assert _outside_the_fields(same) == _outside_the_fields(page), address


def _timed_in_turn(calls: dict[str, object], count: int) -> dict[str, list[float]]:
    """Seconds each call took, ``count`` times each, taking turns so that the machine's
    moments of load fall on all alike."""
    import time

    seconds: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(count):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            seconds[name].append(time.perf_counter() - started)
    return seconds


def _figures(seconds: list[float]) -> dict:
    return {
        "p50_ms": round(median(seconds) * 1000, 2),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 2),
        "per_s": round(1 / median(seconds), 1),
    }


def run(gets: int = GETS) -> dict:
    from loadtest import form_fields, form_html

    from tests.intake.patient import Patient

    directory = Path(tempfile.mkdtemp(prefix="preclear-bench-page-"))
    try:
        app = make_app(app_config(directory))
        templates: dict[str, dict[str, str]] = {"plain": {}, "frozen": {}}
        fields: dict[str, dict] = {}
        add_baseline_routes(app, templates, fields)  # before the first request; filled below
        init_db(app)
        patient = Patient(app.test_client())
        patient.start()
        patient.answer_all()
        client = patient.client
        # The heaviest page: the most inputs (timings, noisy on a shared machine, break ties).
        pages = {}
        for step in TREATMENT_STEPS:
            response = client.get(f"/intake/{step}")
            assert response.status_code == 200, (step, response.status_code)
            pages[step] = response.text
        timings = {
            step: median(seconds)
            for step, seconds in _timed_in_turn(
                {step: lambda s=step: client.get(f"/intake/{s}") for step in pages}, 30
            ).items()
        }
        inputs = {
            step: sum(
                max(1, len(spec["values"]))
                for spec in form_fields(form_html(page, f"/intake/{step}")).values()
                if spec["type"] != "hidden"
            )
            for step, page in pages.items()
        }
        heaviest = max(timings, key=lambda step: (inputs[step], timings[step]))
        action = f"/intake/{heaviest}"
        fields[heaviest] = question_fields(pages[heaviest], action)
        templates["plain"][heaviest] = baseline_template(fields[heaviest])
        templates["frozen"][heaviest] = frozen_layout_template(
            pages[heaviest], action, fields[heaviest]
        )
        _check_baselines(client, pages[heaviest], heaviest)
        calls = {
            "app": lambda: client.get(action),
            "plain": lambda: client.get(PLAIN + heaviest),
            "frozen": lambda: client.get(FROZEN + heaviest),
        }
        _timed_in_turn(calls, 20)  # warm up
        seconds = _timed_in_turn(calls, gets)
        # Throughput ratio: the inverse of the time ratio.
        ratio = median(seconds["plain"]) / median(seconds["app"])
        frozen_ratio = median(seconds["frozen"]) / median(seconds["app"])
        return {
            "page": heaviest,
            "fields": len(fields[heaviest]),
            "inputs": inputs[heaviest],
            "gets": gets,
            "app": _figures(seconds["app"]),
            "baseline": _figures(seconds["plain"]),
            "page_medians_ms": {k: round(v * 1000, 2) for k, v in timings.items()},
            "ratio": round(ratio, 2),
            # For information: against the layout kept as text (see the module's docstring).
            "frozen_layout": {**_figures(seconds["frozen"]), "ratio": round(frozen_ratio, 2)},
        }
    finally:
        shutil.rmtree(directory, ignore_errors=True)
