"""The languages patients read the app in: which one a request gets, and the words from the rules.

The app's own words are translated with Flask-Babel (``screening/translations``); the rule data's
words (questions, options, topic titles, the rules' patient texts, instructions) come from
``rules.i18n``, which stays free of Flask. Dates are worded with Babel (``patient_date``); the
rules word the dates in their texts the same way, without it (``rules.dates``).

Staff pages are written in English, so their locale is always English; only the patients'
answers on them follow the staff member's preferred language (``preferred_language``).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from babel import Locale
from babel.dates import parse_pattern
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import LazyString, get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from rules.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate

LANGUAGE_KEY = "language"  # in the session: the language the person chose with the switch
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
STAFF_BLUEPRINTS = frozenset({"auth", "review", "records"})  # pages written in English
# The switch's button says what it does, in the language it leads to (for screen readers).
SWITCH_PROMPTS = {"en": "View this page in", "es": "Ver esta página en"}
STAFF_SWITCH_PROMPTS = {"en": "Show patients' answers in", "es": "Ver las respuestas en"}


def best_language(header: str | None) -> str:
    """The offered language the ``Accept-Language`` header prefers, or English.

    Each entry is judged by its primary tag ("es-MX" is Spanish), in the header's order of
    preference; Werkzeug's own matcher would let an exact "es;q=0.5" beat "en-US".
    """
    for value, _quality in parse_accept_header(header or "", LanguageAccept):
        primary = value.split("-", 1)[0].split("_", 1)[0].lower()
        if primary in LANGUAGES:
            return primary
        if primary == "*":
            return DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def preferred_language() -> str:
    """The person's language: the choice made with the switch, else the browser's ("en"
    outside a request)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = session.get(LANGUAGE_KEY)
    if chosen in LANGUAGES:
        return chosen
    return best_language(request.headers.get("Accept-Language"))


def select_language() -> str:
    """The language of this request's page: the preferred language, except on staff pages
    and in the JSON API (for machines: the contract's English)."""
    if request.blueprint in STAFF_BLUEPRINTS or request.path.startswith("/api/"):
        return DEFAULT_LANGUAGE
    return preferred_language()


_LOCALES = {language: Locale.parse(language) for language in LANGUAGES}


def _selected_locale() -> Locale:
    # Flask-Babel's locale selector. A Locale is taken as it is: parsing the name again on
    # each request costs as much as a page's translating.
    return _LOCALES[select_language()]


def current_language() -> str:
    """The language this request's page is written in ("en" outside a request)."""
    return _language_of(get_locale() if has_request_context() else None)


def _language_of(locale: Locale | None) -> str:
    return locale.language if locale is not None and locale.language in LANGUAGES else "en"


def rule_text(text: str) -> str:
    """Words from the rule data in this request's language."""
    return translate(str(text), current_language())


def lazy_rule_text(text: str) -> LazyString:
    """Words from the rule data, translated each time they are shown: for form classes that
    are built once and used in every language."""
    return LazyString(rule_text, text)


# How a date reads to a patient, by language, in Babel's patterns: the clinic's US English
# ("Monday, December 21, 2026"), and Spanish with no comma after the weekday ("lunes 21 de
# diciembre de 2026"), as the rules word the dates in their texts (``rules.dates.format_date``).
DATE_PATTERNS = {"en": "EEEE, MMMM d, y", "es": "EEEE d 'de' MMMM 'de' y"}
DATE_LOCALES = {"en": Locale.parse("en_US"), "es": Locale.parse("es")}
_DATE_FORMATS = {
    language: (parse_pattern(pattern), DATE_LOCALES[language])
    for language, pattern in DATE_PATTERNS.items()
}


def patient_date(day: date, language: str | None = None) -> str:
    """A date in words, in ``language`` or else this request's ("jueves 10 de diciembre de
    2026"): every date a patient reads, on a page or in an email, is worded here."""
    pattern, locale = _DATE_FORMATS.get(language or current_language(), _DATE_FORMATS["en"])
    return pattern.apply(day, locale)


def safe_return_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site (never another host), else ``None``."""
    if not target or not target.startswith("/") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


def _language_context() -> dict:
    page = request._get_current_object()  # read several times: once through the proxy
    language = _language_of(get_locale())
    staff = page.blueprint in STAFF_BLUEPRINTS
    # A patient's page is in the language chosen (``select_language``); a staff page in English.
    chosen = preferred_language() if staff or page.path.startswith("/api/") else language
    return {
        "html_lang": language,
        "staff_page": staff,  # only staff pages show the staff links (base.html)
        "languages": LANGUAGES,
        "language_switch": _switch_buttons(chosen, staff),
        # Where the switch brings the person back: this page, as long as a GET can show it (a
        # page shown after a POST to an address that only takes POSTs says where it belongs).
        "language_return": page.full_path.rstrip("?")
        if page.method == "GET"
        else page.path
        if _shown_by_get(page.path)
        else page.script_root + "/",
    }


def _shown_by_get(path: str) -> bool:
    """Whether a GET to ``path`` reaches a page (not a 405 or 404)."""
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return False
    return True


@cache
def _switch_buttons(chosen: str, staff: bool) -> tuple[tuple[str, str, str], ...]:
    """The language switch's buttons: each language but the one chosen, its name, and what its
    button does, said in that language (for screen readers)."""
    prompts = STAFF_SWITCH_PROMPTS if staff else SWITCH_PROMPTS
    return tuple((code, name, prompts[code]) for code, name in LANGUAGES.items() if code != chosen)


def register_i18n(app: Flask) -> None:
    """Bind Flask-Babel and the template helpers; refuse to start without compiled catalogs."""
    from .extensions import babel

    missing = [
        language
        for language in LANGUAGES
        if language != DEFAULT_LANGUAGE
        and not (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").is_file()
    ]
    if missing:
        # Without them every page would silently be English.
        raise RuntimeError(
            f"Compiled translations missing for {', '.join(missing)}: run `make` (or "
            "`pybabel compile -d screening/translations`)"
        )
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=_selected_locale)
    # {% trans %} blocks are written across lines; the catalog holds them on one line.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.filters["rule_text"] = rule_text
    app.jinja_env.filters["patient_date"] = patient_date
    app.context_processor(_language_context)
