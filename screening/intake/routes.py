"""The patient's questionnaire: start, one topic per page, check, consent, outcome."""

from __future__ import annotations

from datetime import date, time
from functools import wraps
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

import rules
from rules import AnswerError, RuleSet
from rules.dates import format_date
from rules.questions import Visit

from .. import invitations, mailer, notes
from ..access import PATIENT, PUBLIC, allow
from ..clock import clinic_today
from ..extensions import db
from ..findings import RESOLVED, notes_needed, save_uploaded_note, state_of
from ..invitations import INVITATION_KEY
from ..models import Draft, Status
from ..review.forms import NOTE_KIND_LABELS
from . import bp, service
from .consent import consent_for
from .forms import (
    NONE_OF_THESE,
    ConsentForm,
    StepForm,
    form_data_from_draft,
    step_form_class,
)
from .steps import (
    CHECK,
    CONSENT,
    QUESTION_STEPS,
    STEPS_BY_ID,
    TOTAL_PAGES,
    VISIT_FIELDS,
    next_step_id,
    page_number,
    previous_step_id,
    step_of_field,
)

SESSION_KEY = "intake_token"


def _see_other(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), code=303)


def with_draft(view):
    """Run ``view`` with the session's draft; send the patient to the right page otherwise."""

    @wraps(view)
    def wrapped(**kwargs):
        token = session.get(SESSION_KEY)
        draft = service.find_draft(token)
        if draft is None:
            return _see_other("intake.start")
        if draft.screening is not None:
            return _see_other("intake.result", token=token)
        if service.is_expired(draft):
            return _expired()
        return view(draft, **kwargs)

    return wrapped


def _expired() -> tuple[str, int]:
    session.pop(SESSION_KEY, None)
    return render_template("intake/expired.html"), 410


def _resume_url() -> str:
    return url_for("intake.resume", token=session[SESSION_KEY], _external=True)


def _visit(draft: Draft) -> Visit:
    today = clinic_today()
    appointment = draft.data.get("appointment_date")
    return Visit(
        today=today, appointment_date=date.fromisoformat(appointment) if appointment else date.max
    )


@bp.route("/", methods=["GET", "POST"])
@allow(PUBLIC)
def start():
    """What the questionnaire is for; starting it creates a draft and its resume link."""
    form = FlaskForm()
    if form.validate_on_submit():
        _, token = service.start_draft()
        session[SESSION_KEY] = token
        session.permanent = True
        return _see_other("intake.step", step_id=QUESTION_STEPS[0].id)
    existing = service.find_draft(session.get(SESSION_KEY))
    in_progress = (
        existing is not None and existing.screening is None and not service.is_expired(existing)
    )
    return render_template(
        "intake/start.html", form=form, resume_url=_resume_url() if in_progress else None
    )


def _step_form(draft: Draft, step_id: str) -> StepForm:
    """The page's form: on GET filled with the saved answers, on POST with what was sent only."""
    ruleset = service.ruleset_for(draft)
    locked = INVITATION_KEY in draft.data
    form_class = step_form_class(ruleset.treatment, ruleset.version, step_id, locked)
    saved = form_data_from_draft(draft.data, form_class) if request.method == "GET" else None
    form = form_class(data=saved)
    form.ruleset = ruleset
    form.visit = _visit(draft)
    form.known_answers = dict(draft.data)
    form.booked = _booking(draft) if locked else None
    return form


def _booking(draft: Draft) -> str:
    """The invited appointment, in words, for the pages where it cannot be changed."""
    title = dict(rules.treatments()).get(draft.data["treatment"], draft.data["treatment"])
    when = invitations.appointment_label(
        date.fromisoformat(draft.data["appointment_date"]),
        time.fromisoformat(draft.data["appointment_time"]),
    )
    return f"{title} on {when}"


def render_step(step_id: str, form: StepForm, extra_errors=(), status: int = 200):
    """A question page, with the error summary when there are errors."""
    previous = previous_step_id(step_id)
    return (
        render_template(
            "intake/step.html",
            step=STEPS_BY_ID[step_id],
            form=form,
            errors=[*extra_errors, *form.error_list()],
            page=page_number(step_id),
            total_pages=TOTAL_PAGES,
            back_url=url_for("intake.step", step_id=previous)
            if previous
            else url_for("intake.start"),
            resume_url=_resume_url(),
            returning=request.args.get("change") == "1" or form.return_to.data == CHECK,
            none_code=NONE_OF_THESE,
        ),
        status,
    )


@bp.route("/<step_id>", methods=["GET", "POST"])
@allow(PUBLIC)
@with_draft
def step(draft: Draft, step_id: str):
    """One topic's questions; "Continue" saves them and moves on (or back to the check page)."""
    if step_id not in STEPS_BY_ID:
        abort(404)
    if step_id not in ("about_you", "visit") and "treatment" not in draft.data:
        return _see_other("intake.step", step_id="visit")
    form = _step_form(draft, step_id)
    if request.method == "GET" and request.args.get("change") == "1":
        form.return_to.data = CHECK
    if form.validate_on_submit():
        service.save_answers(draft, form.values())
        target = CHECK if form.return_to.data == CHECK else next_step_id(step_id)
        if target == CHECK:
            return _see_other("intake.check")
        return _see_other("intake.step", step_id=target)
    return render_step(step_id, form)


def _display(field, value: Any) -> str:
    """An answer as the patient would read it back."""
    if value is None or value == "":
        return ""
    choices = {choice.value: choice.label for choice in getattr(field, "choices", None) or ()}
    if isinstance(value, list):
        return ", ".join(choices.get(code, code) for code in value) if value else "None of these"
    if value in choices:
        return choices[value]
    if field.render_kw and field.render_kw.get("type") == "date":
        return format_date(date.fromisoformat(value))
    return str(value)


@bp.get("/check")
@allow(PUBLIC)
@with_draft
def check(draft: Draft):
    """Every answer with a change link; problems left are listed with a link to fix each."""
    checked = service.review(draft)
    sections = []
    labels: dict[str, str] = {}
    for question_step in QUESTION_STEPS:
        form_class = step_form_class(
            checked.ruleset.treatment, checked.ruleset.version, question_step.id
        )
        form = form_class(data=form_data_from_draft(draft.data, form_class), meta={"csrf": False})
        rows = []
        locked = INVITATION_KEY in draft.data
        for name in question_step.field_names(checked.ruleset):
            if (
                name in checked.ruleset.questions_by_id
                and name not in checked.answers
                and name not in checked.errors
            ):
                continue  # a question that does not apply
            labels[name] = form[name].label.text
            rows.append(
                {
                    "id": name,
                    "label": form[name].label.text,
                    "value": _display(form[name], draft.data.get(name)),
                    "error": (checked.errors.get(name) or [None])[0],
                    "change_url": None
                    if locked and name in VISIT_FIELDS
                    else url_for("intake.step", step_id=question_step.id, change="1") + f"#{name}",
                }
            )
        sections.append({"title": question_step.title, "rows": rows})
    errors = [
        (f"row-{name}", f"{labels.get(name, name)}: {messages[0]}")
        for name, messages in checked.errors.items()
    ]
    return render_template(
        "intake/check.html",
        sections=sections,
        errors=errors,
        page=page_number(CHECK),
        total_pages=TOTAL_PAGES,
        resume_url=_resume_url(),
    )


@bp.route("/consent", methods=["GET", "POST"])
@allow(PUBLIC)
@with_draft
def consent(draft: Draft):
    """The treatment's consent text, a consent box and a typed signature; then submit once."""
    checked = service.review(draft)
    if checked.errors:
        return _see_other("intake.check")
    form = ConsentForm()
    if form.validate_on_submit():
        record = service.ConsentRecord(
            signature=form.signature.data,
            ip_address=request.remote_addr or "",
            user_agent=request.user_agent.string,
        )
        try:
            service.submit(draft, record)
        except AnswerError:
            return _see_other("intake.check")
        return _see_other("intake.result", token=session[SESSION_KEY])
    return render_consent(form, checked.ruleset)


def render_consent(form: ConsentForm, ruleset: RuleSet, extra_errors=(), status: int = 200):
    """The consent page."""
    return (
        render_template(
            "intake/consent.html",
            form=form,
            document=consent_for(ruleset.treatment),
            errors=[*extra_errors, *form.error_list()],
            page=page_number(CONSENT),
            total_pages=TOTAL_PAGES,
            resume_url=_resume_url(),
        ),
        status,
    )


@bp.post("/email-link")
@allow(PUBLIC)
@with_draft
def email_link(draft: Draft):
    """Email the patient their own resume link (names and the link only)."""
    if FlaskForm().validate_on_submit():
        address = draft.data.get("email")
        if not (mailer.mail_enabled() and address):
            flash("We can't email the link: copy it from this page instead.")
        else:
            try:
                mailer.send_mail(
                    address,
                    f"Your answers for {current_app.config['CLINIC_NAME']}",
                    f"Hello {draft.data.get('first_name', '')},\n\nTo finish your answers, open "
                    f"this link within 7 days:\n\n{_resume_url()}\n\nKeep it private: anyone "
                    "with the link can see your answers.\n",
                )
                flash(f"We emailed the link to {address}.")
            except OSError:
                flash("We couldn't send the email just now: copy the link from this page.")
    return redirect(
        request.referrer if _same_site(request.referrer) else url_for("intake.check"), code=303
    )


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url + "intake/")


@bp.get("/invite/<token>")
@allow(PATIENT)
def invitation(token: str):
    """An invitation link: swap its one-time token for a session, then leave the token's URL."""
    claimed = invitations.redeem(token)
    if claimed is None:
        # Used, expired, altered or guessed: the same answer, telling nothing.
        return render_template("intake/invitation_refused.html"), 404
    draft, draft_token = service.start_draft(invitations.prefilled_data(claimed))
    claimed.draft_id = draft.id
    db.session.commit()
    session[SESSION_KEY] = draft_token
    session.permanent = True
    return _see_other("intake.step", step_id=QUESTION_STEPS[0].id)


@bp.get("/resume/<token>")
@allow(PATIENT)
def resume(token: str):
    """The patient's own link: continue the questionnaire, or see the outcome once submitted."""
    draft = service.find_draft(token)
    if draft is None:
        return render_template("intake/unknown_link.html"), 404
    if draft.screening is not None:
        return _see_other("intake.result", token=token)
    if service.is_expired(draft):
        return _expired()
    session[SESSION_KEY] = token
    session.permanent = True
    checked = service.review(draft)
    for name in checked.errors:
        try:
            return _see_other("intake.step", step_id=step_of_field(name, checked.ruleset).id)
        except KeyError:
            continue
    return _see_other("intake.check")


@bp.get("/result/<token>")
@allow(PATIENT)
def result(token: str):
    """The outcome in the patient's words; reachable only through the patient's own link."""
    draft = service.find_draft(token)
    if draft is None or draft.screening is None:
        return render_template("intake/unknown_link.html"), 404
    return render_result(token, draft.screening)


def render_result(token: str, screening, upload_error: str | None = None, status: int = 200):
    """The outcome page, with the note upload while a note is needed."""
    needed = notes_needed(screening)
    # What the patient is told follows the clinic's decisions, not only the first evaluation.
    if screening.status == Status.CLEARED:
        shown = "clear"
    elif screening.status in (Status.RESCHEDULE, Status.NOT_ELIGIBLE):
        shown = "reschedule"
    else:
        shown = "needs_clearance"
    states = screening.finding_states
    return (
        render_template(
            "intake/result.html",
            screening=screening,
            shown=shown,
            token=token,
            appointment=format_date(screening.appointment_date),
            earliest=format_date(screening.earliest_date) if screening.earliest_date else None,
            findings=[
                f
                for f in screening.findings
                if f["outcome"] != "advice" and state_of(states, f) != RESOLVED
            ],
            advice=[f for f in screening.findings if f["outcome"] == "advice"],
            instructions=screening.instructions,
            notes_needed=needed,
            note_kind_labels=NOTE_KIND_LABELS,
            notes_received=[n for n in screening.notes if not n.on_paper],
            upload_error=upload_error,
            upload_form=FlaskForm(),
        ),
        status,
    )


@bp.post("/result/<token>/notes")
@allow(PATIENT)
def upload_note(token: str):
    """The patient uploads the note a finding needs (a provider's or a prescriber's)."""
    draft = service.find_draft(token)
    if draft is None or draft.screening is None:
        return render_template("intake/unknown_link.html"), 404
    screening = draft.screening
    kind = request.form.get("kind", "")
    needed = notes_needed(screening)
    if kind not in needed:
        kind = needed[0] if len(needed) == 1 else ""
    try:
        if not kind:
            raise notes.NoteRejected("Choose which note you are sending")
        save_uploaded_note(screening, kind, request.files.get("file"), None)
    except notes.NoteRejected as rejected:
        return render_result(token, screening, upload_error=str(rejected), status=400)
    flash("Thank you: we have your note. A nurse will check it before your appointment.")
    return _see_other("intake.result", token=token)


_TIMED_OUT = (
    "main-submit",
    "This page timed out before it was sent. Your answers are shown below: check them and "
    "select the button again.",
)


def rerender_after_csrf_failure():
    """On a failed CSRF check, show the page again with what the patient typed, or ``None``."""
    draft = service.find_draft(session.get(SESSION_KEY))
    if draft is None or draft.screening is not None or service.is_expired(draft):
        return None
    if request.endpoint == "intake.step" and request.view_args["step_id"] in STEPS_BY_ID:
        step_id = request.view_args["step_id"]
        # Built from what was sent but not validated; it renders a fresh CSRF token.
        form = _step_form(draft, step_id)
        return render_step(step_id, form, extra_errors=[_TIMED_OUT], status=400)
    if request.endpoint == "intake.consent":
        form = ConsentForm()
        return render_consent(
            form, service.ruleset_for(draft), extra_errors=[_TIMED_OUT], status=400
        )
    return None
