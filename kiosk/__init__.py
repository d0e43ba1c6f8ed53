"""Yichuang kiosk."""
