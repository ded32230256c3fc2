"""The rule data's patient-facing words in the languages the clinic offers.

Questions, options, help, messages, topic titles, the rules' patient texts and the pre-care
instructions are written in English in the rule data; their translations live beside it, in
``rules/locales/<language>.py``, keyed by the English text (as gettext keys by message id); a
treatment's own words (its name) are in its folder, ``rules/treatments/<id>/<language>.po``, and
added here when the treatment is registered. The rules core stays free of Flask: the web app
asks here for the words it shows.

Staff texts are not translated: the clinic's staff work in English.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .locales import es

DEFAULT_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
_CATALOGS: dict[str, dict[str, str]] = {"es": dict(es.MESSAGES)}


def catalog(language: str) -> Mapping[str, str]:
    """Every translation into ``language``, by English text: the shared words and every
    treatment's."""
    return MappingProxyType(_CATALOGS.get(language, {}))


def add_words(language: str, words: dict[str, str]) -> None:
    """Add a treatment's words in ``language`` (English -> translation) to its catalog.

    Raises ``ValueError`` when a word is already translated otherwise: two treatments may not
    word one English text two ways."""
    if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
        raise ValueError(f"{language!r} is not a language the clinic offers in translation")
    catalog = _CATALOGS.setdefault(language, {})
    clashes = [english for english, word in words.items() if catalog.get(english, word) != word]
    if clashes:
        raise ValueError(f"already translated otherwise in {language}: {', '.join(clashes)}")
    catalog.update(words)


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
