# `make run` and `make test` each do their whole set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run demo test bench lint postgres browser office templates clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## run: set up, load the sample district dated from today on SQLite, serve it with the scheduler and print
## one sign-in link per role (Ctrl+C stops it)
run: setup
	$(BIN)/tdkt live --fresh

## demo: set up, then route a whole phase of the sample district end to end in the terminal (about 40 s)
demo: setup
	$(BIN)/tdkt demo --fresh

## postgres: start the local PostgreSQL cluster if it is not running (the tests use it)
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
	  echo "PostgreSQL không chạy trên 127.0.0.1:5432" >&2; exit 1

## lint: ruff on the tree, mypy on every package (strict on the engine and the models; the tests without
## Optional checks, as they read ids and rows they have just written)
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

## browser: Debian's headless Chromium for the browser tests (installed with apt-get when missing)
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

## office: LibreOffice Writer (headless) and pdftotext, to convert the generated papers to PDF and read them back
office:
	@command -v soffice >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui)
	@command -v pdftotext >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils)

## templates: rebuild tdkt/documents/shipped/ (van-ban.docx, giay-khen.docx), the templates the papers are drawn
## through, from their layouts (tdkt/documents/layout.py, certificates.py); a test fails while they differ
templates: setup
	$(BIN)/python -m tdkt.documents.build_templates

## test: set up, lint, make sure PostgreSQL, Chromium and LibreOffice are there, then the suite on both databases
test: lint postgres browser office
	$(BIN)/python -m pytest

## bench: set up, then one phase of a 1,000-school province on PostgreSQL (benchmarks/season.py); prints the
## table and writes benchmarks/results/latest.json (options: make bench BENCH_ARGS="--schools 200")
bench: setup postgres
	$(BIN)/python -m benchmarks.season --json benchmarks/results/latest.json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
