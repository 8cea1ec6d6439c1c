"""``python -m cookbook``: build build/matderiv-cookbook.pdf."""

import sys

from cookbook.build import main

sys.exit(main())
