"""The rule data's patient-facing words in the languages the clinic offers.

Questions, options, help, messages, topic titles, the rules' patient texts and the pre-care
instructions are written in English in the rule data; their translations live beside it, in
``rules/locales/<language>.py``, keyed by the English text (as gettext keys by message id). The
rules core stays free of Flask: the web app asks here for the words it shows.

Staff texts are not translated: the clinic's staff work in English.
"""

from __future__ import annotations

from .locales import es

DEFAULT_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
_CATALOGS: dict[str, dict[str, str]] = {"es": es.MESSAGES}


def translate(text: str, language: str) -> str:
    """``text`` (English, from the rule data) in ``language``; English when there is none."""
    if language == DEFAULT_LANGUAGE or not text:
        return text
    return _CATALOGS.get(language, {}).get(text, text)


def localized(template: str, language: str) -> tuple[str, str]:
    """A text template in ``language`` and the language it is actually written in: English when
    the catalog has no translation, so the values filled into it can be worded to match."""
    if language != DEFAULT_LANGUAGE:
        translated = _CATALOGS.get(language, {}).get(template)
        if translated is not None:
            return translated, language
    return template, DEFAULT_LANGUAGE
