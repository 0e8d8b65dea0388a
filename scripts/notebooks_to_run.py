"""Which of the book's notebooks Jupyter Book would execute, given its execution cache.

    python scripts/notebooks_to_run.py [CACHE_DIR]     (default: _build/.jupyter_cache)

Prints one notebook per line that has no executed copy in the cache (matched as Jupyter Book
matches it: by its code cells and kernel), and exits with 1 if there is any, 0 if every
notebook's outputs can be taken from the cache. `scripts/build_book.sh` asks this before it
starts the model server, so an unchanged rebuild does not pay for a server start.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIRS = ("notebooks", "casestudies")


def notebooks_to_run(cache_dir: Path, notebooks: list[Path]) -> list[Path]:
    """The notebooks among ``notebooks`` with no matching executed copy in ``cache_dir``."""
    import nbformat
    from jupyter_cache import get_cache

    if not (cache_dir / "global.db").exists():  # no cache yet: everything runs
        return list(notebooks)
    cache = get_cache(str(cache_dir))
    missing = []
    for path in notebooks:
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            missing.append(path)
    return missing


def main(argv: list[str]) -> int:
    cache_dir = Path(argv[0]) if argv else ROOT / "_build" / ".jupyter_cache"
    notebooks = [p for d in NOTEBOOK_DIRS for p in sorted((ROOT / d).glob("*.ipynb"))]
    missing = notebooks_to_run(cache_dir, notebooks)
    for path in missing:
        print(path.relative_to(ROOT))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
