"""Forms of the nurse's pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    Form,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from rules import treatments

from ..lifecycle import NOTE_KINDS
from ..models import Status
from ..validators import real_date, storable_text

NOTE_KIND_LABELS = {
    "provider_note": "Signed note from the primary care provider",
    "prescriber_note": "Note from the prescriber",
}
STATUS_LABELS = {
    Status.RESCHEDULE: "Waiting to be rescheduled",
    Status.AWAITING_RECHECK: "Waiting for the patient's re-check",
    Status.NOTE_TO_VERIFY: "Note to verify",
    Status.AWAITING_NOTE: "Waiting for a note",
    Status.NEEDS_REVIEW: "Needs review",
    Status.NOT_ELIGIBLE: "Not eligible",
    Status.CANCELLED: "Canceled",
    Status.CLEARED: "Cleared",
}
ENDS_LABELS = {
    "date": "Ends only with a new appointment date on or after its earliest date",
    "recheck": "Ends only with the patient's fresh “no” (check-in or re-check from their link)",
    "new_screening": "Nothing the clinic does ends it: only a new questionnaire for a new visit",
    "note": "Ends with a note verified for it, then a decision with a reason",
    "nurse": "Ends with a nurse's decision, with a reason",
    "never": "Nothing ends it: not suitable for this treatment",
}


def _reason_field(label: str, message: str, field_id: str, description: str = ""):
    return TextAreaField(
        label,
        id=field_id,
        description=description,
        validators=[
            DataRequired(message),
            storable_text,
            Length(max=2000, message=f"{label} must be 2,000 characters or fewer"),
        ],
    )


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class QueueFilterForm(Form):
    """The queue's filters, read from the query string (no CSRF: it changes nothing)."""

    date_from = StringField("Appointments from", validators=[real_date], render_kw={"type": "date"})
    date_to = StringField("Appointments to", validators=[real_date], render_kw={"type": "date"})
    treatment = SelectField(
        "Treatment",
        choices=_choices([("", "Any"), *treatments()]),
        default="",
    )
    outcome = SelectField(
        "Outcome",
        choices=_choices(
            [
                ("", "Any"),
                ("reschedule", "Reschedule"),
                ("needs_clearance", "Needs clearance"),
                ("clear", "Clear"),
            ]
        ),
        default="",
    )
    status = SelectField(
        "Status",
        choices=_choices([("", "Needs a person"), ("all", "Any"), *STATUS_LABELS.items()]),
        default="",
    )


class VersionedForm(FlaskForm):
    """Carries the version of the screening the nurse was shown."""

    row_version = HiddenField(validators=[InputRequired()])

    def seen_version(self) -> int | None:
        """The version as an int, or ``None`` when it was tampered with."""
        try:
            return int(self.row_version.data)
        except (TypeError, ValueError):
            return None


class ResolveForm(VersionedForm):
    """Resolve one finding, with the reason."""

    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Give the reason for your decision"),
            storable_text,
            Length(max=2000, message="Reason must be 2,000 characters or fewer"),
        ],
    )


class AcceptRulesForm(VersionedForm):
    """Move a screening to its treatment's current rules, with the reason."""

    reason = TextAreaField(
        "Reason",
        description="For example: the medical director asked for screenings to be re-checked.",
        validators=[
            DataRequired("Give the reason for accepting the current rules"),
            storable_text,
            Length(max=2000, message="Reason must be 2,000 characters or fewer"),
        ],
    )


class AcknowledgeForm(VersionedForm):
    """Acknowledge a reschedule, with the new appointment date when there is one."""

    new_date = StringField(
        "New appointment date",
        description="Leave it empty if the patient has not rebooked.",
        validators=[real_date],
        render_kw={"type": "date"},
    )
    reason = TextAreaField(
        "Note",
        validators=[
            Length(max=2000, message="Note must be 2,000 characters or fewer"),
            storable_text,
        ],
    )


class MoveForm(VersionedForm):
    """Move the appointment to a new date, from any status, with the reason."""

    new_date = StringField(
        "New appointment date",
        id="move-date",
        validators=[InputRequired("Enter the new appointment date"), real_date],
        render_kw={"type": "date"},
    )
    new_time = StringField(
        "New appointment time",
        id="move-time",
        description="For example 14:30. Leave it empty if no time is booked yet.",
        validators=[
            Optional(),
            Regexp(r"([01]?\d|2[0-3]):[0-5]\d$", message="Enter the time like 14:30"),
        ],
        render_kw={"type": "time"},
    )
    reason = _reason_field(
        "Reason for the move", "Give the reason for moving the appointment", "move-reason"
    )


class CancelForm(VersionedForm):
    """Cancel the visit, with the reason."""

    reason = _reason_field(
        "Reason for canceling", "Give the reason for canceling the visit", "cancel-reason"
    )


class UndoCancelForm(VersionedForm):
    """Undo a cancellation, with the reason."""

    reason = _reason_field(
        "Reason for undoing the cancellation",
        "Give the reason for undoing the cancellation",
        "undo-cancel-reason",
    )


class ConfirmComparisonForm(VersionedForm):
    """Confirm a screening after comparing it with the person's earlier ones."""

    reason = _reason_field(
        "What you checked",
        "Say what you checked with the patient",
        "compare-reason",
        description="For example: called the patient; the cold sore has healed.",
    )


def check_in_reason() -> TextAreaField:
    """The check-in's reason, needed when an answer changed (its questions come from the
    rules, ``RuleSet.check_in_questions``)."""
    return TextAreaField(
        "What the patient told you",
        id="check-in-reason",
        description="Needed when an answer is not the one the patient gave before.",
        validators=[
            storable_text,
            Length(max=2000, message="The reason must be 2,000 characters or fewer"),
        ],
    )


class NoteUploadForm(VersionedForm):
    """A note uploaded by staff on the patient's behalf."""

    kind = RadioField(
        "Kind of note",
        choices=_choices((kind, NOTE_KIND_LABELS[kind]) for kind in NOTE_KINDS),
        validators=[InputRequired("Choose the kind of note")],
    )


class PaperNoteForm(NoteUploadForm):
    """A note received on paper, checked by the nurse recording it for the findings chosen."""

    kind = RadioField(
        "Kind of note",
        id="paper-kind",
        choices=_choices((kind, NOTE_KIND_LABELS[kind]) for kind in NOTE_KINDS),
        validators=[InputRequired("Choose the kind of note")],
    )
    covers = SelectMultipleField(
        "Findings it is for", id="paper-covers", validate_choice=False, choices=[]
    )


class NoteVerifyForm(VersionedForm):
    """Confirm an uploaded note is what the findings chosen need."""

    covers = SelectMultipleField("Findings it is for", validate_choice=False, choices=[])
