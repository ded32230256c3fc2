"""The app's message catalogs: complete, in step with the code, compiled, and required.

The rule data's own words are checked in ``tests/rules``; these are the words of the app itself
(``screening/translations``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from screening import PROJECT_ROOT, create_app, i18n

TRANSLATIONS = PROJECT_ROOT / "screening" / "translations"
CATALOGS = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
_PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _read(path: Path):
    with path.open("rb") as file:
        return read_po(file)


def test_there_is_a_spanish_catalog():
    assert [path.parts[-3] for path in CATALOGS] == ["es"]


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_message_has_a_translation_and_none_is_fuzzy(path):
    catalog = _read(path)
    assert not catalog.fuzzy, "the catalog's header is marked fuzzy: it would not be compiled"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"untranslated: {message.id!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = {name for text in ids for name in _PLACEHOLDER.findall(text)}
        for text in strings:
            if set(_PLACEHOLDER.findall(text or "")) != wanted:
                problems.append(f"placeholders differ: {message.id!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_the_catalog_holds_every_marked_string_and_no_other(path, tmp_path):
    """The .po is in step with the code: ``make translations`` would change nothing."""
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(template),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
    )
    marked = {message.id for message in _read(template) if message.id}
    translated = {message.id for message in _read(path) if message.id}
    assert marked - translated == set(), "marked but not in the catalog: run `make translations`"
    assert translated - marked == set(), "in the catalog but no longer marked"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_the_compiled_catalog_is_there_and_up_to_date(path):
    compiled = path.with_suffix(".mo")
    assert compiled.is_file(), f"{compiled} is missing: run `make`"
    with compiled.open("rb") as file:
        mo = {_key(message.id): _key(message.string) for message in read_mo(file) if message.id}
    po = {_key(message.id): _key(message.string) for message in _read(path) if message.id}
    assert mo == po, f"{compiled} is older than its .po: run `make`"


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def test_the_app_refuses_to_start_without_the_compiled_catalogs(monkeypatch, tmp_path):
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    with pytest.raises(RuntimeError, match="Compiled translations missing for es"):
        create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": "sqlite://"})
