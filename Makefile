# brief-review: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
MODEL_DIR := var/models/default
DATA := data_samples/briefs.jsonl
PIP_FLAGS := --disable-pip-version-check --no-input -q

.PHONY: all run serve queue test test-fast model bench bench-scale lint clean help postgres chromium

all: run

help:
	@echo "make run    - set up .venv, prepare the default model, start the service with demo data (http://127.0.0.1:8000/)"
	@echo "make test   - set up .venv, check the import layers (make lint), run the whole test suite"
	@echo "make queue  - print the ranked review of the sample archive in the terminal"
	@echo "make model  - (re)train the default model into $(MODEL_DIR); an empty registry makes it v1"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make bench-scale - index and 10k/100k/1M scoring benchmarks (about an hour)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
		|| { echo "需要 Python 3.11(找到的是:$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# `make run` installs what running needs; `make test` adds the test tools (pytest, Playwright,
# schemathesis, import-linter...) on top.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "安装运行所需的软件包到 $(VENV)/(首次约 2 分钟)"
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip 2>&1 | grep -v "is ignored" || true
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install $(PIP_FLAGS) -e . 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import review, models, training, cli, jieba, sklearn, skops"
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	@echo "安装测试工具"
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install $(PIP_FLAGS) -e '.[test]' 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import pytest, playwright, schemathesis, importlinter"
	touch $(TEST_STAMP)

# The default model is trained from the hand-written samples; retrained when they change.
# An empty model registry (var/models/registry) registers it as v1, the first champion.
$(MODEL_DIR)/meta.json: $(STAMP) $(DATA) $(wildcard models/*.py training/*.py review/*.py review/lexicon.py)
	$(BIN)/briefs train $(DATA) -o $(MODEL_DIR)
	$(BIN)/briefs models init

model: $(MODEL_DIR)/meta.json

# The review service on embedded defaults: SQLite under var/, the sample archive and demo
# users loaded on first start, their logins printed. HOST/PORT override the address.
HOST ?= 127.0.0.1
PORT ?= 8000
run: $(MODEL_DIR)/meta.json
	$(BIN)/briefs serve --demo --host $(HOST) --port $(PORT)

serve: run

# The command-line view of the same engine: the sample archive as a ranked queue.
queue: $(MODEL_DIR)/meta.json
	$(BIN)/briefs queue $(DATA) --top 25

# Tests need system packages: a real PostgreSQL server they start themselves, and Chromium
# for the browser tests of the pages. Installed from Debian when missing (as root, or sudo).
APT_INSTALL = SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq \
	&& DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends

postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "安装 PostgreSQL(Debian 软件包 postgresql)"; $(APT_INSTALL) postgresql >/dev/null; }
	@ls /usr/lib/postgresql/*/bin/initdb

# The browser tests check that Chinese text is drawn, not boxes: Chromium needs a CJK font.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "安装 Chromium(Debian 软件包 chromium)"; $(APT_INSTALL) chromium >/dev/null; }
	@fc-list :lang=zh | grep -q . || { \
		echo "安装中文字体(Debian 软件包 fonts-wqy-microhei)"; $(APT_INSTALL) fonts-wqy-microhei >/dev/null; }
	@command -v chromium

test: $(TEST_STAMP) postgres chromium lint
	$(BIN)/python -m pytest -q

# The import contract in pyproject.toml ([tool.importlinter]): the layers point one way.
lint: $(TEST_STAMP)
	$(BIN)/lint-imports --no-cache

test-fast: $(TEST_STAMP) postgres chromium
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(MODEL_DIR)/meta.json $(TEST_STAMP)
	$(BIN)/python bench/score_throughput.py

# Archive scale (long: about an hour on 2 cores): a 1M-brief archive, the index against
# brute force, and `briefs score` at 10k, 100k and 1M.
bench-scale: $(MODEL_DIR)/meta.json
	@test -f bench/out/archive-1m.jsonl || $(BIN)/python bench/generate_archive.py 1000000 -o bench/out/archive-1m.jsonl
	$(BIN)/python bench/index_bench.py --archive bench/out/archive-1m.jsonl --brute 20000
	$(BIN)/python bench/scale_bench.py --archive bench/out/archive-1m.jsonl --sizes 10000 100000 1000000

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache
