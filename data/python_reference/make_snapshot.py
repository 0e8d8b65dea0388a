"""Write the Python language reference snapshot (framework step 3a: knowledge base).

The standard library ships the text behind ``help("topic")`` as ``pydoc_data.topics``:
79 topics of the language reference. Its wording changes a little between Python
releases, so the course freezes one copy in ``topics.json`` and ``genai_design.corpora``
reads that file, never ``pydoc_data`` itself. Run this script once, with the Python the
snapshot should come from:

    python data/python_reference/make_snapshot.py

It refuses to overwrite an existing snapshot unless given ``--force``.
"""

import argparse
import json
import platform
from pathlib import Path

from pydoc_data.topics import topics

SNAPSHOT_PATH = Path(__file__).resolve().parent / "topics.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite an existing snapshot")
    args = parser.parse_args()
    if SNAPSHOT_PATH.exists() and not args.force:
        raise SystemExit(f"{SNAPSHOT_PATH.name} exists; pass --force to rewrite it")
    snapshot = {
        "source": "pydoc_data.topics",
        "python_version": platform.python_version(),
        "topics": dict(topics),
    }
    text = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, indent=1)
    SNAPSHOT_PATH.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {len(topics)} topics to {SNAPSHOT_PATH.name}")


if __name__ == "__main__":
    main()
