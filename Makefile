# Every target sets itself up on a fresh machine: a virtual environment at .venv with the pinned
# packages of requirements.lock, and (for the tests) Debian's chromium.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DAGSTER_HOME ?= $(CURDIR)/.dagster_home
PORT ?= 8501
# The Dagster UI of `make dev` and `make webserver` (the same ADDRESS rule as the dashboard).
DAGSTER_PORT ?= 3000
# The code location the service's daemon and webserver load (the project's definitions).
DAGSTER_WORKSPACE ?= deploy/workspace.yaml
# Dagster stops on SIGTERM through its SIGINT handler; make started in the background (by a script, `make dev &`)
# passes SIGINT on ignored, so SIGTERM would be ignored too: `env --default-signal=INT` gives back the default.
# `exec` leaves no shell between make and Dagster, so the SIGTERM make passes on reaches Dagster itself.
DAGSTER_RUN = exec env --default-signal=INT DAGSTER_HOME=$(DAGSTER_HOME)
# The dashboard listens on this machine only; behind the organisation's proxy, ADDRESS=0.0.0.0 (see docs/OPERATIONS.md).
ADDRESS ?= 127.0.0.1
# The project runs from the repository: its packages are found on this path, not installed.
export PYTHONPATH := $(CURDIR)

.PHONY: setup browser refresh run serve test test-fast dev dagster-home daemon webserver service bench export

# uv (pinned, from PyPI) installs the lock's exact versions into the venv: the same packages pip would install, in
# about a tenth of the time (10 s against 65 s for a new venv on this 2-core machine, measured 2026-12-06).
UV_VERSION := 0.13.8

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements.lock
	touch $(STAMP)

setup: $(STAMP)

AXE_VERSION := 4.14.1
AXE := $(VENV)/node/node_modules/axe-core/axe.min.js

# Debian's chromium for the browser tests, and axe-core (pinned) from the npm registry for their WCAG checks.
browser: setup
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	@test -f $(AXE) || npm install --silent --no-audit --no-fund --prefix $(VENV)/node axe-core@$(AXE_VERSION)

# Exit 3 (published, with a source stale or absent) is not a failure for make; 1 is. A scheduler that wants
# the three codes runs `.venv/bin/python -m pipelines.refresh` itself (PYTHONPATH=.).
refresh: setup
	$(PY) -m pipelines.refresh; status=$$?; $(PY) -m reporting.dark_figure; \
	if [ $$status -eq 3 ]; then echo "published with a source not current (see above)"; exit 0; fi; exit $$status

serve: setup
	$(PY) -m reporting.dark_figure
	$(PY) -m streamlit run dashboard/app.py --server.headless true --server.address $(ADDRESS) --server.port $(PORT) --browser.gatherUsageStats false

# Exit code 3 (published with a source stale or absent) still serves the new marts; 1 serves the last ones.
run: setup
	$(PY) -m pipelines.refresh; status=$$?; \
	if [ $$status -eq 1 ]; then echo "refresh failed (see above): serving the last published marts"; fi
	$(MAKE) --no-print-directory serve

# Two workers (CI has two cores). The published states are built once per run and shared by both workers
# (tests/built_once.py).
test: setup browser
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2

# The edit loop: ruff and every test that runs no refresh, drives no browser and is not slow (under a minute).
test-fast: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n 2 -m "not refresh and not browser and not slow"

# The Dagster instance (run history, the schedule's and sensors' state) in DAGSTER_HOME, with the run queue of
# pipelines/ops/dagster.yaml unless an instance config is already there.
dagster-home:
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || cp pipelines/ops/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

# Local development: the UI and the daemon in one command (stops on SIGTERM, as the service does).
dev: setup dagster-home
	@echo "Dagster UI on http://$(ADDRESS):$(DAGSTER_PORT); the sensors only record what they see on their first tick and start nothing (see docs/OPERATIONS.md)"
	$(DAGSTER_RUN) $(VENV)/bin/dagster dev -w $(DAGSTER_WORKSPACE) --host $(ADDRESS) --port $(DAGSTER_PORT)

# The service, as Dagster documents it for production (not `dagster dev`): the daemon (the weekly schedule, the
# sensors, the run queue) and the webserver (the UI), each its own process against the persistent instance in
# DAGSTER_HOME, each stopping cleanly on SIGTERM (see deploy/ for the units of one server).
daemon: setup dagster-home
	$(DAGSTER_RUN) $(VENV)/bin/dagster-daemon run -w $(DAGSTER_WORKSPACE)

webserver: setup dagster-home
	$(DAGSTER_RUN) $(VENV)/bin/dagster-webserver -h $(ADDRESS) -p $(DAGSTER_PORT) -w $(DAGSTER_WORKSPACE)

# Both in one terminal (set up once, above); a SIGTERM to make stops both.
service: setup dagster-home
	$(MAKE) --no-print-directory -j2 -o $(STAMP) daemon webserver

bench: setup browser
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/bench_ctdc.py --refresh --repeat 3
	$(PY) benchmarks/bench_dashboard.py
	$(PY) benchmarks/bench_publication_day.py
	$(PY) benchmarks/bench_estimation.py --large

# The rapporteur's pack from the published marts: make export FROM=2015 TO=2024 OUT=exports
# From a kept publication: PUBLICATION=<id, the start of one, or a date> (python -m publications list)
FROM ?= 2015
TO ?= 2024
OUT ?= exports
PUBLICATION ?=
export: setup browser
	$(PY) -m export --from $(FROM) --to $(TO) --out "$(OUT)"$(if $(PUBLICATION), --publication "$(PUBLICATION)")
