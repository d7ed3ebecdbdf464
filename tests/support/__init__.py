"""Shared helpers for the test suite (importable as ``support`` from any test)."""

import sys

import pytest

# Differential tests compare against the Python 3.11 stdlib; other versions skip them.
stdlib311 = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11), reason="differential test against the 3.11 stdlib"
)
