# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed
RUN_DEPS := $(VENV)/.run-deps-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test evaluate realdata bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(DEPS): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@ $(RUN_DEPS)

# Running needs the service's own dependencies only; the test extras (Playwright, schemathesis, scikit-learn …)
# come with `make test`.
$(RUN_DEPS): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

run: $(RUN_DEPS)
	HOST=$(HOST) PORT=$(PORT) $(PY) -m app

test: $(DEPS)
	$(PY) -m ruff format --check app scripts tests alembic setup.py
	$(PY) -m ruff check app scripts tests alembic
	$(PY) -m mypy  # app/ and scripts/, as [tool.mypy] in pyproject.toml lists them
	$(PY) -m pytest $(PYTEST_ARGS)

# The real data is rebuilt from the public repositories (network, or REALDATA_MIRROR=<folder of git mirrors>);
# without it `make evaluate` measures the shipped held-out set alone.
realdata: $(DEPS)
	$(PY) scripts/realdata.py rebuild $(if $(REALDATA_MIRROR),--mirror $(REALDATA_MIRROR))

evaluate: $(DEPS)
	$(PY) scripts/evaluate.py tests/data/heldout.tsv $(if $(wildcard .realdata/sessions.jsonl),--real test) --html .cache/evaluation.html

bench: $(DEPS)
	$(PY) scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache
