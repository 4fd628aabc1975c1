# The few commands a contributor needs. `make help` lists them.
#
#   make build      the extension in place (python/walkout/_core*.so), for edit-test loops
#   make lint       every formatter and linter CI runs, without installing anything
#   make test-fast  Rust unit tests and the Python tests not marked slow (a few minutes)
#   make test       everything CI runs, from a clean install (`bash .ci/run`)

PY ?= python3
# The in-place build skips the release profile's whole-program LTO: the same code and
# results, a few times faster to build. Wheels and benchmarks keep the full profile.
DEV_BUILD_ENV = CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

.PHONY: help build lint fmt test-fast test bench

help:
	@sed -n 's/^#   make /make /p' Makefile

build:
	$(PY) -m pip install --quiet "maturin>=1.7,<2"
	$(DEV_BUILD_ENV) $(PY) -m pip install --quiet --no-build-isolation -e ".[dev]"

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	$(PY) -m ruff check python tests examples benches
	$(PY) -m ruff format --check python tests examples benches
	$(PY) -m mypy

fmt:
	cargo fmt --all
	$(PY) -m ruff check --fix python tests examples benches
	$(PY) -m ruff format python tests examples benches

test-fast:
	cargo test --workspace --lib --quiet
	$(PY) -m pytest -q -m "not slow" tests

test:
	bash .ci/run
