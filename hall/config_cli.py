"""`yichuang config check FILE…`: validate hall files; print a summary or every problem."""
from __future__ import annotations

import argparse
import sys

from hall.config import ConfigError, load_hall


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yichuang config")
    sub = parser.add_subparsers(dest="action", required=True)
    check = sub.add_parser("check", help="validate hall files")
    check.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    status = 0
    for path in args.files:
        try:
            print(f"ok: {path}: {load_hall(path).summary()}")
        except ConfigError as err:
            status = 1
            print(f"{len(err.problems)} problem(s) in {path}:", file=sys.stderr)
            for file, key, message in err.problems:
                print(f"  {file}: {key or '(file)'}: {message}", file=sys.stderr)
    return status
