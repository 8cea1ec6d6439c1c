"""Generated numpy source: no user text outside identifiers, no name collisions.

Each collision class of issue 12 is one case: a variable named like a temporary
(``t1``), like a size local (``n_`` beside a dimension ``n``), a dimension named
``np``, a variable named like a helper (``_softmax``), a variable named like the
default function (``f``, ``grad_x``).  The generated function must compute what
:meth:`Derivative.evaluate` computes, and that must equal an explicit oracle.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import pytest

from matderiv import derive
from matderiv.errors import ArgumentError, DeclarationError
from matderiv.expr import numpy_source, to_function
from matderiv.expr.codegen.names import Namer, rename_identifiers


def _run(source: str, **arrays: Any) -> Any:
    tree = ast.parse(source)
    name = [n for n in tree.body if isinstance(n, ast.FunctionDef)][-1].name
    scope: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), scope)  # noqa: S102 - our own generated code
    return scope[name](**arrays)


def _only_definitions(source: str) -> None:
    for node in ast.parse(source).body:
        assert isinstance(node, ast.Import | ast.FunctionDef), ast.dump(node)


RNG = np.random.default_rng(12)


def test_payload_in_a_comment_does_not_reach_the_source() -> None:
    text = '(x # """;import os;os.system("touch F");"""\n).T @ x'
    d = derive(text, "x", {"x": ("n",)})
    source = d.numpy_source()
    _only_definitions(source)
    assert "os" not in source.split()
    assert "system" not in source
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(_run(source, x=x), 2 * x)


@pytest.mark.parametrize("doc", ['"""; import os #', "\\", "a\u2028b", "x\x00y", "é'''"])
def test_docstring_is_one_escaped_literal(doc: str) -> None:
    source = numpy_source("x @ x", {"x": ("n",)}, doc=doc)
    tree = ast.parse(source)
    func = tree.body[-1]
    assert isinstance(func, ast.FunctionDef)
    assert ast.get_docstring(func, clean=False) == doc
    assert all(isinstance(n, ast.Assign | ast.Return) for n in func.body[1:])


@pytest.mark.parametrize(
    "name", ["f; import os", "1f", "", "f\u2028", "ｆ", "lambda", "match", "np", "x", 3]
)
def test_function_name_is_a_fresh_ascii_identifier(name: Any) -> None:
    d = derive("x @ x", "x", {"x": ("n",)})
    with pytest.raises(ArgumentError, match="name="):
        d.numpy_source(name)
    with pytest.raises(ArgumentError, match="name="):
        numpy_source("x @ x", {"x": ("n",)}, name=name)


def test_a_good_function_name_is_used() -> None:
    d = derive("x @ x", "x", {"x": ("n",)})
    x = RNG.standard_normal(4)
    source = d.numpy_source("gradient_of_norm2")
    assert "def gradient_of_norm2(x):" in source
    np.testing.assert_allclose(_run(source, x=x), 2 * x)


# (expression, wrt, shapes, oracle(arrays)) -- one per collision class
COLLISIONS: list[tuple[str, str, dict[str, Any], Any]] = [
    (  # a temporary t1 (the shared subexpression inv(A) is a temporary)
        "t1 * sum(inv(A) @ x) + sum(inv(A))",
        "t1",
        {"t1": (), "A": ("n", "n"), "x": ("n",)},
        lambda a: np.sum(np.linalg.inv(a["A"]) @ a["x"]),
    ),
    (  # a size local n_ beside the dimension n (ones(n) needs the size)
        "sum(n_) * sum(ones(n)) * c",
        "c",
        {"n_": ("n",), "c": ()},
        lambda a: np.sum(a["n_"]) * a["n_"].size,
    ),
    (  # a dimension named like a builtin the generated code may call
        "c * sum(exp(x))",
        "c",
        {"x": ("len",), "c": ()},
        lambda a: np.sum(np.exp(a["x"])),
    ),
    (  # a variable named like a helper
        "softmax(_softmax) @ x",
        "x",
        {"_softmax": ("n",), "x": ("n",)},
        lambda a: np.exp(a["_softmax"]) / np.sum(np.exp(a["_softmax"])),
    ),
    (  # a variable named like the default function name
        "grad_x * (x @ x)",
        "x",
        {"grad_x": (), "x": ("n",)},
        lambda a: 2 * a["grad_x"] * a["x"],
    ),
    (  # variables named like numpy.typing's alias and like a renamed numpy alias
        "npt * logsumexp(np_1)",
        "np_1",
        {"npt": (), "np_1": ("n",)},
        lambda a: a["npt"] * np.exp(a["np_1"]) / np.sum(np.exp(a["np_1"])),
    ),
]


def test_a_dimension_named_np_is_refused_at_declaration() -> None:
    # np is reserved (the language's module prefix), for dimensions as for variables
    with pytest.raises(DeclarationError, match="np"):
        derive("c * sum(exp(x))", "c", {"x": ("np",), "c": ()})


@pytest.mark.parametrize(("text", "wrt", "shapes", "oracle"), COLLISIONS, ids=lambda v: str(v))
def test_generated_names_never_collide(text: str, wrt: str, shapes: Any, oracle: Any) -> None:
    sizes = {"n": 3, "m": 2, "len": 4}
    arrays = {
        name: RNG.standard_normal(tuple(sizes[d] for d in shape))
        + 2 * (len(shape) == 2) * np.eye(sizes[shape[0]], sizes[shape[1]])
        if len(shape) == 2
        else RNG.standard_normal(tuple(sizes[d] for d in shape))
        for name, shape in shapes.items()
    }
    d = derive(text, wrt, shapes)
    used = {k: arrays[k] for k in d.args}
    expected = oracle(arrays)
    source = d.numpy_source()
    _only_definitions(source)
    np.testing.assert_allclose(d.evaluate(**used), expected, rtol=1e-10)
    np.testing.assert_allclose(_run(source, **used), expected, rtol=1e-10)


def test_to_function_with_a_variable_named_f() -> None:
    f = to_function("f * sum(x)", {"f": (), "x": ("n",)})
    assert "def f_1(f, x):" in f.source
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(_run(f.source, f=2.0, x=x), 2 * np.sum(x))


def test_namer_skips_taken_names_after_normalisation() -> None:
    namer = Namer({"ｎｐ", "t1"})  # full-width np is np in Python source
    assert namer.fresh("np") == "np_1"
    assert namer.numbered("t") == "t2"
    assert namer.fresh("sum") == "sum_1"  # builtins are never shadowed


def test_rename_identifiers_leaves_attributes_strings_and_comments() -> None:
    text = "def g(z):\n    # np here\n    return np.exp(z).np + len('np')\n"
    out = rename_identifiers(text, {"np": "np_1", "g": "g_1"})
    assert out == "def g_1(z):\n    # np here\n    return np_1.exp(z).np + len('np')\n"
