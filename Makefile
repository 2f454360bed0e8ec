.PHONY: help test demo bench lint
help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'
test:  ## set up .venv and run the whole suite (what CI runs)
	./scripts/test
demo:  ## set up .venv and run the demo on the embedded stack
	./scripts/demo
bench:  ## run the benchmarks (several minutes each)
	.venv/bin/python bench/throughput.py && .venv/bin/python bench/er_febrl.py && \
	.venv/bin/python bench/referrals.py && .venv/bin/python bench/soak.py
lint:  ## ruff and mypy over the tree (mypy: every module as linkwatch.*, tests, bench)
	.venv/bin/python -m ruff check . && .venv/bin/python -m mypy
