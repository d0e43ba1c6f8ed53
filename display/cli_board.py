"""`yichuang board`: see display.apps."""
from display.apps import board_main as main  # noqa: F401
