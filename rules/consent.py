"""What a consent document is, and how it is read from its released file.

A treatment's consent lives in its folder as ``consent.v<N>.<language>.md``: one file per
consent version and language, released once and never edited (``released.sha256`` pins it).
The text shown and signed is the file's words, one paragraph a line: its SHA-256 is stored with
every signature, so the clinic can show the exact text a patient agreed to.

The file is a small, strict subset of Markdown, so that a clinician can read and review it::

    # Title

    Introduction, one paragraph on one line.

    ## A section's heading

    1. A numbered item, on one line.
    2. ...

    ## Another heading

    - A listed item, on one line.

    **The declaration the patient signs.**
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_NUMBERED_ITEM = re.compile(r"\d+\. (.+)")
_DECLARATION = re.compile(r"\*\*(.+)\*\*")


@dataclass(frozen=True, slots=True)
class ConsentSection:
    """A heading and its paragraphs or list items."""

    heading: str
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class ConsentDocument:
    """The consent a patient reads and signs for one treatment, at one version, in one language."""

    title: str
    introduction: str
    sections: tuple[ConsentSection, ...]
    declaration: str
    version: str = ""
    language: str = ""

    def plain_text(self) -> str:
        """The whole text as shown, one paragraph a line: what the hash is taken of."""
        lines = [self.title, self.introduction]
        for section in self.sections:
            lines.append(section.heading)
            lines.extend(section.items)
        lines.append(self.declaration)
        return "\n".join(lines)

    def digest(self) -> str:
        """SHA-256 of the plain text: the hash stored with a signature."""
        return hashlib.sha256(self.plain_text().encode("utf-8")).hexdigest()


def read_consent(text: str, *, name: str, version: str = "", language: str = "") -> ConsentDocument:
    """The consent document written in ``text`` (the format above).

    Raises ``ValueError`` naming ``name`` (the file) and the line for anything else: a consent
    that cannot be read exactly is never shown.
    """
    blocks = [line for line in text.splitlines() if line.strip()]
    title = introduction = declaration = None
    sections: list[ConsentSection] = []
    heading: str | None = None
    items: list[str] = []
    numbered = False

    def close_section() -> None:
        if heading is not None:
            if not items:
                raise ValueError(f"{name}: the section {heading!r} has no items")
            sections.append(ConsentSection(heading, tuple(items), numbered))

    for number, line in enumerate(blocks, start=1):
        if declaration is not None:
            raise ValueError(f"{name}, line {number}: text after the declaration")
        if line.startswith("# ") and title is None:
            title = line[2:]
        elif title is None:
            raise ValueError(f"{name}, line {number}: the title ('# ...') must come first")
        elif line.startswith("## "):
            if introduction is None:
                raise ValueError(f"{name}, line {number}: no introduction before the sections")
            close_section()
            heading, items, numbered = line[3:], [], False
        elif heading is None and introduction is None:
            introduction = line
        elif (match := _DECLARATION.fullmatch(line)) is not None:
            close_section()
            heading = None
            declaration = match.group(1)
        elif heading is not None and (match := _NUMBERED_ITEM.fullmatch(line)) is not None:
            if items and not numbered:
                raise ValueError(f"{name}, line {number}: a numbered item in a listed section")
            numbered = True
            items.append(match.group(1))
        elif heading is not None and line.startswith("- ") and not numbered:
            items.append(line[2:])
        else:
            raise ValueError(f"{name}, line {number}: not part of a consent document: {line!r}")
    if title is None or introduction is None or declaration is None:
        raise ValueError(f"{name}: a consent needs a title, an introduction and a declaration")
    return ConsentDocument(title, introduction, tuple(sections), declaration, version, language)
