"""Shared fixtures; the catalog of test functions lives in catalog.py."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
