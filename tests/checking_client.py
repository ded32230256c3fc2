"""A test client that checks every HTML page it fetches.

Each page must parse, have a non-empty ``<title>`` and ``lang``, use each id once, point every
in-page link and every ``<label for>`` at an element that exists, and carry a CSRF token in each
form that posts.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from flask.testing import FlaskClient


class PageProblems(AssertionError):
    """A fetched page broke one of the rules every page keeps."""


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.fragment_links: list[str] = []
        self.label_targets: list[str] = []
        self.forms: list[dict] = []
        self.title = ""
        self.html_lang = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "html":
            self.html_lang = attributes.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "a" and (attributes.get("href") or "").startswith("#"):
            self.fragment_links.append(attributes["href"][1:])
        elif tag == "label" and attributes.get("for"):
            self.label_targets.append(attributes["for"])
        elif tag == "form":
            self.forms.append(
                {"method": (attributes.get("method") or "get").lower(), "csrf": False}
            )
        elif tag == "input" and self.forms and attributes.get("name") == "csrf_token":
            self.forms[-1]["csrf"] = bool(attributes.get("value"))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def page_problems(html: str) -> list[str]:
    """Everything wrong with one page, as plain sentences (empty when it is fine)."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    problems = []
    if not parser.title.strip():
        problems.append("the page has no <title>")
    if not parser.html_lang:
        problems.append("<html> has no lang")
    duplicates = [i for i, n in Counter(parser.ids).items() if n > 1]
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    ids = set(parser.ids)
    broken = [f for f in parser.fragment_links if f not in ids]
    if broken:
        problems.append(f"in-page links to missing ids: {broken}")
    unlabelled = [t for t in parser.label_targets if t not in ids]
    if unlabelled:
        problems.append(f"labels for missing ids: {unlabelled}")
    if any(form["method"] == "post" and not form["csrf"] for form in parser.forms):
        problems.append("a form that posts has no CSRF token")
    return problems


class CheckingClient(FlaskClient):
    """``FlaskClient`` that raises ``PageProblems`` for any HTML page that breaks the rules."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and response.status_code != 304:
            problems = page_problems(response.get_data(as_text=True))
            if problems:
                raise PageProblems(f"{response.request.path}: " + "; ".join(problems))
        return response
