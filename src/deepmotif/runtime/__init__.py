"""Runtime plumbing: numba's machine-code cache, the per-user cache folder, glibc's malloc settings."""
