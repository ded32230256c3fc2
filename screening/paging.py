"""Page numbers for long lists, read from the query string."""

from __future__ import annotations

import math


def asked_page(text: str | None, highest: int) -> int:
    """The page number asked for, kept within 1..highest; anything that is not a number means
    the first page."""
    try:
        asked = int(text or 1)
    except ValueError:
        asked = 1
    return min(max(asked, 1), highest)


def current_page(text: str | None, total: int, page_size: int) -> tuple[int, int]:
    """``(page, pages)``: the page asked for, kept within 1..pages; anything that is not a
    number means the first page."""
    pages = max(1, math.ceil(total / page_size))
    return asked_page(text, pages), pages
