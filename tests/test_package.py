import claude_pm


def test_version_is_the_release_version():
    assert claude_pm.__version__ == "1.3.0"
