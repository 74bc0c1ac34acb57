# Every target CI runs is here; `.ci/run` is just `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= eu-north-1

.PHONY: install install-sam bytecode run test test-fast unit lint typecheck template-lint build bench chaos clean

$(BIN)/dunning: pyproject.toml requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install -q --compile-bytecode -p $(BIN)/python -e '.[dev]'
	touch $@

# Byte code for every installed package, written once: where PYTHONDONTWRITEBYTECODE is set (CI images,
# sandboxes) Python never caches it, and each process (every `dunning` call, test worker and simulated
# stack) compiles moto, botocore & co. again: seconds per process (docs/testing.md).
$(VENV)/.bytecode: $(BIN)/dunning
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	touch $@

# The project's own modules: recompiled only when changed (cheap when nothing did).
bytecode: $(VENV)/.bytecode
	@$(BIN)/python -m compileall -q -j 0 shared functions dunning bench tests > /dev/null

install: $(BIN)/dunning $(VENV)/.bytecode  ## .venv with the `dunning` command and every dev tool

$(SAM): 
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --disable-pip-version-check uv
	$(SAM_VENV)/bin/uv pip install -q -p $(SAM_VENV)/bin/python aws-sam-cli==1.170.0
	touch $@

install-sam: $(SAM)  ## SAM CLI and cfn-lint in their own venv (they pin an older boto3)

run: install bytecode  ## the demo tenant through the simulator on the embedded local AWS
	$(BIN)/dunning demo --out out/demo
	@echo "Operator console: '$(BIN)/dunning local up' prints its address and a login. It starts with an empty"
	@echo "tenant (the demo above ran in the simulator); the README's operator session fills it."

lint: install  ## ruff and mypy
	$(BIN)/ruff check shared functions dunning tests bench
	$(BIN)/ruff format --check shared functions dunning tests bench
	$(BIN)/mypy

template-lint: install-sam  ## cfn-lint and sam validate --lint on template.yaml
	$(SAM_VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint

build: install-sam  ## sam build of every function (artifacts in .aws-sam/build)
	scripts/sam-build.sh

# --dist loadgroup keeps a file whose tests share set-up on one worker; tests/conftest.py starts the
# heaviest tests first, so the long ones never run alone at the end (docs/testing.md).
test: install bytecode  ## the whole suite, as CI runs it (the three checks side by side: mypy, cfn-lint and sam build are single-threaded)
	$(MAKE) --no-print-directory -j3 lint template-lint build
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# Unit tests and the in-memory half of the contract tests: no moto, no browser (the `aws` marker).
FAST_TESTS := $(wildcard tests/unit tests/contract)

test-fast: install lint  ## ruff, mypy and every test on fakes (no local AWS): under a minute
	$(BIN)/python -m pytest -m "not aws" $(FAST_TESTS)

unit: install
	$(BIN)/python -m pytest -m "not aws" tests/unit

bench: install bytecode  ## moto at 10k and 100k invoices, 1M in memory, cold imports, local times; ends with issue 15's goals
	$(BIN)/python -m bench

chaos: install  ## fault injection: 2,000 invoices x 5 days at 5 % and 30 % faults, then again with every run fanned out; exits 1 on a duplicate or loss
	$(BIN)/python -m bench.chaos --invoices 2000 --days 5 --faults 0.05 --faults 0.30 --json out/chaos.json
	$(BIN)/python -m bench.chaos --invoices 2000 --days 5 --faults 0.05 --faults 0.30 --fan-out-above 20 --json out/chaos-fan-out.json

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .build out
