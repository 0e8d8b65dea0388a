"""Progress bars for long work, and how an executed book page turns them off (all steps).

``progress(iterable, desc=...)`` is tqdm's auto bar (a widget in Jupyter, text in a
terminal). tqdm's notebook bar does not read ``$TQDM_DISABLE``, so this helper does: the
test suite and the book build set it, and the executed pages keep no progress widgets.
Left out on purpose: nested bars and logging integration.
"""

from __future__ import annotations

import os
from typing import Any

DISABLE_ENV = "TQDM_DISABLE"  # "1", "true", "yes" or "on": no bars (set for executed pages)


def progress(iterable: Any = None, *, show: bool = True, **options: Any) -> Any:
    """A tqdm bar over ``iterable`` (or with ``total=``), unless ``show`` is False or
    ``$TQDM_DISABLE`` is set; ``options`` go to tqdm (``desc``, ``unit``, ``total``...)."""
    from tqdm.auto import tqdm

    off = os.environ.get(DISABLE_ENV, "").lower() in {"1", "true", "yes", "on"}
    return tqdm(iterable, disable=off or not show, **options)
