"""``python -m deepmotif``: the same as the ``deepmotif`` command."""

import sys

from deepmotif.cli import main

sys.exit(main())
