# The README's commands. Each one sets up the environment itself (scripts/setup.sh is
# idempotent), so a fresh clone needs nothing else.
VENV ?= .venv
PY := $(VENV)/bin/python
export GENAI_DESIGN_VENV := $(VENV)

.PHONY: setup book test lab clean

setup:
	@bash scripts/setup.sh

## Build the executed book into _build/html (the course's main job).
book: setup
	@bash scripts/build_book.sh

## Unit tests, every notebook under Papermill (quick mode), and the book build with -W.
test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

## JupyterLab on the notebooks, listening on 127.0.0.1 only.
lab: setup
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --no-browser $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

clean:
	rm -rf _build
	-$(PY) -m genai_design.cli server stop
