"""The book builds from the executed notebooks with warnings as errors, shows real output, and
works in a browser: every page opened in headless Chromium (tests/browser.py)."""

from __future__ import annotations

import html as html_text
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from browser import check_pages, search_hits, toc_pages
from conftest import EXECUTED_DIR, ROOT, all_notebooks, copy_tree_for_book

ARTIFACTS = ROOT / "_build" / "browser"  # screenshots kept from the browser test


def _text(page: Path) -> str:
    """A built page's visible text: tags dropped, entities decoded, whitespace collapsed."""
    text = re.sub(r"<[^>]+>", "", page.read_text())
    return re.sub(r"\s+", " ", html_text.unescape(text))


@pytest.fixture(scope="module")
def built_book(executed_notebooks, tmp_path_factory):
    """The book built with -W from this session's executed notebooks: (sources, results)."""
    assert shutil.which("dot"), ("Graphviz's dot draws the book's diagrams and is missing: "
                                 "apt install graphviz, brew install graphviz or conda install graphviz")
    results = {p: executed_notebooks(p) for p in all_notebooks()}
    failed = [str(p) for p, r in results.items() if r["error"] is not None]
    assert not failed, f"notebooks failed, so the book cannot show them: {failed}"
    src = tmp_path_factory.mktemp("book") / "src"
    copy_tree_for_book(src)
    for path in results:  # each notebook runs once per suite: reuse the Papermill outputs
        shutil.copy(EXECUTED_DIR / path.relative_to(ROOT), src / path.relative_to(ROOT))
    config = yaml.safe_load((src / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    (src / "_config.yml").write_text(yaml.safe_dump(config))
    jb = Path(sys.executable).with_name("jupyter-book")
    build = subprocess.run([str(jb), "build", str(src), "-W", "--keep-going"],
                           capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    return src, results


@pytest.mark.book
def test_book_builds_without_warnings(built_book):
    src, results = built_book
    html = src / "_build" / "html"
    assert (html / "index.html").exists()

    # The first notebook's page shows the model's real answer, and the prose page shows the
    # numbers the notebook measured (glue), not placeholders.
    glued = results[ROOT / "notebooks/00_first_request.ipynb"]["glued"]
    page = _text(html / "notebooks" / "00_first_request.html")
    first_words = " ".join(glued["first_answer"].split()[:6])
    assert first_words in page
    prose = _text(html / "book" / "first-request.html")
    assert f"first token arrived after {glued['first_ttft_ms_median']:.0f} ms" in prose
    assert f"constrained decoding, {glued['first_json_valid_constrained_pct']:.0f}% did" in prose

    # The system diagrams are drawn from their Graphviz text at build time, as local SVG files.
    # Each file in book/diagrams is drawn on the chapter page that uses it (step 2 has five).
    sources = sorted((ROOT / "book" / "diagrams").glob("*.dot"))
    svg = r'(?:data|src)="([^"]*graphviz-[0-9a-f]+\.svg)"'
    drawn = {page.name: set(re.findall(svg, page.read_text())) for page in (html / "book").glob("*.html")}
    assert len(drawn["step2-pattern.html"]) >= 5 and len(drawn["step8-deploy-monitor.html"]) == 1, drawn
    every = set().union(*drawn.values())
    assert len(every) == len(sources), (sorted(every), sources)
    for ref in every:
        assert (html / "book" / ref).resolve().is_file(), ref


@pytest.mark.book
def test_unchanged_rebuild_takes_under_a_minute(built_book):
    """Built again with nothing changed, the book rewrites no page and finishes in well under a
    minute (`make book` adds only a check of the execution cache: no notebook, no server)."""
    src, _ = built_book
    jb = Path(sys.executable).with_name("jupyter-book")
    started = time.perf_counter()
    build = subprocess.run([str(jb), "build", str(src), "-W", "--keep-going"],
                           capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - started
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    assert "no targets are out of date" in build.stdout
    assert seconds < 60, f"an unchanged rebuild took {seconds:.0f} s"


def _pages_with_widgets(results: dict) -> int:
    """How many executed notebooks saved interactive widgets (their state is in the metadata)."""
    return sum(1 for r in results.values()
               if json.loads(Path(r["path"]).read_text())["metadata"].get("widgets"))


@pytest.mark.book
def test_book_in_a_browser(built_book):
    """Every page of the table of contents loads in headless Chromium without a console error
    or a request leaving the machine; every internal link and anchor resolves; images load;
    widget views have their saved state; the search page finds a term; screenshots are kept."""
    src, results = built_book
    html = src / "_build" / "html"
    pages = toc_pages(src)
    shots = {"book/intro.html": ARTIFACTS / "landing.png",
             "casestudies/shop-support.html": ARTIFACTS / "case-study-shop-support.png"}
    problems, seen = check_pages(html, pages, screenshots=shots)
    assert not problems, "\n".join(problems)
    assert seen["pages"] == len(pages) and seen["links"] > 20 * len(pages), seen
    assert seen["images"] >= len(all_notebooks()), seen  # plots, diagrams, launch logos
    assert seen["widget_pages"] == _pages_with_widgets(results), seen
    for shot in shots.values():
        assert shot.stat().st_size > 20_000, f"{shot} looks empty"
    hits = search_hits(html, "PagedAttention")
    assert any("PagedAttention" in title for title in hits), hits


@pytest.mark.book
def test_every_chapter_page_has_its_furniture(built_book):
    """Each chapter and case-study page carries the version banner, a launch button per
    paired notebook (Colab included), a figure or diagram, exercises with solutions and an
    interview angle."""
    src, _ = built_book
    html = src / "_build" / "html"
    pages = sorted((html / "book").glob("step*.html")) + [
        html / "casestudies" / "shop-support.html", html / "casestudies" / "python-docs.html"]
    assert len(pages) == 11
    for page in pages:
        text = page.read_text()
        assert 'class="course-banner"' in text and "Measured with genai-design" in text, page
        assert 'class="course-launch"' in text and "colab.research.google.com/github/" in text, page
        assert re.search(r"<h2>Exercises", text) and "Solution" in text, page
        assert re.search(r"<h2>Interview angle", text), page
        assert re.search(r'<object data="[^"]+\.svg"[^>]*class="graphviz|<img ', text), (
            f"{page.name} has no figure or diagram")
    notebook = (html / "notebooks" / "05b_kv_calculator.html").read_text()
    assert "quick mode" in notebook  # the suite's Papermill runs are quick; the banner says so
    assert "<math" in notebook and "mathjax@" not in notebook  # MathML, no script from a CDN


@pytest.mark.book
def test_browser_check_catches_a_broken_page(built_book, tmp_path):
    """The browser check fails on a page broken on purpose: a script error, a link to a missing
    page, a missing anchor, a missing image and a script fetched from the internet."""
    src, _ = built_book
    site = tmp_path / "html"
    shutil.copytree(src / "_build" / "html", site)
    page = site / "book" / "step3-data.html"
    breakage = ('<script>notDefinedAnywhere();</script><a href="no-such-page.html">x</a>'
                '<a href="step5-inference.html#no-such-anchor">y</a>'
                '<img src="../_images/no-such-image.png">'
                '<script src="https://cdn.example.org/library.js"></script>')
    page.write_text(page.read_text().replace("</body>", breakage + "</body>"))
    problems, _ = check_pages(site, ["book/step3-data.html", "book/step5-inference.html"])
    found = "\n".join(problems)
    assert all(p.startswith("book/step3-data.html") for p in problems), found  # others clean
    for symptom in ("script error: notDefinedAnywhere is not defined",
                    "link to missing book/no-such-page.html",
                    "link to missing anchor book/step5-inference.html#no-such-anchor",
                    "image did not load", "request leaves the machine: https://cdn.example.org"):
        assert symptom in found, f"{symptom!r} not reported:\n{found}"
