"""Contract-language stubs for library functions, read from `typings/`.

A stub is a `.pyi` file whose path names the module it describes
(`typings/torch/nn/functional.pyi` describes `torch.nn.functional`); classes describe methods
(`class Tensor` in `typings/torch/_tensor.pyi` gives `torch._tensor.Tensor.<method>`).
Parameters are annotated in the contract language (`Float[Tensor, "*s"]`); a parameter
annotated `int` whose name is a dim of the signature binds that dim from a literal argument
(`one_hot(tensor: Int[Tensor, "*s"], num_classes: int) -> Int64[Tensor, "*s num_classes"]`).
`Same[...]` in a return means "the dtype family of the first tensor argument".
`@reduction("*s")` on a loss: the return shape when called with `reduction="none"`.

The files are parsed with `ast` (never imported, never evaluated), once per process.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

from shapeguard._errors import SpecError
from shapeguard._spec import ShapeSpec, parse_shape

from ._types import FAMILIES, Shaped

SAME = "Same"


@dataclass(frozen=True)
class StubParam:
    name: str
    shaped: Shaped | None  # a contract on this argument
    binds_int: bool  # an int whose literal value binds the dim of the same name


@dataclass(frozen=True)
class Stub:
    fullname: str
    params: tuple[StubParam, ...]
    returns: Shaped | None
    is_method: bool
    reduction_none: ShapeSpec | None = None


def typings_dirs() -> list[Path]:
    here = Path(__file__).resolve()
    candidates = [here.parent / "typings", here.parents[2] / "typings"]
    return [p for p in candidates if p.is_dir()]


@functools.lru_cache(maxsize=1)
def load_stubs() -> dict[str, Stub]:
    out: dict[str, Stub] = {}
    for root in typings_dirs():
        for path in sorted(root.rglob("*.pyi")):
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            if module.endswith(".__init__"):
                module = module[: -len(".__init__")]
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            except (OSError, SyntaxError, ValueError):
                continue
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    stub = _read_function(f"{module}.{node.name}", node, is_method=False)
                    if stub is not None:
                        out.setdefault(stub.fullname, stub)
                elif isinstance(node, ast.ClassDef):
                    for item in node.body:
                        if isinstance(item, ast.FunctionDef):
                            name = f"{module}.{node.name}.{item.name}"
                            stub = _read_function(name, item, is_method=True)
                            if stub is not None:
                                out.setdefault(stub.fullname, stub)
    return out


def _read_annotation(node: ast.expr | None) -> Shaped | None:
    if not isinstance(node, ast.Subscript) or not isinstance(node.value, ast.Name):
        return None
    family = node.value.id
    if family not in FAMILIES and family != SAME:
        return None
    inner = node.slice
    if not isinstance(inner, ast.Tuple) or len(inner.elts) != 2:
        return None
    text = inner.elts[1]
    if not isinstance(text, ast.Constant) or not isinstance(text.value, str):
        return None
    try:
        spec = parse_shape(text.value)
    except SpecError:
        return None
    return Shaped(family, spec)


def _read_reduction(node: ast.FunctionDef) -> ShapeSpec | None:
    for deco in node.decorator_list:
        if (
            isinstance(deco, ast.Call)
            and isinstance(deco.func, ast.Name)
            and deco.func.id == "reduction"
            and len(deco.args) == 1
            and isinstance(deco.args[0], ast.Constant)
            and isinstance(deco.args[0].value, str)
        ):
            try:
                return parse_shape(deco.args[0].value)
            except SpecError:
                return None
    return None


def _read_function(fullname: str, node: ast.FunctionDef, *, is_method: bool) -> Stub | None:
    params: list[StubParam] = []
    args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
    for arg in args:
        shaped = _read_annotation(arg.annotation)
        binds = isinstance(arg.annotation, ast.Name) and arg.annotation.id == "int"
        params.append(StubParam(arg.arg, shaped, binds))
    returns = _read_annotation(node.returns)
    if returns is None and not any(p.shaped for p in params):
        return None
    return Stub(fullname, tuple(params), returns, is_method, _read_reduction(node))
