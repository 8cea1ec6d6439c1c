"""How long the fuzz suite runs: ``ci`` (part of ``nox -s tests``) or ``long`` (``nox -s fuzz``).

``MATDERIV_FUZZ=long`` selects the long run; ``MATDERIV_FUZZ_EXAMPLES=N`` sets the number
of examples of every property directly.  The settings are applied per test, never as a
global Hypothesis profile, so the rest of the test suite keeps its own settings.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

LONG = os.environ.get("MATDERIV_FUZZ", "ci") == "long"

#: Seconds one engine call (derive, a printer, evaluate) may take on a fuzz input.
CALL_SECONDS = 10.0 if LONG else 5.0


def fuzz(examples: int) -> settings:
    """Settings of one property: `examples` in CI, 40 times as many in the long run."""
    override = os.environ.get("MATDERIV_FUZZ_EXAMPLES")
    count = int(override) if override else examples * (40 if LONG else 1)
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
        database=None,
    )
