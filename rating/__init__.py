"""Yichuang rating."""
