# Two commands do all the set-up on a fresh machine with Python 3.11+ and make:
#   make demo   builds the graph of examples/ into out/graph.ttl and out/graph.html
#   make test   runs the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install yasgui browser demo test clean constraints bench bench-load train

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# constraints.txt pins the versions CI tested; pyproject.toml keeps the ranges that work
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(STAMP) yasgui

# the query editor of kg serve's page, YASGUI, from the npm registry (the package's own bundle,
# version pinned, checked by npm against the registry's hash), copied into kg/static/yasgui/
# (not in git) and served by kg serve itself: the page works offline. Without npm the page is
# a plain text area, and kg serve says so when it starts.
YASGUI_VERSION := 4.6.2
YASGUI := kg/static/yasgui
yasgui: $(YASGUI)/yasgui.min.js

$(YASGUI)/yasgui.min.js:
	@if ! command -v npm >/dev/null; then \
	  echo "npm not found: kg serve's query page will be a plain text area (install npm, then: make yasgui)"; \
	else \
	  rm -rf build/yasgui && mkdir -p build/yasgui $(YASGUI) && \
	  (cd build/yasgui && npm pack --silent @zazuko/yasgui@$(YASGUI_VERSION) >/dev/null) && \
	  tar -xzf build/yasgui/zazuko-yasgui-$(YASGUI_VERSION).tgz -C build/yasgui && \
	  cp build/yasgui/package/build/yasgui.min.css build/yasgui/package/package.json $(YASGUI)/ && \
	  cp build/yasgui/package/build/yasgui.min.js $(YASGUI)/ && \
	  echo "YASGUI $(YASGUI_VERSION) in $(YASGUI)/" || \
	  echo "YASGUI could not be fetched from the npm registry: kg serve's query page will be a plain text area (later: make yasgui)"; \
	fi

demo: install
	$(BIN)/kg build examples/ --output out/graph.ttl --html out/graph.html
	@echo
	@echo "Cooperation pairs (queries/cooperation-pairs.rq):"
	$(BIN)/kg query cooperation-pairs --graph out/graph.ttl

# the browser tests need chromium and chromedriver: installed from Debian when missing (as root)
browser:
	sh tools/ensure-chromium.sh

# the import layers of pyproject.toml's [tool.importlinter] first: a cycle fails in a second
test: install browser
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# re-pin after a deliberate upgrade: make constraints
constraints: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

# the learned parts of extraction, from the annotated material in ../shared (deterministic:
# the same data gives the same bytes); the results ship in kg/nlp/trained/
SHARED ?= ../shared
train: install
	$(BIN)/python tools/train_entities.py --shared $(SHARED)
	$(BIN)/python tools/train_relations.py --shared $(SHARED)

clean:
	rm -rf out .pytest_cache

# speed and scale against ../shared/corpus/real: prints each figure, writes BENCHMARKS.md (about
# 30 minutes on 2 cores); make bench ARGS=--quick for a smoke run of a few minutes
bench: install
	$(BIN)/python bench/run.py $(ARGS)

# kg serve against oxigraph serve-read-only under the same load, on 127.0.0.1 (about 3 minutes):
# writes its own section of BENCHMARKS.md
bench-load: install
	$(BIN)/python bench/load.py
