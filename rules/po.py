"""Reading a gettext ``.po`` catalog with the standard library alone.

The rules core stays pure: it cannot use Babel, and the standard library's ``gettext`` reads
only compiled ``.mo`` files, which would make the rules depend on a build step. A treatment's
words are few and read once, at import, so the catalog is read from its ``.po`` source here:
entries of ``msgctxt`` (optional), ``msgid`` and ``msgstr``, each a string that may continue on
the following quoted lines. Fuzzy and untranslated entries are left out, as ``msgfmt`` does.
"""

from __future__ import annotations

import ast
from pathlib import Path

_KEYWORDS = ("msgctxt", "msgid", "msgstr")


def read_po(path: Path) -> dict[tuple[str | None, str], str]:
    """``{(context, English): translation}`` of the catalog at ``path``.

    Raises ``ValueError`` naming the file and line for anything the format does not allow.
    """
    entries: dict[tuple[str | None, str], str] = {}
    entry: dict[str, str] = {}
    keyword: str | None = None
    fuzzy = False

    def finish() -> None:
        if "msgid" in entry and entry["msgid"] and entry.get("msgstr") and not fuzzy:
            entries[(entry.get("msgctxt"), entry["msgid"])] = entry["msgstr"]

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if keyword == "msgstr":
                finish()
                entry, keyword, fuzzy = {}, None, False
            fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
            continue
        word, _, rest = line.partition(" ")
        if word in _KEYWORDS:
            if word != "msgstr" and keyword == "msgstr":
                finish()
                entry, fuzzy = {}, False
            keyword, line = word, rest.strip()
        elif keyword is None or not line.startswith('"'):
            raise ValueError(f"{path}, line {number}: not part of a catalog entry: {raw!r}")
        entry[keyword] = entry.get(keyword, "") + _string(line, path, number)
    if keyword == "msgstr":
        finish()
    return entries


def _string(quoted: str, path: Path, number: int) -> str:
    if not (len(quoted) >= 2 and quoted[0] == quoted[-1] == '"'):
        raise ValueError(f"{path}, line {number}: a quoted string was expected: {quoted!r}")
    value = ast.literal_eval(quoted)
    if not isinstance(value, str):
        raise ValueError(f"{path}, line {number}: a quoted string was expected: {quoted!r}")
    return value
