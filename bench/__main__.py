"""`python -m bench [NAME ...]`: run every bench/bench_*.py (or the named ones) in turn."""
from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = argv or sorted(p.stem for p in here.glob("bench_*.py"))
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name if name.startswith('bench_') else 'bench_' + name}")
        print(f"\n=== {module.__name__} ===", flush=True)
        started = time.monotonic()
        try:
            code = module.main() or 0
        except Exception:
            traceback.print_exc()
            code = 1
        print(f"({time.monotonic() - started:.1f} s)", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
