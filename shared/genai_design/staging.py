"""Write a folder whole or not at all (framework step 4: preparing model files; 3b: rerankers).

:func:`staged_dir` hands out a fresh temporary folder next to the target; when the ``with``
block ends without an error, the target (if any) is removed and the temporary folder is
renamed into its place. If the block raises, the temporary folder is deleted and the target
is left as it was. A rename within one folder is atomic on POSIX file systems, so a reader
never sees a half-written model. Left out: locking against two writers of the same target
(the last rename wins) and the short window between removing the old target and the rename.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_dir(target: str | Path, mode: int = 0o755) -> Iterator[Path]:
    """A temporary folder that replaces ``target`` when the block succeeds.

    ``mode`` is set on the folder (``mkdtemp`` makes it private; what goes in is no secret).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    staging.chmod(mode)
    try:
        yield staging
        if target.exists():  # a stale or corrupted copy: replace it whole
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
