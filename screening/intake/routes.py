"""The patient's questionnaire: start, one topic per page, check, consent, outcome."""

from __future__ import annotations

from datetime import date, time
from functools import cache, wraps
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
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response
from wtforms import HiddenField

import rules
from rules import TREATMENTS, AnswerError, Ends, Question, RuleSet, consent_for
from rules.i18n import LANGUAGES
from rules.messages import NOT_ASKED
from rules.questions import Visit

from .. import audit, notes
from ..access import PATIENT, PUBLIC, allow
from ..check_in import recheck_offered, recheck_opens, record_recheck
from ..clearance import UploadsLimited, notes_needed, save_uploaded_note
from ..clinic_calendar import clinic_calendar
from ..clock import clinic_date, clinic_today
from ..extensions import db, limiter
from ..findings import DecisionRefused, StaleScreening, comparison_pending, ends_of
from ..i18n import LANGUAGE_KEY, current_language, patient_date, rule_text, safe_return_path
from ..lifecycle import FINAL, is_open
from ..models import Draft, Screening, Status, token_hash
from ..new_dates import offer_for, requests_of
from ..outreach import invitations, mailer, outbox
from ..outreach.invitations import INVITATION_KEY
from ..retention import outcome_link_ended
from . import bp, limits, service
from .date_field import MemorableDateField, focus_id, input_names, typed_formdata
from .forms import (
    NONE_OF_THESE,
    AnswersByBirthDateForm,
    ConsentForm,
    NewDateForm,
    StepForm,
    form_data_from_draft,
    question_field,
    step_form_class,
)
from .steps import (
    CHECK,
    CONSENT,
    FIRST_STEPS,
    STEPS_BY_ID,
    VISIT_FIELDS,
    next_step_id,
    previous_step_id,
    question_page_number,
    question_pages,
    steps_for,
)

SESSION_KEY = "intake_token"
NOTE_KIND_LABELS = {
    "provider_note": _l("Signed note from the primary care provider"),
    "prescriber_note": _l("Note from the prescriber"),
}


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
        if invitations.visit_cancelled(draft):
            return _visit_cancelled()
        return view(draft, **kwargs)

    return wrapped


def _expired(token: str | None = None) -> tuple[str, int]:
    # The session forgets its draft once expired; a link to another draft leaves it be.
    if token is None or session.get(SESSION_KEY) == token:
        session.pop(SESSION_KEY, None)
    return render_template("intake/expired.html"), 410


def _visit_cancelled() -> tuple[str, int]:
    # The clinic cancelled the invited visit before the questionnaire was sent.
    return render_template("intake/cancelled.html"), 410


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
@limits.drafts()
def start():
    """What the questionnaire is for; starting it creates a draft and its resume link."""
    form = FlaskForm()
    if form.validate_on_submit():
        _, token = service.start_draft()
        session[SESSION_KEY] = token
        session.permanent = True
        return _see_other("intake.step", step_id=FIRST_STEPS[0].id)
    existing = service.find_draft(session.get(SESSION_KEY))
    in_progress = (
        existing is not None and existing.screening is None and not service.is_expired(existing)
    )
    return render_template(
        "intake/start.html", form=form, resume_url=_resume_url() if in_progress else None
    )


def _step_form(draft: Draft, step_id: str) -> StepForm:
    """The page's form, holding what was sent, to check it (a page is shown without one)."""
    ruleset = service.ruleset_for(draft)
    locked = INVITATION_KEY in draft.data
    form = step_form_class(ruleset.treatment, ruleset.version, step_id, locked)()
    form.ruleset = ruleset
    form.visit = _visit(draft)
    form.known_answers = dict(draft.data)
    return form


def _booking(data: dict[str, Any]) -> str:
    """The invited appointment, in words, for the pages where it cannot be changed: from a
    draft's data or an invitation's (``invitations.prefilled_data``)."""
    title = dict(rules.treatments()).get(data["treatment"], data["treatment"])
    day = patient_date(date.fromisoformat(data["appointment_date"]))
    at = data.get("appointment_time")
    if not at:
        return gettext("%(treatment)s on %(date)s", treatment=rule_text(title), date=day)
    return gettext(
        "%(treatment)s on %(date)s at %(time)s",
        treatment=rule_text(title),
        date=day,
        time=f"{time.fromisoformat(at):%H:%M}",
    )


def _progress(draft: Draft, page_id: str) -> dict[str, int | None]:
    """The numbers of "Question page N of M" among the treatment's question pages; none until
    a treatment is chosen (how many pages there are depends on it), nor on check your answers
    and consent."""
    chosen = service.chosen_ruleset(draft)
    if chosen is None:
        return {"page": None, "total_pages": None}
    return {"page": question_page_number(page_id, chosen), "total_pages": question_pages(chosen)}


LEAVE = "leave"  # the page's buttons other than Continue: "later", or SWITCH_TO + a language
SWITCH_TO = "language:"


def _keep_what_was_sent(draft: Draft, step_id: str, form: StepForm) -> None:
    """Save the page's answers that are valid as they were sent, and keep the text of the others
    to show again (never read as answers): a patient leaving a page halfway loses nothing."""
    form.validate()
    sent = set(request.form)
    questions = form.ruleset.questions_by_id
    # A follow-up whose question is not validly answered is not judged: kept as typed too.
    unjudged = {
        name
        for name, question in questions.items()
        if question.applies_when is not None and question.applies_when.question in form.errors
    }
    not_answers = set(form.errors) | unjudged
    valid = {
        name: value
        for name, value in form.values().items()
        if sent.intersection(input_names(form[name])) and name not in not_answers
    }
    typed = {
        name: form[name].raw_data
        for name in not_answers
        if name in form and sent.intersection(input_names(form[name]))
    }
    service.save_answers(draft, valid, typed={step_id: typed})


def _say_pages_changed(before: RuleSet | None, after: RuleSet | None) -> None:
    """After a change of treatment, how many question pages it added or took away, said on the
    next page (the message names no treatment: it travels in the session's cookie)."""
    if before is None or after is None or before.treatment == after.treatment:
        return
    change = question_pages(after) - question_pages(before)
    if change > 0:
        flash(
            ngettext(
                "The new treatment added %(num)d question page.",
                "The new treatment added %(num)d question pages.",
                change,
            )
        )
    elif change < 0:
        flash(
            ngettext(
                "The new treatment has %(num)d question page fewer.",
                "The new treatment has %(num)d question pages fewer.",
                -change,
            )
        )


def _step_url(step_id: str, **values: Any) -> str:
    return (
        url_for("intake.check")
        if step_id == CHECK
        else url_for("intake.step", step_id=step_id, **values)
    )


def render_step(
    draft: Draft, step_id: str, form: StepForm | None = None, extra_errors=(), status: int = 200
):
    """A question page showing the saved answers, or with ``form`` what was sent and its
    errors, with the error summary when there are errors."""
    data = draft.data
    chosen = service.chosen_ruleset(draft)
    ruleset = chosen or service.ruleset_for(draft)
    locked = INVITATION_KEY in data
    if form is None:
        form_class = step_form_class(ruleset.treatment, ruleset.version, step_id, locked)
        form = form_class(formdata=None, data=form_data_from_draft(data, form_class))
        # What was typed but not valid when the patient left the page, shown as typed.
        for name, values in service.typed_on(draft, step_id).items():
            if name in form:
                form[name].process(typed_formdata(form[name], values))
        errors = []
    else:
        errors = form.error_list()
    questions = ruleset.questions_by_id
    fields = [
        (field, _controlling_question(questions.get(field.name)))
        for field in form
        if field.name not in ("csrf_token", "return_to")
    ]
    return (
        render_template(
            "intake/step.html",
            step=STEPS_BY_ID[step_id],
            fields=fields,
            none_of_these=NONE_OF_THESE,
            # Only the visit page shows the invited appointment (its treatment and date).
            booked=_booking(draft.data) if locked and step_id == "visit" else None,
            errors=[*extra_errors, *errors],
            **_progress(draft, step_id),
            # The page "Back" leads to; the start page before the first.
            previous=previous_step_id(step_id, chosen),
            returning=request.args.get("change") == "1" or form.return_to.data == CHECK,
        ),
        status,
    )


def _controlling_question(question: Question | None) -> str | None:
    """The question whose answer says whether ``question`` is asked, if any (the page's script
    shows and hides it)."""
    condition = question.applies_when if question is not None else None
    return condition.question if condition is not None else None


@bp.route("/<step_id>", methods=["GET", "POST"])
@allow(PUBLIC)
@with_draft
def step(draft: Draft, step_id: str):
    """One topic's questions; "Continue" saves them and moves on (or back to the check page).

    A topic the treatment does not ask about has no page: its address leads on to the
    treatment's next page.
    """
    if step_id not in STEPS_BY_ID:
        abort(404)
    chosen = service.chosen_ruleset(draft)
    if STEPS_BY_ID[step_id] not in steps_for(chosen):
        if chosen is None:
            return _see_other("intake.step", step_id="visit")
        return redirect(_step_url(next_step_id(step_id, chosen)), code=303)
    if request.method != "POST":
        return render_step(draft, step_id)  # the saved answers
    form = _step_form(draft, step_id)
    leaving = request.form.get(LEAVE, "")
    if leaving:
        # "Finish later" or the language switch: nothing on the page is lost on the way.
        _keep_what_was_sent(draft, step_id, form)
        returning = {"change": "1"} if form.return_to.data == CHECK else {}
        language = leaving.removeprefix(SWITCH_TO)
        if leaving.startswith(SWITCH_TO) and language in LANGUAGES:
            session[LANGUAGE_KEY] = language
            return _see_other("intake.step", step_id=step_id, **returning)
        return _see_other("intake.later", back=step_id, **returning)
    if form.validate_on_submit():
        service.save_answers(draft, form.values(), sent_from=step_id)
        _say_pages_changed(chosen, service.chosen_ruleset(draft))
        if service.settled(draft):
            # Told at once, not after the pages left and a consent to sign.
            return _see_other("intake.cannot_go_ahead", back=step_id)
        if form.return_to.data == CHECK:
            # A change can bring new questions (a new treatment asks its own): ask those
            # first, each page returning here until none is left, then check your answers.
            unasked = service.first_step_to_answer(draft, skip=step_id)
            if unasked is None:
                return _see_other("intake.check")
            return _see_other("intake.step", step_id=unasked.id, change="1")
        return redirect(_step_url(next_step_id(step_id, service.chosen_ruleset(draft))), code=303)
    return render_step(draft, step_id, form)


def _display(field, value: Any, optional: bool = False) -> str:
    """An answer as the patient would read it back."""
    if value is None or value == "":
        return gettext("Not given") if optional else ""
    choices = {choice.value: str(choice.label) for choice in getattr(field, "choices", None) or ()}
    if isinstance(value, list):
        if not value:
            return gettext("None of these")
        return ", ".join(choices.get(code, code) for code in value)
    if value in choices:
        return choices[value]
    if isinstance(field, MemorableDateField) or (
        field.render_kw and field.render_kw.get("type") == "date"
    ):
        return patient_date(date.fromisoformat(value))
    return str(value)


def _message(text: str) -> str:
    """A message from the rules' checks or from the service, in the patient's language."""
    if text == service.NOT_ANSWERED:
        return gettext("Not answered yet")
    return rule_text(text)


@bp.get("/check")
@allow(PUBLIC)
@with_draft
def check(draft: Draft):
    """Every answer of the treatment's questions with a change link; problems left are listed
    with a link to fix each."""
    checked = service.review(draft)
    ruleset = checked.ruleset
    applicable = {q.id for q in service.applicable_questions(ruleset, draft.data)}
    locked = INVITATION_KEY in draft.data
    steps = service.steps_of(draft)
    sections = []
    labels: dict[str, str] = {}
    for question_step in steps:
        form_class = step_form_class(ruleset.treatment, ruleset.version, question_step.id)
        form = form_class(data=form_data_from_draft(draft.data, form_class), meta={"csrf": False})
        rows = []
        for name in question_step.field_names(ruleset):
            question = ruleset.questions_by_id.get(name)
            if question is not None and name not in applicable:
                continue  # a question that does not apply
            label = (
                rule_text(question.label) if question is not None else str(form[name].label.text)
            )
            labels[name] = label
            rows.append(
                {
                    "id": name,
                    "label": label,
                    "value": _display(
                        form[name],
                        draft.data.get(name),
                        optional=question is not None and not question.required,
                    ),
                    "error": _message(checked.errors[name][0])
                    if checked.errors.get(name)
                    else None,
                    "change_url": None
                    if locked and name in VISIT_FIELDS
                    else url_for("intake.step", step_id=question_step.id, change="1")
                    + f"#{focus_id(form[name])}",
                }
            )
        sections.append({"title": rule_text(question_step.title), "rows": rows})
    # Before a treatment is chosen, only its pages' problems are listed: the other questions
    # are asked once the treatment is known.
    errors = [
        (f"row-{name}", f"{labels[name]}: {_message(messages[0])}")
        for name, messages in checked.errors.items()
        if name in labels
    ]
    return render_template(
        "intake/check.html",
        sections=sections,
        errors=errors,
        ready=not checked.errors,
        settled=bool(service.settled(draft)),
        **_progress(draft, CHECK),
        back_url=url_for("intake.step", step_id=steps[-1].id),
    )


@bp.get("/later")
@allow(PUBLIC)
@with_draft
def later(draft: Draft):
    """Finish later: the answers are saved; the patient's own link to copy, open or have
    emailed, and the way back to the page they left."""
    back = request.args.get("back", "")
    if back in STEPS_BY_ID:
        returning = {"change": "1"} if request.args.get("change") == "1" else {}
        back_url = url_for("intake.step", step_id=back, **returning)
    elif back == CONSENT:
        back_url = url_for("intake.consent")
    else:
        back_url = url_for("intake.check")
    return render_template(
        "intake/later.html",
        resume_url=_resume_url(),
        back_url=back_url,
        works_until=patient_date(clinic_date(draft.expires_at)),
    )


@bp.route("/cannot-go-ahead", methods=["GET", "POST"])
@allow(PUBLIC)
@with_draft
def cannot_go_ahead(draft: Draft):
    """The answers already settle that the visit cannot go ahead as booked: said at once, with
    what to do next. The patient may send the answers given so far (no consent to sign), or
    change an answer, which then waits for a nurse (``service.remember_told``)."""
    language = current_language()
    findings = service.settled(draft, language)
    if not findings:
        return _continue(draft)
    form = FlaskForm()
    if form.validate_on_submit():
        refusal = limits.submit_refusal()
        if refusal is not None:
            return refusal
        sent_from = service.SentFrom(request.remote_addr or "", request.user_agent.string)
        try:
            sent = service.send_settled(draft, sent_from, language)
        except AnswerError:
            return _see_other("intake.check")
        if sent is None:
            return _continue(draft)
        return _see_other("intake.result", token=session[SESSION_KEY])
    service.remember_told(draft, findings)
    return render_cannot_go_ahead(draft, findings, form)


def render_cannot_go_ahead(draft: Draft, findings, form: FlaskForm, errors=(), status: int = 200):
    """The page saying the visit cannot go ahead as booked, for ``findings`` (settled)."""
    ruleset = service.ruleset_for(draft)
    steps = service.steps_of(draft)
    back = request.args.get("back", "")
    # Each answer behind a finding, once, with the way to change it on its page.
    behind = {}
    for finding in findings:
        for qid in finding.answers:
            page = next(step for step in steps if qid in step.field_names(ruleset))
            behind[qid] = {
                "label": rule_text(ruleset.questions_by_id[qid].label),
                "url": url_for("intake.step", step_id=page.id) + f"#{qid}",
            }
    return (
        render_template(
            "intake/cannot_go_ahead.html",
            form=form,
            findings=findings,
            behind=list(behind.values()),
            by_date=any(finding.earliest_date for finding in findings),
            # An invited visit's treatment and date are the clinic's to change.
            can_change_visit=INVITATION_KEY not in draft.data,
            other_treatments=_treatments_still_open(draft),
            errors=list(errors),
            back_url=_step_url(back) if back in STEPS_BY_ID else url_for("intake.check"),
        ),
        status,
    )


def _treatments_still_open(draft: Draft) -> bool:
    """Whether another treatment's rules settle nothing with the answers given so far: only
    then is choosing another treatment offered."""
    chosen = service.chosen_ruleset(draft)
    return any(
        not rules.settled_so_far(
            treatment,
            draft.data.get("appointment_date") or "",
            service.answers_for(rules.get_ruleset(treatment), draft.data),
            today=clinic_today(),
        )
        for treatment in rules.RULESETS
        if chosen is None or treatment != chosen.treatment
    )


@bp.route("/consent", methods=["GET", "POST"])
@allow(PUBLIC)
@with_draft
def consent(draft: Draft):
    """The treatment's consent text, a consent box and a typed signature; then submit once."""
    checked = service.review(draft)
    if checked.errors:
        return _see_other("intake.check")  # which leads on to what settles the visit, if any
    if service.settles_the_visit(checked.result):
        return _see_other("intake.cannot_go_ahead")  # never a consent for what cannot go ahead
    form = ConsentForm()
    if form.validate_on_submit():
        # The text signed is the one the page showed, even if the language changed since or a
        # new consent version was released (a version not on file: the current one).
        shown = form.language.data if form.language.data in LANGUAGES else current_language()
        versions = TREATMENTS[checked.ruleset.treatment].consents
        version = form.version.data if form.version.data in versions else None
        signing = consent_for(checked.ruleset.treatment, shown, version)
        if form.digest.data and form.digest.data != signing.digest():
            # Not the text the page showed: the treatment was changed in another tab since.
            form.agree.data = False
            return render_consent(draft, form, extra_errors=[_CONSENT_CHANGED], status=409)
        refusal = limits.submit_refusal()
        if refusal is not None:
            return refusal
        record = service.ConsentRecord(
            signature=form.signature.data,
            ip_address=request.remote_addr or "",
            user_agent=request.user_agent.string,
            document=signing,
        )
        try:
            service.submit(draft, record, checked)
        except AnswerError:
            return _see_other("intake.check")
        return _see_other("intake.result", token=session[SESSION_KEY])
    return render_consent(draft, form)


def render_consent(draft: Draft, form: ConsentForm, extra_errors=(), status: int = 200):
    """The consent page of the draft's treatment."""
    return (
        render_template(
            "intake/consent.html",
            form=form,
            document=consent_for(service.ruleset_for(draft).treatment, current_language()),
            errors=[*extra_errors, *form.error_list()],
            **_progress(draft, CONSENT),
        ),
        status,
    )


def _email_link_key() -> str:
    # The token's hash, so the limiter's storage holds no link that opens the answers.
    return f"email-link:{token_hash(session.get(SESSION_KEY) or '')}"


@bp.post("/email-link")
@allow(PUBLIC)
# The clinic's mail server must not become anyone's mailer: a few emails per link, and per
# address of the sender.
@limiter.limit("3 per hour", key_func=_email_link_key, on_breach=limits.refused(limits.EMAILS))
@limiter.limit(
    limits.setting("PATIENT_EMAIL_LINK_RATE_LIMIT"), on_breach=limits.refused(limits.EMAILS)
)
@with_draft
def email_link(draft: Draft):
    """Email the patient their own resume link (the clinic's words and the link only), through
    the outbox: the page does not wait for the mail server."""
    if FlaskForm().validate_on_submit():
        address = draft.data.get("email")
        if not (mailer.mail_enabled() and address):
            flash(gettext("We can't email the link: copy it from this page instead."))
        else:
            # The clinic's own words and the link only: anyone can type any address and any
            # name, and nothing they typed may reach someone else's inbox from the clinic.
            clinic = current_app.config["CLINIC_NAME"]
            outbox.enqueue(
                "resume_link",
                address,
                gettext("Your answers for %(clinic)s", clinic=clinic),
                gettext(
                    "Hello,\n\nHere is the link to finish your answers for %(clinic)s. It works "
                    "until %(date)s:\n\n%(link)s\n\nKeep it private: anyone with the link can "
                    "see your answers. If you did not ask for this email, you can ignore it.\n",
                    clinic=clinic,
                    date=patient_date(clinic_date(draft.expires_at)),
                    link=invitations.public_url_for("intake.resume", token=session[SESSION_KEY]),
                ),
                expires_at=draft.expires_at,
            )
            db.session.commit()
            flash(
                gettext(
                    "We are emailing the link to %(address)s: it should arrive in a minute.",
                    address=address,
                )
            )
    # Back to the page it was sent from: its form says which (browsers send no Referer under
    # the site's Referrer-Policy); a Referer of this site's questionnaire will do too.
    back = safe_return_path(request.form.get("return_to"))
    if not (back and back.startswith("/intake/")):
        referrer = request.referrer or ""
        same_site = referrer.startswith(request.host_url + "intake/")
        back = referrer if same_site else url_for("intake.check")
    return redirect(back, code=303)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@allow(PATIENT)
@limits.drafts(exempt_when=limits.valid_invitation)
def invitation(token: str):
    """An invitation link. Opening it shows the start page; its Start button swaps the one-time
    token for a session, then leaves the token's URL.

    Opening claims nothing: mail scanners and link previews open links before the patient
    does, and must not use the link up. In a browser answering another questionnaire, the page
    asks which one to answer (``_link_choice``) instead: the link never replaces it silently,
    and keeping it leaves the invitation unused.
    """
    if request.method != "POST":
        if invitations.usable(token) is None and invitations.used(token) is not None:
            return _answers_by_birth_date(token, AnswersByBirthDateForm(formdata=None))
        return _invitation_start(token)
    language = request.form.get("language")
    if language in LANGUAGES:
        # The start page's language switch posts to the link itself: no address holding the
        # token is written anywhere else (a switch's return address would be one).
        session[LANGUAGE_KEY] = language
        return redirect(request.path, code=303)
    choice = request.form.get("choice")
    if choice == "keep":
        return _keep_answering()
    if choice != "open" and _answering() is not None:
        return _invitation_start(token)  # a Start page shown before: ask now
    claimed = invitations.redeem(token)
    if claimed is None:
        return _invitation_refused()
    draft, draft_token = service.start_draft(invitations.prefilled_data(claimed))
    claimed.draft_id = draft.id
    db.session.commit()
    session[SESSION_KEY] = draft_token
    session.permanent = True
    return _see_other("intake.step", step_id=FIRST_STEPS[0].id)


def _invitation_start(token: str, errors=(), status: int = 200):
    """The start page of a usable invitation link, its Start posting back to the link; the
    refusal for any other."""
    invited = invitations.usable(token)
    if invited is None:
        return _invitation_refused()
    if _answering() is not None:
        return _link_choice(invitation=True, errors=errors, status=status)
    return render_template(
        "intake/start.html",
        invitation_path=request.path,
        invited=invited,
        booked=_booking(invitations.prefilled_data(invited)),
        errors=list(errors),
    ), status


@bp.post("/invite/<token>/answers")
@allow(PATIENT)
@limiter.limit(
    "5 per hour", key_func=limits.per_link("reopen"), on_breach=limits.refused(limits.REOPEN)
)
def answers_by_invitation(token: str):
    """A used invitation link and the patient's date of birth: their answers again, under a new
    link of their own (an old email alone is no standing key to them)."""
    invited = invitations.used(token)
    if invited is None:
        return _invitation_refused()
    form = AnswersByBirthDateForm()
    if not form.validate_on_submit():
        return _answers_by_birth_date(token, form, status=400)
    draft = invited.draft
    if draft.data.get("date_of_birth") != form.date_of_birth.data:
        form.date_of_birth.errors = [_NOT_THEIRS]
        return _answers_by_birth_date(token, form, status=400)
    link = service.new_link(draft)
    # The patient's own answers, opened by the invitation's link: no member of staff. One
    # transaction with the new link.
    audit.record(
        audit.Action.ANSWERS_REOPENED,
        object_type="draft",
        object_id=draft.id,
        detail="an invitation link and the date of birth",
        staff=audit.PATIENT_LINK,
    )
    db.session.commit()
    session[SESSION_KEY] = link
    session.permanent = True
    if draft.screening is not None:
        return _see_other("intake.result", token=session[SESSION_KEY])
    return _continue(draft)


_NOT_THEIRS = _l(
    "The date of birth does not match the one given with this link. Check it, or call us."
)


def _answers_by_birth_date(token: str, form: AnswersByBirthDateForm, status: int = 200):
    """A used invitation link: the page that asks for the date of birth."""
    return render_template(
        "intake/invitation_used.html",
        form=form,
        action=url_for("intake.answers_by_invitation", token=token),
        errors=form.error_list(),
        # Never silently: this browser's own questionnaire gives way only once the patient
        # has read so (its own link still opens it).
        answering_another=_answering() is not None,
    ), status


def _invitation_refused() -> tuple[str, int]:
    # Used, expired, altered or guessed: the same answer, telling nothing.
    return render_template("intake/invitation_refused.html"), 404


@bp.route("/resume/<token>", methods=["GET", "POST"])
@allow(PATIENT)
def resume(token: str):
    """The patient's own link: continue the questionnaire, or see the outcome once submitted.

    In a browser answering another questionnaire, the page asks which one to answer
    (``_link_choice``, posting back here): the link never replaces it silently.
    """
    draft = service.find_draft(token)
    if draft is None:
        return render_template("intake/unknown_link.html"), 404
    if draft.screening is not None:
        return _see_other("intake.result", token=token)
    if service.is_expired(draft):
        return _expired(token)
    if invitations.visit_cancelled(draft):
        return _visit_cancelled()
    choice = request.form.get("choice") if request.method == "POST" else None
    if choice == "keep":
        return _keep_answering()
    if choice != "open" and _answering(other_than=token) is not None:
        return _link_choice()
    session[SESSION_KEY] = token
    session.permanent = True
    opened = _continue(draft)
    # The patient's own link: no member of staff, the draft is the object.
    audit.record_view(audit.Action.VIEW_DRAFT, object_type="draft", object_id=draft.id)
    return opened


def _answering(other_than: str | None = None) -> Draft | None:
    """The questionnaire this browser is answering, while it can still be sent, unless it is
    the one of the link ``other_than``."""
    token = session.get(SESSION_KEY)
    if not token or token == other_than:
        return None
    draft = service.find_draft(token)
    if (
        draft is None
        or draft.screening is not None
        or service.is_expired(draft)
        or invitations.visit_cancelled(draft)
    ):
        return None
    return draft


def _continue(draft: Draft) -> Response:
    """To the page saying the visit cannot go ahead as booked when the answers settle that;
    else to the first of the draft's pages with something left to answer, or to check them."""
    if service.settled(draft):
        return _see_other("intake.cannot_go_ahead")
    unfinished = service.first_step_to_answer(draft, errors=service.review(draft).errors)
    if unfinished is not None:
        return _see_other("intake.step", step_id=unfinished.id)
    return _see_other("intake.check")


def _keep_answering() -> Response:
    """Back to the questionnaire this browser was answering; the link's is left as it is."""
    answering = _answering()
    return _continue(answering) if answering is not None else _see_other("intake.check")


def _link_choice(invitation: bool = False, errors=(), status: int = 200):
    """A link opened in a browser answering another questionnaire: which one to answer here.
    Either choice keeps both; the other is only no longer this browser's, and its own link
    still opens it (shown here for the one being answered)."""
    return render_template(
        "intake/link_choice.html",
        action=request.path,
        invitation=invitation,
        answering_url=_resume_url(),
        errors=list(errors),
    ), status


@bp.get("/result/<token>")
@allow(PATIENT)
def result(token: str):
    """The outcome in the patient's words; reachable only through the patient's own link."""
    screening, refused = _linked_screening(token)
    if refused:
        return refused
    shown = render_result(token, screening)
    audit.record_view(audit.Action.VIEW_OUTCOME, object_type="screening", object_id=screening.id)
    return shown


def _linked_screening(token: str):
    """The screening behind a patient's outcome link, or the page to answer with instead: the
    link is unknown, or it stopped working (``retention``)."""
    draft = service.find_draft(token)
    if draft is None or draft.screening is None:
        return None, (render_template("intake/unknown_link.html"), 404)
    if outcome_link_ended(draft.screening, clinic_today()):
        return None, (render_template("intake/link_ended.html"), 410)
    return draft.screening, None


def _page_kind(screening: Screening) -> str:
    """Which outcome page the patient reads: one message, as the status now stands
    (lifecycle invariant 9)."""
    status = screening.status
    if status == Status.CANCELLED:
        return "cancelled"
    if status == Status.CLEARED:
        return "clear"
    if recheck_opens(screening) is not None and status not in (
        Status.RESCHEDULE,
        Status.NOT_ELIGIBLE,
    ):
        return "recheck"  # whatever else is outstanding, the patient has something to answer
    if status in (Status.RESCHEDULE, Status.NOT_ELIGIBLE):
        ends = ends_of(screening)
        open_ends = {ends(f) for f in screening.findings if is_open(screening.finding_states, f)}
        if Ends.NEVER in open_ends:
            return "not_suitable"
        if Ends.NEW_SCREENING in open_ends:
            return "not_now"
        return "reschedule"
    return "needs_clearance"


def render_result(
    token: str,
    screening,
    upload_error: str | None = None,
    status: int = 200,
    new_date_form: NewDateForm | None = None,
    extra_errors=(),
):
    """The outcome page, with the note upload while a note is needed; after a reschedule that a
    new date ends, the first date the clinic could see the patient, the instructions for it and
    the form to ask for a new date (``new_date_form``: one sent back with its errors)."""
    shown = _page_kind(screening)
    states = screening.finding_states
    open_findings = [f for f in screening.findings if is_open(states, f)]
    if not screening.consented:
        # Sent once told the visit cannot go ahead: the questions never asked are the clinic's
        # to follow up, not a list of things the patient must do.
        open_findings = [
            f for f in open_findings if (f.get("message") or {}).get("id") != NOT_ASKED
        ]
    ends = ends_of(screening)
    if shown in ("not_suitable", "not_now"):
        # Nothing else matters while the treatment cannot go ahead at all.
        open_findings = [f for f in open_findings if ends(f) in FINAL]
    elif shown == "recheck":
        # The re-check is asked for above; the list is of what else is outstanding.
        open_findings = [f for f in open_findings if ends(f) is not Ends.RECHECK]
    # The stored findings are English (the contract); the patient reads them in their language.
    texts = service.patient_texts(screening, current_language())
    going_ahead = shown in ("clear", "needs_clearance", "recheck")
    today = clinic_today()
    offer = offer_for(screening, today) if shown == "reschedule" else None
    # The date the patient reads is one the clinic is open, never past (display only: the
    # stored and the API's earliest date stay the rules').
    earliest = screening.earliest_date
    if offer is not None:
        earliest = offer.earliest
    elif earliest is not None:
        earliest = clinic_calendar().next_open_day(max(today, earliest))
    if offer is not None and new_date_form is None:
        new_date_form = NewDateForm(
            formdata=None, data={"phone": screening.phone, "email": screening.email}
        )
    return (
        render_template(
            "intake/result.html",
            screening=screening,
            shown=shown,
            token=token,
            appointment=patient_date(screening.appointment_date),
            earliest=patient_date(earliest) if earliest else None,
            findings=[] if shown == "cancelled" else [texts.finding(f) for f in open_findings],
            advice=[texts.finding(f) for f in screening.findings if f["outcome"] == "advice"]
            if going_ahead
            else [],
            # Pre-care is for the days before the visit: none once its day has passed.
            instructions=texts.instructions
            if going_ahead and today <= screening.appointment_date
            else (),
            offer=offer,
            # Pre-care for the date offered, dated from today (never a day already past).
            offered_instructions=rules.instructions_for(
                screening.ruleset_id, screening.ruleset_version, earliest, today, current_language()
            )
            if offer is not None and earliest is not None
            else (),
            new_date_form=new_date_form,
            errors=[
                *extra_errors,
                *(new_date_form.error_list() if new_date_form is not None else []),
            ],
            new_date_asked=any(r.done_at is None for r in requests_of(screening))
            if offer is not None
            else False,
            comparison_pending=comparison_pending(screening),
            recheck_offered=recheck_offered(screening, today),
            recheck_opens=patient_date(recheck_opens(screening))
            if recheck_opens(screening)
            else None,
            notes_needed=notes_needed(screening) if going_ahead else [],
            note_kind_labels=NOTE_KIND_LABELS,
            notes_received=[n for n in screening.notes if not n.on_paper],
            upload_error=upload_error,
            upload_form=FlaskForm(),
            language_return=url_for("intake.result", token=token),
        ),
        status,
    )


class RecheckForm(StepForm):
    """The patient's fresh answers, from their link, before the new date."""

    row_version = HiddenField()


@cache
def _recheck_form_class(treatment: str, version: str) -> type[RecheckForm]:
    ruleset = rules.get_ruleset(treatment, version)
    fields = {
        qid: question_field(ruleset.questions_by_id[qid]) for qid in ruleset.recheck_questions
    }
    return type("RecheckQuestions", (RecheckForm,), fields)


def _recheck_form(screening: Screening, from_request: bool) -> RecheckForm:
    ruleset = rules.get_ruleset(screening.ruleset_id, screening.ruleset_version)
    form_class = _recheck_form_class(ruleset.treatment, ruleset.version)
    form = form_class() if from_request else form_class(formdata=None)
    if not from_request:
        form.row_version.data = str(screening.row_version)
    form.ruleset = ruleset
    form.visit = Visit(today=clinic_today(), appointment_date=screening.appointment_date)
    form.known_answers = dict(screening.answers)
    return form


def _render_recheck(token: str, screening: Screening, form: RecheckForm, status: int = 200):
    return (
        render_template(
            "intake/recheck.html",
            form=form,
            token=token,
            appointment=patient_date(screening.appointment_date),
            errors=form.error_list(),
            language_return=url_for("intake.recheck", token=token),
        ),
        status,
    )


@bp.route("/result/<token>/recheck", methods=["GET", "POST"])
@allow(PATIENT)
def recheck(token: str):
    """A few questions the patient answers again before the new date: a fresh "no" ends what
    kept the visit from going ahead."""
    screening, refused = _linked_screening(token)
    if refused:
        return refused
    if not recheck_offered(screening, clinic_today()):
        return _see_other("intake.result", token=token)
    if request.method != "POST":
        return _render_recheck(token, screening, _recheck_form(screening, False))
    form = _recheck_form(screening, True)
    if not form.validate_on_submit():
        return _render_recheck(token, screening, form, 400)
    try:
        seen = int(form.row_version.data or "")
    except ValueError:
        seen = None
    try:
        record_recheck(screening, form.values(), seen, clinic_today())
    except (StaleScreening, StaleDataError, DecisionRefused):
        db.session.rollback()
        flash(gettext("Your answers were not saved: the page had changed. Please answer again."))
        return _see_other("intake.result", token=token)
    flash(gettext("Thank you: we have your answers."))
    return _see_other("intake.result", token=token)


@bp.post("/result/<token>/notes")
@allow(PATIENT)
@limits.uploads_per_hour
@limits.uploads_per_day
def upload_note(token: str):
    """The patient uploads the note a finding needs (a provider's or a prescriber's)."""
    screening, refused = _linked_screening(token)
    if refused:
        return refused
    kind = request.form.get("kind", "")
    needed = notes_needed(screening)
    if kind not in needed:
        kind = needed[0] if len(needed) == 1 else ""
    try:
        if not kind:
            raise notes.NoteRejected(gettext("Choose which note you are sending"))
        save_uploaded_note(screening, kind, request.files.get("file"), None)
    except notes.NoteRejected as rejected:
        status = 429 if isinstance(rejected, UploadsLimited) else 400
        return render_result(token, screening, upload_error=str(rejected), status=status)
    flash(gettext("Thank you: we have your note. A nurse will check it before your appointment."))
    return _see_other("intake.result", token=token)


_START_TIMED_OUT = (
    "main-submit",
    _l("This page timed out before it was sent. Select the button again."),
)
_CONSENT_CHANGED = (
    "agree",
    _l(
        "The consent for your treatment has changed since this page was opened (your answers "
        "were changed on another page). Read it again below, then check the box and sign."
    ),
)
_TIMED_OUT = (
    "main-submit",
    _l(
        "This page timed out before it was sent. Your answers are shown below: check them and "
        "select the button again."
    ),
)


def rerender_after_csrf_failure():
    """On a failed CSRF check, show the page again with what the patient typed, or ``None``."""
    if request.endpoint == "intake.invitation":
        # The start page again (it holds the token only in its form), or the refusal: never
        # the generic error page, whose language switch would carry the token in its address.
        token = (request.view_args or {}).get("token", "")
        return _invitation_start(token, errors=[_START_TIMED_OUT], status=400)
    if request.endpoint == "intake.resume":
        # The choice between two questionnaires, asked again while there is one to make.
        token = (request.view_args or {}).get("token", "")
        linked = service.find_draft(token)
        if linked is None or linked.screening is not None or service.is_expired(linked):
            return None
        if _answering(other_than=token) is None:
            return None
        return _link_choice(errors=[_START_TIMED_OUT], status=400)
    if request.endpoint == "intake.ask_new_date":
        # The request for a new date again, holding what was sent, with a fresh token.
        token = (request.view_args or {}).get("token", "")
        screening, refused = _linked_screening(token)
        if refused or offer_for(screening, clinic_today()) is None:
            return None
        timed_out = ("new-date-submit", _TIMED_OUT[1])
        return render_result(
            token, screening, status=400, new_date_form=NewDateForm(), extra_errors=[timed_out]
        )
    draft = service.find_draft(session.get(SESSION_KEY))
    if draft is None or draft.screening is not None or service.is_expired(draft):
        return None
    step_id = (request.view_args or {}).get("step_id")
    if request.endpoint == "intake.step" and STEPS_BY_ID.get(step_id) in service.steps_of(draft):
        # Built from what was sent but not validated; it renders a fresh CSRF token.
        form = _step_form(draft, step_id)
        return render_step(draft, step_id, form, extra_errors=[_TIMED_OUT], status=400)
    if request.endpoint == "intake.consent":
        return render_consent(draft, ConsentForm(), extra_errors=[_TIMED_OUT], status=400)
    if request.endpoint == "intake.cannot_go_ahead":
        settled = service.settled(draft, current_language())
        if settled:
            return render_cannot_go_ahead(
                draft, settled, FlaskForm(), errors=[_START_TIMED_OUT], status=400
            )
    return None
