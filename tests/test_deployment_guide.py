"""The deployment guide, run block by block against the installed package.

Each fenced block of the guide is extracted from the guide itself (a test input) and
run as written in a fresh interpreter or shell with the environment the guide states.
Only the guide's placeholders are replaced: `your_metrics_system` (the baseline
helpers of claude_pm.baseline), `user_id`, and `time.sleep` in the gradual rollback
(a fake clock, so the test does not wait five hours).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from claude_pm import config

GUIDE_NAME = "prompt-optimization-deployment-guide.md"


class Guide:
    """The guide's fenced blocks, addressable by a line they contain."""

    def __init__(self, text: str) -> None:
        self.blocks = [
            (match.group(1), match.group(2)) for match in re.finditer(r"```(\w*)\n(.*?)```", text, flags=re.S)
        ]

    def block(self, marker: str) -> str:
        found = [body for _, body in self.blocks if marker in body]
        assert len(found) == 1, f"expected one guide block containing {marker!r}, found {len(found)}"
        return found[0]


@pytest.fixture(scope="module")
def guide() -> Guide:
    from conftest import SHARED_DIR

    path = SHARED_DIR / "spec" / GUIDE_NAME
    if not path.is_file():
        pytest.fail(f"deployment guide not found at {path} (set CLAUDE_PM_SHARED_DIR)")
    return Guide(path.read_text(encoding="utf-8"))


def _clean_env(**overrides: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not (name.startswith("CLAUDE_PM_") or name.startswith("ENABLE_DYNAMIC_"))
        or name in ("CLAUDE_PM_TEST_PG_DSN", "CLAUDE_PM_SHARED_DIR")
    }
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.update(overrides)
    return env


def _python(code: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env or _clean_env(),
        cwd=cwd,
        timeout=120,
    )


def _bash(script: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        env=env or _clean_env(),
        cwd=cwd,
        timeout=120,
    )


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def test_environment_validation(guide):
    out = _ok(_bash(guide.block("claude-pm --version")))
    assert re.search(r"\b1\.3\.\d+\b", out)
    assert "✅ Analyzer available" in out
    assert "✅ Integration ready" in out


def test_baseline_metrics_collection(guide, tmp_path):
    log = tmp_path / "decisions.db"
    env = _clean_env(CLAUDE_PM_DECISION_LOG=str(log))
    _ok(_python(_SELECTIONS + "\nfrom claude_pm.decision_log import flush\nflush()\n", env=env))
    block = guide.block("baseline_metrics.py")
    script = block.replace(
        "from your_metrics_system import get_token_usage, get_api_costs",
        "from claude_pm.baseline import (get_token_usage, get_api_costs, get_agent_usage_stats,\n"
        "                                get_task_type_distribution)",
    )
    out = _ok(_python(script, env=env, cwd=tmp_path))
    assert re.search(r"Baseline captured: [\d.]+ tokens/day", out)
    baseline = json.loads((tmp_path / "baseline_metrics.json").read_text())
    assert set(baseline) == {"date", "daily_tokens", "daily_cost", "agent_distribution", "task_types"}
    assert baseline["daily_tokens"] > 0
    assert baseline["agent_distribution"]["engineer"] > 0


def test_configuration_validation(guide):
    out = _ok(_bash(guide.block("Verify settings")))
    assert "Model Selection: true" in out
    assert "Test Mode: true" in out
    # The stated environment is valid for the library too, and it is shadow mode.
    env = _clean_env(ENABLE_DYNAMIC_MODEL_SELECTION="true", CLAUDE_PM_TEST_MODE="true")
    _ok(
        subprocess.run(
            [sys.executable, "-m", "claude_pm", "config", "check"], capture_output=True, text=True, env=env, timeout=60
        )
    )


_STATUS = (
    "import json\n"
    "from claude_pm.rollout import should_enable_optimization\n"
    "agents = ['documentation', 'research', 'qa', 'ops', 'engineer', 'security']\n"
    "print(json.dumps({a: should_enable_optimization(a).enabled for a in agents}))\n"
)


def test_gradual_agent_rollout(guide):
    block = guide.block("Week 1: Low-risk agents")
    weeks = [chunk for chunk in re.split(r"\n(?=# Week)", block.strip()) if chunk.strip()]
    assert len(weeks) == 4
    expected_on = [
        {"documentation", "research"},
        {"documentation", "research", "qa", "ops"},
        {"documentation", "research", "qa", "ops", "engineer"},
        {"documentation", "research", "qa", "ops", "engineer", "security"},
    ]
    # Before the rollout starts, optimisation is globally off.
    applied = "export ENABLE_DYNAMIC_MODEL_SELECTION=false\n"
    for week, on in zip(weeks, expected_on):
        applied += week + "\n"
        out = _ok(_bash(applied + f"python -c {_shell_quote(_STATUS)}"))
        state = json.loads(out.strip().splitlines()[-1])
        assert {agent for agent, enabled in state.items() if enabled} == on, week


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def test_percentage_based_rollout(guide):
    block = guide.block("feature_flag_rollout.py")
    check = (
        "\nfrom claude_pm.rollout import should_enable_optimization as library_decision\n"
        "import hashlib\n"
        "print('enabled' if os.environ.get('ENABLE_DYNAMIC_MODEL_SELECTION') == 'true' else 'not enabled')\n"
        "ids = [f'user-{n}' for n in range(2000)]\n"
        "same = all(should_enable_optimization(u, 10) == (int(hashlib.md5(u.encode()).hexdigest(), 16) % 100 < 10)"
        " for u in ids)\n"
        "print('same-cohort' if same else 'different')\n"
    )
    for user in ("user-1", "user-3", "user-40"):
        bucket = int(hashlib.md5(user.encode()).hexdigest(), 16) % 100
        expected = "enabled" if bucket < 10 else "not enabled"
        out = _ok(_python(f"user_id = {user!r}\n" + block + check))
        assert out.splitlines()[0] == expected
        assert "same-cohort" in out
    # The library's own percentage gate puts users in exactly the guide's cohorts.
    code = (
        "import hashlib\n"
        "from claude_pm.rollout import should_enable_optimization\n"
        "ids = [f'user-{n}' for n in range(3000)]\n"
        "ok = all(should_enable_optimization('engineer', user_id=u).enabled =="
        " (int(hashlib.md5(u.encode()).hexdigest(), 16) % 100 < 10) for u in ids)\n"
        "print(ok)\n"
    )
    assert _ok(_python(code, env=_clean_env(CLAUDE_PM_ROLLOUT_PERCENTAGE="10"))).strip() == "True"


def test_time_based_rollout(guide):
    block = guide.block("time_based_rollout.py")
    code = block + textwrap.dedent(
        """
        from datetime import datetime as real_datetime
        import datetime as datetime_module
        results = []
        for hour in range(24):
            class FakeDatetime(real_datetime):
                @classmethod
                def now(cls, tz=None):
                    return real_datetime(2026, 1, 1, hour, 30)
            globals()['datetime'] = FakeDatetime
            enable_during_off_peak()
            results.append(os.environ['ENABLE_DYNAMIC_MODEL_SELECTION'])
        from claude_pm.rollout import should_enable_optimization
        os.environ.pop('ENABLE_DYNAMIC_MODEL_SELECTION')
        os.environ['CLAUDE_PM_ROLLOUT_WINDOWS'] = '02:00-06:59'
        library = []
        for hour in range(24):
            moment = real_datetime(2026, 1, 1, hour, 30)
            library.append('true' if should_enable_optimization('engineer', now=moment).enabled else 'false')
        print(results == library, ''.join('1' if r == 'true' else '0' for r in results))
        """
    )
    out = _ok(_python(code)).strip()
    assert out == "True " + "00" + "11111" + "0" * 17


def test_production_environment_file(guide, tmp_path):
    block = guide.block("Core optimization settings")
    assignments = {}
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" in line:
            name, value = line.split("=", 1)
            assignments[name.strip()] = value.strip()
    assert config.validate_environment(assignments) == []
    env = _clean_env(**assignments)
    out = _ok(
        subprocess.run(
            [sys.executable, "-m", "claude_pm", "config", "check", "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    )
    assert json.loads(out)["valid"] is True
    forced = dict(assignments, CLAUDE_PM_ENGINEER_MODEL="claude-4-opus", CLAUDE_PM_QA_MODEL="claude-sonnet-4-20250514")
    assert config.validate_environment(forced) == []


def test_docker_configuration_variables_are_known(guide):
    block = guide.block("FROM python:3.9-slim")
    names = dict(re.findall(r"^ENV (\w+)=(\S+)", block, flags=re.M))
    assert names
    assert config.validate_environment(names) == []
    assert config.unrecognised_variables((), names) == []


def test_kubernetes_configuration(guide):
    documents = list(yaml.safe_load_all(guide.block("claude-pm-config.yaml")))
    config_map, deployment = documents
    assert config.validate_environment(config_map["data"]) == []
    assert config.unrecognised_variables((), config_map["data"]) == []
    refs = deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert refs[0]["configMapRef"]["name"] == config_map["metadata"]["name"]


def test_monitoring_hook(guide):
    block = guide.block("monitoring/optimization_metrics.py")
    code = (
        _SELECTIONS
        + block
        + textwrap.dedent(
            """
        from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info
        from prometheus_client import generate_latest
        for task in ("List files", "Implement feature", "Refactor system"):
            _, model, cfg = get_agent_prompt_with_model_info("engineer", task_description=task)
            monitor_optimization("engineer", model, cfg["complexity_level"], cfg["token_reduction_percentage"])
        text = generate_latest().decode()
        print([line for line in text.splitlines() if line.startswith("claude_pm_optimizations_total{")])
        print([line for line in text.splitlines() if line.startswith("claude_pm_token_reduction_percent_count")])
        """
        )
    )
    out = _ok(_python(code))
    assert 'complexity="COMPLEX"' in out and 'model="claude-4-opus"' in out
    assert "claude_pm_token_reduction_percent_count 3.0" in out


def test_dashboard_and_alert_blocks_parse_and_name_emitted_metrics(guide):
    # The guide labels this block yaml and starts it with a comment line: parse it as YAML.
    dashboard = yaml.safe_load(guide.block('"title": "Claude PM Optimization Metrics"'))
    exprs = [t["expr"] for panel in dashboard["dashboard"]["panels"] for t in panel["targets"]]
    alerts = yaml.safe_load(guide.block("alert: LowTokenReduction"))
    exprs += [rule["expr"] for rule in alerts["groups"][0]["rules"]]
    emitted = {"claude_pm_optimizations_total", "claude_pm_token_reduction_percent"}
    for expr in exprs:
        names = set(re.findall(r"claude_pm_\w+", expr))
        assert names and names <= emitted, expr


@pytest.mark.skipif(
    shutil.which("promtool") is None and os.environ.get("CI") != "true",
    reason="promtool not installed (CI installs it)",
)
def test_alert_block_is_valid_prometheus_rules(guide, tmp_path):
    rules = tmp_path / "prometheus-alerts.yaml"
    rules.write_text(guide.block("alert: LowTokenReduction"))
    _ok(subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True, text=True, timeout=60))


def test_quick_rollback(guide):
    block = guide.block("Disable optimization immediately")
    code = (
        "from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info as g\n"
        "for agent in ('engineer', 'qa', 'ops'):\n"
        "    print(agent, g(agent, task_description='List files')[2]['selection_method'])\n"
    )
    out = _ok(_bash(block + f"\npython -c {_shell_quote(code)}"))
    assert "engineer default_mapping" in out and "qa default_mapping" in out and "ops default_mapping" in out
    only_agents = "\n".join(line for line in block.splitlines() if line.startswith("export CLAUDE_PM_"))
    out = _ok(_bash(only_agents + f"\npython -c {_shell_quote(code)}"))
    assert "engineer default_mapping" in out and "qa default_mapping" in out
    assert "ops dynamic_complexity_based" in out


def test_gradual_rollback(guide):
    block = guide.block("rollback_optimization.py")
    code = (
        "import time\n"
        "slept = []\n"
        "time.sleep = slept.append\n" + block + "\nfrom claude_pm.rollout import should_enable_optimization\n"
        "print('slept', sum(slept))\n"
        "print('any-on', any(should_enable_optimization(a).enabled for a in "
        "['engineer', 'ops', 'qa', 'research', 'documentation', 'security']))\n"
    )
    out = _ok(_python(code))
    order = [line.split()[-1] for line in out.splitlines() if line.startswith("Disabled optimization for")]
    assert order == ["engineer", "ops", "qa", "research", "documentation"]
    assert "Global optimization disabled" in out
    assert "slept 18000" in out
    assert "any-on False" in out


def test_load_test(guide):
    out = _ok(_python(guide.block("load_test_optimization.py")))
    assert re.search(r"Average response time: \d+\.\d\ds", out)
    distribution = eval(out.split("Model distribution: ", 1)[1].strip())
    assert set(distribution) == {"claude-3-haiku-20240307", "claude-sonnet-4-20250514", "claude-4-opus"}
    assert sum(distribution.values()) == 99


_SELECTIONS = textwrap.dedent(
    """
    from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info as _select
    for _task in ["List files", "Implement feature", "Refactor system", "Show git status"]:
        _select("engineer", task_description=_task)
    """
)


def test_cost_analysis(guide):
    out = _ok(_python(_SELECTIONS + guide.block("cost_analysis.py")))
    report = json.loads(out)
    assert report["total_requests"] == 4
    assert report["model_distribution"] == {
        "claude-3-haiku-20240307": 2,
        "claude-sonnet-4-20250514": 1,
        "claude-4-opus": 1,
    }
    expected = (2 * 0.25 + 3.00 + 15.00) / 4
    assert report["weighted_cost_per_million"] == pytest.approx(expected)
    assert report["savings_percent"] == pytest.approx((3.00 - expected) / 3.00 * 100)
    assert report["complexity_distribution"] == {"0-30": 2, "31-70": 1, "71-100": 1}


def test_troubleshooting_complexity_distribution(guide):
    block = guide.block("Check task complexity distribution")
    code = block.split('python -c "', 1)[1].rsplit('"', 1)[0]
    out = _ok(_python(_SELECTIONS + code))
    assert eval(out.strip()) == {"0-30": 2, "31-70": 1, "71-100": 1}
    assert _ok(_bash(block)).strip() == "{'0-30': 0, '31-70': 0, '71-100': 0}"


def test_troubleshooting_debug_logs(guide):
    block = guide.block("Enable debug logging")
    result = _bash(block)
    _ok(result)
    assert "score=" in result.stderr and "level=" in result.stderr and "model=" in result.stderr
    assert "Your test task here" not in result.stderr
    assert "model:" in result.stdout


def test_troubleshooting_cache_hit_rate(guide):
    block = guide.block("Check cache hit rates")
    out = _ok(_python(_SELECTIONS + block))
    rate = float(re.search(r"Cache hit rate: ([\d.]+)%", out).group(1))
    assert 0 < rate <= 100
