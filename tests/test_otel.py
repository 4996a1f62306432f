"""CLAUDE_PM_OTEL: selections as spans and the metrics through a meter, read back with the
OpenTelemetry SDK's in-memory exporters."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from claude_pm import selection
from claude_pm.config import get_settings, validate_environment
from claude_pm.decision_log import flush
from claude_pm.errors import ConfigError
from claude_pm.integrations import otel
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

# One task per tier (scores 18, 50 and 88 with the packaged rules).
TASKS = {
    "SIMPLE": "List the open pull requests",
    "MEDIUM": "Implement rate limiting for the upload endpoint",
    "COMPLEX": "Refactor the billing system into separate services",
}


@pytest.fixture
def exporters(monkeypatch):
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    otel.configure(tracer_provider=tracer_provider, meter_provider=meter_provider)
    monkeypatch.setenv("CLAUDE_PM_OTEL", "true")
    yield spans, reader, tracer_provider
    otel.configure()
    meter_provider.shutdown()
    tracer_provider.shutdown()


def _metrics(reader: InMemoryMetricReader) -> dict:
    found = {}
    data = reader.get_metrics_data()
    for resource_metrics in data.resource_metrics if data is not None else ():
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                found[metric.name] = metric
    return found


def test_each_selection_is_a_child_span_with_genai_and_claude_pm_attributes(exporters, tmp_path, monkeypatch):
    spans, _reader, tracer_provider = exporters
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", str(tmp_path / "decisions.db"))
    tracer = tracer_provider.get_tracer("the application")
    with tracer.start_as_current_span("handle request") as parent:
        chosen = {
            level: selection.select("engineer", task_description=task, user_id="u1") for level, task in TASKS.items()
        }
    flush(10)

    finished = spans.get_finished_spans()
    parent_span = next(span for span in finished if span.name == "handle request")
    selection_spans = [span for span in finished if span.name == otel.SPAN_NAME]
    assert len(selection_spans) == 3
    by_level = {span.attributes["claude_pm.level"]: span for span in selection_spans}
    assert set(by_level) == set(TASKS)
    for level, span in by_level.items():
        result = chosen[level]
        assert span.parent is not None and span.parent.span_id == parent.get_span_context().span_id
        assert span.context.trace_id == parent_span.context.trace_id
        assert span.kind is trace.SpanKind.INTERNAL
        assert span.attributes[otel.GEN_AI_REQUEST_MODEL] == result.model_id
        assert span.attributes[otel.GEN_AI_AGENT_NAME] == "engineer"
        assert span.attributes["claude_pm.score"] == result.config["complexity_score"]
        assert span.attributes["claude_pm.tier"] == result.config["model_tier"]
        assert span.attributes["claude_pm.template"] == result.config["template_used"]
        assert span.attributes["claude_pm.rollout_reason"] == result.config["rollout"]["reason"]
        assert span.attributes["claude_pm.shadow"] is False
        assert result.decision_id is not None
        assert span.attributes["claude_pm.decision_id"] == result.decision_id
        assert span.start_time <= span.end_time
        # Task text is user data: it never becomes an attribute.
        assert all(TASKS[level] not in str(value) for value in span.attributes.values())
    models = {span.attributes[otel.GEN_AI_REQUEST_MODEL] for span in selection_spans}
    assert models == set(get_settings().model_ids.values())


def test_attribute_names_are_the_genai_semantic_conventions():
    from opentelemetry.semconv._incubating.attributes import gen_ai_attributes

    assert otel.GEN_AI_REQUEST_MODEL == gen_ai_attributes.GEN_AI_REQUEST_MODEL
    assert otel.GEN_AI_AGENT_NAME == gen_ai_attributes.GEN_AI_AGENT_NAME


def test_metrics_are_available_through_the_meter(exporters):
    _spans, reader, _tracer_provider = exporters
    for task in TASKS.values():
        selection.select("engineer", task_description=task)
    selection.select("qa", task_description=TASKS["SIMPLE"])

    metrics = _metrics(reader)
    optimizations = metrics[otel.instrument_name("claude_pm_optimizations")]
    counts = {
        (point.attributes["agent"], point.attributes["complexity"]): point.value
        for point in optimizations.data.data_points
    }
    assert counts == {
        ("engineer", "SIMPLE"): 1,
        ("engineer", "MEDIUM"): 1,
        ("engineer", "COMPLEX"): 1,
        ("qa", "SIMPLE"): 1,
    }
    assert optimizations.data.is_monotonic
    duration = metrics[otel.DURATION_HISTOGRAM]
    assert duration.unit == "s"
    assert sum(point.count for point in duration.data.data_points) == 4
    reduction = metrics[otel.TOKEN_REDUCTION_HISTOGRAM]
    per_agent = {point.attributes["agent"]: point.count for point in reduction.data.data_points}
    assert per_agent == {"engineer": 3, "qa": 1}
    assert otel.instrument_name("claude_pm_cache_entries") in metrics


def test_messages_api_readings_are_available_through_the_meter(exporters):
    from claude_pm.metrics.api_calls import api_call_stats

    _spans, reader, _tracer_provider = exporters
    api_call_stats().reset()
    model = selection.select("engineer", task_description=TASKS["SIMPLE"]).model_id
    api_call_stats().observe_response(model, "opus", 429, {"anthropic-ratelimit-tokens-remaining": "12"})
    try:
        metrics = _metrics(reader)
    finally:
        api_call_stats().reset()
    (limited,) = metrics[otel.instrument_name("claude_pm_api_rate_limited")].data.data_points
    assert (dict(limited.attributes), limited.value) == ({"model": model, "key_slot": "opus"}, 1)
    (remaining,) = metrics[otel.instrument_name("claude_pm_api_ratelimit_remaining")].data.data_points
    assert (dict(remaining.attributes), remaining.value) == (
        {"model": model, "key_slot": "opus", "resource": "tokens"},
        12,
    )


def test_metrics_follow_the_metrics_switch(exporters, monkeypatch):
    spans, reader, _tracer_provider = exporters
    monkeypatch.setenv("CLAUDE_PM_METRICS_ENABLED", "false")
    selection.select("engineer", task_description=TASKS["SIMPLE"])
    metrics = _metrics(reader)
    assert otel.DURATION_HISTOGRAM not in metrics
    assert otel.TOKEN_REDUCTION_HISTOGRAM not in metrics
    assert otel.instrument_name("claude_pm_optimizations") not in metrics
    # The trace still shows the decision.
    assert [span.name for span in spans.get_finished_spans()] == [otel.SPAN_NAME]


def test_off_by_default_no_span_and_nothing_imported(exporters, monkeypatch):
    spans, _reader, _tracer_provider = exporters
    monkeypatch.delenv("CLAUDE_PM_OTEL")
    selection.select("engineer", task_description=TASKS["SIMPLE"])
    assert spans.get_finished_spans() == ()
    # A fresh process with the variable unset never imports the integration.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from claude_pm.selection import select; select('engineer', task_description='x'); "
            "print('claude_pm.integrations.otel' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={key: value for key, value in os.environ.items() if key != "CLAUDE_PM_OTEL"},
    )
    assert probe.stdout.strip() == "False"


def test_bad_boolean_is_a_config_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_OTEL", "maybe")
    with pytest.raises(ConfigError) as raised:
        get_settings()
    assert raised.value.variable == "CLAUDE_PM_OTEL"
    assert "true/false" in str(raised.value)


def test_missing_opentelemetry_is_a_config_error_with_the_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "opentelemetry.trace", None)
    monkeypatch.setenv("CLAUDE_PM_OTEL", "true")
    with pytest.raises(ConfigError) as raised:
        selection.select("engineer", task_description=TASKS["SIMPLE"])
    assert raised.value.variable == "CLAUDE_PM_OTEL"
    assert "pip install 'claude-pm[otel]'" in str(raised.value)
    assert [error.variable for error in validate_environment({"CLAUDE_PM_OTEL": "true"})] == ["CLAUDE_PM_OTEL"]


def test_global_providers_are_used_without_configure():
    # Global providers can be set once per process, so this runs in its own.
    code = """
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from claude_pm.selection import select
spans = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(spans))
trace.set_tracer_provider(provider)
chosen = select('engineer', task_description='List the open pull requests')
(span,) = spans.get_finished_spans()
print(span.name, span.attributes['gen_ai.request.model'] == chosen.model_id)
"""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CLAUDE_PM_")}
    env["CLAUDE_PM_OTEL"] = "true"
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == [otel.SPAN_NAME, "True"]
