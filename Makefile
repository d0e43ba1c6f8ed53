# The two commands a newcomer needs: `make demo` and `make test`.
.PHONY: setup demo test bench

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/yichuang demo --config config/halls/township.toml $(DEMO_ARGS)  # DEMO_ARGS="--port 0": a broker of its own

test: setup
	bash scripts/test.sh

bench: setup
	.venv/bin/python -m bench
