# The two commands a newcomer needs: `make demo` and `make test`.
.PHONY: setup demo test bench

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/yichuang demo --config config/halls/township.toml

test: setup
	bash scripts/test.sh

bench: setup
	.venv/bin/python -m bench
