"""`python -m sim` is the `fenliu` command."""

import sys

from sim.cli import main

sys.exit(main())
