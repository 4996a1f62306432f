"""Type stubs for the native core ``claude_pm._core``."""

__version__: str
