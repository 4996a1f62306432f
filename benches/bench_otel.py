"""What CLAUDE_PM_OTEL costs a selection, all measured in one run.

Run with
``python -m pytest benches/bench_otel.py --benchmark-enable --benchmark-group-by=group``.

- ``off, no hook``: the pipeline's `choose` compiled without its OpenTelemetry hook
  (the same source minus those lines), the baseline;
- ``off``: the real pipeline with CLAUDE_PM_OTEL unset (the hook's one attribute test);
- ``on, API only``: CLAUDE_PM_OTEL=true with no SDK configured (non-recording spans);
- ``on, SDK``: CLAUDE_PM_OTEL=true with the SDK's tracer and meter providers, spans
  handed to an exporter that drops them (the cost of building and ending the span and
  recording the two histograms, without any I/O).
"""

from __future__ import annotations

import inspect

import pytest
from claude_pm import selection
from claude_pm.integrations import otel
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

TASKS = (
    "List the open pull requests",
    "Implement rate limiting for the upload endpoint",
    "Refactor the billing system into separate services",
)
_HOOK = """    if settings.otel:
        from claude_pm.integrations.otel import record_selection

        record_selection(name, model_id, config, decision_id, started)
"""


def _choose_without_hook():
    source = inspect.getsource(selection.choose)
    assert _HOOK in source, "the OpenTelemetry hook in selection.choose changed: update this benchmark"
    namespace = dict(vars(selection))
    # compile() inherits this module's `from __future__ import annotations`, as the
    # pipeline's own module has it.
    code = compile(source.replace(_HOOK, ""), selection.__file__, "exec")
    exec(code, namespace)
    return namespace["choose"]


class _DroppingExporter(SpanExporter):
    def export(self, spans):
        return SpanExportResult.SUCCESS


def _cycle(choose):
    index = 0

    def one():
        nonlocal index
        index += 1
        return choose("engineer", TASKS[index % len(TASKS)], None, None, False, {})

    return one


@pytest.fixture
def sdk():
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(_DroppingExporter()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    otel.configure(tracer_provider=tracer_provider, meter_provider=meter_provider)
    yield
    otel.configure()
    meter_provider.shutdown()
    tracer_provider.shutdown()


@pytest.mark.benchmark(group="otel: selection", min_rounds=20000, warmup=True)
def test_off_no_hook(benchmark):
    result = benchmark(_cycle(_choose_without_hook()))
    assert result.model_id


@pytest.mark.benchmark(group="otel: selection", min_rounds=20000, warmup=True)
def test_off(benchmark):
    result = benchmark(_cycle(selection.choose))
    assert result.model_id


@pytest.mark.benchmark(group="otel: selection", min_rounds=20000, warmup=True)
def test_on_api_only(benchmark, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_OTEL", "true")
    otel.configure()
    result = benchmark(_cycle(selection.choose))
    assert result.model_id


@pytest.mark.benchmark(group="otel: selection", min_rounds=20000, warmup=True)
def test_on_sdk(benchmark, monkeypatch, sdk):
    monkeypatch.setenv("CLAUDE_PM_OTEL", "true")
    result = benchmark(_cycle(selection.choose))
    assert result.model_id
