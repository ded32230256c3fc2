"""Who may open which page: every view declares it, and one check enforces it for all.

A view without a declaration is refused (404), so a new route cannot be left open by mistake.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from . import audit

PUBLIC = "public"  # anyone, signed in or not
PATIENT = "patient"  # anyone holding the patient's own link (the token in the URL)
NURSE = "nurse"
MANAGER = "manager"
ADMIN = "admin"
STAFF_ROLES = (NURSE, MANAGER, ADMIN)
# Someone whose password was right and whose code (or two-step set-up) is still to come: only
# the views that declare it open to them, every other staff page sends them back to the code.
SIGNING_IN = "signing in"


def allow(*who: str) -> Callable:
    """Declare who may open a view: ``PUBLIC``, ``PATIENT`` and/or staff roles."""
    unknown = set(who) - {PUBLIC, PATIENT, SIGNING_IN, *STAFF_ROLES}
    if not who or unknown:
        raise ValueError(f"Unknown audience {sorted(unknown)}")

    def declare(view: Callable) -> Callable:
        view.allowed = frozenset(who)
        return view

    return declare


def allowed_for(endpoint: str) -> frozenset[str] | None:
    """Who may open ``endpoint``, or ``None`` when the view declares nobody."""
    if endpoint == "static":
        return frozenset({PUBLIC})
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed", None)


def enforce_access():
    """``before_request``: refuse what the view does not allow this person."""
    if request.endpoint is None:
        return None  # no such route: the 404 handler answers
    allowed = allowed_for(request.endpoint)
    if allowed is None:
        abort(404)
    if PUBLIC in allowed or PATIENT in allowed:
        return None
    if not current_user.is_authenticated:
        from .auth.sessions import pending_sign_in

        if pending_sign_in() is not None:  # half signed in: the code pages and nothing else
            return None if SIGNING_IN in allowed else redirect(url_for("auth.mfa_code"))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not current_user.has_role(*allowed):
        audit.record(
            audit.Action.REFUSED,
            result="refused",
            object_type="page",
            object_id=request.endpoint,
            detail="role",
        )
        from .extensions import db

        db.session.commit()
        abort(403)
    return None
