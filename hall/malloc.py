"""Giving freed memory back to the system, for processes that run for months.

glibc raises its mmap threshold each time it frees a large mmapped block, so the next block of
that size comes from the heap and stays there after it is freed: one scrypt PIN check (16 MB)
left a soft caller 16 MB larger for good (the soak: caller +26.8 % at its second sign-in).
``trim()`` calls glibc's ``malloc_trim(0)``; elsewhere (musl, macOS) it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.lru_cache(maxsize=1)
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
    return fn


def trim() -> bool:
    """Return the heap's free pages to the system; False where there is no malloc_trim."""
    fn = _malloc_trim()
    if fn is None:
        return False
    fn(0)
    return True
