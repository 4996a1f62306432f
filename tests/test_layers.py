"""The package's layers, read from the source with ast (nothing is imported).

- No import cycle among claude_pm modules at module level. Importing ``a.b.c`` also runs
  the ``__init__`` of ``a.b``, so an edge to a module is an edge to its packages too
  (except the packages the importing module sits in, which are already running).
- The core (everything but the 1.x facades agents/, services/, utils/) never imports a
  facade: the facades re-export the core for 1.x users.
- An import of claude_pm inside a function exists only for a reason listed below. A
  deferred import written to dodge a cycle is not one: the cycle is fixed instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "python" / "claude_pm"
FACADES = ("claude_pm.agents", "claude_pm.services", "claude_pm.utils")

# Until these modules are rewritten elsewhere they keep imports that break the rules;
# each entry names the edge, so a new one still fails. Remove an entry with its import.
TEMPORARY_FACADE_IMPORTS = {
    # config.py: switch to claude_pm.prompt_library.
    ("claude_pm.config", "claude_pm.agents.base_agent_loader"),
}

# The load test drives delegations the way a runner does: through the 1.x TaskToolHelper.
COMMANDS_OVER_FACADES = {("claude_pm.cli.loadtest_cmd", "claude_pm.utils.task_tool_helper")}

# Imports of claude_pm inside functions, by (importing module, imported module): why each
# is deferred.
DEFERRED_IMPORTS = {
    (
        "claude_pm",
        "claude_pm.decision_log.registry",
    ): "record_outcome: a runner that never records one never loads the decision log",
    (
        "claude_pm.budget",
        "claude_pm.decision_log.backends",
    ): "the fleet reader, only with a budget and a PostgreSQL log; the decision log imports budget",
    (
        "claude_pm.budget",
        "claude_pm.decision_log.store",
    ): "only with a budget; the decision log counts usage against budgets (imports budget)",
    ("claude_pm.integrations.litellm", "claude_pm.decision_log"): "only when a response carries a decision id",
    (
        "claude_pm.selection",
        "claude_pm.metrics",
    ): "only with PROMETHEUS_MULTIPROC_DIR; the metrics read the pipeline (they import selection)",
    ("claude_pm.selection", "claude_pm.integrations.otel"): "only with CLAUDE_PM_OTEL (optional opentelemetry)",
    ("claude_pm.utils.anthropic_executor", "claude_pm.decision_log.registry"): "only for a logged decision",
    ("claude_pm.utils.task_tool_helper", "claude_pm.decision_log.registry"): "only for a logged decision",
    ("claude_pm.utils.task_tool_helper", "claude_pm.decision_log"): "only for a logged decision",
}

# Command modules load what only their command needs when it runs, so `claude-pm --help`
# and every other command stay fast.
DEFERRED_IN_COMMANDS = "claude_pm.cli."

TEMPORARY_DEFERRED_IMPORTS = {
    # config.py's helpers that errors.py needs (redact, agent_variable) live above errors.py.
    ("claude_pm.errors", "claude_pm.config"),
    # config.py defers these imports (config.py is being rewritten elsewhere).
    ("claude_pm.config", "claude_pm.integrations.otel"),
    ("claude_pm.config", "claude_pm.api_keys"),
    ("claude_pm.config", "claude_pm.agents.base_agent_loader"),
    ("claude_pm.config", "claude_pm.errors"),
    ("claude_pm.config", "claude_pm.pricing"),
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    deferred: bool  # inside a function


def _modules() -> dict[str, Path]:
    modules = {"claude_pm._core": PACKAGE_DIR / "_core.pyi"}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _known(name: str) -> str:
    """The module `name` refers to: itself, or the nearest package holding it."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    if node.level:
        base = module.split(".") if _is_package(module) else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    for alias in node.names:
        submodule = f"{prefix}.{alias.name}"
        yield submodule if submodule in MODULES else prefix


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports_of(module: str) -> Iterator[Import]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))

    def walk(node: ast.AST, deferred: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if _is_type_checking(child):
                continue  # never executed
            inner = deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for target in _targets(module, child):
                    if target == "claude_pm" or target.startswith("claude_pm."):
                        yield Import(module, _known(target), child.lineno, inner)
            yield from walk(child, inner)

    yield from walk(tree, False)


IMPORTS = [found for module in sorted(MODULES) if module != "claude_pm._core" for found in _imports_of(module)]


def _is_facade(module: str) -> bool:
    return any(module == facade or module.startswith(facade + ".") for facade in FACADES)


def _packages_of(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def module_graph(imports: list[Import]) -> dict[str, set[str]]:
    """Module-level edges, each import also an edge to the packages its target runs."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for found in imports:
        if found.deferred:
            continue
        own = set(_packages_of(found.importer)) | {found.importer}
        for target in [*_packages_of(found.imported), found.imported]:
            if target not in own:
                graph[found.importer].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_sees_the_imports_it_checks():
    graph = module_graph(IMPORTS)
    assert "claude_pm.prompt_library" in graph["claude_pm.agents.base_agent_loader"]
    assert "claude_pm.decision_log" in graph["claude_pm.quality.guard"]  # the package a submodule runs
    assert any(found.deferred and found.importer == "claude_pm" for found in IMPORTS)


def test_the_cycle_finder_finds_a_cycle_through_a_package():
    fake = [
        Import("claude_pm.budget", "claude_pm.decision_log.store", 1, False),
        Import("claude_pm.decision_log", "claude_pm.decision_log.registry", 1, False),
        Import("claude_pm.decision_log.registry", "claude_pm.budget", 1, False),
    ]
    assert cycles(module_graph(fake)) == [
        ["claude_pm.budget", "claude_pm.decision_log", "claude_pm.decision_log.registry"]
    ]


def test_no_import_cycle_at_module_level():
    assert cycles(module_graph(IMPORTS)) == []


def test_the_core_never_imports_a_facade():
    offending = sorted(
        f"{found.importer} -> {found.imported} (line {found.line})"
        for found in IMPORTS
        if not _is_facade(found.importer)
        and _is_facade(found.imported)
        and (found.importer, found.imported) not in TEMPORARY_FACADE_IMPORTS | COMMANDS_OVER_FACADES
    )
    assert offending == []


def _deferred_allowed(found: Import) -> bool:
    key = (found.importer, found.imported)
    return (
        key in DEFERRED_IMPORTS or key in TEMPORARY_DEFERRED_IMPORTS or found.importer.startswith(DEFERRED_IN_COMMANDS)
    )


def test_imports_inside_functions_are_the_listed_ones():
    offending = sorted(
        f"{found.importer} -> {found.imported} (line {found.line})"
        for found in IMPORTS
        if found.deferred and not _deferred_allowed(found)
    )
    assert offending == []


@pytest.mark.parametrize(
    "table", [DEFERRED_IMPORTS, TEMPORARY_DEFERRED_IMPORTS, TEMPORARY_FACADE_IMPORTS, COMMANDS_OVER_FACADES]
)
def test_every_allowed_import_still_exists(table):
    present = {(found.importer, found.imported) for found in IMPORTS}
    assert sorted(set(table) - present) == []
