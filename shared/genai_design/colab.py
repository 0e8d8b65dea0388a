"""The course on Colab: the install cell every notebook carries (the course's own delivery;
steps 4 and 5 meet a GPU here).

A notebook opened in Colab from the book's launch button arrives alone: no repository, no data,
no course package. Its install cell, :data:`INSTALL_CELL`, clones the repository (the package
reads its data and prompts from the checkout, so a plain ``pip install`` of the package would
not do), installs it in editable mode with its GPU and book extras, and marks the runtime as
done, so that a second notebook in the same runtime, or the cell run twice, installs nothing.
Everywhere else (``google.colab`` not imported) the cell does nothing.

The cell cannot import this module (the course is not installed yet when it runs), so each
notebook holds a copy of the text; the tests check every copy against :data:`INSTALL_CELL` and
run the text itself with a fake Colab and a fake ``subprocess``.

Left out on purpose: choosing the GPU build of vLLM (the ``gpu`` extra) and restarting the
runtime when pip replaces a library Colab had already imported.
"""

from __future__ import annotations

REPO_URL = "https://github.com/genai-design-course/genai-system-design"  # as in _config.yml
CHECKOUT_ENV = "GENAI_DESIGN_CHECKOUT"  # where the cell clones to (tests point it elsewhere)
DEFAULT_CHECKOUT = "/content/genai-system-design"  # Colab's working folder
INSTALLED_MARKER = ".colab-installed"  # written in the checkout once pip has succeeded

INSTALL_CELL = f'''\
# On Colab, install the course once per runtime (a no-op everywhere else).
import sys
if "google.colab" in sys.modules:
    import os, subprocess
    repo = os.environ.get("{CHECKOUT_ENV}", "{DEFAULT_CHECKOUT}")
    if not os.path.exists(os.path.join(repo, "{INSTALLED_MARKER}")):
        if not os.path.isdir(repo):
            subprocess.run(["git", "clone", "-q", "--depth", "1", "{REPO_URL}", repo],
                           check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", repo + "[gpu,book]"],
                       check=True)
        open(os.path.join(repo, "{INSTALLED_MARKER}"), "w").close()
    sys.path.insert(0, os.path.join(repo, "shared"))  # the editable install, in this kernel too'''
