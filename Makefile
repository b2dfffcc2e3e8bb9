# Entry points. Each one installs what it needs first (scripts/bootstrap.sh), so a fresh machine works.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.local/bin:$(PATH)
export SOLCX_BINARY_PATH := $(CURDIR)/scripts/solc
export UV_PYTHON_DOWNLOADS := never

ARGS ?=

.PHONY: install test lint format demo bench fuzz clean

install:
	@scripts/bootstrap.sh

test: install
	uv run pytest $(ARGS)

lint: install
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy backend workers
	npm run --silent format:check
	npm run --silent --prefix frontend typecheck
	uvx --from slither-analyzer==0.11.6 python -m scripts.slither

format: install
	uv run ruff check --fix .
	uv run ruff format .
	npm run --silent format

demo: install
	uv run python -m scripts.demo

bench: install
	uv run python -m bench.gas
	uv run python -m bench.cid_throughput

# The contracts' state machines at the `deep` profile (tests/contracts/conftest.py); bench/results/fuzz.md.
FUZZ_TESTS = tests/contracts/test_license_lifecycle.py::test_licenceLifecycle_matchesModelUnderRandomPurchasesTimeTopUpsAndSettlements \
	tests/contracts/test_split_invariants.py::test_splitConservation_holdsUnderRandomLineagePaymentsAndWithdrawals \
	tests/contracts/test_reward_distributor.py::test_solvency_holdsUnderRandomRootLifecycleFundingAndClaims
fuzz: install
	PROVENANT_FUZZ_PROFILE=deep uv run pytest $(FUZZ_TESTS) --durations=0 $(ARGS)

clean:
	rm -rf build .pytest_cache .hypothesis
