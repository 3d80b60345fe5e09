"""Shared fixtures; the catalog of test functions lives in catalog.py.

Every compilation in the suite verifies the IR of every function after every
stage of the pipeline (``ADGEN_CHECK_IR``, read by adgen.pipeline when it is
imported; subprocesses such as the CLI tests inherit it).
"""

import os
import sys

os.environ.setdefault("ADGEN_CHECK_IR", "1")
sys.path.insert(0, os.path.dirname(__file__))
