"""Shared setup for the unit tests.

The notebook-related hooks (what strict nbval compares) are in the repository's root
``conftest.py``, because hooks in this folder never see ``notebooks/``.
"""

from __future__ import annotations

import matplotlib

# Charts drawn by tests render off-screen, with no GUI window and the same result everywhere.
# (This is the test process only: notebook kernels keep their inline backend.)
matplotlib.use("Agg")
