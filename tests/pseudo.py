"""A pseudo-language for the tests: Spanish as the app would show it, but with every translated
string (the app's and the rules') made from the English, each word written in accented letters
no English reader would type and lengthened by 40 %, the whole wrapped in ⟦ ⟧.

A page shown in it shows any English that escaped translation as plain ASCII words, and shows
whether longer words still fit a phone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from rules import i18n
from screening.extensions import babel
from screening.i18n import TRANSLATIONS

_PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ACCENTED = "àƀçđéƒĝĥîĵķĺɱñôƥʠŕšţûʋŵẋýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÔƤǪŔŠŢÛṼŴẊÝŽ"
_TO_ACCENTED = str.maketrans(_PLAIN, _ACCENTED)
# Left as they are: placeholders ({date}, %(name)s, %s), markup and character references.
_KEPT = re.compile(r"(\{[^{}]*\}|%\([^)]*\)[sdr]|%[sdr]|<[^>]*>|&#?\w+;)")
_WORD = re.compile(r"[A-Za-z]+")


def pseudo(text: str) -> str:
    """``text`` in the pseudo-language: each word accented and 40 % longer, wrapped in ⟦ ⟧."""
    if not text:
        return text
    parts = _KEPT.split(text)
    for index in range(0, len(parts), 2):
        parts[index] = _WORD.sub(_longer, parts[index])
    return "⟦" + "".join(parts) + "⟧"


def _longer(match: re.Match[str]) -> str:
    word = match.group(0)
    return (word + word[: math.ceil(len(word) * 0.4)].lower()).translate(_TO_ACCENTED)


def pseudo_app_catalog(folder: Path) -> Path:
    """The app's Spanish catalog made pseudo, compiled under ``folder``; returns the folder, to
    be the app's ``BABEL_TRANSLATION_DIRECTORIES``."""
    with (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file, locale="es")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(pseudo(message.id[-1]) for _ in message.string)
        else:
            message.string = pseudo(message.id)
    target = folder / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as file:
        write_mo(file, catalog)
    return folder


@contextmanager
def pseudo_spanish(folder: Path) -> Iterator[Path]:
    """While open, Spanish is the pseudo-language: the rules' words, and the app's for an app
    whose ``BABEL_TRANSLATION_DIRECTORIES`` is the folder given (``pseudo_app_catalog``)."""
    words = {message_id: pseudo(english) for message_id, english in i18n.messages().items()}
    # Flask-Babel keeps the catalogs it loaded by language for every app of the process, in its
    # domain: dropped (not read, which needs an app) so the next one loads them afresh.
    babel.__dict__.pop("domain_instance", None)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(i18n._CATALOGS, "es", words)
            yield pseudo_app_catalog(folder)
    finally:
        babel.__dict__.pop("domain_instance", None)


def _spanish_dates() -> re.Pattern[str]:
    spanish = Locale.parse("es")
    weekdays = "|".join(spanish.days["format"]["wide"].values())
    months = "|".join(spanish.months["format"]["wide"].values())
    return re.compile(rf"\b(?:{weekdays}) \d{{1,2}} de (?:{months}) de \d{{4}}\b")


# A date as a Spanish page words it: in Babel's Spanish, from CLDR, not from a catalog
# (``screening.i18n.patient_date``), so never in the pseudo-language.
SPANISH_DATE = _spanish_dates()


def escaped_english(text: str, allowed: set[str] = frozenset()) -> list[str]:
    """The plain ASCII words of ``text`` outside ⟦ ⟧ and Spanish dates: English that escaped
    translation, unless ``allowed`` (the patient's own words, the clinic's name)."""
    outside, removed = SPANISH_DATE.sub(" ", text), 1
    while removed:  # innermost first: a date's words are inside its format's translation
        outside, removed = re.subn(r"⟦[^⟦⟧]*⟧", " ", outside)
    return [word for word in re.findall(r"[A-Za-zñáéíóú]{2,}", outside) if word not in allowed]
