"""The symbolic path runs in a Python where numpy cannot be imported.

A subprocess blocks ``numpy`` (a meta-path finder raising ImportError for
``numpy`` and ``numpy.*``), then parses, derives, takes a Hessian and prints
text, LaTeX and numpy source; evaluating and checking must raise
:class:`~matderiv.errors.NumpyMissingError` with a message saying to install numpy.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

SCRIPT = textwrap.dedent(
    """
    import importlib.abc
    import importlib.util
    import sys
    import types

    class BlockNumpy(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("numpy", "scipy"):
                raise ImportError(f"numpy is blocked in this test, and scipy ({name})")
            return None

    sys.meta_path.insert(0, BlockNumpy())

    # The package's own __init__ (the public namespace, owned elsewhere) is not under test
    # here: load matderiv as a bare package so that only the symbolic modules run.
    spec = importlib.util.find_spec("matderiv")
    package = types.ModuleType("matderiv")
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules["matderiv"] = package

    from matderiv.symbolic import derive, derive_hessian
    from matderiv.errors import MatderivError, NumpyMissingError
    from matderiv.expr import numpy_source, parse

    shapes = {"X": ("n", "n"), "x": ("n",), "A": ("n", "n"), "w": ("n",)}
    cases = [
        derive("logdet(X)", "X", shapes),
        derive("x @ A @ x", "x", shapes),
        derive("sum(log(sigmoid(X @ w)))", "w", shapes),
        derive("X @ X", "X", shapes),
        derive("trace(A @ expm(X))", "X", shapes),
        derive("logm(X)", "X", shapes, assume={"X": "spd"}),
        derive("trace(sqrtm(X))", "X", shapes, assume={"X": "spd"}),
        derive("w @ eigvalsh(X)", "X", shapes),
        derive('norm(X, "nuc") + norm(X, 2) + sum(svdvals(X))', "X", shapes),
        derive("sum(log(diag(cholesky(X))))", "X", shapes, assume={"X": "spd"}),
        derive("pinv(X)", "X", shapes),
        derive_hessian("logsumexp(x) + x @ A @ x", "x", shapes),
    ]
    for d in cases:
        assert d.text(), d
        assert d.latex(), d
        assert "def " in d.numpy_source() and "np." in d.numpy_source(), d
        assert d.in_layout("denominator").text() if d.form != "vec" else True
    assert "_softmax" in cases[-1].numpy_source()  # helper text copied without numpy
    assert "np.linalg.slogdet" in numpy_source("logdet(X)", shapes)
    assert "scipy.linalg" in cases[5].numpy_source()  # imported inside the copied helper
    assert "_spectral_basis" in cases[8].numpy_source()
    parse("trace(inv(X) @ A)", shapes)

    for call in (lambda: cases[0].evaluate(X=[[2.0, 0.0], [0.0, 2.0]]), lambda: cases[1].check()):
        try:
            call()
        except NumpyMissingError as err:
            assert isinstance(err, MatderivError) and isinstance(err, ImportError)
            assert "pip install numpy" in str(err), str(err)
        else:
            raise AssertionError("numbers without numpy did not raise NumpyMissingError")
    assert not any(m.split(".")[0] in ("numpy", "scipy") for m in sys.modules)
    print("symbolic path ok")
    """
)


def test_symbolic_path_without_numpy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "symbolic path ok" in result.stdout


def test_the_blocker_blocks() -> None:
    # the test above can fail: with numpy blocked, importing it raises
    script = SCRIPT.split("# The package's")[0] + "import numpy\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "numpy is blocked" in result.stderr


def test_the_blocker_blocks_scipy() -> None:
    script = SCRIPT.split("# The package's")[0] + "import scipy.linalg\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "and scipy (scipy)" in result.stderr
