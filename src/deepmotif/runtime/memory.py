"""Freed memory kept for reuse: glibc malloc settings for jobs that allocate and free large arrays.

By default glibc hands every allocation above a dynamic threshold (128 KiB, growing to at most 32 MiB) to the
kernel with ``mmap`` and returns it with ``munmap`` when freed, and trims the heap's free top above 128 KiB.
A job that scores thousands of batches (cooperativity, tracks, class optimization) then asks the kernel for
fresh zeroed pages at every batch: in the default run's cooperativity jobs a third of the CPU time was the
kernel's (2.1 million minor page faults per job). :func:`keep_freed_memory` raises both thresholds so freed
blocks stay in the heap and are reused, at the cost of holding at most ``trim_threshold`` of free memory.

A user's own ``MALLOC_*`` environment variables (or ``GLIBC_TUNABLES``) win: nothing is changed then.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# mallopt(3) parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3
USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES")


def keep_freed_memory(mmap_threshold: int = 256 << 20, trim_threshold: int = 512 << 20,
                      top_pad: int = 64 << 20) -> bool:
    """Make glibc keep freed blocks for reuse instead of returning them to the kernel at once.

    Parameters
    ----------
    mmap_threshold
        Bytes; smaller allocations come from the heap (and are reused), larger ones from ``mmap``.
    trim_threshold
        Bytes of free memory at the top of the heap kept before it is returned to the kernel.
    top_pad
        Bytes added to every heap extension.

    Returns
    -------
    bool
        True if the settings were applied; False on a C library without ``mallopt`` (not glibc, not
        Linux) or when the user set any of :data:`USER_SETTINGS` in the environment.
    """
    if not sys.platform.startswith("linux") or any(name in os.environ for name in USER_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return all(mallopt(param, value) == 1 for param, value in (
        (M_MMAP_THRESHOLD, mmap_threshold), (M_TRIM_THRESHOLD, trim_threshold), (M_TOP_PAD, top_pad)))
