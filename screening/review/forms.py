"""Forms of the nurse's pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    Form,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from rules import treatments

from ..findings import NOTE_KINDS
from ..models import Status
from ..validators import real_date, storable_text

NOTE_KIND_LABELS = {
    "provider_note": "Signed note from the primary care provider",
    "prescriber_note": "Note from the prescriber",
}
STATUS_LABELS = {
    Status.RESCHEDULE: "Reschedule to acknowledge",
    Status.NOTE_TO_VERIFY: "Note to verify",
    Status.AWAITING_NOTE: "Waiting for a note",
    Status.NEEDS_REVIEW: "Needs review",
    Status.NOT_ELIGIBLE: "Not eligible",
    Status.CLEARED: "Cleared",
}


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


class CheckInForm(VersionedForm):
    """The patient's answers again, on the day of the appointment."""


class NoteUploadForm(VersionedForm):
    """A note uploaded by staff on the patient's behalf."""

    kind = RadioField(
        "Kind of note",
        choices=_choices((kind, NOTE_KIND_LABELS[kind]) for kind in NOTE_KINDS),
        validators=[InputRequired("Choose the kind of note")],
    )


class PaperNoteForm(NoteUploadForm):
    """A note received on paper and checked by the nurse recording it."""


class NoteVerifyForm(VersionedForm):
    """Confirm an uploaded note is what the finding needs."""
