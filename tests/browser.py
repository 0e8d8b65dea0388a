"""The built book as a reader's browser sees it: every page opened in headless Chromium.

:func:`check_pages` serves a built ``_build/html`` on 127.0.0.1, opens each page in Debian's
Chromium (driven by Playwright, which is pointed at that browser and never downloads one) and
returns one line per problem a reader would meet:

- a JavaScript error or a console error on the page;
- a request that leaves this machine (the book must read offline), apart from the
  widget-manager scripts a page with interactive widgets needs (``WIDGET_CDN``);
- an internal link to a page or an anchor that does not exist;
- an image that did not load, or a diagram (an SVG ``<object>``) whose file is missing;
- a widget view whose state is not embedded in the page.

:func:`search_hits` types a term into the book's search page and counts the results.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import yaml

CHROMIUM = Path("/usr/bin/chromium")
# Chromium on a machine without network: no background fetches, no GPU, no sandbox as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# Interactive widgets in the book run on the Jupyter widget manager, which myst-nb loads from a
# CDN on the pages that have widgets: offline, those pages show the widgets' saved state only.
WIDGET_CDN = ("https://cdnjs.cloudflare.com/ajax/libs/require.js/",
              "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@")
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def toc_pages(book_root: Path) -> list[str]:
    """Every page of ``_toc.yml`` as a path of the built site (``book/intro.html``...), then
    the landing and search pages."""
    toc = yaml.safe_load((book_root / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries: Sequence[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    walk(toc.get("parts", []))
    return [f"{f}.html" for f in files] + ["index.html", "search.html"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # one line per request would flood the log
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port) while the block runs; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium_context() -> Iterator[object]:
    """A fresh browser context in headless Chromium."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: the browser test needs Debian's Chromium "
                                "(apt install chromium; scripts/setup.sh does it as root)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_context(viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


def _ids(page_file: Path, cache: dict[Path, set[str]]) -> set[str]:
    if page_file not in cache:
        text = page_file.read_text(errors="replace")
        cache[page_file] = set(re.findall(r'\bid="([^"]+)"', text))
    return cache[page_file]


def broken_links(site: Path, page: str, hrefs: Sequence[str], base: str,
                 cache: dict[Path, set[str]], what: str = "link") -> list[str]:
    """Links of ``page`` (absolute URLs as the browser resolved them) to a missing file or
    anchor of the site; links elsewhere are not followed."""
    problems = []
    for href in hrefs:
        if not href.startswith(base):
            continue
        url, fragment = urldefrag(href)
        path = unquote(urlsplit(url).path)[len(urlsplit(base).path):] or "index.html"
        target = site / path
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"{page}: {what} to missing {path}")
        elif fragment and target.suffix == ".html" and unquote(fragment) not in _ids(target, cache):
            problems.append(f"{page}: {what} to missing anchor {path}#{fragment}")
    return sorted(set(problems))


def missing_widget_state(html: str) -> list[str]:
    """Model ids of widget views on a page whose state the page does not embed."""
    views = re.findall(rf'<script type="{re.escape(_WIDGET_VIEW)}">(.*?)</script>', html, re.S)
    states = re.findall(rf'<script type="{re.escape(_WIDGET_STATE)}">(.*?)</script>', html, re.S)
    known: set[str] = set()
    for state in states:
        known |= set(json.loads(state).get("state", {}))
    wanted = [json.loads(view)["model_id"] for view in views]
    return [model for model in wanted if model not in known]


def check_pages(site: Path, pages: Sequence[str], screenshots: dict[str, Path] | None = None
                ) -> tuple[list[str], dict[str, object]]:
    """Open each page in Chromium; return the problems found and what was looked at
    (pages opened, links checked, images seen, widget pages, requests that left)."""
    problems: list[str] = []
    seen = {"pages": 0, "links": 0, "images": 0, "widget_pages": 0, "external": []}
    anchors: dict[Path, set[str]] = {}
    with serve(site) as base, chromium_context() as context:
        left: list[str] = []

        def route(r: object) -> None:  # nothing leaves this machine
            if r.request.url.startswith(base):
                r.continue_()
            else:
                left.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        for name in pages:
            if not (site / name).is_file():
                problems.append(f"{name}: page missing from the built site")
                continue
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc, e=errors: e.append(f"script error: {exc}"))
            page.on("console", lambda m, e=errors: e.append(
                f"console {m.type}: {m.text} ({m.location.get('url', '')})")
                if m.type == "error" else None)
            start = len(left)
            page.goto(base + name, wait_until="load")
            page.wait_for_timeout(200)  # late scripts (deferred, async) report here
            html = page.content()
            widgets = _WIDGET_VIEW in html
            outside = left[start:]
            allowed = [u for u in outside if widgets and u.startswith(WIDGET_CDN)]
            for url in sorted(set(outside) - set(allowed)):
                problems.append(f"{name}: request leaves the machine: {url}")
            for line in errors:  # a blocked widget-manager script is expected offline
                if not any(u in line for u in allowed):
                    problems.append(f"{name}: {line}")
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
            problems += broken_links(site, name, hrefs, base, anchors)
            diagrams = page.eval_on_selector_all("object[data]", "els => els.map(o => o.data)")
            problems += broken_links(site, name, diagrams, base, anchors, what="diagram")
            images = page.eval_on_selector_all(
                "img", "els => els.map(i => [i.currentSrc || i.src, i.complete && "
                "i.naturalWidth > 0])")
            problems += [f"{name}: image did not load: {src}" for src, ok in images if not ok]
            if widgets:
                problems += [f"{name}: widget view without saved state: {model}"
                             for model in missing_widget_state(html)]
            seen["pages"] += 1
            seen["links"] += len(hrefs)
            seen["images"] += len(images) + len(diagrams)
            seen["widget_pages"] += int(widgets)
            if screenshots and name in screenshots:
                screenshots[name].parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshots[name]), full_page=False)
            page.close()
        seen["external"] = sorted(set(left))
    return problems, seen


def search_hits(site: Path, term: str, timeout_ms: int = 30_000) -> list[str]:
    """The titles the book's search page lists for ``term`` (Sphinx's own search, in the
    browser)."""
    with serve(site) as base, chromium_context() as context:
        page = context.new_page()
        page.goto(f"{base}search.html?q={term}", wait_until="load")
        page.wait_for_selector("#search-results ul.search li", timeout=timeout_ms)
        return page.eval_on_selector_all("#search-results ul.search li a",
                                         "els => els.map(a => a.textContent.trim())")
