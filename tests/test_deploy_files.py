"""The deployment files parse, agree with each other and only set variables claude-pm knows."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from claude_pm.agents.base_agent_loader import AGENT_ALIASES, AGENT_NAMES
from claude_pm.config import KNOWN_VARIABLES, TIERS, get_settings, unrecognised_variables, validate_environment

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

yaml = pytest.importorskip("yaml")

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
# Read by the anthropic SDK itself (AnthropicExecutor), not by claude-pm's settings.
SDK_VARIABLES = frozenset({"ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"})
# Python runtime switches the image sets for every process.
RUNTIME_VARIABLES = frozenset({"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"})
GUIDE_CONFIGMAP = {
    "ENABLE_DYNAMIC_MODEL_SELECTION": "true",
    "ENABLE_DYNAMIC_PROMPT_TEMPLATES": "true",
    "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD": "30",
    "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD": "70",
}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(name).replace(re.escape("<AGENT>"), "[A-Z][A-Z0-9_]*") + "$")


AGENTS = tuple(AGENT_NAMES) + tuple(AGENT_ALIASES)
EXAMPLE_LINE = re.compile(r'^\s*#\s*([A-Z][A-Z0-9_]+):\s*"([^"]*)"\s*$', re.MULTILINE)
KNOWN_PATTERNS = tuple(_pattern(variable.name) for variable in KNOWN_VARIABLES)


def is_known(name: str) -> bool:
    return any(pattern.match(name) for pattern in KNOWN_PATTERNS)


def load(name: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all((K8S / name).read_text()) if doc is not None]


def one(name: str, kind: str) -> dict:
    (document,) = [doc for doc in load(name) if doc["kind"] == kind]
    return document


@pytest.fixture
def configmap() -> dict:
    return one("configmap.yaml", "ConfigMap")


@pytest.fixture
def deployment() -> dict:
    return one("deployment.yaml", "Deployment")


@pytest.fixture
def service() -> dict:
    return one("service.yaml", "Service")


@pytest.fixture
def container(deployment) -> dict:
    (app,) = deployment["spec"]["template"]["spec"]["containers"]
    return app


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    logical, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += stripped[:-1] + " " if stripped.endswith("\\") else stripped
        if not stripped.endswith("\\"):
            logical.append(pending)
            pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def dockerfile_env() -> dict[str, str]:
    env = {}
    for instruction, arguments in dockerfile_instructions():
        if instruction == "ENV":
            env.update(pair.split("=", 1) for pair in arguments.split())
    return env


# --- Kubernetes ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in K8S.glob("*.yaml")))
def test_manifests_parse_and_name_themselves(name):
    documents = load(name)
    assert documents
    for document in documents:
        assert document["apiVersion"] and document["kind"]
        if document["kind"] != "Kustomization":
            assert document["metadata"]["name"]


def test_kustomization_lists_every_manifest():
    (kustomization,) = load("kustomization.yaml")
    manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == manifests


def test_configmap_keeps_the_guides_entries(configmap):
    assert configmap["metadata"]["name"] == "claude-pm-optimization"
    assert GUIDE_CONFIGMAP.items() <= configmap["data"].items()


def test_configmap_sets_only_known_variables(configmap):
    unknown = sorted(name for name in configmap["data"] if not is_known(name))
    assert unknown == []
    assert unrecognised_variables(AGENTS, configmap["data"]) == []


def test_commented_examples_in_the_configmap_are_valid_too():
    examples = dict(EXAMPLE_LINE.findall((K8S / "configmap.yaml").read_text()))
    assert examples, "the ConfigMap shows per-agent examples"
    assert sorted(name for name in examples if not is_known(name)) == []
    assert unrecognised_variables(AGENTS, examples) == []
    assert [str(error) for error in validate_environment(examples)] == []


def test_configmap_values_are_strings_the_settings_accept(configmap, monkeypatch):
    data = configmap["data"]
    assert [name for name, value in data.items() if not isinstance(value, str)] == []
    assert [str(error) for error in validate_environment(data)] == []
    for name, value in data.items():
        monkeypatch.setenv(name, value)
    settings = get_settings()
    assert settings.dynamic_model_selection and settings.dynamic_prompt_templates
    assert (settings.simple_threshold, settings.medium_threshold) == (30, 70)
    assert not settings.log_task_text


def test_the_known_variable_check_can_fail():
    assert is_known("CLAUDE_PM_DATA_ENGINEER_MODEL_SELECTION")
    assert not is_known("CLAUDE_PM_COMPLEXITY_THRESHOLD")
    assert not is_known("ENABLE_DYNAMIC_MODEL_SELECTIONS")


def test_deployment_reads_the_configmap(deployment, container, configmap):
    sources = [source["configMapRef"]["name"] for source in container["envFrom"] if "configMapRef" in source]
    assert sources == [configmap["metadata"]["name"]]


def test_deployment_env_is_known_and_secrets_come_from_secrets(container):
    for entry in container.get("env", []):
        assert is_known(entry["name"]) or entry["name"] in SDK_VARIABLES, entry["name"]
        assert "value" not in entry, f"{entry['name']} belongs in the ConfigMap or a Secret"
        assert entry["valueFrom"]["secretKeyRef"]["optional"] is True


def test_api_key_files_point_into_the_mounted_key_secret(deployment, container):
    examples = re.findall(
        r"#\s*- name: (CLAUDE_PM_\w+_API_KEY_FILE)\s*\n\s*#\s*value: (\S+)", (K8S / "deployment.yaml").read_text()
    )
    assert sorted(name for name, _ in examples) == sorted(f"CLAUDE_PM_{tier.upper()}_API_KEY_FILE" for tier in TIERS)
    assert all(is_known(name) for name, _ in examples)
    (mount,) = [mount for mount in container["volumeMounts"] if mount["name"] == "api-keys"]
    # A subPath mount would never see the Secret's updates, so a rotated key would need a restart.
    assert mount["readOnly"] is True and "subPath" not in mount
    (volume,) = [v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "api-keys"]
    assert volume["secret"]["optional"] is True
    assert volume["secret"]["defaultMode"] == 0o440
    assert all(path.startswith(mount["mountPath"] + "/") for _, path in examples)


def test_deployment_selector_matches_its_pods(deployment):
    selector = deployment["spec"]["selector"]["matchLabels"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()


def test_service_selects_the_deployments_pods(service, deployment):
    selector = service["spec"]["selector"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector and selector.items() <= labels.items()


def test_service_and_probes_point_at_the_metrics_port(service, deployment, container):
    (port,) = container["ports"]
    (service_port,) = service["spec"]["ports"]
    assert service_port["targetPort"] in (port["name"], port["containerPort"])
    for scrape in (service["metadata"]["annotations"], deployment["spec"]["template"]["metadata"]["annotations"]):
        assert scrape["prometheus.io/scrape"] == "true"
        assert scrape["prometheus.io/port"] == str(port["containerPort"])
        assert scrape["prometheus.io/path"] == "/metrics"
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["port"] in (port["name"], port["containerPort"])
    assert "--port" in container["command"]
    assert container["command"][container["command"].index("--port") + 1] == str(port["containerPort"])


def test_pods_run_as_non_root_with_resources(deployment, container):
    pod_security = deployment["spec"]["template"]["spec"]["securityContext"]
    assert pod_security["runAsNonRoot"] is True and pod_security["runAsUser"] != 0
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]


# --- Docker --------------------------------------------------------------------------


def test_dockerfile_builds_in_one_stage_and_runs_in_a_slim_python():
    stages = [arguments for instruction, arguments in dockerfile_instructions() if instruction == "FROM"]
    args = {}
    for instruction, arguments in dockerfile_instructions():
        if instruction == "ARG" and "=" in arguments:
            key, value = arguments.split("=", 1)
            args.setdefault(key, value)
    resolved = [re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], stage) for stage in stages]
    assert len(resolved) >= 2
    assert resolved[-1].startswith("python:3.11-slim")
    assert any("AS builder" in stage for stage in resolved)
    runs = " ".join(arguments for instruction, arguments in dockerfile_instructions() if instruction == "RUN")
    assert "maturin build --release --locked" in runs


def test_dockerfile_runs_as_non_root_and_exposes_the_metrics_port(container):
    instructions = dockerfile_instructions()
    (user,) = [arguments for instruction, arguments in instructions if instruction == "USER"]
    assert user.split(":")[0] not in ("root", "0")
    assert str(container["securityContext"].get("runAsUser", 10001)) == user.split(":")[0]
    (exposed,) = [arguments for instruction, arguments in instructions if instruction == "EXPOSE"]
    assert exposed == str(container["ports"][0]["containerPort"])
    (command,) = [arguments for instruction, arguments in instructions if instruction == "CMD"]
    assert '"metrics", "serve"' in command


def test_dockerfile_env_is_the_guides_and_known():
    env = dockerfile_env()
    assert GUIDE_CONFIGMAP.items() <= env.items()
    unknown = sorted(
        name
        for name in env
        if not is_known(name) and name not in RUNTIME_VARIABLES and name not in ("RUSTUP_HOME", "CARGO_HOME", "PATH")
    )
    assert unknown == []


def test_dockerignore_keeps_build_output_and_vcs_out():
    ignored = set((DEPLOY.parent / ".dockerignore").read_text().split())
    assert {".git", "target", ".venv"} <= ignored
    assert not {"rust", "python", "Cargo.toml", "Cargo.lock", "pyproject.toml", "README.md"} & ignored


def test_dockerignore_keeps_every_cargo_target_in_the_context():
    manifest = tomllib.loads((DEPLOY.parent / "Cargo.toml").read_text())
    targets = [manifest.get("lib", {})]
    for kind in ("bin", "bench", "test", "example"):
        targets += manifest.get(kind, [])
    paths = [target["path"] for target in targets if "path" in target]
    ignored = set((DEPLOY.parent / ".dockerignore").read_text().split())
    assert paths
    assert [path for path in paths if Path(path).parts[0] in ignored] == []
