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
from dataclasses import dataclass, field, fields, replace
from datetime import time as dt_time
from types import MappingProxyType
from typing import Any, Callable

from claude_pm import runtime
from claude_pm._core import MAX_RETENTION_HOURS, ScoringRules
from claude_pm.errors import ConfigError

__all__ = [
    "AGENT",
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
    "UNSET",
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
    "variable_of",
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
_MIB = 1024 * 1024


# Upper bounds of the numeric variables. Each is far above any useful setting and low
# enough that every consumer (the native cache, the statistics window, time arithmetic)
# takes it without overflowing.
THRESHOLD_MAX = 100
CACHE_MAX_ENTRIES_LIMIT = 100_000_000
CACHE_MAX_MB_MIN = 1 / 1024  # below 1 KiB no prompt fits
CACHE_MAX_MB_LIMIT = 1024 * 1024  # 1 TiB
CACHE_TTL_LIMIT_SECONDS = 10 * 365 * 86400  # ten years
RETENTION_HOURS_LIMIT = MAX_RETENTION_HOURS  # ten years: the statistics engine's bound
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


def _is_boolean_or_number(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE or lowered in _FALSE:
        return True
    try:
        float(lowered)
    except ValueError:
        return False
    return True


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


def _number_text(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


# --- parse kinds ----------------------------------------------------------------------
#
# A kind turns one variable's text into its Settings value, or raises a ConfigError naming
# the variable, the value and what is allowed; it also says what is allowed in the README
# table. `parse` gets the Settings values parsed so far (the fixed variables, in table
# order, then the per-agent ones), which only the forced model reads (the tier model ids).


class Kind:
    """What every kind offers; `parse` raises ConfigError(variable, raw, what is allowed)."""

    allowed: str
    bounds: tuple[float, float] | None = None
    example: str | None = None
    # Loads what the value names (a file, a directory, a key) for `config check`.
    check: Callable[[str, str], None] | None = None
    blank_is_unset = True

    def parse(self, variable: str, raw: str, settings: Mapping[str, Any]) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Kind):
    """Any non-blank text, taken as it is (paths and secrets are checked where they are used)."""

    allowed: str = "string"
    check: Callable[[str, str], None] | None = None

    def parse(self, variable: str, raw: str, settings: Mapping[str, Any]) -> Any:
        return raw


@dataclass(frozen=True)
class Flag(Kind):
    """A boolean in any of the usual spellings."""

    note: str = ""

    @property
    def allowed(self) -> str:  # type: ignore[override]
        return f"boolean ({self.note})" if self.note else "boolean"

    def parse(self, variable: str, raw: str, settings: Mapping[str, Any]) -> Any:
        return parse_bool(variable, raw)


@dataclass(frozen=True)
class OpenTelemetryFlag(Flag):
    def parse(self, variable: str, raw: str, settings: Mapping[str, Any]) -> Any:
        if not parse_bool(variable, raw):
            return False
        # Checked when the settings are built, so `config check` reports it and no
        # selection is recorded before the missing package is noticed.
        from claude_pm.integrations.otel import require_opentelemetry

        require_opentelemetry(variable, raw)
        return True


@dataclass(frozen=True)
class Number(Kind):
    """A number (an integer when `integer`) from `low` to `high`, both included.

    `unit` names what is counted; `example` defaults to the variable's default; `note` is
    added to the allowed text; `convert` turns the number into the Settings value.
    """

    low: float = 0
    high: float = 0
    integer: bool = False
    unit: str = ""
    example: str | None = None  # type: ignore[assignment]
    note: str = ""
    convert: Callable[[float], Any] | None = None

    @property
    def bounds(self) -> tuple[float, float]:  # type: ignore[override]
        return (self.low, self.high)

    @property
    def allowed(self) -> str:  # type: ignore[override]
        span = f"{_number_text(self.low)}..{_number_text(self.high)}"
        text = f"integer {span}" if self.integer else f"{self.unit or 'number'} {span}"
        if self.integer and self.unit:
            text += f" {self.unit}"
        return f"{text} ({self.note})" if self.note else text

    @property
    def expected(self) -> str:
        if self.integer:
            noun = f"a whole number of {self.unit}" if self.unit else "an integer"
        else:
            noun = f"a number of {self.unit}" if self.unit else "a number"
        text = f"{noun} from {_number_text(self.low)} to {_number_text(self.high)}"
        if self.example is not None:
            text += f", e.g. {self.example}"
        return f"{text} ({self.note})" if self.note else text

    def parse(self, variable: str, raw: str, settings: Mapping[str, Any]) -> Any:
        try:
            # More than 4300 digits is a ValueError for int() too.
            value: float = int(raw.strip()) if self.integer else float(raw.strip())
        except ValueError:
            raise ConfigError(variable, raw, self.expected) from None
        if not self.low <= value <= self.high:  # also false for NaN
            raise ConfigError(variable, raw, self.expected)
        return value if self.convert is None else self.convert(value)


@dataclass(frozen=True)
class Choice(Kind):
    """One of a few words, in any case."""

    options: tuple[str, ...] = ()

    @property
    def allowed(self) -> str:  # type: ignore[override]
        if len(self.options) == 2:
            return " or ".join(self.options)
        return "one of " + ", ".join(self.options)

    def parse(self, variable: str, raw: str, settings: Mapping[str, Any]) -> Any:
        for option in self.options:
            if raw.strip().lower() == option.lower():
                return option
        raise ConfigError(variable, raw, self.allowed)


@dataclass(frozen=True)
class ModelId(Kind):
    """The model id a tier is sent to."""

    example: str | None = None
    allowed: str = "model id"

    def parse(self, variable: str, raw: str, settings: Mapping[str, Any]) -> Any:
        if not _MODEL_ID.match(raw.strip()) or _is_boolean_or_number(raw):
            raise ConfigError(variable, raw, f"a model id such as {self.example} (not a boolean or a number)")
        return raw.strip()


@dataclass(frozen=True)
class ForcedModel(Kind):
    """A tier name (the tier's configured id) or a model id; never a boolean or a number."""

    allowed: str = f"tier name ({'/'.join(TIERS)}) or a claude-* model id (not a boolean: see _MODEL_SELECTION)"

    def parse(self, variable: str, raw: str, settings: Mapping[str, Any]) -> Any:
        model_ids = settings["model_ids"]
        value = raw.strip()
        if value.lower() in model_ids:
            return model_ids[value.lower()]
        allowed = f"a tier name ({', '.join(TIERS)}) or a model id such as {DEFAULT_MODEL_IDS['sonnet']}"
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


@dataclass(frozen=True)
class Windows(Kind):
    """Daily local-time windows with an optional zone: (windows, zone). Blank is an error, not unset."""

    allowed: str = "comma-separated HH:MM-HH:MM windows, optional @IANA/Zone"
    blank_is_unset = False

    def parse(self, variable: str, raw: str, settings: Mapping[str, Any]) -> Any:
        if not raw.strip():
            raise ConfigError(variable, raw, f"at least one HH:MM-HH:MM window, {_WINDOWS_EXAMPLE}")
        return parse_rollout_windows(raw, variable)


@dataclass(frozen=True)
class Parsed(Kind):
    """Text checked by a parser of its own: `function(variable, raw)`."""

    allowed: str
    function: Callable[[str, str], Any]

    def parse(self, variable: str, raw: str, settings: Mapping[str, Any]) -> Any:
        return self.function(variable, raw)


def _load_prompts_dir(variable: str, path: str) -> None:
    from claude_pm.agents.base_agent_loader import load_prompt_library
    from claude_pm.errors import PromptFileError

    try:
        load_prompt_library(path)
    except PromptFileError as error:
        raise ConfigError(variable, path, f"a directory of loadable prompt files ({error})") from None


def _load_pricing_file(variable: str, path: str) -> None:
    from claude_pm.pricing import load_pricing

    load_pricing(path)


def _check_api_key(variable: str, key: str) -> None:
    from claude_pm.api_keys import check_key

    check_key(variable, key.strip(), "the variable")


def _check_api_key_file(variable: str, path: str) -> None:
    from claude_pm.api_keys import read_key_file

    read_key_file(variable, path.strip())


AGENT = "<AGENT>"  # the placeholder of the per-agent rows' names
UNSET = "unset"  # the documented default of a variable without one


@dataclass(frozen=True)
class Variable:
    """One environment variable: the row that drives its parsing, its default, its error
    messages, `config check` and the README table.

    `default` is the text an operator would write for the default (UNSET: none) and
    `value` the Settings value it parses to; `kind` parses a set value (see Kind);
    `setting` is the Settings field it fills (None: an explicit step of `_build` reads it;
    a per-agent row fills a mapping from agent to value);
    `bounds` is the (lowest, highest) value of a numeric variable; `secrecy` says how its
    value may be shown (PUBLIC, SECRET or URL_PASSWORD): a new secret-bearing variable only
    has to declare it here to be redacted everywhere.
    """

    name: str
    default: str
    allowed: str
    meaning: str
    bounds: tuple[float, float] | None = None
    secrecy: str = PUBLIC
    kind: Kind = field(default_factory=Text)
    setting: str | None = None
    key: str | None = None  # the key within a mapping setting (model_ids: the tier)
    value: Any = field(default=None, compare=False)

    def parse(self, name: str, raw: str | None, settings: Mapping[str, Any]) -> Any:
        """The Settings value of `raw` (the text of `name`, this row's variable or one of its
        per-agent names); None or blank text: the default."""
        if raw is None or (self.kind.blank_is_unset and not raw.strip()):
            return self.value
        return self.kind.parse(name, raw, settings)


def _shown(default: Any) -> str:
    if default is None:
        return UNSET
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, (int, float)):
        return _number_text(default)
    return str(default)


def _row(
    name: str,
    kind: Kind,
    default: Any,
    meaning: str,
    *,
    rule: str = "",
    secrecy: str = PUBLIC,
    setting: str | None = None,
    key: str | None = None,
    empty: Any = None,
) -> Variable:
    """A table row: `default` in the variable's own terms (None: unset, then `empty` is
    the value); `rule` names what other variables constrain it (checked by `_build`)."""
    text = _shown(default)
    if default is not None and kind.example is None and "example" in {item.name for item in fields(kind)}:  # type: ignore[arg-type]
        kind = replace(kind, example=text)  # type: ignore[type-var]
    value = empty if default is None else kind.parse(name, text, {"model_ids": DEFAULT_MODEL_IDS})
    allowed = f"{kind.allowed}, {rule}" if rule else kind.allowed
    return Variable(name, text, allowed, meaning, kind.bounds, secrecy, kind, setting, key, value)


def _percentage() -> Number:
    return Number(0, 100, example="10")


def _count(high: int, unit: str = "", note: str = "") -> Number:
    return Number(1, high, integer=True, unit=unit, note=note)


_TEN_YEARS = "ten years"
_API_KEY_TEXT = "an API key (printable ASCII, no spaces)"
_API_KEY_FILE_TEXT = "path to a file holding one API key (at most 4 KiB)"

KNOWN_VARIABLES: tuple[Variable, ...] = (
    _row(
        "ENABLE_DYNAMIC_MODEL_SELECTION",
        Flag(),
        True,
        "Global switch for complexity-based model selection.",
        setting="dynamic_model_selection",
    ),
    _row(
        "ENABLE_DYNAMIC_PROMPT_TEMPLATES",
        Flag(),
        True,
        "Size base instructions to the task (MINIMAL/STANDARD/FULL), independently of model selection.",
        setting="dynamic_prompt_templates",
    ),
    _row(
        f"CLAUDE_PM_{AGENT}_MODEL_SELECTION",
        Flag(),
        None,
        "Per-agent switch; beats the global switch both ways.",
        setting="agent_model_selection",
    ),
    _row(
        f"CLAUDE_PM_{AGENT}_MODEL",
        ForcedModel(),
        None,
        "Force a model for that agent; beats every switch.",
        setting="agent_forced_model",
    ),
    _row(
        f"CLAUDE_PM_{AGENT}_ROLLOUT_PERCENTAGE",
        _percentage(),
        None,
        "Per-agent share of users enrolled; overrides CLAUDE_PM_ROLLOUT_PERCENTAGE.",
        setting="agent_rollout_percentage",
    ),
    _row(
        "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD",
        Number(0, THRESHOLD_MAX - 1, integer=True),
        30,
        "Scores up to this value are SIMPLE (haiku, MINIMAL prompt).",
        rule="below medium",
        setting="simple_threshold",
    ),
    _row(
        "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD",
        Number(1, THRESHOLD_MAX, integer=True),
        70,
        "Scores up to this value are MEDIUM (sonnet, STANDARD prompt); above are COMPLEX.",
        rule="above simple",
        setting="medium_threshold",
    ),
    *(
        _row(
            f"CLAUDE_PM_{tier.upper()}_MODEL_ID",
            ModelId(),
            DEFAULT_MODEL_IDS[tier],
            f"Model id used for the {tier} tier.",
            setting="model_ids",
            key=tier,
        )
        for tier in TIERS
    ),
    _row(
        "CLAUDE_PM_ROLLOUT_PERCENTAGE",
        _percentage(),
        100,
        "Share of users (stable md5 bucket of the user id) that get optimisation.",
        setting="rollout_percentage",
    ),
    _row(
        "CLAUDE_PM_ROLLOUT_WINDOWS",
        Windows(),
        None,
        "Optimise only inside these local-time windows (ends inclusive to the minute).",
        setting="rollout_windows",
        empty=((), None),
    ),
    _row(
        "CLAUDE_PM_TEST_MODE",
        Flag(),
        False,
        "Shadow mode: decisions are computed and counted as shadow; callers get the "
        "agent's default model and the FULL prompt.",
        setting="test_mode",
    ),
    _row(
        "CLAUDE_PM_METRICS_ENABLED",
        Flag(),
        True,
        "Selection statistics and Prometheus metrics.",
        setting="metrics_enabled",
    ),
    _row(
        "CLAUDE_PM_OTEL",
        OpenTelemetryFlag("true needs opentelemetry-api installed"),
        False,
        "Add each selection to OpenTelemetry traces (GenAI attributes plus claude_pm.*) and "
        "offer the metrics through an OpenTelemetry meter.",
        setting="otel",
    ),
    _row(
        "CLAUDE_PM_QUALITY_GUARD",
        Flag("true needs CLAUDE_PM_DECISION_LOG, where outcomes are read from"),
        False,
        "Move an agent's score-routed tasks one tier up while its tier clearly fails too often (docs/quality.md).",
        setting="quality_guard",
    ),
    _row(
        "CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE",
        Number(0, 1),
        0.2,
        "The guard engages when the 95 % Wilson lower bound of an (agent, tier)'s failure rate is above this.",
        rule="at least the release rate",
        setting="quality_guard_failure_rate",
    ),
    _row(
        "CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE",
        Number(0, 1),
        0.1,
        "An engaged guard releases when the 95 % Wilson upper bound falls below this (hysteresis).",
        rule="at most the failure rate",
        setting="quality_guard_release_rate",
    ),
    _row(
        "CLAUDE_PM_QUALITY_GUARD_WINDOW_MINUTES",
        _count(QUALITY_GUARD_WINDOW_MINUTES_LIMIT, "minutes", _TEN_YEARS),
        60,
        "Sliding window of outcomes the guard weighs (by the time each outcome was recorded).",
        setting="quality_guard_window_minutes",
    ),
    _row(
        "CLAUDE_PM_QUALITY_GUARD_MIN_SAMPLES",
        _count(QUALITY_GUARD_MIN_SAMPLES_LIMIT),
        30,
        "Known outcomes an (agent, tier) needs in the window before the guard judges it.",
        setting="quality_guard_min_samples",
    ),
    _row(
        "CLAUDE_PM_QUALITY_GUARD_REFRESH_SECONDS",
        Number(1, QUALITY_GUARD_REFRESH_LIMIT_SECONDS, unit="seconds"),
        5,
        "How often the guard re-reads the decision log (in a background thread, never per selection).",
        setting="quality_guard_refresh_seconds",
    ),
    _row(
        "CLAUDE_PM_METRICS_RETENTION_HOURS",
        _count(RETENTION_HOURS_LIMIT, "hours", _TEN_YEARS),
        168,
        "Window of the selection statistics and of the decision log.",
        setting="metrics_retention_hours",
    ),
    _row(
        "CLAUDE_PM_LOG_LEVEL",
        Choice(_LOG_LEVELS),
        "WARNING",
        "Level of all claude_pm loggers; DEBUG logs every analysis.",
        setting="log_level",
    ),
    _row(
        "CLAUDE_PM_LOG_TASK_TEXT",
        Flag(),
        False,
        "Include the task text in debug logs (off: task text is user data).",
        setting="log_task_text",
    ),
    _row(
        _RULES_VARIABLE,
        Parsed("path to a TOML rules file (loaded when set)", lambda variable, raw: _checked_rules_path(raw)),
        None,
        "Replace the packaged scoring vocabulary and weights.",
        setting="scoring_rules",
    ),
    _row(
        "CLAUDE_PM_PROMPTS_DIR",
        Text("directory path", check=_load_prompts_dir),
        None,
        "Directory of agent prompt files overriding the packaged ones.",
        setting="prompts_dir",
    ),
    _row(
        "CLAUDE_PM_CACHE_MAX_ENTRIES",
        _count(CACHE_MAX_ENTRIES_LIMIT),
        10000,
        "Entry bound of the shared prompt cache.",
        setting="cache_max_entries",
    ),
    _row(
        "CLAUDE_PM_CACHE_MAX_MB",
        Number(CACHE_MAX_MB_MIN, CACHE_MAX_MB_LIMIT, unit="MiB", note="1 TiB", convert=lambda mib: int(mib * _MIB)),
        64,
        "Byte bound of the shared prompt cache, in MiB.",
        setting="cache_max_bytes",
    ),
    _row(
        "CLAUDE_PM_CACHE_DEFAULT_TTL",
        Number(
            0,
            CACHE_TTL_LIMIT_SECONDS,
            unit="seconds",
            note=f"{_TEN_YEARS}; 0 means no expiry",
            convert=lambda seconds: None if seconds == 0 else seconds,
        ),
        3600,
        "Default time to live of cache entries.",
        setting="cache_default_ttl",
    ),
    _row(
        "CLAUDE_PM_DECISION_LOG",
        Parsed("SQLite file path or postgresql:// DSN", _parse_decision_log),
        None,
        "Record every decision durably for cost analysis, baselines and audit (a DSN password is shown redacted).",
        secrecy=URL_PASSWORD,
        setting="decision_log",
    ),
    _row(
        "CLAUDE_PM_DECISION_LOG_SIGTERM_FLUSH",
        Flag(),
        True,
        "Flush the decision log on SIGTERM before the application's own SIGTERM handling "
        "(false: the application flushes on shutdown itself).",
        setting="decision_log_sigterm_flush",
    ),
    _row(
        "CLAUDE_PM_DECISION_LOG_SPOOL",
        Flag(),
        True,
        "Spool decisions to a local fsynced file before the database, so a crash loses "
        "only the last fraction of a second; replayed on the next start.",
        setting="decision_log_spool",
    ),
    _row(
        "CLAUDE_PM_DECISION_LOG_SPOOL_DIR",
        Text("directory path"),
        None,
        "Where the spool files live (unset: next to the SQLite file, or "
        "$XDG_STATE_HOME/claude-pm/decision-log-spool for PostgreSQL).",
        setting="decision_log_spool_dir",
    ),
    _row(
        "CLAUDE_PM_AUDIT_SECRET",
        Text(),
        None,
        "HMAC key for task-text hashes in the decision log (unset: a random per-database salt); never shown.",
        secrecy=SECRET,
        setting="audit_secret",
    ),
    _row(
        "CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT",
        Flag(),
        False,
        "Store task text in clear in the decision log.",
        setting="audit_include_task_text",
    ),
    _row(
        "CLAUDE_PM_SESSION_TTL_SECONDS",
        Number(1, CACHE_TTL_LIMIT_SECONDS, unit="seconds", note=_TEN_YEARS),
        3600,
        "A session (session_id=) forgets its pinned tier after this long without a selection.",
        setting="session_ttl_seconds",
    ),
    _row(
        "CLAUDE_PM_SESSION_MAX_ENTRIES",
        _count(CACHE_MAX_ENTRIES_LIMIT),
        SESSION_MAX_ENTRIES_DEFAULT,
        "Sessions remembered per process; beyond it the least recently used is forgotten.",
        setting="session_max_entries",
    ),
    _row(
        f"CLAUDE_PM_{AGENT}_DAILY_BUDGET_USD",
        Number(0, DAILY_BUDGET_LIMIT_USD, unit="USD", example="25"),
        None,
        "Daily (UTC) spend cap of the agent, priced from recorded usage; with a PostgreSQL "
        "decision log the whole fleet's spend counts.",
        setting="agent_daily_budget_usd",
    ),
    _row(
        "CLAUDE_PM_BUDGET_ACTION",
        Choice(BUDGET_ACTIONS),
        BUDGET_DOWNGRADE,
        "What an agent over its daily budget gets: the next tier down (never below haiku) or a BudgetExceededError.",
        setting="budget_action",
    ),
    _row(
        "CLAUDE_PM_PRICING_FILE",
        Text("path to a TOML or JSON file", check=_load_pricing_file),
        None,
        "Per-model input/output USD per million tokens, overriding the defaults.",
        setting="pricing_file",
    ),
    # The API keys fill Settings.api_keys in one explicit step (`_parse_api_keys`): an
    # inline key and a key file may not configure the same key slot.
    *(
        row
        for tier in TIERS
        for row in (
            _row(
                f"CLAUDE_PM_{tier.upper()}_API_KEY",
                Text(_API_KEY_TEXT, check=_check_api_key),
                None,
                f"API key for requests sent to the {tier} tier's model (unset: ANTHROPIC_API_KEY); never shown.",
                secrecy=SECRET,
            ),
            _row(
                f"CLAUDE_PM_{tier.upper()}_API_KEY_FILE",
                Text(_API_KEY_FILE_TEXT, check=_check_api_key_file),
                None,
                f"The {tier} tier's API key read from a file (a mounted Kubernetes Secret); re-read when "
                "the file changes. Not together with the inline variable.",
            ),
        )
    ),
    _row(
        f"CLAUDE_PM_{AGENT}_API_KEY",
        Text(_API_KEY_TEXT, check=_check_api_key),
        None,
        "API key for every request of that agent, whatever its model; beats the tier keys. Never shown.",
        secrecy=SECRET,
    ),
    _row(
        f"CLAUDE_PM_{AGENT}_API_KEY_FILE",
        Text(_API_KEY_FILE_TEXT, check=_check_api_key_file),
        None,
        "That agent's API key read from a file, re-read when it changes.",
    ),
    _row(
        "CLAUDE_PM_FALLBACK_CHAIN",
        Parsed(
            "off, or chains of tier names joined by '>' and separated by commas, without loops "
            "(e.g. haiku>sonnet,opus>sonnet)",
            lambda variable, raw: parse_fallback_chain(raw, variable),
        ),
        DEFAULT_FALLBACK_CHAIN,
        "Where AnthropicExecutor sends a request that still got a 429, 529 or 5xx after the SDK's "
        "retries: each tier's next tier.",
        setting="fallback_chain",
    ),
)


def _per_agent_pattern(rows: tuple[Variable, ...]) -> re.Pattern[str]:
    suffixes = sorted((row.name.split(AGENT)[1][1:] for row in rows if AGENT in row.name), key=len, reverse=True)
    return re.compile(r"^CLAUDE_PM_([A-Z0-9_]+?)_(" + "|".join(map(re.escape, suffixes)) + r")$")


class _Index:
    """The rows by name, and the pattern of the per-agent names, for one table."""

    def __init__(self, table: tuple[Variable, ...]) -> None:
        self.table = table
        self.fixed = {row.name: row for row in table if AGENT not in row.name}
        self.per_agent = {row.name.split(AGENT)[1][1:]: row for row in table if AGENT in row.name}
        self.pattern = _per_agent_pattern(table)


_index = _Index(KNOWN_VARIABLES)


def _current_index() -> _Index:
    global _index
    if _index.table is not KNOWN_VARIABLES:  # a test (or a plugin) extended the table
        _index = _Index(KNOWN_VARIABLES)
    return _index


def variable_of(name: str) -> tuple[Variable, str | None] | None:
    """The row configuring the variable `name` and, for a per-agent row, the agent it names
    (lower case, as written: an alias stays an alias); None for a name no row configures."""
    index = _current_index()
    row = index.fixed.get(name)
    if row is not None:
        return row, None
    match = index.pattern.match(name)
    if match is None:
        return None
    return index.per_agent[match.group(2)], match.group(1).lower()


def _default(setting: str) -> Any:
    """The default Settings value of a field, from the row that fills it."""
    return next(row.value for row in KNOWN_VARIABLES if row.setting == setting and AGENT not in row.name)


@dataclass(frozen=True, repr=False)
class Settings:
    """Every setting, typed and validated. Built by `get_settings()`; never mutated.

    A field taken verbatim from one variable names it in its metadata, so that `repr`
    shows it as that variable's `secrecy` allows.
    """

    dynamic_model_selection: bool = _default("dynamic_model_selection")
    dynamic_prompt_templates: bool = _default("dynamic_prompt_templates")
    agent_model_selection: Mapping[str, bool] = field(default_factory=dict)
    agent_forced_model: Mapping[str, str] = field(default_factory=dict)
    agent_rollout_percentage: Mapping[str, float] = field(default_factory=dict)
    simple_threshold: int = _default("simple_threshold")
    medium_threshold: int = _default("medium_threshold")
    model_ids: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_MODEL_IDS))
    rollout_percentage: float = _default("rollout_percentage")
    rollout_windows: tuple[RolloutWindow, ...] = _default("rollout_windows")[0]
    rollout_timezone: str | None = _default("rollout_windows")[1]
    test_mode: bool = _default("test_mode")
    metrics_enabled: bool = _default("metrics_enabled")
    otel: bool = _default("otel")
    quality_guard: bool = _default("quality_guard")
    quality_guard_failure_rate: float = _default("quality_guard_failure_rate")
    quality_guard_release_rate: float = _default("quality_guard_release_rate")
    quality_guard_window_minutes: int = _default("quality_guard_window_minutes")
    quality_guard_min_samples: int = _default("quality_guard_min_samples")
    quality_guard_refresh_seconds: float = _default("quality_guard_refresh_seconds")
    metrics_retention_hours: int = _default("metrics_retention_hours")
    log_level: str = _default("log_level")
    log_task_text: bool = _default("log_task_text")
    scoring_rules: str | None = field(default=None, metadata={"variable": "CLAUDE_PM_SCORING_RULES"})
    prompts_dir: str | None = field(default=None, metadata={"variable": "CLAUDE_PM_PROMPTS_DIR"})
    cache_max_entries: int = _default("cache_max_entries")
    cache_max_bytes: int = _default("cache_max_bytes")
    cache_default_ttl: float | None = _default("cache_default_ttl")
    decision_log: str | None = field(default=None, metadata={"variable": "CLAUDE_PM_DECISION_LOG"})
    decision_log_sigterm_flush: bool = _default("decision_log_sigterm_flush")
    decision_log_spool: bool = _default("decision_log_spool")
    decision_log_spool_dir: str | None = None
    audit_secret: str | None = field(default=None, metadata={"variable": "CLAUDE_PM_AUDIT_SECRET"})
    audit_include_task_text: bool = _default("audit_include_task_text")
    session_ttl_seconds: float = _default("session_ttl_seconds")
    session_max_entries: int = _default("session_max_entries")
    agent_daily_budget_usd: Mapping[str, float] = field(default_factory=dict)
    budget_action: str = _default("budget_action")
    pricing_file: str | None = field(default=None, metadata={"variable": "CLAUDE_PM_PRICING_FILE"})
    api_keys: Mapping[str, KeySource] = field(default_factory=dict)
    fallback_chain: Mapping[str, str] = field(default_factory=lambda: _default("fallback_chain"))
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


def _secrecy_of(variable: str) -> str:
    for known in KNOWN_VARIABLES:
        if known.name == variable or (AGENT in known.name and _matches_pattern(known.name, variable)):
            return known.secrecy
    return PUBLIC


def _matches_pattern(pattern: str, name: str) -> bool:
    prefix, suffix = pattern.split(AGENT)
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
    index = _current_index()
    values: dict[str, Any] = {}
    # Every fixed row, in table order: its text or its default.
    for row in index.table:
        if row.setting is None or AGENT in row.name:
            continue
        value = row.parse(row.name, env.get(row.name), values)
        if row.key is None:
            values[row.setting] = value
        else:
            values.setdefault(row.setting, {})[row.key] = value
    values["model_ids"] = MappingProxyType(values["model_ids"])
    values["rollout_windows"], values["rollout_timezone"] = values["rollout_windows"]
    # The rules between variables, each naming the variable that was set.
    _check_order(
        env,
        values,
        ("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "simple_threshold"),
        ("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", "medium_threshold"),
        strict=True,
        low_text="a value below {high_name} ({high})",
        high_text="a value above {low_name} ({low})",
    )
    _check_order(
        env,
        values,
        ("CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE", "quality_guard_release_rate"),
        ("CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE", "quality_guard_failure_rate"),
        strict=False,
        low_text="a rate at most {high_name} ({high:g}), so the guard does not flap",
        high_text="a rate at least {low_name} ({low:g})",
    )
    values.update(_per_agent_values(env, index, values))
    values["api_keys"] = _parse_api_keys(env)
    values["set_variables"] = tuple(sorted(n for n in env if _is_ours(n)))
    return Settings(**values)


def _set(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name)
    return raw is not None and raw.strip() != ""


def _check_order(
    env: Mapping[str, str],
    values: Mapping[str, Any],
    low: tuple[str, str],
    high: tuple[str, str],
    *,
    strict: bool,
    low_text: str,
    high_text: str,
) -> None:
    """`low` must stay below `high` (`strict`) or at most `high`. The error names the low
    variable, unless only the high one was set: then that is the value to fix."""
    (low_name, low_setting), (high_name, high_setting) = low, high
    low_value, high_value = values[low_setting], values[high_setting]
    if low_value < high_value or (not strict and low_value == high_value):
        return
    words = {"low_name": low_name, "high_name": high_name, "low": low_value, "high": high_value}
    if _set(env, low_name):
        raise ConfigError(low_name, env.get(low_name), low_text.format(**words))
    raise ConfigError(high_name, env.get(high_name), high_text.format(**words))


def _per_agent_values(env: Mapping[str, str], index: _Index, values: Mapping[str, Any]) -> dict[str, Any]:
    """The per-agent rows' mappings (agent -> value); an alias and its agent must agree."""
    mappings: dict[str, dict[str, Any]] = {row.setting: {} for row in index.per_agent.values() if row.setting}
    for name in sorted(env):
        found = variable_of(name)
        if found is None:
            continue
        row, agent = found
        if agent is None or row.setting is None or not _set(env, name):
            continue  # a fixed variable, or an API key (read by _parse_api_keys)
        raw = env[name]
        value = row.kind.parse(name, raw, values)
        canonical = AGENT_ALIASES.get(agent, agent)
        target = mappings[row.setting]
        if canonical in target and target[canonical] != value:
            other = agent_variable(canonical if agent != canonical else _alias_of(agent), _suffix(row))
            raise ConfigError(name, raw, f"the same value as {other}, which names the same agent")
        target[canonical] = value
    return {setting: MappingProxyType(mapping) for setting, mapping in mappings.items()}


def _suffix(row: Variable) -> str:
    return row.name.split(AGENT)[1][1:]


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


# Variables that one rule between variables reads together: validated as a group.
_RELATED = (("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD"),)


def validate_environment(env: Mapping[str, str] | None = None) -> list[ConfigError]:
    """Every bad variable in `env` (default: os.environ), not just the first one.

    Each variable is parsed (with the variables a rule relates it to), then what it names is
    loaded by its row's check: the prompts directory, the pricing file, API keys and key files.
    """
    env = os.environ if env is None else env
    errors: list[ConfigError] = []
    reported: set = set()
    for name in sorted(n for n in env if _is_ours(n)):
        subset = {name: env[name]}
        for group in _RELATED:
            if name in group:
                subset.update({other: env[other] for other in group if other in env})
        try:
            _build(subset)
        except ConfigError as error:
            if error.variable not in reported:
                reported.add(error.variable)
                errors.append(error)
    for name in sorted(n for n in env if _is_ours(n) and n not in reported):
        found = variable_of(name)
        check = None if found is None else found[0].kind.check
        if check is not None and _set(env, name):
            try:
                check(name, env[name])
            except ConfigError as error:
                errors.append(error)
    return errors


def unrecognised_variables(agents: tuple[str, ...], env: Mapping[str, str] | None = None) -> list[str]:
    """CLAUDE_PM_* variables that configure nothing (typos, unknown agents)."""
    env = os.environ if env is None else env
    unknown = []
    for name in sorted(n for n in env if _is_ours(n)):
        found = variable_of(name)
        if found is None or (found[1] is not None and found[1] not in agents):
            unknown.append(name)
    return unknown
