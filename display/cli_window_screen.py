"""`yichuang window-screen`: see display.apps."""
from display.apps import window_screen_main as main  # noqa: F401
