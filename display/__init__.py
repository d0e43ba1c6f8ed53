"""Yichuang display."""
