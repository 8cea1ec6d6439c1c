"""``python -m matderiv``: the same as the ``matderiv`` command."""

from __future__ import annotations

from matderiv.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
