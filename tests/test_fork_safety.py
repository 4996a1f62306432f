"""os.fork() while other threads are inside the library's locked paths: every child finishes.

Each scenario runs in its own interpreter (a fresh, single-purpose process to fork from)
with a hard timeout; a child that does not finish in time is killed and reported hung.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

# Forks while `hammer()` runs in HAMMER_THREADS threads; each child runs `in_child()`
# and must exit 0 within CHILD_TIMEOUT seconds. Prints "hung=<n> failed=<n>".
_HARNESS = textwrap.dedent(
    """
    import os, signal, sys, threading, time

    HAMMER_THREADS = 4
    FORKS = 8
    CHILD_TIMEOUT = 10.0

    {setup}

    stop = threading.Event()

    def loop():
        while not stop.is_set():
            hammer()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(HAMMER_THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    hung = failed = 0
    for _ in range(FORKS):
        child = os.fork()
        if child == 0:
            try:
                in_child()
            except BaseException:
                import traceback
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        deadline = time.monotonic() + CHILD_TIMEOUT
        while True:
            pid, status = os.waitpid(child, os.WNOHANG)
            if pid:
                failed += os.waitstatus_to_exitcode(status) != 0
                break
            if time.monotonic() > deadline:
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
                hung += 1
                break
            time.sleep(0.01)
        time.sleep(0.02)
    stop.set()
    # Joined before exit: a daemon thread still inside a native call with the GIL
    # released when the interpreter finalizes is torn down by CPython < 3.14 mid-call.
    for thread in threads:
        thread.join(10)
    print(f"hung={{hung}} failed={{failed}}")
    """
)


def _run(setup: str, env: dict[str, str] | None = None) -> str:
    script = _HARNESS.format(setup=textwrap.dedent(setup))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=240, env={**os.environ, **(env or {})}
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_fork_while_threads_rebuild_the_selection_state():
    outcome = _run(
        """
        import itertools
        from claude_pm import selection
        from claude_pm.config import get_settings

        counter = itertools.count()

        def hammer():
            # A new value each time: every call rebuilds the settings and the selection state.
            os.environ["CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD"] = str(20 + next(counter) % 10)
            selection.default_model_for("engineer")

        def in_child():
            os.environ["CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD"] = "15"
            selection.default_model_for("engineer")
            assert get_settings().simple_threshold == 15
        """
    )
    assert outcome == "hung=0 failed=0"


def test_fork_while_threads_rebuild_the_shared_prompt_cache():
    outcome = _run(
        """
        from claude_pm.services.shared_prompt_cache import SharedPromptCache

        def hammer():
            SharedPromptCache.reset_instance()
            SharedPromptCache.get_instance().set("k", "v")

        def in_child():
            SharedPromptCache.reset_instance()
            cache = SharedPromptCache.get_instance()
            cache.set("child", "value")
            assert cache.get("child") == "value"
        """
    )
    assert outcome == "hung=0 failed=0"


def test_fork_while_threads_register_the_metrics_collector():
    outcome = _run(
        """
        from claude_pm import metrics
        from prometheus_client import CollectorRegistry, generate_latest

        registry = CollectorRegistry()

        def hammer():
            metrics.register(registry)
            metrics.unregister(registry)

        def in_child():
            own = CollectorRegistry()
            assert metrics.register(own) is not None
            generate_latest(own)
        """
    )
    assert outcome == "hung=0 failed=0"


def test_fork_while_threads_select_with_multiprocess_metrics(tmp_path):
    outcome = _run(
        """
        from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info
        from claude_pm.metrics.multiprocess import own_writer

        def hammer():
            get_agent_prompt_with_model_info("engineer", task_description="List files")

        def in_child():
            get_agent_prompt_with_model_info("qa", task_description="Refactor system")
            assert own_writer() is not None
        """,
        env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
    )
    assert outcome == "hung=0 failed=0"


_FORKED_WORKERS = textwrap.dedent(
    """
    import os, sys
    from claude_pm import decision_log
    from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info

    def select(count):
        for _ in range(count):
            get_agent_prompt_with_model_info("engineer", task_description="List files")

    select(5)  # the parent's writer starts here, and the decision log's
    assert decision_log.flush(timeout=10)
    workers = []
    for _ in range(2):
        worker = os.fork()
        if worker == 0:
            select(3)
            assert decision_log.flush(timeout=10)
            sys.exit(0)
        workers.append(worker)
    for worker in workers:
        assert os.waitstatus_to_exitcode(os.waitpid(worker, 0)[1]) == 0
    select(1)
    """
)


@pytest.mark.parametrize("with_decision_log", [False, True], ids=["metrics only", "with a decision log"])
def test_forked_workers_of_the_pipeline_count_each_selection_once(tmp_path, with_decision_log):
    from claude_pm import metrics

    directory = tmp_path / "metrics"
    directory.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    if with_decision_log:
        env["CLAUDE_PM_DECISION_LOG"] = str(tmp_path / "decisions.sqlite3")
    done = subprocess.run([sys.executable, "-c", _FORKED_WORKERS], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    samples = metrics.read_multiprocess_directory(directory)
    total = sum(samples.counters.get("claude_pm_optimizations", {}).values())
    assert total == 5 + 2 * 3 + 1
    if with_decision_log:
        # Each child's decision log starts from zero: its parent's writes are not its own.
        assert sum(samples.counters["claude_pm_decision_log_written"].values()) == 5 + 2 * 3 + 1


def test_fork_while_threads_invalidate_the_shared_prompt_cache():
    # invalidate() and clear() scan the native cache with the GIL released; a fork in
    # the middle must not leave the child a cache whose internal locks are held.
    outcome = _run(
        """
        from claude_pm.services.shared_prompt_cache import SharedPromptCache

        cache = SharedPromptCache.get_instance()
        for i in range(5000):
            cache.set(f"claude_pm:entry:{i}", "x" * 20)

        def hammer():
            cache.invalidate("nothing-matches-*")

        def in_child():
            child_cache = SharedPromptCache.get_instance()
            child_cache.set("claude_pm:child", "value")
            assert child_cache.get("claude_pm:child") == "value"
            child_cache.invalidate("claude_pm:*")
        """
    )
    assert outcome == "hung=0 failed=0"
