# brief-review: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL_DIR := var/models/default
DATA := data_samples/briefs.jsonl
PIP_FLAGS := --disable-pip-version-check --no-input -q

.PHONY: all run serve test test-fast model bench bench-scale lint clean help postgres

all: run

help:
	@echo "make run    - set up .venv, prepare the default model, print the ranked review of the sample archive"
	@echo "make test   - set up .venv, run the whole test suite"
	@echo "make serve  - start the review service (API) with the sample archive and demo users"
	@echo "make model  - (re)train the default model into $(MODEL_DIR)"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make bench-scale - index and 10k/100k/1M scoring benchmarks (about an hour)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
		|| { echo "需要 Python 3.11(找到的是:$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[test]' 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import review, models, training, cli, jieba, sklearn, skops" 
	touch $(STAMP)

# The default model is trained from the hand-written samples; retrained when they change.
$(MODEL_DIR)/meta.json: $(STAMP) $(DATA) $(wildcard models/*.py training/*.py review/*.py review/lexicon.py)
	$(BIN)/briefs train $(DATA) -o $(MODEL_DIR)

model: $(MODEL_DIR)/meta.json

run: $(MODEL_DIR)/meta.json
	$(BIN)/briefs queue $(DATA) --top 25

# The review service (issue 3, in progress): API on http://127.0.0.1:8000, demo data and logins.
serve: $(MODEL_DIR)/meta.json
	$(BIN)/briefs serve --demo

# Tests run the API against a real PostgreSQL server that they start themselves; this
# installs Debian's server package when it is missing (as root, or through sudo).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "安装 PostgreSQL(Debian 软件包 postgresql)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }
	@ls /usr/lib/postgresql/*/bin/initdb

test: $(STAMP) postgres
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(MODEL_DIR)/meta.json
	$(BIN)/python bench/score_throughput.py

# Archive scale (long: about an hour on 2 cores): a 1M-brief archive, the index against
# brute force, and `briefs score` at 10k, 100k and 1M.
bench-scale: $(MODEL_DIR)/meta.json
	@test -f bench/out/archive-1m.jsonl || $(BIN)/python bench/generate_archive.py 1000000 -o bench/out/archive-1m.jsonl
	$(BIN)/python bench/index_bench.py --archive bench/out/archive-1m.jsonl --brute 20000
	$(BIN)/python bench/scale_bench.py --archive bench/out/archive-1m.jsonl --sizes 10000 100000 1000000

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache
