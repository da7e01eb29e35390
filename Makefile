# Fairspeed — the two commands a new user needs: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_SERVE ?= 1
export YOLO_OFFLINE := 1
# Real data (clips, YOLO weights) is read by path from ../shared/data when present.
export FAIRSPEED_DATA_DIR ?= $(abspath ../shared/data)

.PHONY: demo test lint typecheck bench browsers messages vendor clean venv faults

venv: $(STAMP)

# The lock pins every package; torch 2.14.1 + torchvision 0.29.1 are the pair that run
# on this CPU (2.13.0's CPU build breaks torchvision's operators).
$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (Python 3.11)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing pinned dependencies into $(VENV) (first time: a few minutes)…"
	@start=$$(date +%s); \
	 $(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock 2>&1 \
	   | grep -v "is ignored: it is neither" || true; \
	 $(PY) -c "import django, celery, cv2, ultralytics, torch, torchvision" \
	   || { echo "dependency install failed"; exit 1; }; \
	 echo "installed in $$(( $$(date +%s) - start )) s; venv size $$(du -sh $(VENV) | cut -f1)"
	@touch $(STAMP)

demo: $(STAMP) messages
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py demo $(if $(filter 0,$(DEMO_SERVE)),--no-serve,)

test: $(STAMP) messages
	FAIRSPEED_VAR_DIR=$(CURDIR)/var/test $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

bench: $(STAMP)
	$(PY) -m benchmarks.run_all $(BENCH_ARGS)
	$(PY) -m benchmarks.delivery $(DELIVERY_ARGS)

# Debian's Chromium and ChromeDriver for the browser tests (a test tool's own browser
# download cannot work offline).
browsers:
	@command -v chromedriver >/dev/null && command -v chromium >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

# Re-vendor USWDS and axe-core from npm (pinned versions and SHA-256 sums); the result
# is committed, so nothing loads from a CDN and a rerun reproduces the same files.
vendor:
	scripts/vendor_static.sh

messages: $(STAMP)
	@$(PY) manage.py compilemessages -v0 --ignore=.venv

clean:
	rm -rf var/test var/broker var/spool

# Fault injection (slow, ~5 minutes; not part of `make test`): brokers restarted, Celery
# killed, back office down, database connections dropped, spool disk full.
faults: $(STAMP)
	$(PY) -m benchmarks.faults $(FAULTS_ARGS)
