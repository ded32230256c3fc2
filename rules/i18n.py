"""The rule data's patient-facing words in the languages the clinic offers.

Every text a patient reads from the rule data (questions, options, help, messages, topic titles,
the rules' patient texts, the pre-care instructions, each treatment's name) is written in English
in the data and has a stable message id (``rules.messages``); translations are kept by message id
in gettext catalogs: ``rules/locales/<language>.po`` for the shared words, each treatment's own in
its folder (``rules/treatments/<id>/<language>.po``). The rules core stays free of Flask and of
the app's catalogs: the web app asks here for the words it shows.

Staff texts are not translated: the clinic's staff work in English.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DEFAULT_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}

_ENGLISH: dict[str, str] = {}  # message id -> its English text
_MESSAGE_OF: dict[str, str] = {}  # English text -> its message id (the first one given)
_CATALOGS: dict[str, dict[str, str]] = {}  # language -> message id -> translation


def add_messages(messages: Mapping[str, str], by_english: bool = True) -> None:
    """Add English texts by message id; with ``by_english``, the rule data's texts, which
    ``translate`` finds by their English. Raises ``ValueError`` for an id given another text."""
    clashes = [key for key, english in messages.items() if _ENGLISH.get(key, english) != english]
    if clashes:
        raise ValueError(f"message ids already naming another text: {', '.join(clashes)}")
    for message_id, english in messages.items():
        _ENGLISH[message_id] = english
        if by_english:
            _MESSAGE_OF.setdefault(english, message_id)


def add_translations(language: str, translations: Mapping[str, str]) -> None:
    """Add translations into ``language`` by message id. Raises ``ValueError`` for a language
    not offered in translation, or an id already translated otherwise."""
    if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
        raise ValueError(f"{language!r} is not a language the clinic offers in translation")
    catalog = _CATALOGS.setdefault(language, {})
    clashes = [key for key, words in translations.items() if catalog.get(key, words) != words]
    if clashes:
        raise ValueError(f"already translated otherwise in {language}: {', '.join(clashes)}")
    catalog.update(translations)


def english(message_id: str) -> str:
    """The English text of ``message_id``. Raises ``KeyError`` for an unknown id."""
    return _ENGLISH[message_id]


def messages() -> Mapping[str, str]:
    """Every message id and its English text."""
    return MappingProxyType(_ENGLISH)


def catalog(language: str) -> Mapping[str, str]:
    """Every translation into ``language``, by message id."""
    return MappingProxyType(_CATALOGS.get(language, {}))


def message_id_of(text: str) -> str | None:
    """The message id of an English text of the rule data, or ``None``."""
    return _MESSAGE_OF.get(text)


def worded(message_id: str, language: str, english: str | None = None) -> tuple[str, str]:
    """The text of ``message_id`` in ``language`` and the language it is actually written in:
    English when there is no translation, so the values filled into it can be worded to match.
    ``english`` is the text when the id has none of its own. Raises ``KeyError`` for an
    unknown id with no ``english``."""
    if language != DEFAULT_LANGUAGE:
        translated = _CATALOGS.get(language, {}).get(message_id)
        if translated is not None:
            return translated, language
    return _ENGLISH[message_id] if english is None else english, DEFAULT_LANGUAGE


def translate(text: str, language: str) -> str:
    """``text`` (English, from the rule data) in ``language``; English when there is none, or
    when the text is not the rule data's."""
    message_id = _MESSAGE_OF.get(text)
    return text if message_id is None else worded(message_id, language)[0]
