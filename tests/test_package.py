"""The package's version is the installed distribution's (Cargo.toml's, copied by maturin)."""

import importlib.metadata

import claude_pm


def test_version_is_the_installed_distribution_version():
    assert claude_pm.__version__ == importlib.metadata.version("claude-pm")
