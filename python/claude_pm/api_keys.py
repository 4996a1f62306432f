"""API keys per key slot: which key a request is sent with, read from the environment or a file.

The settings (`claude_pm.config`) say where each slot's key comes from
(`Settings.api_keys`: slot -> `KeySource`); this module reads the files. A key file
is a mounted Kubernetes Secret: the kubelet swaps it for a new one when the Secret
changes, so each file is looked at again (one ``stat``) at most every
`KEY_RECHECK_SECONDS`, and read again only when its inode, size or modification time
changed. A rotated key is used from the next request on, without a restart.

Keys never leave this module in readable form: errors name the variable and the path,
never the content; `fingerprint` is the most that is ever shown (``set (…wxyz)``).
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from claude_pm.config import ENV_KEY_SLOT, KeySource, Settings, agent_key_slot
from claude_pm.errors import ConfigError

__all__ = [
    "KEY_FILE_MAX_BYTES",
    "KEY_RECHECK_SECONDS",
    "KeyRing",
    "ResolvedKey",
    "check_key",
    "fingerprint",
    "read_key_file",
    "slot_report",
]

#: An Anthropic key is about a hundred characters; a larger file is not a key file.
KEY_FILE_MAX_BYTES = 4096
#: A key file is stat-ed at most this often (seconds).
KEY_RECHECK_SECONDS = 1.0
# A fingerprint shows the last characters only of keys long enough to keep the rest secret.
_FINGERPRINT_MIN_LENGTH = 20
_FINGERPRINT_CHARS = 4


def check_key(variable: str, key: str, where: str) -> str:
    """`key` when it can be sent as a header value; ConfigError naming `variable` (never the key)."""
    if not key:
        raise ConfigError(variable, "", f"an API key: {where} is empty")
    if len(key) > KEY_FILE_MAX_BYTES or not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        # The value is redacted by ConfigError for the key variables; for a file the path is shown.
        raise ConfigError(
            variable,
            key if where == "the variable" else where,
            f"one API key of at most {KEY_FILE_MAX_BYTES} printable ASCII characters without spaces",
        )
    return key


def read_key_file(variable: str, path: str) -> str:
    """The key held in the file `path` names (surrounding whitespace stripped).

    ConfigError naming `variable` and the path for a missing, unreadable, non-regular,
    empty or oversized file, or one that holds more than a key; never its content.
    """
    try:
        # O_NONBLOCK: a FIFO at that path must not block the caller.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as error:  # ValueError: an embedded NUL byte
        raise ConfigError(variable, path, f"a readable file holding one API key ({_reason(error)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(variable, path, "a regular file holding one API key (this path is not a regular file)")
        if info.st_size > KEY_FILE_MAX_BYTES:
            raise ConfigError(
                variable, path, f"a file holding one API key, at most {KEY_FILE_MAX_BYTES} bytes ({info.st_size})"
            )
        try:
            data = os.read(fd, KEY_FILE_MAX_BYTES + 1)
        except OSError as error:
            raise ConfigError(variable, path, f"a readable file holding one API key ({_reason(error)})") from None
    finally:
        os.close(fd)
    if len(data) > KEY_FILE_MAX_BYTES:  # it grew after the size check
        raise ConfigError(variable, path, f"a file holding one API key, at most {KEY_FILE_MAX_BYTES} bytes")
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise ConfigError(variable, path, "a file holding one API key in ASCII (it holds other bytes)") from None
    if not text:
        raise ConfigError(variable, path, "a file holding one API key (the file is empty)")
    return check_key(variable, text, path)


def fingerprint(key: str | None) -> str:
    """What `config check` may show of a key: ``set (…wxyz)``, ``set`` for short keys, ``unset``."""
    if not key:
        return "unset"
    if len(key) < _FINGERPRINT_MIN_LENGTH:
        return "set"
    return f"set (…{key[-_FINGERPRINT_CHARS:]})"


def _reason(error: Exception) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)


class _KeyFile:
    """One key file, read again only when it changed; stat-ed at most every KEY_RECHECK_SECONDS."""

    __slots__ = ("_checked_at", "_identity", "_key", "_lock", "path", "variable")

    def __init__(self, variable: str, path: str) -> None:
        self.variable = variable
        self.path = path
        self._identity: tuple[int, int, int, int] | None = None
        self._key: str | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"_KeyFile(variable={self.variable!r}, path={self.path!r})"

    def key(self) -> str:
        now = time.monotonic()
        key = self._key
        if key is not None and now - self._checked_at < KEY_RECHECK_SECONDS:
            return key
        with self._lock:
            try:
                info = os.stat(self.path)
            except (OSError, ValueError) as error:
                self._key = None
                raise ConfigError(
                    self.variable, self.path, f"a readable file holding one API key ({_reason(error)})"
                ) from None
            identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
            if identity != self._identity or self._key is None:
                self._key = None  # a bad file must not leave the previous key in use
                self._key = read_key_file(self.variable, self.path)
                self._identity = identity
            self._checked_at = now
            return self._key


@dataclass(frozen=True, repr=False)
class ResolvedKey:
    """The slot a request's key comes from, and the key (None: the client's own, ANTHROPIC_API_KEY)."""

    slot: str
    key: str | None

    def __repr__(self) -> str:
        return f"ResolvedKey(slot={self.slot!r}, key={fingerprint(self.key)!r})"


class KeyRing:
    """Resolves the key of each request from the current settings; thread-safe.

    Key files are shared across settings rebuilds (by variable and path), so changing an
    unrelated variable does not cost a re-read.
    """

    def __init__(self) -> None:
        self._files: dict[tuple[str, str], _KeyFile] = {}

    def __repr__(self) -> str:
        return f"KeyRing(files={sorted(path for _, path in self._files)!r})"

    def resolve(self, settings: Settings, agent: str | None, tier: str | None) -> ResolvedKey:
        """The agent's own slot, else the tier's, else "env"; ConfigError for a bad key file."""
        sources = settings.api_keys
        if sources:
            if agent is not None:
                source = sources.get(agent_key_slot(agent))
                if source is not None:
                    return ResolvedKey(source.slot, self.key_of(source))
            if tier is not None:
                source = sources.get(tier)
                if source is not None:
                    return ResolvedKey(source.slot, self.key_of(source))
        return ResolvedKey(ENV_KEY_SLOT, None)

    def key_of(self, source: KeySource) -> str:
        """The key of one source (its file read again only when it changed); ConfigError if unusable."""
        if source.path is None:
            assert source.key is not None
            return check_key(source.variable, source.key, "the variable")
        identity = (source.variable, source.path)
        reader = self._files.get(identity)
        if reader is None:
            if len(self._files) > 64:  # paths that were configured once and are gone
                self._files.clear()
            reader = self._files.setdefault(identity, _KeyFile(source.variable, source.path))
        return reader.key()


def slot_report(settings: Settings, environ: Mapping[str, str] | None = None) -> list[dict[str, str | None]]:
    """Every key slot with where its key comes from and a fingerprint (`config check`)."""
    environ = os.environ if environ is None else environ
    rows: list[dict[str, str | None]] = []
    for slot, source in sorted(settings.api_keys.items()):
        error = None
        try:
            key = source.key if source.path is None else read_key_file(source.variable, source.path)
        except ConfigError as failure:
            key, error = None, str(failure)
        rows.append(
            {
                "slot": slot,
                "variable": source.variable,
                "source": "environment" if source.path is None else "file",
                "path": source.path,
                "key": fingerprint(key) if error is None else "invalid",
                "error": error,
            }
        )
    rows.append(
        {
            "slot": ENV_KEY_SLOT,
            "variable": "ANTHROPIC_API_KEY",
            "source": "environment",
            "path": None,
            "key": fingerprint(environ.get("ANTHROPIC_API_KEY", "").strip() or None),
            "error": None,
        }
    )
    return rows
