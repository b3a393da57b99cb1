"""Runtime plumbing: numba's machine-code cache and the per-user cache folder."""
