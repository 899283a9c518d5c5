# The two commands a newcomer needs: `make run` and `make test`.
# Everything the project needs is installed by these targets themselves.

SHELL := /bin/bash
# uv from PATH, else a private copy installed from PyPI into .tools/
UV ?= $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
LOCALES := admin_app/locales
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: bench bench-instructions screenshots css deps run test test-unit test-pg test-e2e test-binary binary lint translations extract-messages env browser node-packages relying-parties migration clean

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools && .tools/bin/pip install --quiet uv

deps: $(UV)
	$(UV) sync --frozen --quiet

env: deps
	$(MAKE) --no-print-directory translations

translations:
	$(VENV)/bin/pybabel compile -d $(LOCALES) -D messages --statistics

## Start the app on the embedded SQLite default (./data) and print where to open it.
run: env
	$(VENV)/bin/socialservices serve

## Install everything a fresh machine lacks and run every test.
test: env browser node-packages relying-parties
	$(MAKE) --no-print-directory test-unit test-pg test-e2e

## The tests' Python processes keep compiled modules in .venv/pycache: where the
## environment sets PYTHONDONTWRITEBYTECODE, each process the tests start (an app server,
## a command) compiled the application and NiceGUI again, 6 s of processor time against
## 2.5 s with the cache. Not for the binary's targets: PyInstaller bundles its own.
TEST_RUNS := test-unit test-pg test-e2e
$(TEST_RUNS): export PYTHONDONTWRITEBYTECODE :=
$(TEST_RUNS): export PYTHONPYCACHEPREFIX := $(or $(PYTHONPYCACHEPREFIX),$(CURDIR)/$(VENV)/pycache)

test-unit:
	$(PY) -m pytest tests/unit tests/support/fakes -q

test-pg:
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== model, migration and sign-in rule tests again, on PostgreSQL ($(PG_URL)) =="; \
	  SOCIALSERVICES_TEST_DATABASE_URL=$(PG_URL) $(PY) -m pytest tests/unit/models \
	    tests/unit/admin_app/test_social_rules.py tests/unit/admin_app/test_activity_outbox.py \
	    tests/unit/admin_app/test_hashtag_import.py tests/unit/admin_app/test_bad_input.py \
	    tests/unit/admin_app/test_error_pages.py tests/unit/admin_app/test_housekeeping.py \
	    tests/unit/admin_app/test_config_import_bounds.py tests/unit/admin_app/test_operator_audit.py \
	    tests/unit/admin_app/test_config_file.py tests/unit/admin_app/test_editor_and_import_agree.py \
	    tests/unit/admin_app/test_policy.py tests/unit/admin_app/test_provider_protocol.py \
	    tests/unit/admin_app/test_provider_storage.py tests/unit/admin_app/test_forward_auth.py \
	    tests/unit/admin_app/test_backchannel_logout.py tests/unit/admin_app/test_mail_delivery.py \
	    tests/unit/admin_app/test_mail_housekeeping.py tests/unit/admin_app/test_social_existing_account.py \
	    tests/unit/admin_app/test_profile_completion.py tests/unit/admin_app/test_email_change.py \
	    tests/unit/admin_app/test_registration_use_cases.py tests/unit/admin_app/test_registration_options.py \
	    tests/unit/admin_app/test_profile_sessions.py -q; \
	else \
	  echo "== PostgreSQL at $(PG_URL) does not answer: model, migration and sign-in rule tests ran on SQLite only =="; \
	fi

test-e2e:
	$(PY) -m pytest tests/e2e tests/support/test_oidc_provider.py tests/support/test_apache_rp.py tests/support/test_allauth_rp.py tests/support/test_openid_client_rp.py tests/support/test_nginx_proxy.py -q

## One executable file, dist/socialservices: `serve` on the embedded SQLite default and
## every command. PyInstaller comes from the lock file's `binary` group.
BINARY := dist/socialservices
binary: env
	$(UV) sync --frozen --quiet --group binary
	$(PY) -m PyInstaller --noconfirm --clean --onefile --name socialservices --log-level WARN \
	  --distpath dist --workpath build/pyinstaller --specpath build/pyinstaller \
	  --add-data "$$($(PY) -c 'import nicegui, os; print(os.path.dirname(nicegui.__file__))'):nicegui" \
	  --add-data "$(CURDIR)/admin_app/locales:admin_app/locales" \
	  --add-data "$(CURDIR)/admin_app/web/static:admin_app/web/static" \
	  --add-data "$(CURDIR)/models/migrations:models/migrations" \
	  --collect-submodules alembic --collect-submodules uvicorn --collect-data babel \
	  --collect-all psycopg_binary main.py
	$(UV) sync --frozen --quiet
	@ls -l $(BINARY)

## Build the binary, then sign in through it in Chromium (CI runs this after `make test`).
test-binary: binary browser node-packages
	SOCIALSERVICES_TEST_BINARY=$(CURDIR)/$(BINARY) $(PY) -m pytest tests/e2e/test_binary.py -q

browser:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

node-packages:
	@command -v npm >/dev/null || { echo "Installing Debian's nodejs and npm for the test identity provider"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	@cd tests/support/idp && npm ci --silent --no-audit --no-fund
	@cd tests/support/tailwind && npm ci --silent --no-audit --no-fund

## The Tailwind utilities the pages use (admin_app/web/static/tailwind.css), built again after
## a page's classes change; a test fails while the committed file is older than the pages.
css: node-packages
	@cd tests/support/tailwind && node_modules/.bin/tailwindcss -i input.css -o ../../../admin_app/web/static/tailwind.css --minify

## Apache httpd with mod_auth_openidc (and nginx) as relying parties for the tests. Installed
## without starting them (a policy-rc.d that answers 101), so none of them holds port 80.
relying-parties:
	@test -x /usr/sbin/apache2 && test -f /usr/lib/apache2/modules/mod_auth_openidc.so && test -x /usr/sbin/nginx || { \
	  echo "Installing Debian's apache2, libapache2-mod-auth-openidc and nginx for the relying-party tests"; \
	  policy=/usr/sbin/policy-rc.d; ours=; \
	  if [ ! -e $$policy ]; then printf '#!/bin/sh\nexit 101\n' >$$policy && chmod +x $$policy && ours=1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2 libapache2-mod-auth-openidc nginx >/dev/null; \
	  status=$$?; if [ -n "$$ours" ]; then rm -f $$policy; fi; \
	  for service in apache2 nginx; do if [ -x /etc/init.d/$$service ]; then /etc/init.d/$$service stop >/dev/null 2>&1; fi; done; \
	  exit $$status; }

lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

## Maintainers: refresh the message catalogues after changing user-facing strings.
extract-messages: deps
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
	  -o $(LOCALES)/messages.pot admin_app models providers main.py
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages

## Maintainers: a new migration from the changed tables, e.g. make migration m="add sessions".
migration: env
	rm -f /tmp/socialservices-migration.db
	$(VENV)/bin/alembic -x url=sqlite:////tmp/socialservices-migration.db upgrade head
	$(VENV)/bin/alembic -x url=sqlite:////tmp/socialservices-migration.db revision --autogenerate -m "$(m)"

clean:
	rm -rf $(VENV) .tools tests/support/idp/node_modules

## Benchmarks: figures printed as ratios against a baseline measured in the same run.
## The soak runs SOAK_MINUTES measured minutes (`make bench SOAK_MINUTES=30` for the record).
SOAK_MINUTES ?= 3
bench: env binary browser node-packages relying-parties
	$(PY) bench/signin.py
	$(PY) bench/pages.py
	$(PY) bench/startup.py
	$(PY) bench/user_search.py
	$(PY) bench/scale.py
	$(PY) bench/encryption.py
	$(PY) bench/provider.py
	$(PY) bench/forward_auth.py
	$(PY) bench/soak.py --minutes $(SOAK_MINUTES)

## Processor instructions per returning user's sign-in, counted by valgrind's callgrind
## (stable from run to run, unlike times): `make bench-instructions TREE=/path` measures
## another checkout with this environment.
bench-instructions: env
	$(PY) bench/instructions.py $(TREE)

## Maintainers: refresh the README's screenshots from the running app.
screenshots: env browser
	$(PY) docs/take_screenshots.py
