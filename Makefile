# The two commands a newcomer needs: `make demo` and `make test`.
.PHONY: setup demo test bench fuzz kiosk-screens soak

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/yichuang demo --config config/halls/township.toml --citizen auto $(DEMO_ARGS)  # DEMO_ARGS="--port 0": a broker of its own

test: setup
	bash scripts/test.sh

bench: setup
	.venv/bin/python -m bench

# 100,000 bad requests against the hub on a real Mosquitto (bench/fuzz_hub.py)
fuzz: setup
	.venv/bin/python -m bench.fuzz_hub 100000

# every kiosk screen, portrait and landscape, normal and elderly, 中文 and English (docs/screens/kiosk/)
kiosk-screens: setup
	env -u DISPLAY KIVY_NO_ARGS=1 KIVY_NO_CONSOLELOG=1 KIVY_USE_DEFAULTCONFIG=1 .venv/bin/python -m kiosk.screenshots

# N tickets (default 100,000) over hall days of 1,000, through the hub and a terminal of each kind: RSS, fds, threads (bench/soak.py)
soak: setup
	.venv/bin/python -m bench.soak $(SOAK_TICKETS)
