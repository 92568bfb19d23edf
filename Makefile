# prodstack: two commands on a fresh machine.
#   make demo   creates the environment, starts the emulator, deploys the production stack,
#               prints its outputs, checks it live (prodstack verify), and says what was
#               built and what to run next
#   make test   runs ruff, the tests (unit, plan, end-to-end on the emulator) and the checkov gate

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Offline machines: use the provider mirror when there is one; otherwise Terraform's registry.
PRODSTACK_PLUGIN_MIRROR ?= $(firstword $(wildcard /opt/tf-plugins))
export PRODSTACK_PLUGIN_MIRROR

.PHONY: demo test test-fast lint bench down clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/prodstack emulator start
	$(BIN)/prodstack up --env production --reset-state
	$(BIN)/prodstack verify --env production
	@echo
	@$(BIN)/prodstack outputs --env production --format summary
	@echo "  make down                                            # the same, with --purge"

# Test files run in parallel (one emulator per worker). The end-to-end files mostly wait on
# the provider's fixed sleeps, so there are more workers than cores (each holds a provider of
# about 1 GB at most).
PYTEST_WORKERS ?= 4
# Offline plans and validate results of the own stack, computed once per run and shared by the
# workers and the checkov gate (keyed by everything they depend on: prodstack.tf.result_cache).
TEST_CACHE := $(abspath $(VENV))/test-cache

# checkov's own environment is installed while the tests run (the gate needs it only at the
# end; its log is shown if the install fails).
test: export PRODSTACK_CACHE_DIR := $(TEST_CACHE)
test: $(BIN)/.installed
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/python scripts/import_graph.py
	$(BIN)/lint-imports --no-cache
	rm -rf $(TEST_CACHE)
	$(BIN)/python scripts/checkov_gate.py --install-only > $(VENV)/checkov-install.log 2>&1 & \
	install=$$!; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15; \
	status=$$?; \
	wait $$install || { cat $(VENV)/checkov-install.log; exit 1; }; \
	exit $$status
	$(BIN)/python scripts/checkov_gate.py

# The fast and emulator tiers (tests/tiers.py): no Terraform.
test-fast: $(BIN)/.installed
	$(BIN)/pytest -n 2 -m "not e2e and not plan"

# The layers: every import points down (the import-linter contract in pyproject.toml), and no
# import cycle of any kind (scripts/import_graph.py).
lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/python scripts/import_graph.py
	$(BIN)/lint-imports --no-cache

bench: $(BIN)/.installed
	$(BIN)/python bench/loop.py

down: $(BIN)/.installed
	$(BIN)/prodstack down --yes --purge --env production

clean:
	-$(BIN)/prodstack emulator stop
	rm -rf .prodstack .venv-checkov
