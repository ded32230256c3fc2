"""Questionnaire page: the heaviest page's GET (in-process, the app's test client) against a
baseline page with the same fields written as plain Jinja markup, served by a route of the
same app that loads the same draft."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bench.common import app_config, init_db, make_app, median, percentile, timed

GETS = 300
GOAL_RATIO = 0.8
TREATMENT_STEPS = ("about_you", "visit", "pregnancy", "health", "medicines", "skin", "feeling")


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


def baseline_template(page: str, action: str) -> str:
    """The real page's markup, with its form's fields written as plain Jinja markup."""
    from loadtest import _FORM, form_fields, form_html

    inner = form_html(page, action)
    fields = "".join(_field_markup(n, s) for n, s in form_fields(inner).items())
    start = page.index(inner)
    end = start + len(inner)
    for match in _FORM.finditer(page):
        if match.group(2) == inner:
            break
    raw = "{% raw %}" + page[:start] + "{% endraw %}"
    return raw + fields + "{% raw %}" + page[end:] + "{% endraw %}"


def add_baseline_route(app, templates: dict[str, str], fields: dict[str, dict]) -> None:
    from flask import session

    from rules.questions import TOPICS  # noqa: F401  (loads the catalog)
    from screening.intake import service
    from screening.intake.routes import SESSION_KEY

    compiled = {}

    def plain(step_id: str):
        if step_id not in compiled:  # compiled once, as render_template's loader caches
            compiled[step_id] = app.jinja_env.from_string(templates[step_id])
        draft = service.find_draft(session.get(SESSION_KEY))
        data = draft.data
        labels = {name: name.replace("_", " ").capitalize() for name in fields[step_id]}
        options = {
            name: {value: value.replace("_", " ").capitalize() for value in spec["values"]}
            for name, spec in fields[step_id].items()
        }
        hidden = {name: (spec["values"] or [""])[0] for name, spec in fields[step_id].items()}
        return compiled[step_id].render(labels=labels, options=options, answers=data, hidden=hidden)

    from screening.access import PUBLIC, allow

    app.add_url_rule("/__bench/plain/<step_id>", "bench_plain", allow(PUBLIC)(plain))


def run(gets: int = GETS) -> dict:
    from loadtest import form_fields, form_html

    from tests.intake.patient import Patient

    directory = Path(tempfile.mkdtemp(prefix="preclear-bench-page-"))
    try:
        app = make_app(app_config(directory))
        templates: dict[str, str] = {}
        fields: dict[str, dict] = {}
        add_baseline_route(app, templates, fields)  # before the first request; filled below
        init_db(app)
        patient = Patient(app.test_client())
        patient.start()
        patient.answer_all()
        client = patient.client
        # The heaviest page: the most inputs (timings, noisy on a shared machine, break ties).
        timings = {}
        pages = {}
        for step in TREATMENT_STEPS:
            response = client.get(f"/intake/{step}")
            assert response.status_code == 200, (step, response.status_code)
            pages[step] = response.text
            timings[step] = median(timed(lambda s=step: client.get(f"/intake/{s}"), 30))
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
        templates[heaviest] = baseline_template(pages[heaviest], action)
        fields[heaviest] = form_fields(form_html(pages[heaviest], action))
        assert client.get(f"/__bench/plain/{heaviest}").status_code == 200
        for _ in range(20):
            client.get(action)
            client.get(f"/__bench/plain/{heaviest}")
        real = timed(lambda: client.get(action), gets)
        plain = timed(lambda: client.get(f"/__bench/plain/{heaviest}"), gets)
        ratio = median(plain) / median(real)  # throughput ratio = inverse time ratio
        return {
            "page": heaviest,
            "fields": len(fields[heaviest]),
            "inputs": inputs[heaviest],
            "gets": gets,
            "app": {
                "p50_ms": round(median(real) * 1000, 2),
                "p99_ms": round(percentile(real, 0.99) * 1000, 2),
                "per_s": round(1 / median(real), 1),
            },
            "baseline": {
                "p50_ms": round(median(plain) * 1000, 2),
                "p99_ms": round(percentile(plain, 0.99) * 1000, 2),
                "per_s": round(1 / median(plain), 1),
            },
            "page_medians_ms": {k: round(v * 1000, 2) for k, v in timings.items()},
            "ratio": round(ratio, 2),
            "goal_ratio": GOAL_RATIO,
            "pass": ratio >= GOAL_RATIO,
        }
    finally:
        shutil.rmtree(directory, ignore_errors=True)
