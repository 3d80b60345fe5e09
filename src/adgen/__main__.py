"""``python -m adgen``: the ``adgen`` command (see :mod:`adgen.cli`)."""

import sys

from .cli import main

sys.exit(main())
