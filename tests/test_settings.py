from pathlib import Path

import pytest

from tracker.config import Settings, get_settings


def test_every_setting_has_a_docstring() -> None:
    missing = [name for name, f in Settings.model_fields.items() if not f.description]
    assert missing == []


def test_precedence_flag_over_env_over_toml_over_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_settings().database_url.startswith("sqlite:///")
    toml = tmp_path / "t.toml"
    toml.write_text('database_url = "sqlite:///from-toml.db"\ncontact_email = "a@b.org"\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(toml))
    assert get_settings().database_url == "sqlite:///from-toml.db"
    assert "a@b.org" in get_settings().agent
    monkeypatch.setenv("TRACKER_DATABASE_URL", "sqlite:///from-env.db")
    assert get_settings().database_url == "sqlite:///from-env.db"
    assert get_settings(database_url="sqlite:///flag.db").database_url == "sqlite:///flag.db"


def test_pubmed_rate_follows_api_key() -> None:
    assert get_settings().effective_pubmed_rps == 3.0
    assert get_settings(ncbi_api_key="k").effective_pubmed_rps == 10.0


def test_reviewer_defaults_to_the_os_user_and_env_overrides_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "radiologist1")
    assert get_settings().reviewer == "radiologist1"
    toml = tmp_path / "t.toml"
    toml.write_text('reviewer = "from-toml"\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(toml))
    assert get_settings().reviewer == "from-toml"
    monkeypatch.setenv("TRACKER_REVIEWER", "Dr. Lee")
    assert get_settings().reviewer == "Dr. Lee"
    assert get_settings(reviewer="flag").reviewer == "flag"
    monkeypatch.setenv("TRACKER_REVIEWER", "  ")
    assert get_settings().reviewer == "radiologist1"  # blank: back to the OS user


@pytest.mark.parametrize("error", [KeyError("getpwuid(): uid not found: 1000"), OSError("no login")])
def test_reviewer_is_unknown_when_the_os_user_cannot_be_read(
        monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    import getpass

    def fail() -> str:
        raise error

    monkeypatch.setattr(getpass, "getuser", fail)
    assert get_settings().reviewer == "unknown"
    monkeypatch.setattr(getpass, "getuser", lambda: "")
    assert get_settings().reviewer == "unknown"
