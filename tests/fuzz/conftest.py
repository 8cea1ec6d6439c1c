"""The fuzz suite's folder: makes the grammar and oracle modules beside the tests importable."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
