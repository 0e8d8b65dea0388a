#!/usr/bin/env bash
# Build the executed book into _build/html. Notebooks run in full mode (quick=False) through
# Jupyter Book's execution cache, so an unchanged notebook is not run again. One course server
# serves every notebook; it is started here if a notebook must run and none is running, and
# stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${GENAI_DESIGN_VENV:-.venv}"
bin="$venv/bin"
started=0
stale=0
cache="_build/.jupyter_cache"
# The execution cache matches a notebook by its code only: outputs made before a change to the
# package, data, prompts or gates would be reused. Clear them, unless told to keep them.
if ! "$bin/python" scripts/book_inputs.py check "$cache"; then
  if [ "${GENAI_DESIGN_KEEP_CACHE:-0}" = 1 ]; then
    echo "book: shared/, data/, prompts/ or evals/ changed; keeping the cached outputs (GENAI_DESIGN_KEEP_CACHE=1)"
    stale=1
  else
    echo "book: shared/, data/, prompts/ or evals/ changed since the cached outputs were made: clearing $cache"
    rm -rf "$cache"
  fi
fi
# An unchanged rebuild takes every notebook from the execution cache: no server is needed.
if "$bin/python" scripts/notebooks_to_run.py >/dev/null; then
  echo "book: every notebook's outputs are in the execution cache"
elif [ "$("$bin/python" -m genai_design.cli server status | "$bin/python" -c 'import json,sys; print(json.load(sys.stdin)["running"])')" != True ]; then
  echo "book: starting the course server"
  "$bin/python" -m genai_design.cli server start >/dev/null
  started=1
fi
cleanup() { [ "$started" = 1 ] && "$bin/python" -m genai_design.cli server stop >/dev/null || true; }
trap cleanup EXIT
# Executed notebooks are pages of the book: no progress bars stored as widgets.
TQDM_DISABLE=1 HF_HUB_DISABLE_PROGRESS_BARS=1 "$bin/jupyter-book" build . -W --keep-going "$@"
test -f _build/html/index.html
# Outputs kept on purpose after a change still come from the old inputs: record nothing then.
[ "$stale" = 1 ] || "$bin/python" scripts/book_inputs.py record "$cache"
echo "book: open _build/html/index.html"
