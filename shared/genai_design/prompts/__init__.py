"""Versioned prompt registry: framework step 3c (prompt engineering and prompt versioning).

A prompt is a template with ``{placeholders}``. Each prompt owns a folder under the root,
named by a slug, with one file per version and an append-only history::

    prompts/rag-answer/v1.txt          text of v1, never edited once registered
    prompts/rag-answer/history.jsonl   register / activate / rollback events, one per line

A version is addressed by label (``v2``) or by the sha256 of its normalised text: all 64
hex digits, the 12-digit short form, or any prefix of 4 or more digits naming one version.
Normalising (NFC, ``\\n`` line ends, no trailing spaces or surrounding blank lines) keeps the
hash stable under editors and git's line-ending conversion; a file that no longer matches its
hash is refused, since a version must name one text forever. The active version is the top of
a stack that ``activate`` pushes and ``rollback`` pops, replayed from the history; the first
version registered is active, later ones wait for ``activate`` (the review step). Nothing is
deleted: a rollback is one more line.

Where state lives: templates and history sit together under the root, in version control, so
an activation or rollback is a reviewed change in ``git log``. The usage ledger (which version
produced which answer) is run-time data in ``state_dir``: ``default_registry()`` uses the
repository's git-ignored ``.genai-design/``; a registry given only a root keeps it there.

Left out: reviewers (git does that), traffic splitting for A/B tests (step 7 reads the
ledger), templating beyond ``str.format`` fields, and a cross-process lock: appends are safe
concurrently (one ``write`` per line, append mode), registering one prompt from two processes
at the same moment is not.
"""

from genai_design.prompts.registry import PromptRegistry, default_registry
from genai_design.prompts.templates import (
    HEX_RE,
    HISTORY_FILE,
    LABEL_RE,
    MIN_PREFIX_LEN,
    PromptEvent,
    PromptUse,
    PromptVersion,
    SHORT_SHA_LEN,
    SLUG_RE,
    USAGE_FILE,
    check_name,
    content_hash,
    normalise_text,
    placeholders,
    render_template,
)

__all__ = [
    "HEX_RE",
    "HISTORY_FILE",
    "LABEL_RE",
    "MIN_PREFIX_LEN",
    "PromptEvent",
    "PromptRegistry",
    "PromptUse",
    "PromptVersion",
    "SHORT_SHA_LEN",
    "SLUG_RE",
    "USAGE_FILE",
    "check_name",
    "content_hash",
    "default_registry",
    "normalise_text",
    "placeholders",
    "render_template",
]
