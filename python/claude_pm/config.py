"""The one settings module: every environment variable claude-pm reads, parsed and validated here.

`get_settings()` is called on the selection hot path, so it must cost next to nothing
while still honouring changes made to ``os.environ`` inside the running process (the
documented rollback procedure sets ``os.environ[...]`` and expects the next selection to
obey). Re-parsing the environment on every call would cost microseconds, so an audit hook
(added by the first call) moves a generation counter whenever ``os.environ`` writes or
deletes one of our variables; settings are rebuilt only when that counter moved or
``os.environ`` was replaced by another mapping.

Every variable is one row of `KNOWN_VARIABLES`: its name, default, parser, allowed values,
meaning and secrecy. Parsing, defaults, error messages, `claude-pm config check` and the
README table all read the rows; rules between variables are checked after the rows parse.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import stat
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import time as dt_time
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable

from claude_pm import runtime
from claude_pm.errors import ConfigError

if TYPE_CHECKING:
    from claude_pm._core import ScoringRules

__all__ = [
    "AGENT_ALIASES",
    "CACHE_MAX_ENTRIES_LIMIT",
    "CACHE_MAX_MB_LIMIT",
    "CACHE_TTL_LIMIT_SECONDS",
    "DEFAULT_FALLBACK_CHAIN",
    "DEFAULT_MODEL_IDS",
    "ENV_KEY_SLOT",
    "KNOWN_VARIABLES",
    "PUBLIC",
    "REDACTED",
    "RETENTION_HOURS_LIMIT",
    "SECRET",
    "TIERS",
    "URL_PASSWORD",
    "KeySource",
    "RolloutWindow",
    "Settings",
    "Variable",
    "agent_key_slot",
    "agent_variable",
    "get_settings",
    "load_scoring_rules",
    "parse_bool",
    "parse_fallback_chain",
    "parse_rollout_windows",
    "redact",
    "unrecognised_variables",
    "validate_environment",
]

TIERS: tuple[str, ...] = ("haiku", "sonnet", "opus")
# Alternative agent names; their per-agent variables configure the canonical agent.
AGENT_ALIASES: Mapping[str, str] = MappingProxyType({"orchestrator": "pm"})
DEFAULT_MODEL_IDS: Mapping[str, str] = MappingProxyType(
    {
        "haiku": "claude-3-haiku-20240307",
        "sonnet": "claude-sonnet-4-20250514",
        "opus": "claude-4-opus",
    }
)

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_BOOL_ALLOWED = "one of true/false, 1/0, yes/no, on/off (any case)"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_AGENT_BUDGET = re.compile(r"^CLAUDE_PM_([A-Z0-9_]+?)_DAILY_BUDGET_USD$")
_PER_AGENT = re.compile(r"^CLAUDE_PM_([A-Z0-9_]+?)_(MODEL_SELECTION|MODEL|ROLLOUT_PERCENTAGE|API_KEY_FILE|API_KEY)$")
# CLAUDE_PM_<TIER>_API_KEY[_FILE] (a tier's key) or CLAUDE_PM_<AGENT>_API_KEY[_FILE] (an agent's).
_API_KEY_VARIABLE = re.compile(r"^CLAUDE_PM_([A-Z0-9_]+?)_API_KEY(_FILE)?$")
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@-]*$")
# A forced model id has the shape of Anthropic's ids, also as Bedrock (`anthropic.claude-...-v1:0`)
# and Vertex (`claude-...@20240307`) spell them; any configured tier id is accepted as well.
_FORCED_MODEL_ID = re.compile(
    r"^(?:[a-z0-9-]+\.)*claude-[a-z0-9]+(?:[.-][a-z0-9]+)*(?:[:@][a-z0-9._-]+)?$", re.IGNORECASE
)
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_WINDOWS_EXAMPLE = "e.g. '02:00-06:59' or '22:00-01:59,12:00-12:59@Europe/Berlin'"


# Upper bounds of the numeric variables. Each is far above any useful setting and low
# enough that every consumer (the native cache, the statistics window, time arithmetic)
# takes it without overflowing.
THRESHOLD_MAX = 100
CACHE_MAX_ENTRIES_LIMIT = 100_000_000
CACHE_MAX_MB_MIN = 1 / 1024  # below 1 KiB no prompt fits
CACHE_MAX_MB_LIMIT = 1024 * 1024  # 1 TiB
CACHE_TTL_LIMIT_SECONDS = 10 * 365 * 86400  # ten years
RETENTION_HOURS_LIMIT = 10 * 366 * 24  # ten years
QUALITY_GUARD_WINDOW_MINUTES_LIMIT = RETENTION_HOURS_LIMIT * 60
QUALITY_GUARD_MIN_SAMPLES_LIMIT = 1_000_000
QUALITY_GUARD_REFRESH_LIMIT_SECONDS = 3600
SESSION_MAX_ENTRIES_DEFAULT = 50_000  # a few hundred bytes each: ~20 MB at most
DAILY_BUDGET_LIMIT_USD = 1e9
# What happens to an agent's tasks once its daily budget is spent (CLAUDE_PM_BUDGET_ACTION).
BUDGET_DOWNGRADE = "downgrade"  # one tier down, never below haiku
BUDGET_REFUSE = "refuse"  # claude_pm.errors.BudgetExceededError
BUDGET_ACTIONS: tuple[str, ...] = (BUDGET_DOWNGRADE, BUDGET_REFUSE)

# How a variable's value is shown outside the process (config check, errors, repr, logs).
PUBLIC = "public"  # as it is
SECRET = "secret"  # never: REDACTED
URL_PASSWORD = "url-password"  # an address whose password (user:PASSWORD@, password=...) is REDACTED
REDACTED = "***"

# Where the API key of a request comes from ("key slots"): the agent's own key
# (CLAUDE_PM_<AGENT>_API_KEY[_FILE], slot "agent:<agent>") beats the key of the tier the
# request is sent to (CLAUDE_PM_<TIER>_API_KEY[_FILE], slot "<tier>"), which beats the
# SDK's own ANTHROPIC_API_KEY (slot "env").
ENV_KEY_SLOT = "env"
_AGENT_KEY_SLOT_PREFIX = "agent:"
# On a 429, 529 or 5xx the executor tries the next tier up: a stronger model never
# lowers the quality of the answer.
DEFAULT_FALLBACK_CHAIN = "haiku>sonnet>opus"
_FALLBACK_OFF = frozenset({"off", "none", "false"})


@dataclass(frozen=True)
class Variable:
    """One documented environment variable (drives the README table and `config check`).

    `bounds` is the (lowest, highest) value of a numeric variable, checked when parsed;
    `secrecy` says how its value may be shown (PUBLIC, SECRET or URL_PASSWORD): a new
    secret-bearing variable only has to declare it here to be redacted everywhere.
    """

    name: str
    default: str
    allowed: str
    meaning: str
    bounds: tuple[float, float] | None = None
    secrecy: str = PUBLIC


KNOWN_VARIABLES: tuple[Variable, ...] = (
    Variable(
        "ENABLE_DYNAMIC_MODEL_SELECTION", "true", "boolean", "Global switch for complexity-based model selection."
    ),
    Variable(
        "ENABLE_DYNAMIC_PROMPT_TEMPLATES",
        "true",
        "boolean",
        "Size base instructions to the task (MINIMAL/STANDARD/FULL), independently of model selection.",
    ),
    Variable(
        "CLAUDE_PM_<AGENT>_MODEL_SELECTION", "unset", "boolean", "Per-agent switch; beats the global switch both ways."
    ),
    Variable(
        "CLAUDE_PM_<AGENT>_MODEL",
        "unset",
        "tier name (haiku/sonnet/opus) or a claude-* model id (not a boolean: see _MODEL_SELECTION)",
        "Force a model for that agent; beats every switch.",
    ),
    Variable(
        "CLAUDE_PM_<AGENT>_ROLLOUT_PERCENTAGE",
        "unset",
        "number 0..100",
        "Per-agent share of users enrolled; overrides CLAUDE_PM_ROLLOUT_PERCENTAGE.",
        bounds=(0, 100),
    ),
    Variable(
        "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD",
        "30",
        f"integer 0..{THRESHOLD_MAX - 1}, below medium",
        "Scores up to this value are SIMPLE (haiku, MINIMAL prompt).",
        bounds=(0, THRESHOLD_MAX - 1),
    ),
    Variable(
        "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD",
        "70",
        f"integer 1..{THRESHOLD_MAX}, above simple",
        "Scores up to this value are MEDIUM (sonnet, STANDARD prompt); above are COMPLEX.",
        bounds=(1, THRESHOLD_MAX),
    ),
    Variable("CLAUDE_PM_HAIKU_MODEL_ID", DEFAULT_MODEL_IDS["haiku"], "model id", "Model id used for the haiku tier."),
    Variable(
        "CLAUDE_PM_SONNET_MODEL_ID", DEFAULT_MODEL_IDS["sonnet"], "model id", "Model id used for the sonnet tier."
    ),
    Variable("CLAUDE_PM_OPUS_MODEL_ID", DEFAULT_MODEL_IDS["opus"], "model id", "Model id used for the opus tier."),
    Variable(
        "CLAUDE_PM_ROLLOUT_PERCENTAGE",
        "100",
        "number 0..100",
        "Share of users (stable md5 bucket of the user id) that get optimisation.",
        bounds=(0, 100),
    ),
    Variable(
        "CLAUDE_PM_ROLLOUT_WINDOWS",
        "unset",
        "comma-separated HH:MM-HH:MM windows, optional @IANA/Zone",
        "Optimise only inside these local-time windows (ends inclusive to the minute).",
    ),
    Variable(
        "CLAUDE_PM_TEST_MODE",
        "false",
        "boolean",
        "Shadow mode: decisions are computed and counted as shadow; callers get the "
        "agent's default model and the FULL prompt.",
    ),
    Variable("CLAUDE_PM_METRICS_ENABLED", "true", "boolean", "Selection statistics and Prometheus metrics."),
    Variable(
        "CLAUDE_PM_OTEL",
        "false",
        "boolean (true needs opentelemetry-api installed)",
        "Add each selection to OpenTelemetry traces (GenAI attributes plus claude_pm.*) and "
        "offer the metrics through an OpenTelemetry meter.",
    ),
    Variable(
        "CLAUDE_PM_QUALITY_GUARD",
        "false",
        "boolean (true needs CLAUDE_PM_DECISION_LOG, where outcomes are read from)",
        "Move an agent's score-routed tasks one tier up while its tier clearly fails too often (docs/quality.md).",
    ),
    Variable(
        "CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE",
        "0.2",
        "number 0..1, at least the release rate",
        "The guard engages when the 95 % Wilson lower bound of an (agent, tier)'s failure rate is above this.",
        bounds=(0, 1),
    ),
    Variable(
        "CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE",
        "0.1",
        "number 0..1, at most the failure rate",
        "An engaged guard releases when the 95 % Wilson upper bound falls below this (hysteresis).",
        bounds=(0, 1),
    ),
    Variable(
        "CLAUDE_PM_QUALITY_GUARD_WINDOW_MINUTES",
        "60",
        f"integer 1..{QUALITY_GUARD_WINDOW_MINUTES_LIMIT} (ten years)",
        "Sliding window of outcomes the guard weighs (by the time each outcome was recorded).",
        bounds=(1, QUALITY_GUARD_WINDOW_MINUTES_LIMIT),
    ),
    Variable(
        "CLAUDE_PM_QUALITY_GUARD_MIN_SAMPLES",
        "30",
        f"integer 1..{QUALITY_GUARD_MIN_SAMPLES_LIMIT}",
        "Known outcomes an (agent, tier) needs in the window before the guard judges it.",
        bounds=(1, QUALITY_GUARD_MIN_SAMPLES_LIMIT),
    ),
    Variable(
        "CLAUDE_PM_QUALITY_GUARD_REFRESH_SECONDS",
        "5",
        f"seconds 1..{QUALITY_GUARD_REFRESH_LIMIT_SECONDS}",
        "How often the guard re-reads the decision log (in a background thread, never per selection).",
        bounds=(1, QUALITY_GUARD_REFRESH_LIMIT_SECONDS),
    ),
    Variable(
        "CLAUDE_PM_METRICS_RETENTION_HOURS",
        "168",
        f"integer 1..{RETENTION_HOURS_LIMIT} (ten years)",
        "Window of the selection statistics and of the decision log.",
        bounds=(1, RETENTION_HOURS_LIMIT),
    ),
    Variable(
        "CLAUDE_PM_LOG_LEVEL",
        "WARNING",
        "DEBUG/INFO/WARNING/ERROR/CRITICAL",
        "Level of all claude_pm loggers; DEBUG logs every analysis.",
    ),
    Variable(
        "CLAUDE_PM_LOG_TASK_TEXT",
        "false",
        "boolean",
        "Include the task text in debug logs (off: task text is user data).",
    ),
    Variable(
        "CLAUDE_PM_SCORING_RULES",
        "unset",
        "path to a TOML rules file (loaded when set)",
        "Replace the packaged scoring vocabulary and weights.",
    ),
    Variable(
        "CLAUDE_PM_PROMPTS_DIR",
        "unset",
        "directory path",
        "Directory of agent prompt files overriding the packaged ones.",
    ),
    Variable(
        "CLAUDE_PM_CACHE_MAX_ENTRIES",
        "10000",
        f"integer 1..{CACHE_MAX_ENTRIES_LIMIT}",
        "Entry bound of the shared prompt cache.",
        bounds=(1, CACHE_MAX_ENTRIES_LIMIT),
    ),
    Variable(
        "CLAUDE_PM_CACHE_MAX_MB",
        "64",
        f"number 0.001..{CACHE_MAX_MB_LIMIT} (1 TiB)",
        "Byte bound of the shared prompt cache, in MiB.",
        bounds=(CACHE_MAX_MB_MIN, CACHE_MAX_MB_LIMIT),
    ),
    Variable(
        "CLAUDE_PM_CACHE_DEFAULT_TTL",
        "3600",
        f"seconds 0..{CACHE_TTL_LIMIT_SECONDS} (ten years; 0 = no expiry)",
        "Default time to live of cache entries.",
        bounds=(0, CACHE_TTL_LIMIT_SECONDS),
    ),
    Variable(
        "CLAUDE_PM_DECISION_LOG",
        "unset",
        "SQLite file path or postgresql:// DSN",
        "Record every decision durably for cost analysis, baselines and audit (a DSN password is shown redacted).",
        secrecy=URL_PASSWORD,
    ),
    Variable(
        "CLAUDE_PM_DECISION_LOG_SIGTERM_FLUSH",
        "true",
        "boolean",
        "Flush the decision log on SIGTERM before the application's own SIGTERM handling "
        "(false: the application flushes on shutdown itself).",
    ),
    Variable(
        "CLAUDE_PM_DECISION_LOG_SPOOL",
        "true",
        "boolean",
        "Spool decisions to a local fsynced file before the database, so a crash loses "
        "only the last fraction of a second; replayed on the next start.",
    ),
    Variable(
        "CLAUDE_PM_DECISION_LOG_SPOOL_DIR",
        "unset",
        "directory path",
        "Where the spool files live (unset: next to the SQLite file, or "
        "$XDG_STATE_HOME/claude-pm/decision-log-spool for PostgreSQL).",
    ),
    Variable(
        "CLAUDE_PM_AUDIT_SECRET",
        "unset",
        "string",
        "HMAC key for task-text hashes in the decision log (unset: a random per-database salt); never shown.",
        secrecy=SECRET,
    ),
    Variable("CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT", "false", "boolean", "Store task text in clear in the decision log."),
    Variable(
        "CLAUDE_PM_SESSION_TTL_SECONDS",
        "3600",
        f"seconds 1..{CACHE_TTL_LIMIT_SECONDS} (ten years)",
        "A session (session_id=) forgets its pinned tier after this long without a selection.",
        bounds=(1, CACHE_TTL_LIMIT_SECONDS),
    ),
    Variable(
        "CLAUDE_PM_SESSION_MAX_ENTRIES",
        str(SESSION_MAX_ENTRIES_DEFAULT),
        f"integer 1..{CACHE_MAX_ENTRIES_LIMIT}",
        "Sessions remembered per process; beyond it the least recently used is forgotten.",
        bounds=(1, CACHE_MAX_ENTRIES_LIMIT),
    ),
    Variable(
        "CLAUDE_PM_<AGENT>_DAILY_BUDGET_USD",
        "unset",
        f"USD 0..{DAILY_BUDGET_LIMIT_USD:.0f}",
        "Daily (UTC) spend cap of the agent, priced from recorded usage; with a PostgreSQL "
        "decision log the whole fleet's spend counts.",
        bounds=(0, DAILY_BUDGET_LIMIT_USD),
    ),
    Variable(
        "CLAUDE_PM_BUDGET_ACTION",
        BUDGET_DOWNGRADE,
        " or ".join(BUDGET_ACTIONS),
        "What an agent over its daily budget gets: the next tier down (never below haiku) or a BudgetExceededError.",
    ),
    Variable(
        "CLAUDE_PM_PRICING_FILE",
        "unset",
        "path to a TOML or JSON file",
        "Per-model input/output USD per million tokens, overriding the defaults.",
    ),
    *(
        row
        for tier in TIERS
        for row in (
            Variable(
                f"CLAUDE_PM_{tier.upper()}_API_KEY",
                "unset",
                "an API key (printable ASCII, no spaces)",
                f"API key for requests sent to the {tier} tier's model (unset: ANTHROPIC_API_KEY); never shown.",
                secrecy=SECRET,
            ),
            Variable(
                f"CLAUDE_PM_{tier.upper()}_API_KEY_FILE",
                "unset",
                "path to a file holding one API key (at most 4 KiB)",
                f"The {tier} tier's API key read from a file (a mounted Kubernetes Secret); re-read when "
                "the file changes. Not together with the inline variable.",
            ),
        )
    ),
    Variable(
        "CLAUDE_PM_<AGENT>_API_KEY",
        "unset",
        "an API key (printable ASCII, no spaces)",
        "API key for every request of that agent, whatever its model; beats the tier keys. Never shown.",
        secrecy=SECRET,
    ),
    Variable(
        "CLAUDE_PM_<AGENT>_API_KEY_FILE",
        "unset",
        "path to a file holding one API key (at most 4 KiB)",
        "That agent's API key read from a file, re-read when it changes.",
    ),
    Variable(
        "CLAUDE_PM_FALLBACK_CHAIN",
        DEFAULT_FALLBACK_CHAIN,
        "off, or chains of tier names joined by '>' and separated by commas, without loops "
        "(e.g. haiku>sonnet,opus>sonnet)",
        "Where AnthropicExecutor sends a request that still got a 429, 529 or 5xx after the SDK's "
        "retries: each tier's next tier.",
    ),
)


@dataclass(frozen=True, repr=False)
class KeySource:
    """Where one key slot's API key comes from: a variable holding it, or a file it names.

    The key itself is never part of the repr; `claude_pm.api_keys` reads files.
    """

    slot: str
    variable: str
    path: str | None = None
    key: str | None = None

    def __repr__(self) -> str:
        where = f"path={self.path!r}" if self.path is not None else f"key={REDACTED!r}"
        return f"KeySource(slot={self.slot!r}, variable={self.variable!r}, {where})"


@dataclass(frozen=True)
class RolloutWindow:
    """A daily window of local time, inclusive of both ends to the minute."""

    start: dt_time
    end: dt_time

    def contains(self, moment: dt_time) -> bool:
        minute = moment.replace(second=0, microsecond=0)
        if self.start <= self.end:
            return self.start <= minute <= self.end
        return minute >= self.start or minute <= self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, repr=False)
class Settings:
    """Every setting, typed and validated. Built by `get_settings()`; never mutated.

    A field taken verbatim from one variable names it in its metadata, so that `repr`
    shows it as that variable's `secrecy` allows.
    """

    dynamic_model_selection: bool = True
    dynamic_prompt_templates: bool = True
    agent_model_selection: Mapping[str, bool] = field(default_factory=dict)
    agent_forced_model: Mapping[str, str] = field(default_factory=dict)
    agent_rollout_percentage: Mapping[str, float] = field(default_factory=dict)
    simple_threshold: int = 30
    medium_threshold: int = 70
    model_ids: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_MODEL_IDS))
    rollout_percentage: float = 100.0
    rollout_windows: tuple[RolloutWindow, ...] = ()
    rollout_timezone: str | None = None
    test_mode: bool = False
    metrics_enabled: bool = True
    otel: bool = False
    quality_guard: bool = False
    quality_guard_failure_rate: float = 0.2
    quality_guard_release_rate: float = 0.1
    quality_guard_window_minutes: int = 60
    quality_guard_min_samples: int = 30
    quality_guard_refresh_seconds: float = 5.0
    metrics_retention_hours: int = 168
    log_level: str = "WARNING"
    log_task_text: bool = False
    scoring_rules: str | None = field(default=None, metadata={"variable": "CLAUDE_PM_SCORING_RULES"})
    prompts_dir: str | None = field(default=None, metadata={"variable": "CLAUDE_PM_PROMPTS_DIR"})
    cache_max_entries: int = 10000
    cache_max_bytes: int = 64 * 1024 * 1024
    cache_default_ttl: float | None = 3600.0
    decision_log: str | None = field(default=None, metadata={"variable": "CLAUDE_PM_DECISION_LOG"})
    decision_log_sigterm_flush: bool = True
    decision_log_spool: bool = True
    decision_log_spool_dir: str | None = None
    audit_secret: str | None = field(default=None, metadata={"variable": "CLAUDE_PM_AUDIT_SECRET"})
    audit_include_task_text: bool = False
    session_ttl_seconds: float = 3600.0
    session_max_entries: int = SESSION_MAX_ENTRIES_DEFAULT
    agent_daily_budget_usd: Mapping[str, float] = field(default_factory=dict)
    budget_action: str = BUDGET_DOWNGRADE
    pricing_file: str | None = field(default=None, metadata={"variable": "CLAUDE_PM_PRICING_FILE"})
    api_keys: Mapping[str, KeySource] = field(default_factory=dict)
    fallback_chain: Mapping[str, str] = field(default_factory=lambda: parse_fallback_chain(None))
    set_variables: tuple[str, ...] = ()

    def __repr__(self) -> str:
        shown = []
        for item in fields(self):
            value = getattr(self, item.name)
            variable = item.metadata.get("variable")
            shown.append(f"{item.name}={(value if variable is None else redact(variable, value))!r}")
        return f"Settings({', '.join(shown)})"

    def model_id(self, tier: str) -> str:
        """The configured model id of a tier name ("haiku", "sonnet", "opus")."""
        return self.model_ids[tier]

    def tier_of_model(self, model_id: str) -> str | None:
        """The tier whose configured id is `model_id`, or None for other ids."""
        for tier, configured in self.model_ids.items():
            if configured == model_id:
                return tier
        return None


def agent_key_slot(agent: str) -> str:
    """The key slot of an agent's own API key, e.g. "agent:engineer"."""
    return _AGENT_KEY_SLOT_PREFIX + agent


def agent_variable(agent: str, suffix: str) -> str:
    """The per-agent variable name, e.g. ("data_engineer", "MODEL") -> CLAUDE_PM_DATA_ENGINEER_MODEL."""
    return f"CLAUDE_PM_{agent.upper()}_{suffix}"


def _alias_of(agent: str) -> str:
    return next(alias for alias, target in AGENT_ALIASES.items() if target == agent)


def parse_bool(variable: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(variable, raw, _BOOL_ALLOWED)


def _parse_int(variable: str, raw: str, low: int, high: int, allowed: str) -> int:
    try:
        value = int(raw.strip())  # more than 4300 digits is a ValueError too
    except ValueError:
        raise ConfigError(variable, raw, allowed) from None
    if value < low or value > high:
        raise ConfigError(variable, raw, allowed)
    return value


def _parse_number(variable: str, raw: str, low: float, high: float, allowed: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(variable, raw, allowed) from None
    if not low <= value <= high:  # also false for NaN
        raise ConfigError(variable, raw, allowed)
    return value


def _parse_percentage(variable: str, raw: str) -> float:
    return _parse_number(variable, raw, 0.0, 100.0, "a number from 0 to 100, e.g. 10")


def _is_boolean_or_number(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE or lowered in _FALSE:
        return True
    try:
        float(lowered)
    except ValueError:
        return False
    return True


def _parse_model(variable: str, raw: str, model_ids: Mapping[str, str]) -> str:
    value = raw.strip()
    if value.lower() in model_ids:
        return model_ids[value.lower()]
    allowed = "a tier name (haiku, sonnet, opus) or a model id such as claude-sonnet-4-20250514"
    if _is_boolean_or_number(value):
        # CLAUDE_PM_QA_MODEL=false is an easy slip for CLAUDE_PM_QA_MODEL_SELECTION=false.
        raise ConfigError(
            variable,
            raw,
            f"{allowed}; to switch model selection for this agent on or off, set {variable}_SELECTION instead",
        )
    if value in model_ids.values() or _FORCED_MODEL_ID.match(value):
        return value
    raise ConfigError(variable, raw, allowed)


def parse_rollout_windows(
    raw: str,
    variable: str = "CLAUDE_PM_ROLLOUT_WINDOWS",
) -> tuple[tuple[RolloutWindow, ...], str | None]:
    """Parse 'HH:MM-HH:MM[,HH:MM-HH:MM...][@Area/City]' into windows and an IANA zone."""
    text = raw.strip()
    zone: str | None = None
    if "@" in text:
        text, zone = (part.strip() for part in text.rsplit("@", 1))
        _check_zone(variable, raw, zone)
    windows = []
    for piece in text.split(","):
        match = _WINDOW.match(piece.strip())
        if not match:
            raise ConfigError(variable, raw, f"comma-separated HH:MM-HH:MM windows, {_WINDOWS_EXAMPLE}")
        start_h, start_m, end_h, end_m = (int(g) for g in match.groups())
        if start_h > 23 or end_h > 23 or start_m > 59 or end_m > 59:
            raise ConfigError(variable, raw, f"hours 00-23 and minutes 00-59, {_WINDOWS_EXAMPLE}")
        windows.append(RolloutWindow(dt_time(start_h, start_m), dt_time(end_h, end_m)))
    return tuple(windows), zone


def _check_zone(variable: str, raw: str, zone: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory such as 'Europe' on some platforms
        raise ConfigError(variable, raw, f"a known IANA time zone after '@', {_WINDOWS_EXAMPLE}") from None


def _parse_decision_log(variable: str, raw: str) -> str:
    value = raw.strip()
    if "://" in value and not value.startswith(("postgresql://", "postgres://", "sqlite:///")):
        raise ConfigError(variable, raw, "a SQLite file path (or sqlite:///path) or a postgresql://user@host/db DSN")
    if not value:
        raise ConfigError(variable, raw, "a SQLite file path or a postgresql:// DSN")
    return value


_RULES_VARIABLE = "CLAUDE_PM_SCORING_RULES"
# Loaded rules per path, with the identity of the file they were read from; a path is
# read again only after the file changed. A handful of paths at most are ever configured.
_loaded_rules: dict[str, tuple[tuple[int, int, int, int], ScoringRules]] = {}
_LOADED_RULES_LIMIT = 8


def load_scoring_rules(path: str) -> ScoringRules:
    """The scoring rules in `path` (the CLAUDE_PM_SCORING_RULES file); ConfigError naming the variable.

    Only regular files are read (a FIFO or a device would block or never end). The file
    is parsed again only when its size, modification time or inode changed.
    """
    from claude_pm._core import ScoringRules

    try:
        info = os.stat(path)
    except (OSError, ValueError) as error:  # ValueError: an embedded NUL byte
        raise ConfigError(_RULES_VARIABLE, path, f"a readable scoring rules file ({_reason(error)})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(_RULES_VARIABLE, path, "a scoring rules file: this path is not a regular file")
    identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    cached = _loaded_rules.get(path)
    if cached is not None and cached[0] == identity:
        return cached[1]
    try:
        rules = ScoringRules.from_path(path)
    except OSError as error:
        raise ConfigError(_RULES_VARIABLE, path, f"a readable scoring rules file ({_reason(error)})") from None
    except ValueError as error:  # RulesError names the field at fault
        raise ConfigError(_RULES_VARIABLE, path, f"a valid scoring rules file: {_one_line(str(error))}") from None
    if len(_loaded_rules) >= _LOADED_RULES_LIMIT:
        _loaded_rules.clear()
    _loaded_rules[path] = (identity, rules)
    return rules


def _one_line(message: str) -> str:
    # A TOML parse error spans lines: position, a quote of the offending source line, then
    # what was wrong. Keep the position and the reason; the quoted line is left out (the
    # path may point at a file that is not a rules file at all).
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return lines[0] if len(lines) < 2 else f"{lines[0]}: {lines[-1]}"


def _reason(error: Exception) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)


def _checked_rules_path(raw: str) -> str:
    load_scoring_rules(raw)
    return raw


def _secrecy_of(variable: str) -> str:
    for known in KNOWN_VARIABLES:
        if known.name == variable or ("<AGENT>" in known.name and _matches_pattern(known.name, variable)):
            return known.secrecy
    return PUBLIC


def _matches_pattern(pattern: str, name: str) -> bool:
    prefix, suffix = pattern.split("<AGENT>")
    return name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix) + len(suffix)


_URL_USERINFO = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@]*):.*@(?P<rest>[^@]*)$", re.DOTALL)
# In an address the value runs to the next parameter; in a libpq keyword string
# ("host=db password='a b'") to the closing quote or the next whitespace.
_PASSWORD_PARAMETER = re.compile(r"(?i)([?&](?:ssl)?password=)[^&#]*")
_PASSWORD_KEYWORD = re.compile(r"(?i)((?:^|\s)(?:ssl)?password\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|\S*)")


def redact(variable: str, value: Any) -> Any:
    """`value` of `variable` as it may be shown: in clear, REDACTED, or with its password REDACTED.

    The only way values leave the process (config check, ConfigError, Settings repr);
    the variable's `secrecy` in KNOWN_VARIABLES decides. Non-strings and empty values
    are returned as they are.
    """
    if not isinstance(value, str) or not value:
        return value
    secrecy = _secrecy_of(variable)
    if secrecy == SECRET:
        return REDACTED
    if secrecy == URL_PASSWORD:
        # The password runs to the last '@', so one containing '@' or '/' is still hidden whole.
        if "://" not in value:
            return _PASSWORD_KEYWORD.sub(lambda m: f"{m.group(1)}{REDACTED}", value)
        shown = _URL_USERINFO.sub(lambda m: f"{m.group('head')}:{REDACTED}@{m.group('rest')}", value)
        return _PASSWORD_PARAMETER.sub(lambda m: f"{m.group(1)}{REDACTED}", shown)
    return value


def _build(env: Mapping[str, str]) -> Settings:
    def get(name: str) -> str | None:
        value = env.get(name)
        return value if value is not None and value.strip() != "" else None

    def flag(name: str, default: bool) -> bool:
        raw = get(name)
        return default if raw is None else parse_bool(name, raw)

    model_ids = dict(DEFAULT_MODEL_IDS)
    for tier in TIERS:
        name = f"CLAUDE_PM_{tier.upper()}_MODEL_ID"
        raw = get(name)
        if raw is not None:
            if not _MODEL_ID.match(raw.strip()) or _is_boolean_or_number(raw):
                raise ConfigError(
                    name, raw, "a model id such as " + DEFAULT_MODEL_IDS[tier] + " (not a boolean or a number)"
                )
            model_ids[tier] = raw.strip()

    simple_raw = get("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD")
    medium_raw = get("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD")
    simple = (
        30
        if simple_raw is None
        else _parse_int("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", simple_raw, 0, 99, "an integer from 0 to 99")
    )
    medium = (
        70
        if medium_raw is None
        else _parse_int("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", medium_raw, 1, 100, "an integer from 1 to 100")
    )
    if simple >= medium:
        if simple_raw is None:
            # Only the medium threshold was set, so it is the value to fix, not the default.
            raise ConfigError(
                "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD",
                medium_raw,
                f"a value above CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD ({simple})",
            )
        raise ConfigError(
            "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD",
            simple_raw,
            f"a value below CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD ({medium})",
        )

    agent_switch: dict = {}
    agent_model: dict = {}
    agent_percentage: dict = {}
    for name in sorted(env):
        match = _PER_AGENT.match(name)
        raw = get(name)
        if not match or raw is None or name.endswith("_MODEL_ID") or match.group(2).startswith("API_KEY"):
            continue  # API keys: _parse_api_keys
        agent, kind = match.group(1).lower(), match.group(2)
        if kind == "MODEL_SELECTION":
            value: object = parse_bool(name, raw)
            target = agent_switch
        elif kind == "MODEL":
            value, target = _parse_model(name, raw, model_ids), agent_model
        else:
            value, target = _parse_percentage(name, raw), agent_percentage
        canonical = AGENT_ALIASES.get(agent, agent)
        if canonical in target and target[canonical] != value:
            other = agent_variable(canonical if agent != canonical else _alias_of(agent), kind)
            raise ConfigError(name, raw, f"the same value as {other}, which names the same agent")
        target[canonical] = value

    windows: tuple[RolloutWindow, ...] = ()
    zone = None
    windows_raw = env.get("CLAUDE_PM_ROLLOUT_WINDOWS")
    if windows_raw is not None:
        if not windows_raw.strip():
            raise ConfigError(
                "CLAUDE_PM_ROLLOUT_WINDOWS", windows_raw, f"at least one HH:MM-HH:MM window, {_WINDOWS_EXAMPLE}"
            )
        windows, zone = parse_rollout_windows(windows_raw)

    log_level = (get("CLAUDE_PM_LOG_LEVEL") or "WARNING").strip().upper()
    if log_level not in _LOG_LEVELS:
        raise ConfigError("CLAUDE_PM_LOG_LEVEL", env.get("CLAUDE_PM_LOG_LEVEL"), "one of " + ", ".join(_LOG_LEVELS))

    ttl_raw = get("CLAUDE_PM_CACHE_DEFAULT_TTL")
    ttl: float | None = 3600.0
    if ttl_raw is not None:
        ttl = _parse_number(
            "CLAUDE_PM_CACHE_DEFAULT_TTL",
            ttl_raw,
            0.0,
            CACHE_TTL_LIMIT_SECONDS,
            f"a number of seconds from 0 to {CACHE_TTL_LIMIT_SECONDS} (0 means no expiry)",
        )
        ttl = None if ttl == 0 else ttl
    max_mb_raw = get("CLAUDE_PM_CACHE_MAX_MB")
    max_mb = (
        64.0
        if max_mb_raw is None
        else _parse_number(
            "CLAUDE_PM_CACHE_MAX_MB",
            max_mb_raw,
            CACHE_MAX_MB_MIN,
            CACHE_MAX_MB_LIMIT,
            f"a number of MiB from 0.001 to {CACHE_MAX_MB_LIMIT}, e.g. 64",
        )
    )
    entries_raw = get("CLAUDE_PM_CACHE_MAX_ENTRIES")
    percentage_raw = get("CLAUDE_PM_ROLLOUT_PERCENTAGE")
    retention_raw = get("CLAUDE_PM_METRICS_RETENTION_HOURS")
    decision_log_raw = get("CLAUDE_PM_DECISION_LOG")
    rules_raw = get("CLAUDE_PM_SCORING_RULES")

    return Settings(
        dynamic_model_selection=flag("ENABLE_DYNAMIC_MODEL_SELECTION", True),
        dynamic_prompt_templates=flag("ENABLE_DYNAMIC_PROMPT_TEMPLATES", True),
        agent_model_selection=MappingProxyType(agent_switch),
        agent_forced_model=MappingProxyType(agent_model),
        agent_rollout_percentage=MappingProxyType(agent_percentage),
        simple_threshold=simple,
        medium_threshold=medium,
        model_ids=MappingProxyType(model_ids),
        rollout_percentage=100.0
        if percentage_raw is None
        else _parse_percentage("CLAUDE_PM_ROLLOUT_PERCENTAGE", percentage_raw),
        rollout_windows=windows,
        rollout_timezone=zone,
        test_mode=flag("CLAUDE_PM_TEST_MODE", False),
        metrics_enabled=flag("CLAUDE_PM_METRICS_ENABLED", True),
        otel=_otel_flag(get("CLAUDE_PM_OTEL")),
        **_quality_guard(get),
        metrics_retention_hours=168
        if retention_raw is None
        else _parse_int(
            "CLAUDE_PM_METRICS_RETENTION_HOURS",
            retention_raw,
            1,
            RETENTION_HOURS_LIMIT,
            f"a whole number of hours from 1 to {RETENTION_HOURS_LIMIT}, e.g. 168",
        ),
        log_level=log_level,
        log_task_text=flag("CLAUDE_PM_LOG_TASK_TEXT", False),
        scoring_rules=None if rules_raw is None else _checked_rules_path(rules_raw),
        prompts_dir=get("CLAUDE_PM_PROMPTS_DIR"),
        cache_max_entries=10000
        if entries_raw is None
        else _parse_int(
            "CLAUDE_PM_CACHE_MAX_ENTRIES",
            entries_raw,
            1,
            CACHE_MAX_ENTRIES_LIMIT,
            f"an integer from 1 to {CACHE_MAX_ENTRIES_LIMIT}, e.g. 10000",
        ),
        cache_max_bytes=int(max_mb * 1024 * 1024),
        cache_default_ttl=ttl,
        decision_log=None
        if decision_log_raw is None
        else _parse_decision_log("CLAUDE_PM_DECISION_LOG", decision_log_raw),
        decision_log_sigterm_flush=flag("CLAUDE_PM_DECISION_LOG_SIGTERM_FLUSH", True),
        decision_log_spool=flag("CLAUDE_PM_DECISION_LOG_SPOOL", True),
        decision_log_spool_dir=get("CLAUDE_PM_DECISION_LOG_SPOOL_DIR"),
        audit_secret=get("CLAUDE_PM_AUDIT_SECRET"),
        audit_include_task_text=flag("CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT", False),
        **_session_and_budget(env, get),
        pricing_file=get("CLAUDE_PM_PRICING_FILE"),
        api_keys=_parse_api_keys(env),
        fallback_chain=parse_fallback_chain(env.get("CLAUDE_PM_FALLBACK_CHAIN")),
        set_variables=tuple(sorted(n for n in env if _is_ours(n))),
    )


def _parse_api_keys(env: Mapping[str, str]) -> Mapping[str, KeySource]:
    """The configured key slots. Keys and key files are checked where they are used
    (claude_pm.api_keys) and by validate_environment, never by a selection."""
    sources: dict[str, KeySource] = {}
    for name in sorted(env):
        match = _API_KEY_VARIABLE.match(name)
        raw = env[name]
        if not match or not raw.strip():
            continue
        owner = match.group(1).lower()
        slot = owner if owner in TIERS else agent_key_slot(AGENT_ALIASES.get(owner, owner))
        if match.group(2):
            source = KeySource(slot, name, path=raw.strip())
        else:
            source = KeySource(slot, name, key=raw.strip())
        other = sources.get(slot)
        if other is not None:
            raise ConfigError(
                name, raw, f"only one of {other.variable} and {name}: both configure the key slot {slot!r}"
            )
        sources[slot] = source
    return MappingProxyType(sources)


def parse_fallback_chain(raw: str | None, variable: str = "CLAUDE_PM_FALLBACK_CHAIN") -> Mapping[str, str]:
    """Each tier's next tier from 'haiku>sonnet>opus'-style chains; {} for 'off'; None: the default.

    A tier with two next tiers, an unknown tier or a chain that comes back to a tier it
    left is a ConfigError naming the variable.
    """
    text = DEFAULT_FALLBACK_CHAIN if raw is None or not raw.strip() else raw.strip().lower()
    if text in _FALLBACK_OFF:
        return MappingProxyType({})
    allowed = (
        "'off' or chains of tier names joined by '>' and separated by commas, e.g. "
        f"'{DEFAULT_FALLBACK_CHAIN}' or 'haiku>sonnet,opus>sonnet' (tiers: {', '.join(TIERS)})"
    )
    steps: dict[str, str] = {}
    for chain in text.split(","):
        tiers = [tier.strip() for tier in chain.split(">")]
        if len(tiers) < 2 or any(tier not in TIERS for tier in tiers):
            raise ConfigError(variable, raw, allowed)
        for tier, following in zip(tiers, tiers[1:]):
            if steps.get(tier, following) != following:
                raise ConfigError(
                    variable, raw, f"one next tier per tier ({tier} falls back to both {steps[tier]} and {following})"
                )
            steps[tier] = following
    for start in steps:
        seen, tier = [start], start
        while tier in steps:
            tier = steps[tier]
            if tier in seen:
                raise ConfigError(
                    variable, raw, f"chains without a loop ({' > '.join([*seen, tier])} comes back to {tier})"
                )
            seen.append(tier)
    return MappingProxyType(steps)


def _session_and_budget(env: Mapping[str, str], get: Callable[[str], str | None]) -> dict[str, Any]:
    ttl_raw = get("CLAUDE_PM_SESSION_TTL_SECONDS")
    entries_raw = get("CLAUDE_PM_SESSION_MAX_ENTRIES")
    action_raw = get("CLAUDE_PM_BUDGET_ACTION")
    action = BUDGET_DOWNGRADE if action_raw is None else action_raw.strip().lower()
    if action not in BUDGET_ACTIONS:
        raise ConfigError("CLAUDE_PM_BUDGET_ACTION", action_raw, " or ".join(BUDGET_ACTIONS))
    budgets: dict[str, float] = {}
    for name in sorted(env):
        match = _AGENT_BUDGET.match(name)
        raw = get(name)
        if match is None or raw is None:
            continue
        agent = match.group(1).lower()
        value = _parse_number(
            name, raw, 0.0, DAILY_BUDGET_LIMIT_USD, f"a number of USD from 0 to {DAILY_BUDGET_LIMIT_USD:.0f}, e.g. 25"
        )
        canonical = AGENT_ALIASES.get(agent, agent)
        if canonical in budgets and budgets[canonical] != value:
            other = agent_variable(canonical if agent != canonical else _alias_of(agent), "DAILY_BUDGET_USD")
            raise ConfigError(name, raw, f"the same value as {other}, which names the same agent")
        budgets[canonical] = value
    return {
        "session_ttl_seconds": 3600.0
        if ttl_raw is None
        else _parse_number(
            "CLAUDE_PM_SESSION_TTL_SECONDS",
            ttl_raw,
            1.0,
            CACHE_TTL_LIMIT_SECONDS,
            f"a number of seconds from 1 to {CACHE_TTL_LIMIT_SECONDS}, e.g. 3600",
        ),
        "session_max_entries": SESSION_MAX_ENTRIES_DEFAULT
        if entries_raw is None
        else _parse_int(
            "CLAUDE_PM_SESSION_MAX_ENTRIES",
            entries_raw,
            1,
            CACHE_MAX_ENTRIES_LIMIT,
            f"an integer from 1 to {CACHE_MAX_ENTRIES_LIMIT}, e.g. {SESSION_MAX_ENTRIES_DEFAULT}",
        ),
        "agent_daily_budget_usd": MappingProxyType(budgets),
        "budget_action": action,
    }


def _otel_flag(raw: str | None) -> bool:
    if raw is None or not parse_bool("CLAUDE_PM_OTEL", raw):
        return False
    # Checked when the settings are built, so `config check` reports it and no
    # selection is recorded before the missing package is noticed.
    from claude_pm.integrations.otel import require_opentelemetry

    require_opentelemetry("CLAUDE_PM_OTEL", raw)
    return True


def _quality_guard(get: Callable[[str], str | None]) -> dict[str, Any]:
    rates = {}
    for variable, default in (
        ("CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE", 0.2),
        ("CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE", 0.1),
    ):
        raw = get(variable)
        rates[variable] = (
            default if raw is None else _parse_number(variable, raw, 0.0, 1.0, "a number from 0 to 1, e.g. 0.2")
        )
    failure, release = rates["CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE"], rates["CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE"]
    if release > failure:
        # Name the variable that was set (the other one is at its default).
        if get("CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE") is None:
            raise ConfigError(
                "CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE",
                get("CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE"),
                f"a rate at least CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE ({release:g})",
            )
        raise ConfigError(
            "CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE",
            get("CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE"),
            f"a rate at most CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE ({failure:g}), so the guard does not flap",
        )
    window_raw = get("CLAUDE_PM_QUALITY_GUARD_WINDOW_MINUTES")
    samples_raw = get("CLAUDE_PM_QUALITY_GUARD_MIN_SAMPLES")
    refresh_raw = get("CLAUDE_PM_QUALITY_GUARD_REFRESH_SECONDS")
    enabled_raw = get("CLAUDE_PM_QUALITY_GUARD")
    return {
        "quality_guard": False if enabled_raw is None else parse_bool("CLAUDE_PM_QUALITY_GUARD", enabled_raw),
        "quality_guard_failure_rate": failure,
        "quality_guard_release_rate": release,
        "quality_guard_window_minutes": 60
        if window_raw is None
        else _parse_int(
            "CLAUDE_PM_QUALITY_GUARD_WINDOW_MINUTES",
            window_raw,
            1,
            QUALITY_GUARD_WINDOW_MINUTES_LIMIT,
            f"a whole number of minutes from 1 to {QUALITY_GUARD_WINDOW_MINUTES_LIMIT}, e.g. 60",
        ),
        "quality_guard_min_samples": 30
        if samples_raw is None
        else _parse_int(
            "CLAUDE_PM_QUALITY_GUARD_MIN_SAMPLES",
            samples_raw,
            1,
            QUALITY_GUARD_MIN_SAMPLES_LIMIT,
            f"an integer from 1 to {QUALITY_GUARD_MIN_SAMPLES_LIMIT}, e.g. 30",
        ),
        "quality_guard_refresh_seconds": 5.0
        if refresh_raw is None
        else _parse_number(
            "CLAUDE_PM_QUALITY_GUARD_REFRESH_SECONDS",
            refresh_raw,
            1.0,
            QUALITY_GUARD_REFRESH_LIMIT_SECONDS,
            f"a number of seconds from 1 to {QUALITY_GUARD_REFRESH_LIMIT_SECONDS}, e.g. 5",
        ),
    }


_SWITCHES = ("ENABLE_DYNAMIC_MODEL_SELECTION", "ENABLE_DYNAMIC_PROMPT_TEMPLATES")
_PREFIXES = ("CLAUDE_PM_", *_SWITCHES)
_PREFIXES_BYTES = tuple(prefix.encode() for prefix in _PREFIXES)


def _is_ours(name: str) -> bool:
    return name.startswith("CLAUDE_PM_") or name in _SWITCHES


# --- noticing changes of os.environ -------------------------------------------------------
#
# os.environ's writes and deletes call os.putenv / os.unsetenv, which raise the audit events
# "os.putenv" and "os.unsetenv" (CPython 3.9+) just *before* the mapping itself is updated.
# One audit hook, added by the first get_settings(), records the value each write of one
# of our variables is about to leave (`_pending`) and then moves `_generation`. A rebuild is
# cached under the generation it read only if every recorded write is already visible in
# os.environ, so a rebuild racing a write made by another thread is never kept. A direct
# os.putenv leaves os.environ (and os.getenv) as they were, so it changes nothing here.
_PROBE_EVENT = "claude_pm.config.audit_probe"
_HOOK_EVENTS = frozenset({"os.putenv", "os.unsetenv", _PROBE_EVENT})
# The frames that call os.putenv / os.unsetenv on behalf of os.environ.
_ENVIRON_WRITERS = frozenset({os._Environ.__setitem__.__code__, os._Environ.__delitem__.__code__})  # type: ignore[attr-defined]
_generations = itertools.count(1)
_generation = 0
_pending: dict[str, str | None] = {}  # variable -> the value (None: deleted) its last write leaves
_hook_added = False
# False where the hook never ran (another hook refused it, or an interpreter that raises no
# such events): then every call compares a fingerprint of our variables instead.
_hook_runs = False


def _audit_hook(event: str, args: tuple[Any, ...]) -> None:
    if event in _HOOK_EVENTS:
        _note_event(event, args)


def _note_event(event: str, args: tuple[Any, ...]) -> None:
    global _generation, _hook_runs
    if event == _PROBE_EVENT:
        _hook_runs = sys.implementation.name == "cpython"
        return
    try:
        name = args[0]  # bytes on POSIX, str on Windows
        if not name.startswith(_PREFIXES_BYTES if type(name) is bytes else _PREFIXES):
            return  # another program's variable, told apart before anything is decoded
        name = os.fsdecode(name)
        if not _is_ours(name) or sys._getframe(2).f_code not in _ENVIRON_WRITERS:
            return  # not ours after all, or a direct os.putenv
        _pending[name] = os.fsdecode(args[1]) if event == "os.putenv" else None
    except Exception:  # never fail the host's write (interpreter shutdown, a frameless caller)
        pass
    _generation = next(_generations)


def _writes_landed(environ: Mapping[str, str]) -> bool:
    return all(environ.get(name) == value for name, value in list(_pending.items()))


def _fingerprint(environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((name, value) for name, value in environ.items() if _is_ours(name)))


_lock = threading.Lock()
_cache_generation = -1
_cached_environ: object = None
_cached_fingerprint: tuple[tuple[str, str], ...] | None = None
_cached: Settings | None = None
_cached_error: ConfigError | None = None


def _reset_after_fork() -> None:
    # A thread of the parent may have held the lock mid-rebuild when another thread
    # forked; in the child that thread no longer exists and the lock would stay held, and
    # a write it had begun never lands.
    global _lock, _cache_generation, _cached_environ, _cached_fingerprint, _cached, _cached_error
    _lock = threading.Lock()
    _cache_generation, _cached_environ, _cached_fingerprint, _cached, _cached_error = -1, None, None, None, None
    _pending.clear()


runtime.register("config", after_fork_in_child=_reset_after_fork, reset=_reset_after_fork)


def get_settings() -> Settings:
    """The current settings; raises ConfigError while any variable holds a bad value."""
    if _cache_generation == _generation and os.environ is _cached_environ:
        if _cached is not None:
            return _cached
        assert _cached_error is not None
        raise ConfigError(_cached_error.variable, _cached_error.value, _cached_error.allowed)
    return _reload()


def _reload() -> Settings:
    global _hook_added, _cache_generation, _cached_environ, _cached_fingerprint, _cached, _cached_error
    with _lock:
        if not _hook_added:
            _hook_added = True
            sys.addaudithook(_audit_hook)
            sys.audit(_PROBE_EVENT)  # sets _hook_runs when the hook was added and runs
        environ = os.environ
        generation = _generation
        trusted = _hook_runs and (not isinstance(environ, os._Environ) or _writes_landed(environ))  # type: ignore[attr-defined]
        fingerprint = None
        if not _hook_runs:
            fingerprint = _fingerprint(environ)
            if fingerprint == _cached_fingerprint and environ is _cached_environ:
                if _cached is not None:
                    return _cached
                assert _cached_error is not None
                raise ConfigError(_cached_error.variable, _cached_error.value, _cached_error.allowed)
        # Nothing may match until the new values are all in place.
        _cache_generation = -1
        try:
            settings = _build(environ)
        except ConfigError as error:
            _cached, _cached_error = None, error
            raise
        else:
            _cached, _cached_error = settings, None
        finally:
            _cached_environ, _cached_fingerprint = environ, fingerprint
            _cache_generation = generation if trusted else -1
    _apply_log_level(settings)
    return settings


def _apply_log_level(settings: Settings) -> None:
    logger = logging.getLogger("claude_pm")
    logger.setLevel(settings.log_level)
    explicit = "CLAUDE_PM_LOG_LEVEL" in settings.set_variables
    if explicit and not logger.handlers and not logging.getLogger().handlers:
        # An operator who asked for DEBUG logs expects to see them even when the host
        # application configured no logging at all.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


_THRESHOLD_VARIABLES = ("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD")


def validate_environment(env: Mapping[str, str] | None = None) -> list[ConfigError]:
    """Every bad variable in `env` (default: os.environ), not just the first one."""
    env = os.environ if env is None else env
    errors: list[ConfigError] = []
    reported: set = set()
    for name in sorted(n for n in env if _is_ours(n)):
        subset = {name: env[name]}
        if name in _THRESHOLD_VARIABLES:
            subset.update({other: env[other] for other in _THRESHOLD_VARIABLES if other in env})
        try:
            _build(subset)
        except ConfigError as error:
            if error.variable not in reported:
                reported.add(error.variable)
                errors.append(error)
    for name, load in _FILE_LOADERS.items():
        raw = env.get(name)
        if raw is not None and raw.strip() and name not in reported:
            try:
                load(raw)
            except ConfigError as error:
                errors.append(error)
    for name in sorted(n for n in env if _API_KEY_VARIABLE.match(n) and n not in reported):
        if env[name].strip():
            from claude_pm.api_keys import check_key, read_key_file

            try:
                if name.endswith("_FILE"):
                    read_key_file(name, env[name].strip())
                else:
                    check_key(name, env[name].strip(), "the variable")
            except ConfigError as error:
                errors.append(error)
    return errors


def _load_prompts_dir(path: str) -> None:
    from claude_pm.agents.base_agent_loader import load_prompt_library
    from claude_pm.errors import PromptFileError

    try:
        load_prompt_library(path)
    except PromptFileError as error:
        raise ConfigError("CLAUDE_PM_PROMPTS_DIR", path, f"a directory of loadable prompt files ({error})") from None


def _load_pricing_file(path: str) -> None:
    from claude_pm.pricing import load_pricing

    load_pricing(path)


# Files a selection or report loads only when it needs them, loaded here by
# validate_environment so that `config check` reports them (the rules file is loaded
# whenever the settings are built).
_FILE_LOADERS: Mapping[str, Callable[[str], None]] = MappingProxyType(
    {
        "CLAUDE_PM_PROMPTS_DIR": _load_prompts_dir,
        "CLAUDE_PM_PRICING_FILE": _load_pricing_file,
    }
)


def unrecognised_variables(agents: tuple[str, ...], env: Mapping[str, str] | None = None) -> list[str]:
    """CLAUDE_PM_* variables that configure nothing (typos, unknown agents)."""
    env = os.environ if env is None else env
    fixed = {v.name for v in KNOWN_VARIABLES if "<AGENT>" not in v.name}
    unknown = []
    for name in sorted(n for n in env if _is_ours(n) and n not in fixed):
        match = _PER_AGENT.match(name) or _AGENT_BUDGET.match(name)
        if match and match.group(1).lower() in agents:
            continue
        unknown.append(name)
    return unknown
