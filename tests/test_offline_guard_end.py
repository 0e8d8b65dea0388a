"""The suite's offline promise: nothing any test, kernel or server did reached the network."""

import os
from pathlib import Path


def test_nothing_reached_the_network():
    log = Path(os.environ["GENAI_DESIGN_OFFLINE_GUARD"])
    violations = log.read_text() if log.exists() else ""
    assert violations == "", f"code tried to reach a non-loopback address:\n{violations[:4000]}"
