"""WTForms forms for the questionnaire, generated from the question definitions in ``rules``.

Form field names are the question ids; a multi-choice question is a repeated field whose values
are option codes. Each page's form class is built once per rule set and cached, so its words are
lazy: labels, hints and options are translated each time they are shown, and messages when a
page is checked, in the language of the request.

Showing a page needs no form: its fields are described once per language (``page_fields``), with
their words already translated, and written with the patient's answers (``drawn_fields``). A form
is built only to check what a page sends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from typing import Any

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import StopValidation

from rules import Kind, Question, RuleSet, get_ruleset, treatments
from rules.dates import LATEST_DATE
from rules.questions import Visit, in_the_past

from ..clock import clinic_today
from ..i18n import lazy_rule_text, rule_text
from ..new_dates import CONTACT_WAYS
from ..validators import NOT_STORABLE, REORDERS_TEXT, parse_patient_date, text_problem
from .date_field import MemorableDateField, focus_id
from .steps import CHECK, STEPS_BY_ID

NONE_OF_THESE = "none"
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE_PUNCTUATION = re.compile(r"[\s().+-]")


def strip(value: Any) -> Any:
    """Filter: surrounding spaces are never part of an answer."""
    return value.strip() if isinstance(value, str) else value


class TextAnswer:
    """A required single line of text, at most ``max_length`` characters, no control characters.

    ``name``, ``missing`` and ``invalid`` are lazy strings, put in words when a page is checked.
    """

    def __init__(self, name, missing, max_length: int, pattern=None, invalid=""):
        self.name, self.missing, self.max_length = name, missing, max_length
        self.pattern, self.invalid = pattern, invalid

    def __call__(self, form: FlaskForm, field: Field) -> None:
        value = field.data or ""
        if not value:
            raise StopValidation(str(self.missing))
        if len(value) > self.max_length:
            raise StopValidation(
                gettext(
                    "%(name)s must be %(count)d characters or fewer",
                    name=self.name,
                    count=self.max_length,
                )
            )
        if _CONTROL_CHARS.search(value):
            raise StopValidation(
                gettext(
                    "%(name)s must not contain line breaks or control characters", name=self.name
                )
            )
        problem = text_problem(value)
        if problem == NOT_STORABLE:
            raise StopValidation(
                gettext("%(name)s contains a character that cannot be stored", name=self.name)
            )
        if problem == REORDERS_TEXT:
            raise StopValidation(
                gettext(
                    "%(name)s contains a character that changes the direction of text: remove it",
                    name=self.name,
                )
            )
        if self.pattern is not None and not self.pattern(value):
            raise StopValidation(str(self.invalid))


def _looks_like_phone(value: str) -> bool:
    digits = _PHONE_PUNCTUATION.sub("", value)
    return digits.isdigit() and 7 <= len(digits) <= 15


EMAIL_ANSWER = TextAnswer(
    _l("Email address"),
    _l("Enter your email address"),
    254,
    pattern=_EMAIL.fullmatch,
    invalid=_l("Enter an email address in the correct format, like name@example.com"),
)
PHONE_ANSWER = TextAnswer(
    _l("Phone number"),
    _l("Enter your phone number"),
    40,
    pattern=_looks_like_phone,
    invalid=_l("Enter a phone number, like 909 218 3993"),
)


class ChoiceAnswer:
    """One of the options offered."""

    def __init__(self, missing, codes: frozenset[str] | Callable[[], frozenset[str]]):
        # ``missing``: a lazy string; ``codes``: the options, or what gives them when checked
        self.missing, self.codes = missing, codes

    def __call__(self, form: FlaskForm, field: Field) -> None:
        codes = self.codes() if callable(self.codes) else self.codes
        # An answer not offered (a forged or stale form) gets the same plain request.
        if not field.data or field.data not in codes:
            raise StopValidation(str(self.missing))


class MultiAnswer:
    """Several of the options offered; "None of these" stands alone."""

    def __init__(self, question: Question, offers_none: bool):
        self.question, self.offers_none = question, offers_none
        self.codes = question.option_codes | ({NONE_OF_THESE} if offers_none else set())

    def __call__(self, form: FlaskForm, field: Field) -> None:
        chosen = list(dict.fromkeys(field.data or ()))
        field.data = chosen
        # One request whatever is wrong (nothing chosen, an option not offered by a forged or
        # stale form, "None of these" with others): the question's own, in the GOV.UK style.
        missing = rule_text(self.question.missing_message)
        if not chosen or any(code not in self.codes for code in chosen):
            raise StopValidation(missing)
        if NONE_OF_THESE in chosen and len(chosen) > 1:
            raise StopValidation(missing)
        real = [code for code in chosen if code != NONE_OF_THESE]
        if len(real) < self.question.min_choices:
            raise StopValidation(missing)


class DateAnswer:
    """A real date that passes the question's checks; dropped when the question does not apply.

    The form's ``visit`` gives today and the appointment; ``known_answers`` the answers from
    other pages, for conditions that depend on them.
    """

    def __init__(self, question: Question):
        self.question = question

    def __call__(self, form: StepForm, field: Field) -> None:
        question = self.question
        condition = question.applies_when
        controller = form._fields.get(condition.question) if condition is not None else None
        if controller is not None and controller.errors:
            raise StopValidation()  # unknown whether it applies: keep what was typed, unjudged
        if condition is not None and not condition.holds(form.answers_so_far()):
            field.data = None  # an answer to a question that does not apply is dropped
            raise StopValidation()
        name = rule_text(question.short_name) if question.short_name else gettext("The date")
        if isinstance(field, MemorableDateField):
            day = field.read(question.required)
        else:
            day = self._typed_date(field, name)
        if day is None:
            field.data = None
            raise StopValidation()
        for check in question.date_checks:
            message = check(day, form.visit)
            if message is None:
                continue
            # The check's message names the date: "Date of birth must be in the past".
            error = rule_text(message).format(name=name)
            if isinstance(field, MemorableDateField):
                raise field.refuse(error)
            raise StopValidation(error)
        field.data = day.isoformat()

    def _typed_date(self, field: Field, name: str) -> date | None:
        raw = field.data or ""
        if not raw:
            if self.question.required:
                raise StopValidation(rule_text(self.question.missing_message))
            return None
        day = parse_patient_date(raw)
        if day is None:
            raise StopValidation(
                gettext("%(name)s must be a real date, like 03/27/1990", name=name)
            )
        if day > LATEST_DATE:
            raise StopValidation(
                gettext("%(name)s must be in %(year)d or before", name=name, year=LATEST_DATE.year)
            )
        return day


class AppointmentDate:
    """The appointment: a real date from today to a year ahead."""

    def __call__(self, form: StepForm, field: Field) -> None:
        raw = field.data or ""
        if not raw:
            raise StopValidation(gettext("Enter the date of your appointment"))
        day = parse_patient_date(raw)
        if day is None:
            raise StopValidation(gettext("Appointment date must be a real date, like 12/10/2026"))
        if day < form.visit.today:
            raise StopValidation(gettext("Appointment date must be today or in the future"))
        if day > form.visit.today + timedelta(days=366):
            raise StopValidation(gettext("Appointment date must be within the next year"))
        field.data = day.isoformat()


class StepForm(FlaskForm):
    """A page of the questionnaire. ``return_to`` brings a change back to check your answers."""

    return_to = HiddenField()

    visit: Visit
    known_answers: dict[str, Any]
    ruleset: RuleSet

    def validate_return_to(self, field: Field) -> None:
        if field.data not in (None, "", CHECK):
            field.data = ""
            raise StopValidation(
                gettext("This page was changed before it was sent. Check it and continue")
            )

    def answers_so_far(self) -> dict[str, Any]:
        """Answers from the other pages, overlaid with this page's, as the rules see them."""
        answers = dict(self.known_answers)
        for name in self.question_names():
            field = self[name]
            if isinstance(field, SelectMultipleField):
                answers[name] = [c for c in field.data or () if c != NONE_OF_THESE]
            else:
                answers[name] = field.data
        return answers

    def question_names(self) -> list[str]:
        """The fields of this page that are questions of the rule set."""
        return [name for name in self._fields if name in self.ruleset.questions_by_id]

    def values(self) -> dict[str, Any]:
        """This page's validated answers as JSON values, to store in the draft."""
        values = {}
        for field in self._fields.values():
            if isinstance(field, HiddenField):  # return_to, csrf_token, row_version
                continue
            name = field.name
            if isinstance(field, SelectMultipleField):
                values[name] = [code for code in field.data if code != NONE_OF_THESE]
            else:
                values[name] = field.data
        return values

    def error_list(self) -> list[tuple[str, str]]:
        """``(field id, message)`` for the error summary, in page order.

        Hidden fields have nothing to focus, so their errors point at the submit button.
        """
        return [
            ("main-submit" if name == "return_to" else focus_id(self[name]), messages[0])
            for name, messages in self.errors.items()
            if messages
        ]


class ConsentForm(FlaskForm):
    """Consent and the typed signature."""

    class Meta:
        # As on the question pages: the app-wide CSRFProtect checks the token of every POST,
        # and the page writes it with ``csrf_token()``; a field of the form's own would sign a
        # second token on each submit.
        csrf = False

    agree = BooleanField(
        _l("I have read the information above and I agree to go ahead with the treatment"),
        validators=[],
    )
    signature = StringField(
        _l("Type your full name to sign"),
        filters=[strip],
        validators=[TextAnswer(_l("Your signature"), _l("Type your full name to sign"), 200)],
        render_kw={"autocomplete": "name"},
    )
    # The language and version of the consent text the patient read, so the text signed is the
    # one shown (a language switch, or a new consent version released, in between).
    language = HiddenField()
    version = HiddenField()
    # The SHA-256 of the text shown: a different one is refused, never signed.
    digest = HiddenField()

    def validate_agree(self, field: Field) -> None:
        if not field.data:
            raise StopValidation(gettext("Confirm that you have read the information and agree"))

    def error_list(self) -> list[tuple[str, str]]:
        """``(field id, message)`` for the error summary."""
        return [(self[name].id, messages[0]) for name, messages in self.errors.items() if messages]


class AnswersByBirthDateForm(FlaskForm):
    """A used invitation link: the patient's date of birth opens their answers again."""

    date_of_birth = MemorableDateField(
        _l("Your date of birth"),
        description=_l("For example, 3 27 1990"),
        render_kw={"autocomplete": "bday"},
        name_in_messages=_l("Date of birth"),
        missing=_l("Enter your date of birth"),
    )

    def validate_date_of_birth(self, field: MemorableDateField) -> None:
        day = field.read()
        # The questionnaire's own check: a date of birth today or later matches nobody.
        refused = in_the_past(day, Visit(today=clinic_today(), appointment_date=date.max))
        if refused is not None:
            name = str(field.name_in_messages)
            raise field.refuse(rule_text(refused).format(name=name))
        field.data = day.isoformat()

    def error_list(self) -> list[tuple[str, str]]:
        """``(field id, message)`` for the error summary."""
        return [
            (focus_id(self[name]), messages[0])
            for name, messages in self.errors.items()
            if messages
        ]


def _one_line(value: Any) -> Any:
    """Filter: a text written over several lines, kept as one (spaces where the breaks were)."""
    return " ".join(value.split()) if isinstance(value, str) else value


class NewDateForm(FlaskForm):
    """A reschedule's outcome page: the patient asks for a new date, and says how to reach them
    (the phone and email of the screening, prefilled: one is chosen, and may be corrected)."""

    preferred_times = TextAreaField(
        _l("Which dates and times suit you?"),
        filters=[_one_line],
        description=_l("For example: weekday mornings, or Saturdays after 2 pm."),
        validators=[
            TextAnswer(_l("Dates and times"), _l("Enter the dates and times that suit you"), 500)
        ],
    )
    contact_by = RadioField(
        _l("How should we contact you?"),
        description=_l(
            "We have filled in the phone number and email you gave us: correct them if they "
            "have changed."
        ),
        choices=[SelectChoice("phone", _l("By phone")), SelectChoice("email", _l("By email"))],
        validate_choice=False,
        validators=[ChoiceAnswer(_l("Choose how we should contact you"), frozenset(CONTACT_WAYS))],
    )
    phone = StringField(
        _l("Phone number"),
        filters=[strip],
        render_kw={"autocomplete": "tel", "type": "tel"},
    )
    email = StringField(
        _l("Email address"),
        filters=[strip],
        render_kw={"autocomplete": "email", "type": "email", "spellcheck": "false"},
    )

    def validate_phone(self, field: Field) -> None:
        if self.contact_by.data == "phone":  # the other way is kept as typed, unchecked
            PHONE_ANSWER(self, field)

    def validate_email(self, field: Field) -> None:
        if self.contact_by.data == "email":
            EMAIL_ANSWER(self, field)

    def contact(self) -> str:
        """The number or address of the way chosen."""
        return self.phone.data if self.contact_by.data == "phone" else self.email.data

    def error_list(self) -> list[tuple[str, str]]:
        """``(field id, message)`` for the error summary."""
        return [(self[name].id, messages[0]) for name, messages in self.errors.items() if messages]


def _identity_fields() -> dict[str, Field]:
    return {
        "first_name": StringField(
            _l("First name"),
            filters=[strip],
            validators=[TextAnswer(_l("First name"), _l("Enter your first name"), 100)],
            render_kw={"autocomplete": "given-name"},
        ),
        "last_name": StringField(
            _l("Last name"),
            filters=[strip],
            validators=[TextAnswer(_l("Last name"), _l("Enter your last name"), 100)],
            render_kw={"autocomplete": "family-name"},
        ),
        "email": StringField(
            _l("Email address"),
            filters=[strip],
            description=_l("We only use it to contact you about your appointment."),
            validators=[EMAIL_ANSWER],
            render_kw={"autocomplete": "email", "type": "email", "spellcheck": "false"},
        ),
        "phone": StringField(
            _l("Phone number"),
            filters=[strip],
            description=_l(
                "A cell phone number is best, in case we need to reach you before your visit."
            ),
            validators=[PHONE_ANSWER],
            render_kw={"autocomplete": "tel", "type": "tel"},
        ),
    }


def _treatments_offered() -> list[SelectChoice]:
    return [SelectChoice(treatment, lazy_rule_text(title)) for treatment, title in treatments()]


def _visit_fields() -> dict[str, Field]:
    return {
        # The treatments offered when the page is drawn or sent (the form class is kept).
        "treatment": RadioField(
            _l("Which treatment are you booked for?"),
            choices=_treatments_offered,
            validate_choice=False,
            validators=[
                ChoiceAnswer(
                    _l("Select the treatment you are booked for"),
                    lambda: frozenset(treatment for treatment, _ in treatments()),
                )
            ],
        ),
        "appointment_date": StringField(
            _l("What is the date of your appointment?"),
            filters=[strip],
            description=_l("The date you booked, as in your booking confirmation."),
            validators=[AppointmentDate()],
            render_kw={"type": "date"},
        ),
    }


def question_field(question: Question) -> Field:
    """The form field for one question of the rule set, its words in the request's language."""
    label = lazy_rule_text(question.label)
    description = lazy_rule_text(question.help) if question.help else ""
    if question.kind is Kind.CHOICE:
        return RadioField(
            label,
            description=description,
            choices=[SelectChoice(o.code, lazy_rule_text(o.label)) for o in question.options],
            validate_choice=False,
            validators=[
                ChoiceAnswer(lazy_rule_text(question.missing_message), question.option_codes)
            ],
        )
    if question.kind is Kind.MULTI:
        # With no minimum, an empty list is a real answer: ask for it explicitly, so a page
        # sent without looking is never read as "none".
        offers_none = question.min_choices == 0
        choices = [SelectChoice(o.code, lazy_rule_text(o.label)) for o in question.options]
        if offers_none:
            choices.append(SelectChoice(NONE_OF_THESE, _l("None of these")))
        return SelectMultipleField(
            label,
            description=description,
            choices=choices,
            validate_choice=False,
            validators=[MultiAnswer(question, offers_none)],
        )
    # The hint says when to leave it empty; the label says up front that it may be.
    if not question.required:
        label = LazyString(_optional, question.label)
    if question.autocomplete == "bday":
        # A date known by heart: typed in three boxes, never picked from a calendar (GOV.UK).
        return MemorableDateField(
            label,
            description=description,
            validators=[DateAnswer(question)],
            render_kw={"autocomplete": question.autocomplete},
            name_in_messages=lazy_rule_text(question.short_name or question.label),
            missing=lazy_rule_text(question.missing_message),
        )
    render_kw = {"type": "date"}
    if question.autocomplete:
        render_kw["autocomplete"] = question.autocomplete
    return StringField(
        label,
        description=description,
        filters=[strip],
        validators=[DateAnswer(question)],
        render_kw=render_kw,
    )


def _optional(label: str) -> str:
    return gettext("%(label)s (optional)", label=rule_text(label))


@cache
def step_form_class(
    treatment: str, version: str, step_id: str, visit_locked: bool = False
) -> type[StepForm]:
    """The form class of one page for one rule set (built once, then reused).

    With ``visit_locked`` (an invited patient) the treatment and appointment are not fields.
    """
    ruleset = get_ruleset(treatment, version)
    step = STEPS_BY_ID[step_id]
    visit = {} if visit_locked else _visit_fields()
    extra = {"about_you": _identity_fields(), "visit": visit}.get(step_id, {})
    attrs: dict[str, Any] = dict(extra)
    for question_id in step.question_ids(ruleset):
        attrs[question_id] = question_field(ruleset.questions_by_id[question_id])
    return type(f"{step_id.title().replace('_', '')}Form", (StepForm,), attrs)


def form_data_from_draft(values: dict[str, Any], form_class: type[StepForm]) -> dict[str, Any]:
    """Stored draft values as form data: a stored empty list shows "None of these" ticked."""
    data = {}
    for name, value in values.items():
        unbound = getattr(form_class, name, None)
        if unbound is None:
            continue
        if unbound.field_class is SelectMultipleField and value == []:
            data[name] = [NONE_OF_THESE]
        else:
            data[name] = value
    return data
