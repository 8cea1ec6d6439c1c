"""A typed random grammar of the expression language, for property-based fuzzing.

Expressions are drawn by *type*: the caller asks for a scalar, a vector of
length ``n`` or ``m``, or a matrix of shape ``(n, n)`` / ``(m, n)`` / ``(n, m)``,
and every production keeps that type, so almost every drawn expression is well
formed and the engine has to differentiate it.  The variable names are
parameters, so the same grammar also draws expressions over adversarial names
(names that collide with generated temporaries, helpers or dimension names).

The grammar is Hypothesis strategies throughout, so failing cases shrink.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

#: Types: "s" scalar, "n"/"m" vectors, "nn"/"mn"/"nm"/"mm" matrices.
TYPES = ("s", "n", "m", "nn", "mn", "nm", "mm")

ELEMENTWISE = (
    "np.exp", "np.tanh", "np.sin", "np.cos", "sigmoid", "softplus", "sech", "log_sigmoid",
)  # fmt: skip
POSITIVE_ELEMENTWISE = ("np.log", "np.sqrt")


@dataclass(frozen=True)
class Names:
    """The variable names of a fuzz problem, one per type, and the dimension names."""

    scalar: str = "c"
    vec_n: str = "x"
    vec_n2: str = "y"
    vec_m: str = "z"
    sq: str = "A"
    sq2: str = "B"
    rect: str = "X"
    dim_n: str = "n"
    dim_m: str = "m"
    extra: dict[str, str] = field(default_factory=dict)

    def shapes(self) -> dict[str, tuple[str, ...]]:
        """The shapes mapping of the problem."""
        n, m = self.dim_n, self.dim_m
        return {
            self.scalar: (),
            self.vec_n: (n,),
            self.vec_n2: (n,),
            self.vec_m: (m,),
            self.sq: (n, n),
            self.sq2: (n, n),
            self.rect: (m, n),
        }

    def leaves(self, kind: str) -> list[str]:
        """The variables (and constants) of one type."""
        n, m = self.dim_n, self.dim_m
        return {
            "s": [self.scalar, "2.0", "0.5"],
            "n": [self.vec_n, self.vec_n2],
            "m": [self.vec_m],
            "nn": [self.sq, self.sq2, f"{self.sq}.T", f"eye({n})"],
            "mn": [self.rect],
            "nm": [f"{self.rect}.T"],
            "mm": [f"eye({m})"],
        }[kind]


def _dims(kind: str) -> tuple[str, ...]:
    return {
        "s": (),
        "n": ("n",),
        "m": ("m",),
        "nn": ("n", "n"),
        "mn": ("m", "n"),
        "nm": ("n", "m"),
        "mm": ("m", "m"),
    }[kind]


def _kind(dims: tuple[str, ...]) -> str:
    return {
        (): "s",
        ("n",): "n",
        ("m",): "m",
        ("n", "n"): "nn",
        ("m", "n"): "mn",
        ("n", "m"): "nm",
        ("m", "m"): "mm",
    }[dims]


@st.composite
def expression(draw: st.DrawFn, kind: str, names: Names, depth: int = 3) -> str:
    """An expression of type `kind` over `names`, at most `depth` levels deep."""
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(names.leaves(kind)))
    sub = depth - 1
    dims = _dims(kind)

    def e(k: str) -> str:
        return draw(expression(k, names, sub))

    options: list[str] = ["add", "sub", "scale", "elementwise", "neg"]
    if kind == "s":
        options += ["dot", "quad", "sum", "norm", "trace", "lse", "det", "mul", "div", "pow"]
    elif len(dims) == 1:
        options += ["matvec", "hadamard", "softmax", "log_softmax", "solve", "axis_sum"]
        if dims == ("n",):
            options += ["diagonal"]
    else:
        options += ["matmul", "outer", "transpose", "hadamard", "bias_rows", "bias_columns"]
        if dims[0] == dims[1]:
            options += ["inv", "diagm"]
    choice = draw(st.sampled_from(options))
    d = names.dim_n if dims[:1] == ("n",) else names.dim_m
    if choice == "add":
        return f"({e(kind)} + {e(kind)})"
    if choice == "sub":
        return f"({e(kind)} - {e(kind)})"
    if choice == "neg":
        return f"-{e(kind)}"
    if choice == "scale":
        return f"({e('s')} * {e(kind)})"
    if choice == "elementwise":
        return f"{draw(st.sampled_from(ELEMENTWISE))}({e(kind)})"
    if choice == "hadamard":
        return f"({e(kind)} * {e(kind)})"
    if choice == "dot":
        v = draw(st.sampled_from(["n", "m"]))
        return f"({e(v)} @ {e(v)})"
    if choice == "quad":
        return f"({e('n')} @ {e('nn')} @ {e('n')})"
    if choice == "sum":
        return f"sum({e(draw(st.sampled_from(['n', 'nn', 'mn'])))})"
    if choice == "norm":
        return f"norm({e(draw(st.sampled_from(['n', 'mn'])))})"
    if choice == "trace":
        return f"trace({e('nn')})"
    if choice == "lse":
        return f"logsumexp({e(draw(st.sampled_from(['n', 'm'])))})"
    if choice == "det":
        return f"det({e('nn')})"
    if choice == "mul":
        return f"({e('s')} * {e('s')})"
    if choice == "div":
        return f"({e('s')} / (1.5 + {e('s')} ** 2))"
    if choice == "pow":
        return f"({e('s')} ** {draw(st.sampled_from(['2', '3']))})"
    if choice == "matvec":
        inner = draw(st.sampled_from(["n", "m"]))
        return f"({e(_kind((dims[0], inner)))} @ {e(inner)})"
    if choice == "softmax":
        return f"softmax({e(kind)})"
    if choice == "log_softmax":
        return f"log_softmax({e(kind)})"
    if choice == "solve":
        # well conditioned whatever the inner expression: I*k + M M^T
        inner = e(_kind((dims[0], dims[0])))
        return f"solve(4.0 * eye({d}) + {inner} @ ({inner}).T, {e(kind)})"
    if choice == "axis_sum":  # numpy's axis reductions: a matrix summed along one axis
        other = draw(st.sampled_from(["n", "m"]))
        if draw(st.booleans()):
            return f"{e(_kind((dims[0], other)))}.sum(axis=1)"
        return f"np.sum({e(_kind((other, dims[0])))}, axis=0)"
    if choice == "bias_rows":  # a vector added to each row (numpy broadcasting)
        return f"({e(kind)} + {e(dims[1])})"
    if choice == "bias_columns":  # a vector added to each column
        return f"({e(kind)} + {e(dims[0])}[:, None])"
    if choice == "diagonal":
        return f"diag({e('nn')})"
    if choice == "matmul":
        inner = draw(st.sampled_from(["n", "m"]))
        return f"({e(_kind((dims[0], inner)))} @ {e(_kind((inner, dims[1])))})"
    if choice == "outer":
        return f"outer({e(dims[0])}, {e(dims[1])})"
    if choice == "transpose":
        return f"{e(_kind((dims[1], dims[0])))}.T"
    if choice == "inv":
        # well conditioned whatever the inner expression: I*k + M M^T
        inner = e(kind)
        return f"inv(4.0 * eye({d}) + {inner} @ ({inner}).T)"
    if choice == "diagm":
        return f"diag({e(dims[0])})"
    raise AssertionError(choice)


def variable_of(names: Names) -> st.SearchStrategy[str]:
    """A variable to differentiate with respect to."""
    return st.sampled_from([names.scalar, names.vec_n, names.vec_m, names.sq, names.rect])


#: Names chosen to collide with what a code generator invents: temporaries, helpers,
#: numpy, dimension-derived names, Python builtins and the generated function's own name.
ADVERSARIAL = (
    "t1",
    "t2",
    "n_",
    "m_",
    "np",
    "_softmax",
    "_logsumexp",
    "_weighted_gram",
    "_commutation",
    "f",
    "grad_x",
    "jac_X",
    "numpy",
    "math",
    "abs",
    "sum",
    "len",
    "range",
    "float",
    "object",
    "self",
    "result",
    "out",
    "value",
    "shape",
    "x_",
    "X_",
    "d",
    "dx",
    "i",
    "j",
    "k",
    "e",
    "pi",
)


@st.composite
def adversarial_names(draw: st.DrawFn) -> Names:
    """Variable and dimension names drawn from :data:`ADVERSARIAL` and plain ones."""
    pool = draw(st.permutations((*ADVERSARIAL, "p", "q", "r", "u", "v", "w", "W", "V")))
    vars_ = pool[:7]
    dims_pool = ("n", "m", "np", "t1", "k", "f", "n_", "len", "N", "M")
    spare = [name for name in dims_pool if name not in vars_]
    dims = draw(st.permutations(spare))[:2]
    scalar, vec_n, vec_n2, vec_m, sq, sq2, rect = vars_
    return Names(scalar, vec_n, vec_n2, vec_m, sq, sq2, rect, dim_n=dims[0], dim_m=dims[1])
