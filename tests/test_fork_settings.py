"""The settings lock survives os.fork(): a child forked while another thread rebuilds the
settings can still read changed settings and select."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")

_SCRIPT = textwrap.dedent(
    """
    import json, os, signal, threading, time, warnings
    warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads is the point here
    from claude_pm import selection
    from claude_pm.config import get_settings

    selection.select("engineer", task_description="List files")  # warm everything up
    stop = threading.Event()

    def churn():
        n = 0
        while not stop.is_set():
            n += 1
            os.environ["CLAUDE_PM_ROLLOUT_PERCENTAGE"] = str(n % 100)
            get_settings()

    thread = threading.Thread(target=churn, daemon=True)
    thread.start()
    children = []
    for index in range(FORKS):
        time.sleep(0.002)
        pid = os.fork()
        if pid == 0:
            os.environ["CLAUDE_PM_ROLLOUT_PERCENTAGE"] = "42"
            ok = get_settings().rollout_percentage == 42.0
            chosen = selection.select("engineer", task_description="List files")
            os._exit(0 if ok and chosen.model_id else 3)
        children.append(pid)
    stop.set()
    thread.join()
    deadline = time.monotonic() + CHILD_TIMEOUT
    status = {}
    while len(status) < len(children) and time.monotonic() < deadline:
        for pid in children:
            if pid not in status:
                done, code = os.waitpid(pid, os.WNOHANG)
                if done:
                    status[pid] = os.waitstatus_to_exitcode(code)
        time.sleep(0.01)
    hung = [pid for pid in children if pid not in status]
    for pid in hung:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    print(json.dumps({"forks": len(children), "hung": len(hung),
                      "failed": sum(1 for code in status.values() if code != 0)}))
    """
)


def test_children_forked_during_a_settings_rebuild_do_not_deadlock():
    script = _SCRIPT.replace("FORKS", "60").replace("CHILD_TIMEOUT", "20")
    env = {name: os.environ[name] for name in ("PATH", "PYTHONPATH") if name in os.environ}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"forks": 60, "hung": 0, "failed": 0}
