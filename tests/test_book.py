"""The book builds from the executed notebooks with warnings as errors, and shows real output."""

from __future__ import annotations

import html as html_text
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import EXECUTED_DIR, ROOT, all_notebooks, copy_tree_for_book


def _text(page: Path) -> str:
    """A built page's visible text: tags dropped, entities decoded, whitespace collapsed."""
    text = re.sub(r"<[^>]+>", "", page.read_text())
    return re.sub(r"\s+", " ", html_text.unescape(text))


@pytest.mark.book
def test_book_builds_without_warnings(executed_notebooks, tmp_path_factory):
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
