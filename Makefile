# Set-up is part of every target: a fresh clone needs only `make run` or `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TRANSLATIONS := screening/translations
CATALOGS := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))

.PHONY: run test lint clean translations loadtest bench soak

# Reinstall whenever pyproject.toml changes; create the virtualenv when missing.
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The compiled message catalogs are built here, not committed: rebuilt whenever a .po changes.
%.mo: %.po $(INSTALLED)
	$(BIN)/pybabel compile --statistics -i $< -o $@

# The outbox sender runs beside the app (an "email me this link" arrives in seconds) and stops
# with it. Plain http on this machine only: no Secure cookies, links under http://127.0.0.1:5000.
run: export PRECLEAR_SECURE_COOKIES = false
run: $(INSTALLED) $(CATALOGS)
	$(BIN)/flask --app screening init-db
	$(BIN)/flask --app screening outbox send --watch & sender=$$!; \
	trap 'kill $$sender 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app screening run --host 127.0.0.1 --port 5000

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --recursive --severity-level medium screening rules scripts
	$(BIN)/mypy --strict rules

test: lint $(CATALOGS)
	$(BIN)/python -m pytest

# The lifecycle's invariants over many more, longer sequences of actions than `make test` runs
# (tests/test_lifecycle_machine.py), new ones on every run; not part of `make test`.
SOAK_EXAMPLES ?= 2000
SOAK_STEPS ?= 60
soak: $(INSTALLED) $(CATALOGS)
	LIFECYCLE_EXAMPLES=$(SOAK_EXAMPLES) LIFECYCLE_STEPS=$(SOAK_STEPS) $(BIN)/python -m pytest \
		-p no:cacheprovider tests/test_lifecycle_machine.py

# gunicorn -w 2 on a throwaway instance under mixed traffic (patients, nurses, API invitations, a
# reminders run, the outbox sender and a slow SMTP server), then kill -9 of the server and the
# sender mid-load (scripts/loadtest.py; loopback only; not part of `make test`).
LOADTEST_SECONDS ?= 30
LOADTEST_PATIENTS ?= 16
loadtest: $(INSTALLED) $(CATALOGS)
	$(BIN)/python scripts/loadtest.py --seconds $(LOADTEST_SECONDS) --patients $(LOADTEST_PATIENTS)

# Performance against the goals (bench/run.py): rules, submit under gunicorn -w 2, the heaviest
# questionnaire page, the nurse queue at 10k and 100k screenings, the CSV export; each against a
# baseline. Loopback only, bounded (about 2 minutes on 2 cores); writes bench/results.json.
bench: $(INSTALLED) $(CATALOGS)
	$(BIN)/python -m bench

# After changing the app's words: collect them, then merge them into each language's .po.
translations: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-by-file --project Preclear \
		-o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching \
		--ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
