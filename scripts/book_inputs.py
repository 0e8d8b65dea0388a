"""Whether the code and data the notebooks read changed since the book's cached outputs were made.

    python scripts/book_inputs.py check [CACHE_DIR]    exit 0: unchanged or nothing cached yet;
                                                       exit 1: changed (or cached before any record)
    python scripts/book_inputs.py record [CACHE_DIR]   store the current digest beside the cache

Jupyter Book's execution cache (default CACHE_DIR: _build/.jupyter_cache) matches a notebook by
its own code cells only, so after a change to the package, the data, the prompts or the release
gates an executed notebook still counts as up to date, and the book would show numbers the
current code does not produce. `scripts/build_book.sh` runs `check` before building and clears
the cache when it fails, then runs `record` after a successful build.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ("shared/genai_design", "data", "prompts", "evals")  # what the notebooks import or read
DIGEST_FILE = "course-inputs.sha256"  # kept inside the cache folder, so clearing it clears both


def inputs_digest(root: Path = ROOT) -> str:
    """SHA-256 over the path and bytes of every file under :data:`INPUTS` (byte-code skipped)."""
    digest = hashlib.sha256()
    for folder in INPUTS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def inputs_changed(cache_dir: Path, root: Path = ROOT) -> bool:
    """True when ``cache_dir`` holds executed notebooks made from other inputs than today's, or
    from inputs never recorded; False when it holds nothing or matches."""
    if not (cache_dir / "global.db").exists():
        return False  # nothing cached: every notebook runs anyway
    recorded = cache_dir / DIGEST_FILE
    return not recorded.exists() or recorded.read_text().strip() != inputs_digest(root)


def record(cache_dir: Path, root: Path = ROOT) -> None:
    """Store today's digest beside the cache (after a build that executed from these inputs)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / DIGEST_FILE).write_text(inputs_digest(root) + "\n")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("check", "record"):
        print("\n".join(__doc__.strip().splitlines()[2:6]), file=sys.stderr)
        return 2
    cache_dir = Path(argv[1]) if len(argv) > 1 else ROOT / "_build" / ".jupyter_cache"
    if argv[0] == "record":
        record(cache_dir)
        return 0
    return 1 if inputs_changed(cache_dir) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
