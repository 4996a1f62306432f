"""The ```python blocks of README.md and docs/*.md, and the runner that executes one.

`tests/test_doc_examples.py` runs every block in a fresh interpreter
(`python tests/doc_examples.py BLOCK.json`). A block runs top to bottom like a script,
with two conveniences of the asyncio REPL and of doctest:

- top-level `await` works (one event loop per block, so a block may also call
  `asyncio.run` itself);
- a bare expression whose comment is a Python literal is checked: `model_id  # 'x'`,
  or the expression followed by comment lines holding the literal
  (`value` then `# {'a': 1,` / `#  'b': 2}`). A comment that is not a literal
  (`# http://...`, `# {type, message}`) is prose and is not checked.

A block that cannot run here opts out on its first line with a reason a reader sees:
`# not run as a test: REASON`.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import io
import json
import re
import sys
import tokenize
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
OPT_OUT = re.compile(r"#\s*not run as a test:\s*(?P<reason>.*)$")
_FENCE = re.compile(r"^```(?:python|py|python3)\s*$")


@dataclass(frozen=True)
class Block:
    path: str  # relative to the repository root
    first_line: int  # markdown line of the block's first line of code
    source: str

    @property
    def label(self) -> str:
        return f"{self.path}:{self.first_line}"

    @property
    def opt_out_reason(self) -> str | None:
        """The reason given on an opt-out first line ('' when the marker has none), or None."""
        first = self.source.split("\n", 1)[0].strip()
        match = OPT_OUT.match(first)
        return None if match is None else match.group("reason").strip()


def documentation_files() -> list[Path]:
    """README.md and every page in docs/ (a new page is picked up without a test edit)."""
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]


def python_blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, start = [], None
    for number, line in enumerate(lines, start=1):
        if start is None:
            if _FENCE.match(line):
                start = number + 1
        elif line.startswith("```"):
            source = "\n".join(lines[start - 1 : number - 1]) + "\n"
            blocks.append(Block(str(path.relative_to(REPO_ROOT)), start, source))
            start = None
    if start is not None:
        raise ValueError(f"{path}:{start - 1}: a ```python block is never closed")
    return blocks


def shown_results(source: str, tree: ast.Module) -> dict[int, object]:
    """Top-level statement index -> the literal value its comment shows."""
    comments: dict[int, tuple[str, bool]] = {}  # line -> (comment text, the line holds only the comment)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            alone = token.line[: token.start[1]].strip() == ""
            comments[token.start[0]] = (token.string[1:].strip(), alone)
    shown = {}
    for index, statement in enumerate(tree.body):
        if not isinstance(statement, ast.Expr):
            continue
        end = statement.end_lineno
        candidates = []
        if end in comments and not comments[end][1]:
            candidates.append(comments[end][0])
        following, line = [], end + 1
        while line in comments and comments[line][1]:
            following.append(comments[line][0])
            line += 1
        if following:
            candidates.append(" ".join(following))
        for text in candidates:
            try:
                shown[index] = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                continue
            break
    return shown


def run(block: Block) -> None:
    """Execute the block statement by statement, checking each shown result."""
    filename = str(REPO_ROOT / block.path)  # tracebacks quote the markdown line
    source = "\n" * (block.first_line - 1) + block.source
    tree = ast.parse(source, filename=filename)
    shown = shown_results(source, tree)
    namespace: dict = {"__name__": "__main__"}
    loop = None
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT

    def evaluate(code):
        nonlocal loop
        result = eval(code, namespace)
        if code.co_flags & inspect.CO_COROUTINE:
            if loop is None:
                loop = asyncio.new_event_loop()
            result = loop.run_until_complete(result)
        return result

    try:
        for index, statement in enumerate(tree.body):
            if index in shown:
                expression = ast.Expression(statement.value)
                value = evaluate(compile(expression, filename, "eval", flags=flags))
                if value != shown[index]:
                    raise AssertionError(
                        f"{block.path}:{statement.lineno}: {ast.unparse(statement.value)} is {value!r}, "
                        f"the documentation shows {shown[index]!r}"
                    )
            else:
                evaluate(compile(ast.Module([statement], type_ignores=[]), filename, "exec", flags=flags))
    finally:
        if loop is not None:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()


def write_block(block: Block, path: Path) -> None:
    path.write_text(json.dumps(asdict(block)), encoding="utf-8")


if __name__ == "__main__":
    run(Block(**json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
