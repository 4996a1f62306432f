"""The native core's stub documents every public symbol (editors and help() show these)."""

from __future__ import annotations

import ast

from conftest import REPO_ROOT

STUB = REPO_ROOT / "python" / "claude_pm" / "_core.pyi"
CONSTRUCTORS = ("__new__", "__init__")


def _is_public(name: str) -> bool:
    return not name.startswith("_") or name in CONSTRUCTORS


def _undocumented(body: list[ast.stmt], prefix: str = "") -> list[str]:
    missing = []
    for node in body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and _is_public(node.name):
            qualified = prefix + node.name
            if not (ast.get_docstring(node) or "").strip():
                missing.append(f"{qualified} (line {node.lineno})")
            if isinstance(node, ast.ClassDef):
                missing += _undocumented(node.body, qualified + ".")
    return missing


def test_every_public_class_function_method_and_property_has_a_docstring():
    tree = ast.parse(STUB.read_text(encoding="utf-8"), filename=str(STUB))
    assert ast.get_docstring(tree), "the stub module itself has a docstring"
    assert _undocumented(tree.body) == []


def test_the_check_sees_methods_and_properties():
    tree = ast.parse(
        "class A:\n"
        '    """A."""\n'
        "    @property\n    def p(self) -> int: ...\n"
        '    def m(self) -> None:\n        """M."""\n'
        "    def _private(self) -> None: ...\n"
        "    def __new__(cls) -> A: ...\n"
    )
    assert _undocumented(tree.body) == ["A.p (line 4)", "A.__new__ (line 8)"]


def _undocumented_constants(body: list[ast.stmt]) -> list[str]:
    """Module-level annotated names not followed by a string (an attribute docstring)."""
    missing = []
    for node, after in zip(body, [*body[1:], None]):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and _is_public(node.target.id):
            documented = (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
                and after.value.value.strip()
            )
            if not documented:
                missing.append(f"{node.target.id} (line {node.lineno})")
    return missing


def test_every_public_constant_has_a_docstring():
    tree = ast.parse(STUB.read_text(encoding="utf-8"), filename=str(STUB))
    assert _undocumented_constants(tree.body) == []


def test_the_constant_check_sees_an_undocumented_constant():
    tree = ast.parse('A: int\n"""A."""\nB: str\nC: int\n_D: int\n')
    assert _undocumented_constants(tree.body) == ["B (line 3)", "C (line 4)"]
