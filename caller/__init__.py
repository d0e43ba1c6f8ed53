"""Yichuang caller."""
