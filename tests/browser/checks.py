"""What every page the browser tests reach must pass: axe's WCAG 2.0, 2.1 and 2.2 A and AA
rules, no sideways scrolling at the phone's width nor at 320 CSS pixels, no request leaving
127.0.0.1, and for patients' pages less than 100 KB transferred. Also: where the focus is and
whether it shows. Screenshots go to ``screenshots/`` (git-ignored)."""

from __future__ import annotations

import re
import weakref
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, Request, Route

SCREENSHOTS = Path(__file__).parent / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PATIENT_PAGE_LIMIT = 100 * 1024
REFLOW_WIDTH = 320

_axe = Axe()


class NetworkGuard:
    """Watches every request of a browser context: one for any host but 127.0.0.1 is
    remembered in ``foreign`` (even when the page's Content-Security-Policy stops it first) and
    refused. Routing also turns the HTTP cache off, so each page's traffic counts its
    stylesheet and script again."""

    _of: weakref.WeakKeyDictionary[BrowserContext, NetworkGuard] = weakref.WeakKeyDictionary()

    def __init__(self, context: BrowserContext, javascript: bool = True):
        self.javascript = javascript
        self.foreign: list[str] = []
        self.finished: list[Request] = []
        self.auditor: Page | None = None
        context.route("**/*", self._route)
        context.on("request", self._requested)
        context.on("requestfinished", self._finished)
        NetworkGuard._of[context] = self

    @classmethod
    def of(cls, page: Page) -> NetworkGuard:
        return cls._of[page.context]

    def _requested(self, request: Request) -> None:
        if urlsplit(request.url).hostname != "127.0.0.1":
            self.foreign.append(request.url)

    def _route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _finished(self, request: Request) -> None:
        self.finished.append(request)

    def page_bytes(self, page: Page) -> tuple[int, list[str]]:
        """Bytes (headers and bodies) of the page now shown: its document and what it loaded."""
        mine = [r for r in self.finished if r.frame == page.main_frame]
        starts = [i for i, r in enumerate(mine) if r.resource_type == "document"]
        loaded = mine[starts[-1] :] if starts else mine
        sizes = [(r.url, r.sizes()) for r in loaded]
        total = sum(s["responseBodySize"] + s["responseHeadersSize"] for _, s in sizes)
        return total, [f"{url}: {s['responseBodySize']} B" for url, s in sizes]

    def replay(self, page: Page) -> Page:
        """The document ``page`` shows now (its scripts left out), loaded at the same address
        in a page with JavaScript on, in a context of its own that this guard also watches."""
        html = re.sub(r"<script\b.*?</script>", "", page.content(), flags=re.S | re.I)
        url = page.url.split("#")[0]
        if self.auditor is None:
            context = page.context.browser.new_context(viewport=page.viewport_size)
            NetworkGuard(context).foreign = self.foreign  # one list: the test reads this one
            self.auditor = context.new_page()
        self.auditor.set_viewport_size(page.viewport_size)
        self.auditor.route(
            url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8")
        )
        self.auditor.goto(url)
        self.auditor.unroute(url)
        return self.auditor

    def close(self) -> None:
        if self.auditor is not None:
            self.auditor.context.close()


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations of the WCAG 2.0, 2.1 and 2.2 A and AA rules on the page.

    axe waits on timers, which never fire where JavaScript is off: such a page, as it was built
    without scripts, is served again to a page with JavaScript, and checked there."""
    guard = NetworkGuard._of.get(page.context)
    if guard is not None and not guard.javascript:
        page = guard.replay(page)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return _axe.run(page, options=options).response["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            lines.append(f"      {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def sideways_overflow(page: Page) -> str | None:
    """What sticks out past the viewport's width, or ``None`` when the page fits."""
    return page.evaluate(
        """() => {
          const root = document.documentElement;
          if (root.scrollWidth <= window.innerWidth) return null;
          const wide = [...document.body.querySelectorAll('*')]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                 + (el.className && typeof el.className === 'string'
                    ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
          return `scrollWidth ${root.scrollWidth} > ${window.innerWidth}: ${wide.slice(0, 8)}`;
        }"""
    )


# Pages already through axe in this run, by their shape: the same markup with other answers
# or names in it is not checked again.
_AUDITED: set[tuple] = set()


def _shape(page: Page) -> tuple:
    """What makes two pages the same to axe: the elements, their ids, classes, names, types and
    hidden state, the language, and whether JavaScript built it."""
    elements = page.evaluate(
        """() => [...document.querySelectorAll('*')].map(el => [el.tagName, el.id,
             el.getAttribute('class'), el.getAttribute('name'), el.getAttribute('type'),
             el.hidden, el.lang].join('|')).join('\\n')"""
    )
    guard = NetworkGuard._of.get(page.context)
    return (guard is None or guard.javascript, hash(elements))


def check_page(page: Page, screenshot: str | None = None, patient: bool = True) -> None:
    """The checks every page passes, on the page as it is now; ``screenshot`` names its PNG.

    axe checks each page's shape once a run (see ``_shape``). Every page also reflows at
    320 px wide (400 % zoom), and patients' pages stay under 100 KB transferred."""
    page.wait_for_load_state()
    where = urlsplit(page.url).path
    shape = _shape(page)
    if shape not in _AUDITED:
        violations = axe_violations(page)
        assert not violations, f"{where}: axe found\n{describe(violations)}"
        _AUDITED.add(shape)
    overflow = sideways_overflow(page)
    assert overflow is None, f"{where} scrolls sideways at {page.viewport_size}: {overflow}"
    size = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": size["height"]})
    try:
        overflow = sideways_overflow(page)
        assert overflow is None, f"{where} does not reflow at 320 px: {overflow}"
    finally:
        page.set_viewport_size(size)
    if patient:
        total, parts = NetworkGuard.of(page).page_bytes(page)
        assert total < PATIENT_PAGE_LIMIT, f"{where}: {total} bytes transferred: {parts}"
    if screenshot:
        take_screenshot(page, screenshot)


def take_screenshot(page: Page, name: str, full_page: bool = False) -> None:
    """The page as shown, or the whole page (``full_page``), as ``screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)


def focused(page: Page, selector: str = "*") -> dict:
    """The focused element: its tag, id, name, value, whether it is checked, whether it
    ``matches`` the selector, and whether its focus shows (a computed outline or box shadow)."""
    return page.evaluate(
        """selector => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
          return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'),
                  value: el.value === undefined ? null : el.value, checked: !!el.checked,
                  type: el.getAttribute('type'), text: (el.innerText || '').trim().slice(0, 80),
                  matches: el.matches(selector), visible: outline || style.boxShadow !== 'none'};
        }""",
        selector,
    )


def focus_lands_on(page: Page, selector: str) -> dict:
    """Wait for the focus to land on ``selector`` (a browser applies ``autofocus`` at its next
    rendering, which may come just after the load event) and return the focused element."""
    for _ in range(40):
        now = focused(page, selector)
        if now["matches"]:
            return now
        page.wait_for_timeout(50)
    raise AssertionError(f"the focus is on {now}, not on {selector}")
