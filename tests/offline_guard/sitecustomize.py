"""Loaded by every Python process the test suite starts (this folder is put on PYTHONPATH).

When GENAI_DESIGN_OFFLINE_GUARD names a log file, refuse non-loopback connections in this
process too: notebook kernels and the vLLM server are checked, not only pytest itself.
"""

import os

if os.environ.get("GENAI_DESIGN_OFFLINE_GUARD"):
    from genai_design import offline

    offline.install()
