"""What noticing os.environ changes costs: warm `get_settings()`, an os.environ write, and
the audit hook's toll on an unrelated audited operation.

Run with ``python -m pytest benches/bench_settings.py --benchmark-enable --benchmark-group-by=group -s``.

`get_settings()` notices changes through an audit hook on "os.putenv"/"os.unsetenv". The
earlier design swapped ``os.environ.__class__`` for a subclass whose ``__setitem__`` and
``__delitem__`` moved a counter; `OldWatch` below is that design, so both warm paths run in
the same process. Writes and the hook's cost elsewhere (every audited event of the process
now calls it) are timed in fresh interpreters, plain, with the hook and with the swapped
class, because a hook cannot be removed once added; the ratios are printed with ``-s``.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap

import pytest
from claude_pm import config
from claude_pm.config import get_settings


class OldWatch:
    """The former design: a counting subclass swapped in as os.environ's class."""

    def __init__(self) -> None:
        self.counter = itertools.count(1)
        self.generation = 0
        self.watched: object = None
        self.cache_generation = -1
        self.cached: object = None

    def install(self) -> None:
        watch = self

        class CountingEnviron(os._Environ):  # type: ignore[name-defined,misc]
            def __setitem__(self, key: str, value: str) -> None:
                super().__setitem__(key, value)
                watch.generation = next(watch.counter)

            def __delitem__(self, key: str) -> None:
                super().__delitem__(key)
                watch.generation = next(watch.counter)

        self.original = type(os.environ)
        os.environ.__class__ = CountingEnviron
        self.watched = os.environ
        self.generation = next(self.counter)

    def uninstall(self) -> None:
        os.environ.__class__ = self.original


_old = OldWatch()


def old_get_settings() -> object:
    # The former fast path, line for line (module globals there, one object here).
    if _old.cache_generation == _old.generation and os.environ is _old.watched:
        if _old.cached is not None:
            return _old.cached
    # Any write moved the old counter (pytest itself sets PYTEST_CURRENT_TEST): "rebuild".
    _old.cache_generation, _old.cached = _old.generation, get_settings()
    return _old.cached


@pytest.fixture
def old_watch():
    _old.install()
    try:
        yield _old
    finally:
        _old.uninstall()


@pytest.mark.benchmark(group="warm get_settings")
def test_warm_get_settings_audit_hook(benchmark):
    get_settings()
    assert config._hook_runs
    benchmark(get_settings)


@pytest.mark.benchmark(group="warm get_settings")
def test_warm_get_settings_swapped_class(benchmark, old_watch):
    benchmark(old_get_settings)


_TIMEIT = textwrap.dedent(
    """
    import os, sys, timeit
    if sys.argv[1] == "hook":
        from claude_pm.config import get_settings
        get_settings()
    elif sys.argv[1] == "swapped":
        sys.path.insert(0, sys.argv[2])
        import bench_settings
        bench_settings._old.install()
    def open_devnull():
        open(os.devnull).close()
    def write_other():
        os.environ["SOME_OTHER_PROGRAM_SETTING"] = "1"
    def write_ours():
        os.environ["CLAUDE_PM_ROLLOUT_PERCENTAGE"] = "100"
    for name, statement in (("open", open_devnull), ("write", write_other), ("write_ours", write_ours)):
        best = min(timeit.repeat(statement, number=20000, repeat=7)) / 20000
        print(name, best)
    """
)


def _per_call_seconds(mode: str) -> dict[str, float]:
    here = os.path.dirname(os.path.abspath(__file__))
    output = subprocess.run(
        [sys.executable, "-c", _TIMEIT, mode, here], capture_output=True, text=True, check=True, timeout=300
    ).stdout
    return {name: float(value) for name, value in (line.split() for line in output.splitlines())}


@pytest.mark.benchmark(group="audit hook overhead (fresh interpreters)")
def test_audit_hook_overhead_on_unrelated_operations(benchmark):
    without, swapped = _per_call_seconds("none"), _per_call_seconds("swapped")
    with_hook = benchmark.pedantic(_per_call_seconds, args=("hook",), rounds=1, iterations=1)
    for name, label in (
        ("open", "open(os.devnull).close()"),
        ("write", "os.environ write of another program's variable"),
        ("write_ours", "os.environ write of a claude-pm variable"),
    ):
        ratio, old_ratio = with_hook[name] / without[name], swapped[name] / without[name]
        benchmark.extra_info[f"{name}_ratio_hook"] = round(ratio, 3)
        benchmark.extra_info[f"{name}_ratio_swapped_class"] = round(old_ratio, 3)
        print(
            f"\n{label}: {without[name] * 1e9:.0f} ns plain, {with_hook[name] * 1e9:.0f} ns with the hook "
            f"({ratio:.2f}x), {swapped[name] * 1e9:.0f} ns with the swapped class ({old_ratio:.2f}x)"
        )
