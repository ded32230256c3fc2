"""What a consent document is: a title, an introduction, sections and the declaration signed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConsentSection:
    """A heading and its paragraphs or list items."""

    heading: str
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class ConsentDocument:
    """The consent a patient reads and signs for one treatment."""

    title: str
    introduction: str
    sections: tuple[ConsentSection, ...]
    declaration: str

    def plain_text(self) -> str:
        """The whole text as shown, one paragraph a line: what the hash is taken of."""
        lines = [self.title, self.introduction]
        for section in self.sections:
            lines.append(section.heading)
            lines.extend(section.items)
        lines.append(self.declaration)
        return "\n".join(lines)

    def digest(self) -> str:
        """SHA-256 of the plain text."""
        return hashlib.sha256(self.plain_text().encode("utf-8")).hexdigest()


# What every patient declares, whatever the treatment.
DECLARATION = (
    "I confirm that my answers are true and complete to the best of my knowledge. I understand "
    "the pre-care and after-care instructions above. I will call the clinic before my "
    "appointment if anything in my answers changes. I consent to this treatment."
)
