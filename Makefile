# The two commands of the README:  `make run`  and  `make test`.
# The interpreter of the virtualenv: the distribution's own Python 3.11 when it has one (Debian and Ubuntu build it
# with profile-guided and link-time optimisation: about a third faster on plain Python code here than a source build
# without them, such as pyenv's default; see README, Performance), else python3.11 or python3 from the PATH.
PYTHON ?= $(firstword $(foreach p,/usr/bin/python3.11 python3.11 python3,$(if $(shell command -v $(p) >/dev/null 2>&1 && $(p) -c "import ensurepip, venv" 2>/dev/null && echo ok),$(p))))
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(PY) -m flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install install-test translations db catalogs

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt requirements.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --statistics -d survey/translations

db: install translations
	$(FLASK) db upgrade
	$(FLASK) survey demo --skip-if-loaded

run: db
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-test translations
	$(PY) -m pytest

# After adding or changing user-facing strings: refresh the template and the kk/ru/en catalogs, then fill in
# the empty msgstr entries of kk and ru (tests/test_app.py fails while any is missing).
catalogs: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output -o survey/translations/messages.pot .
	$(VENV)/bin/pybabel update -i survey/translations/messages.pot -d survey/translations --no-fuzzy-matching --ignore-obsolete -l en
	$(VENV)/bin/pybabel update -i survey/translations/messages.pot -d survey/translations --no-fuzzy-matching --ignore-obsolete -l kk -w 120
	$(VENV)/bin/pybabel update -i survey/translations/messages.pot -d survey/translations --no-fuzzy-matching --ignore-obsolete -l ru -w 120
