"""A patient in the browser: the answers of ``tests.intake.patient`` given on the real pages,
either by pointer (taps, typing) or with the keyboard alone.

The keyboard patient moves only with Tab, the arrow keys, Space and Enter, and types
text once a field has the focus; every element the focus lands on must show it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page

from tests.browser.checks import focused
from tests.intake.patient import PAGES

SIGNATURE = "Ana Lopez"


def step_of(page: Page) -> str:
    """The questionnaire page shown: a step id, ``check``, ``consent``, ``result`` ..."""
    parts = urlsplit(page.url).path.strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[1] else "start"


def pages_with(overrides: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The all-"no" answers of each page, with ``overrides`` by page."""
    return {step: {**answers, **overrides.get(step, {})} for step, answers in PAGES.items()}


def field_names(page: Page) -> list[str]:
    """The names of the page's form fields, in page order; a date of birth's boxes
    ("date_of_birth-month" ...) are the one answer "date_of_birth"."""
    names = page.eval_on_selector_all(
        "form [name]", "els => els.map(el => el.getAttribute('name'))"
    )
    return list(dict.fromkeys(_BOX.sub("", name) for name in names))


def _in_page_order(page: Page, answers: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(name, answers[name]) for name in field_names(page) if name in answers]


_BOX = re.compile(r"-(day|month|year)$")
BOXES = "date boxes"  # the kind of a date typed in three boxes


def shows(page: Page, name: str) -> bool:
    """Whether the page asks the question ``name`` (in one field, or in a date's boxes)."""
    return page.locator(f'[name="{name}"], [name="{name}-day"]').count() > 0


def _kind(page: Page, name: str) -> str:
    if page.locator(f'[name="{name}-day"]').count():
        return BOXES
    return page.get_attribute(f'[name="{name}"]', "type") or "text"


def typed_boxes(name: str, value: str) -> dict[str, str]:
    """An ISO date as typed in the boxes of ``name``, by box name (no leading zeros)."""
    year, month, day = value.split("-")
    return {f"{name}-month": str(int(month)), f"{name}-day": str(int(day)), f"{name}-year": year}


def fill_boxes(page: Page, name: str, value: str) -> None:
    """Type an ISO date ``value`` in the boxes of the date ``name``."""
    for box, text in typed_boxes(name, value).items():
        page.fill(f'[name="{box}"]', text)


# Pointer -----------------------------------------------------------------------------------


def answer(page: Page, answers: dict[str, Any]) -> None:
    """Tap and type the page's ``answers``, then Continue."""
    for name, value in answers.items():
        kind = _kind(page, name)
        if kind == "radio":
            page.check(f'input[name="{name}"][value="{value}"]')
        elif kind == "checkbox":
            for box in page.locator(f'input[name="{name}"]').all():
                box.set_checked(box.get_attribute("value") in value)
        elif kind == BOXES:
            fill_boxes(page, name, value)
        else:
            page.fill(f'[name="{name}"]', value)
    submit(page)


def submit(page: Page, selector: str = "#main-submit") -> None:
    with page.expect_navigation():
        page.click(selector)


def sign(page: Page, signature: str = SIGNATURE) -> None:
    page.check("#agree")
    page.fill("#signature", signature)
    submit(page)


def complete(page: Page, pages: dict[str, dict[str, Any]]) -> None:
    """Start, answer each of ``pages`` as they come, continue from check your answers and sign:
    the outcome page is shown."""
    page.goto("/intake/")
    submit(page)
    while step_of(page) in pages:
        answer(page, pages[step_of(page)])
    submit(page)
    sign(page)
    assert step_of(page) == "result"


# Keyboard ----------------------------------------------------------------------------------


def tab_to(page: Page, selector: str, limit: int = 80) -> dict:
    """Press Tab until the element matching ``selector`` has the focus (unless it has it
    already); every stop on the way must show its focus. Returns the focused element."""
    now = focused(page, selector)
    stops = []
    for _ in range(limit):
        if now["matches"]:
            return now
        page.keyboard.press("Tab")
        now = focused(page, selector)
        stops.append(now["id"] or now["name"] or now["text"] or now["tag"])
        assert now["visible"], f"{step_of(page)}: the focus does not show on {now}"
    raise AssertionError(f"{step_of(page)}: Tab never reached {selector}; stops: {stops}")


def press(page: Page, key: str) -> None:
    """Press ``key`` on the focused element and wait for the page it loads."""
    with page.expect_navigation():
        page.keyboard.press(key)


def _choose(page: Page, name: str, value: str) -> None:
    tab_to(page, f'input[name="{name}"]')
    values = page.eval_on_selector_all(f'input[name="{name}"]', "els => els.map(el => el.value)")
    moves = values.index(value) - values.index(focused(page)["value"])
    for _ in range(abs(moves)):
        page.keyboard.press("ArrowDown" if moves > 0 else "ArrowUp")
    if not focused(page)["checked"]:
        page.keyboard.press("Space")
    now = focused(page)
    assert (now["value"], now["checked"]) == (value, True), (name, value, now)


def _tick(page: Page, name: str, wanted: list[str]) -> None:
    boxes = f'input[name="{name}"]'
    for value in page.eval_on_selector_all(boxes, "els => els.map(el => el.value)"):
        box = f'{boxes}[value="{value}"]'
        if page.is_checked(box) != (value in wanted):
            tab_to(page, box)
            page.keyboard.press("Space")
    ticked = page.eval_on_selector_all(boxes, "els => els.filter(e => e.checked).map(e => e.value)")
    assert set(ticked) == set(wanted), (name, wanted, ticked)


def _type(page: Page, name: str, value: str, kind: str) -> None:
    if kind == BOXES:  # each box in the page's order, from one to the next with Tab
        boxes = typed_boxes(name, value)
        for box in page.eval_on_selector_all(
            f'[name^="{name}-"]', "els => els.map(el => el.getAttribute('name'))"
        ):
            tab_to(page, f'[name="{box}"]')
            page.keyboard.press("Control+a")
            page.keyboard.type(boxes[box])
            assert page.input_value(f'[name="{box}"]') == boxes[box], (box, boxes[box])
        return
    tab_to(page, f'[name="{name}"]')
    if kind == "date":
        if value:  # the date field's segments, month first in Chromium, then day and year
            year, month, day = value.split("-")
            page.keyboard.type(month + day + year)
    else:
        page.keyboard.press("Control+a")
        page.keyboard.type(value)
    assert page.input_value(f'[name="{name}"]') == value, (name, value)


def answer_by_keyboard(page: Page, answers: dict[str, Any]) -> None:
    """Give the page's ``answers`` with the keyboard, in the order the fields come, then
    Continue."""
    for name, value in _in_page_order(page, answers):
        if not page.is_visible(f'[name="{name}"], [name="{name}-day"]'):
            continue  # a follow-up question the answers so far do not need
        kind = _kind(page, name)
        if kind == "radio":
            _choose(page, name, value)
        elif kind == "checkbox":
            _tick(page, name, value)
        else:
            _type(page, name, value, kind)
    tab_to(page, "#main-submit")
    press(page, "Enter")


def sign_by_keyboard(page: Page, signature: str = SIGNATURE) -> None:
    tab_to(page, "#agree")
    page.keyboard.press("Space")
    assert page.is_checked("#agree")
    _type(page, "signature", signature, "text")
    tab_to(page, "#main-submit")
    press(page, "Enter")
