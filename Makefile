# Two commands do everything on a fresh Debian machine:
#   make demo   build, register, start testserver, query it through pyodbc and isql
#   make test   everything (Rust, Python, C, isql), through unixODBC with a private ODBCSYSINI
SHELL := /bin/bash
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
ODBC_DIR := $(ROOT)/target/odbc
PEERS_DIR := $(ROOT)/target/peers
DRIVER_SO := $(ROOT)/target/release/libsqlserver_odbc.so
export ODBCSYSINI := $(ODBC_DIR)
export ODBCINI := $(ODBC_DIR)/odbc.ini
export TESTSERVER_BIN := $(ROOT)/target/release/testserver
export DRIVER_SO

APT_PACKAGES := unixodbc unixodbc-dev odbcinst tdsodbc freetds-bin valgrind python3-venv

.PHONY: all deps build register demo test test-rust test-python test-c test-isql bench header clean

all: build

deps: $(VENV)/.ok $(PEERS_DIR)/odbcinst.ini

# apt runs without our private ODBCSYSINI: tdsodbc's postinst registers FreeTDS with odbcinst,
# which fails in a directory that does not exist yet (and would leave dpkg half-configured).
$(ROOT)/target/.apt-ok:
	@mkdir -p $(ROOT)/target
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  apt-get update -qq && env -u ODBCSYSINI -u ODBCINI DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq $$missing >/dev/null; \
	fi
	@touch $@

$(VENV)/.ok: $(ROOT)/target/.apt-ok tests/python/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r tests/python/requirements.txt
	@touch $@

$(PEERS_DIR)/odbcinst.ini: $(ROOT)/target/.apt-ok
	PYTHON=$(PY) bash ../shared/peers/install.sh $(PEERS_DIR) || PYTHON=python3 bash ../shared/peers/install.sh $(PEERS_DIR)

build: $(ROOT)/target/.apt-ok
	cargo build --release --workspace $(BUILD_TARGETS)

register: build deps
	bash odbcinst/install.sh --sysini $(ODBC_DIR) --driver $(DRIVER_SO) --peers $(PEERS_DIR)/odbcinst.ini

demo: register
	bash tests/demo.sh

# Tests build every target at once: dev-dependencies change the features of shared crates, so a
# plain build followed by `cargo test` would compile the driver and testserver a second time.
test: BUILD_TARGETS := --all-targets
test: register
	$(MAKE) --no-print-directory test-rust test-python test-c test-isql

test-rust:
	cargo test --release --workspace

test-python:
	cd tests/python && $(PY) -m pytest -q -p no:cacheprovider .

test-c:
	@if [ -x tests/c/run.sh ]; then bash tests/c/run.sh; else echo "tests/c: no C tests yet"; fi

test-isql:
	@if [ -x tests/isql/run.sh ]; then bash tests/isql/run.sh; else echo "tests/isql: no isql tests yet"; fi

bench: register
	@if [ -x bench/run.sh ]; then bash bench/run.sh; else echo "bench: none yet"; fi

# include/sqlserver_odbc.h: msodbcsql-compatible constants (SQL_COPT_SS_* ...) for C programs.
header:
	@command -v cbindgen >/dev/null || { echo "cbindgen not installed (apt-get install cbindgen)"; exit 1; }
	cbindgen --config cbindgen.toml --output include/sqlserver_odbc.h src/ffi/constants.rs

clean:
	cargo clean
	rm -rf $(VENV)
