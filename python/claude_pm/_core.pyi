"""Type stubs for the native core ``claude_pm._core``."""

import os
from collections.abc import Mapping, Sequence
from typing import Any, final

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

__all__ = [
    "DEFAULT_MEDIUM_THRESHOLD",
    "DEFAULT_SIMPLE_THRESHOLD",
    "ENABLING_REASON_COUNT",
    "FACT_NAMES",
    "LATENCY_BUCKETS",
    "LEVEL_NAMES",
    "MAX_LABELS",
    "MAX_RETENTION_HOURS",
    "OTHER_LABEL",
    "ROLLOUT_REASONS",
    "SELECTION_METHODS",
    "TECHNICAL_DEPTHS",
    "TOKEN_REDUCTION_BUCKETS",
    "Analysis",
    "PromptCache",
    "RolloutGates",
    "Router",
    "Scorer",
    "ScoringRules",
    "SelectionStats",
    "__version__",
    "user_bucket",
]

__version__: str
"""The package version (Cargo.toml's, the project's one version)."""

# --- constants the engine owns (rust/py_constants.rs) -------------------------------

LEVEL_NAMES: tuple[str, str, str]
"""The complexity level names by level number: ``("SIMPLE", "MEDIUM", "COMPLEX")``."""
DEFAULT_SIMPLE_THRESHOLD: int
"""The ``Scorer``'s default simple threshold (30): scores up to it are SIMPLE."""
DEFAULT_MEDIUM_THRESHOLD: int
"""The ``Scorer``'s default medium threshold (70): scores up to it are MEDIUM, above COMPLEX."""
FACT_NAMES: tuple[str, str, str, str, str, str, str]
"""The caller facts ``Scorer.analyze`` accepts besides the text, in its keyword order."""
TECHNICAL_DEPTHS: tuple[str, str, str, str]
"""``technical_depth`` names by index: ``("none", "shallow", "moderate", "deep")``."""
OTHER_LABEL: str
"""The label (``"other"``) ``SelectionStats`` counts a label under once its dimension is full."""
MAX_LABELS: int
"""Distinct values ``SelectionStats`` keeps per label dimension, ``OTHER_LABEL`` included."""
MAX_RETENTION_HOURS: int
"""The largest ``SelectionStats`` retention: ten years of hours (87840)."""
TOKEN_REDUCTION_BUCKETS: tuple[float, ...]
"""``SelectionStats``' default token-reduction histogram bounds, in percent."""
LATENCY_BUCKETS: tuple[float, ...]
"""``SelectionStats``' default selection-latency histogram bounds, in seconds."""
ROLLOUT_REASONS: tuple[str, ...]
"""Every rollout decision's reason code, the enabling ones first (``Router`` decides them)."""
ENABLING_REASON_COUNT: int
"""How many of ``ROLLOUT_REASONS`` (the first ones) turn optimisation on."""
SELECTION_METHODS: tuple[str, str, str, str]
"""``selection_method`` values: caller override, environment override, default mapping, score routed."""

# --- scoring -----------------------------------------------------------------------

@final
class ScoringRules:
    """Scoring vocabulary and weights, compiled once and immutable."""

    @property
    def version(self) -> str:
        """The rules file's ``version``."""
    @staticmethod
    def default() -> ScoringRules:
        """The rules shipped with the package (data/scoring_rules.toml, embedded at build time)."""
    @staticmethod
    def from_path(path: str | os.PathLike[str]) -> ScoringRules:
        """Load a rules file: RulesError (``.field``) names a bad field, OSError (``.filename``) the path."""
    @staticmethod
    def from_toml(text: str) -> ScoringRules:
        """Parse rules from TOML text; RulesError names the offending field."""

@final
class Analysis:
    """The explained result of scoring one task (frozen)."""

    @property
    def score(self) -> int:
        """0..100: the six parts of the breakdown added up and clamped."""
    @property
    def level(self) -> int:
        """0 SIMPLE, 1 MEDIUM, 2 COMPLEX under the scorer's thresholds."""
    @property
    def confidence(self) -> int:
        """Distance of the score to the nearest threshold."""
    @property
    def description_points(self) -> int:
        """The description's own contribution (0..100)."""
    @property
    def file_points(self) -> int:
        """Points for ``file_count`` on the 1.x scale."""
    @property
    def context_points(self) -> int:
        """Points for ``context_size`` on the 1.x scale."""
    @property
    def integration_points(self) -> int:
        """Points for ``integration_points`` on the 1.x scale."""
    @property
    def requirement_points(self) -> int:
        """Points for ``requires_research``/``_testing``/``_documentation`` on the 1.x scale."""
    @property
    def depth_points(self) -> int:
        """Points for ``technical_depth`` on the 1.x scale."""
    @property
    def verb_complexity(self) -> str:
        """The strongest action class found: "simple", "medium", "complex" or "unknown"."""
    @property
    def technical_indicators(self) -> list[str]:
        """Technical terms found in the description (at most 8 distinct)."""
    @property
    def estimated_steps(self) -> int:
        """Estimated number of steps the task takes."""
    @property
    def word_count(self) -> int:
        """Words in the description, as the tokenizer splits them."""
    @property
    def signals(self) -> list[tuple[str, int]]:
        """Every fired signal with its points; they add up to ``score``."""

@final
class Scorer:
    """Scores task descriptions under one set of rules and thresholds (frozen, thread-safe)."""

    def __new__(
        cls,
        rules: ScoringRules | None = None,
        *,
        simple_threshold: int | None = None,
        medium_threshold: int | None = None,
    ) -> Scorer:
        """A scorer; thresholds default to 30/70 and must satisfy ``0 <= simple < medium <= 100``.

        ValueError for thresholds out of order or range and for bools, TypeError for non-ints.
        """
    @property
    def simple_threshold(self) -> int:
        """Scores up to this value are SIMPLE."""
    @property
    def medium_threshold(self) -> int:
        """Scores up to this value are MEDIUM; above it, COMPLEX."""
    @property
    def rules_version(self) -> str:
        """The ``version`` of the rules this scorer uses."""
    def analyze(
        self,
        text: str,
        *,
        file_count: int | None = None,
        context_size: int | None = None,
        integration_points: int | None = None,
        requires_research: bool | None = None,
        requires_testing: bool | None = None,
        requires_documentation: bool | None = None,
        technical_depth: str | int | None = None,
    ) -> Analysis:
        """Score one task with the caller's facts.

        ``technical_depth``: None, "none"/"shallow"/"moderate"/"deep" in any case, or 0..3.
        TypeError for a non-str text; ValueError naming the argument for negative counts,
        bools passed as counts and unknown depths. Counts beyond the 1.x scales saturate.
        """
    def analyze_parts(
        self,
        text: str,
        file_count: int | None = None,
        context_size: int | None = None,
        integration_points: int | None = None,
        requires_research: bool | None = None,
        requires_testing: bool | None = None,
        requires_documentation: bool | None = None,
        technical_depth: str | int | None = None,
    ) -> tuple[int, int, int, dict[str, int], dict[str, Any], list[tuple[str, int]]]:
        """The 1.x result in one call: ``(score, level, confidence, scoring_breakdown, analysis_details, signals)``.

        For the ``TaskComplexityAnalyzer`` facade; ``analysis_details`` lacks ``task_length``
        and its ``complexity_factors`` are signal names. Same arguments and errors as ``analyze``.
        """
    def level_of(self, score: int) -> int:
        """0 SIMPLE, 1 MEDIUM, 2 COMPLEX for a score under this scorer's thresholds."""
    def score_many(
        self, texts: Sequence[str] | npt.NDArray[np.str_], *, threads: int | None = None
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
        """Description-only (scores, levels) of each text, in order; the GIL is released.

        ``threads`` (None: 1): how many threads share the batch, an int in 1..=256
        (TypeError for a non-int, ValueError for a bool or a value outside the range);
        batches under a few thousand texts stay on one thread. The result is the same
        for every value.

        ``texts``: a 1-D sequence of str (list, tuple, any ``collections.abc.Sequence``)
        or a plain 1-D ``numpy.ndarray`` of str (``<U`` or object dtype). TypeError,
        naming what was passed, for anything whose shape or order the flat result would
        lose: n-D and 0-D arrays (pass ``.ravel()``), ndarray subclasses such as masked
        arrays (pass ``.compressed()``), dicts and other mappings (scored by their keys),
        sets (no order), iterators and generators (pass ``list(...)``), a single str,
        bytes; and for a non-str element (``texts[i] must be str``).
        """

# --- Shared prompt cache (rust/py_cache.rs) ---

@disjoint_base
class PromptCache:
    """Bounded TTL cache of str, bytes or picklable values (thread-safe, subclassable)."""

    def __new__(cls, *, max_entries: int, max_bytes: int, default_ttl: float | None) -> PromptCache:
        """A cache holding at most ``max_entries`` entries and ``max_bytes`` bytes (keys + values).

        ``default_ttl``: seconds an entry lives when ``set`` gets no ttl; None, 0 or inf: no expiry.
        """
    @property
    def max_entries(self) -> int:
        """The entry bound (read-only)."""
    @property
    def max_bytes(self) -> int:
        """The byte bound (read-only)."""
    @property
    def default_ttl(self) -> float | None:
        """The time to live of an entry set without one, in seconds (read-only)."""
    def get(self, key: str, default: Any = None) -> Any:
        """The live value for ``key`` (counted in ``hits``), else ``default`` (counted in ``misses``)."""
    def set(self, key: str, value: object, ttl: float | None = None) -> None:
        """Store ``value``; ttl None: ``default_ttl``, > 0: seconds, 0 or inf: never expires.

        ValueError when key and value exceed the largest admissible entry (about a quarter
        of ``max_bytes``); TypeError naming the type of a value that cannot be pickled.
        """
    def delete(self, key: str) -> bool:
        """Remove ``key``; True when a live entry was removed."""
    def invalidate(self, pattern: str) -> int:
        """Remove every key matching the fnmatch-style glob (``*`` also matches ``/``); the number removed."""
    def clear(self) -> int:
        """Remove every entry (counted as invalidations); the number removed."""
    def stats(self) -> dict[str, int]:
        """Exact counters after sweeping expired entries.

        Keys: hits misses sets deletes evictions expirations invalidations entries bytes.
        """

# --- Selection statistics (rust/py_stats.rs) ---

@final
class SelectionStats:
    """Selection statistics over an hourly window, plus cumulative Prometheus samples (thread-safe)."""

    def __new__(
        cls,
        *,
        retention_hours: int,
        histogram_buckets: Sequence[float] | None = None,
        latency_buckets: Sequence[float] | None = None,
    ) -> SelectionStats:
        """Statistics keeping ``retention_hours`` hours.

        ``histogram_buckets``: token-reduction percent bounds (default 10, 20, ..., 90);
        ``latency_buckets``: selection latency bounds in seconds (default 1e-6 ... 0.025).
        """
    @property
    def retention_hours(self) -> int:
        """Hours of the window ``snapshot`` reports (read-only; see ``set_retention_hours``)."""
    def set_retention_hours(self, retention_hours: int) -> None:
        """Change the window; hours outside it are dropped by the next record."""
    def record(
        self,
        agent: str,
        model: str,
        metric_model: str,
        method: str,
        template: str,
        level: int | None,
        token_reduction: float,
        rollout_reason: str,
        shadow: bool,
        latency_seconds: float,
        now: float | None = None,
    ) -> None:
        """Count one selection (pass by position on the hot path: keywords cost about 3x).

        ``model`` is the id the caller got, ``metric_model`` the bounded Prometheus label,
        ``level`` 0/1/2, ``now`` Unix seconds (default: the current time). ValueError naming
        the argument for a level outside 0..2, a NaN or infinite reduction, or a negative or
        NaN latency; nothing is recorded then.
        """
    def snapshot(self, now: float | None = None) -> dict[str, Any]:
        """Windowed totals: the last ``retention_hours`` hours including the current one.

        Keys: total_selections, by_model, by_agent, by_method, by_template, by_level
        ([simple, medium, complex]), by_rollout_reason, shadow_decisions,
        average_token_reduction; all present (zeros, empty dicts) before the first record.
        ValueError for a non-finite ``now``.
        """
    def prometheus_samples(self) -> dict[str, Any]:
        """Cumulative samples since creation or ``reset`` (never windowed).

        Keys: optimizations and shadow_decisions ({(agent, metric_model, level name): n}),
        token_reduction (per agent: buckets, sum, count; non-shadow selections),
        latency (buckets, sum, count) and rollout_reasons ({reason: n}).
        """
    def reset(self) -> None:
        """Forget every recorded selection, windowed and cumulative."""

# --- routing -----------------------------------------------------------------------

def user_bucket(user_id: str) -> int:
    """The user's stable rollout bucket 0..99: ``int(md5(user_id).hexdigest(), 16) % 100``.

    The id is encoded as UTF-8 (a lone surrogate with "surrogatepass"); md5 here is a
    stable spreader, not security. TypeError when ``user_id`` is not a str.
    """

@final
class RolloutGates:
    """The window and percentage gates of one agent (immutable): the ones ``Router`` uses."""

    def __new__(cls, open_minutes: bytes | None, percentage: float | None) -> RolloutGates:
        """``open_minutes``: 1,440 bytes, non-zero inside a window (None: no window gate);
        ``percentage``: the enrolled share of users when below 100 (None: no percentage gate)."""
    def decide(self, user_id: str | None, minute: int | None = None) -> str:
        """The reason code (``outside_window``, ``no_user_id``, ``percentage_in``,
        ``percentage_out`` or ``inside_window``) for a user id (None or "": none) at
        ``minute`` of the day, which a window gate requires (ValueError without it)."""

@final
class Router:
    """The model routing of one settings generation (immutable, thread-safe).

    ``claude_pm.selection`` compiles one per settings generation; ``route`` then scores
    the task, decides the rollout, chooses model, tier and template, reads the cached
    prompt and records the selection statistics in one call.
    """

    def __new__(
        cls,
        scorer: Scorer,
        *,
        tiers: Sequence[tuple[str, str, Any]],
        levels: Sequence[tuple[str, int, str]],
        templates: Sequence[str],
        full_template: str,
        agents: Sequence[tuple[str, int, str | None, tuple[Any, ...]]],
        aliases: Mapping[str, str],
        prompt_keys: Mapping[tuple[str, str], str],
        reductions: Mapping[tuple[str, str], float],
        shadow: bool,
        cache: PromptCache | None = None,
        stats: SelectionStats | None = None,
    ) -> Router:
        """Compile the routing tables.

        ``tiers``: (name, model id, optimal prompt size) in tier order; ``levels``: (level
        name, tier index, template) for SIMPLE, MEDIUM and COMPLEX; ``agents``: (name,
        default tier index, forced model id or None, plan), a plan being ``("fixed",
        rollout reason)`` or ``("gated", open minutes as 1,440 bytes or None, percentage
        below 100 or None)``; ``aliases`` map other exact names to agents; ``prompt_keys``
        and ``reductions`` (percent of tokens saved) are keyed by (agent, template);
        ``shadow`` serves the defaults while counting the routed choice.
        """
    def metric_model(self, model_id: str) -> str:
        """The Prometheus model label of ``model_id``: the id itself when it is a tier's
        configured id, else ``OTHER_LABEL``."""
    @property
    def needs_minute(self) -> bool:
        """Whether ``route`` needs the minute of the day (some agent has rollout windows)."""
    def route(
        self,
        agent: str,
        task: str | None = None,
        user_id: str | None = None,
        facts: dict[str, Any] | None = None,
        model_override: str | None = None,
        minute: int | None = None,
        skip_cache: bool = False,
        record: bool = True,
    ) -> tuple[str, str | None, str, dict[str, Any]] | None:
        """Route one request: (agent, prompt or None, model id, config).

        None when ``agent`` is not one of the router's exact names (the caller resolves
        it and asks again). The prompt is None on a cache miss (or with ``skip_cache``):
        the caller builds and caches it. ``record=False`` leaves the statistics to the
        caller. ``minute`` (0..1439, in the windows' time zone) is required when
        ``needs_minute``. Errors name the argument: TypeError for a wrong type or an
        unknown fact name, ValueError for a bad fact value.
        """
