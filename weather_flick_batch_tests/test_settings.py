"""Settings: one registry, clear one-line errors, documentation kept in sync."""

from pathlib import Path

import pytest

from weather_flick_batch import settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_are_embedded_and_offline():
    env: dict[str, str] = {"DAGSTER_HOME": "/tmp/x"}
    assert settings.get("WEATHER_FLICK_KMA_MODE", env) == "sample"
    assert settings.get("WEATHER_FLICK_KTO_MODE", env) == "sample"
    assert settings.warehouse_url(env) == "sqlite:////tmp/x/warehouse.sqlite"
    assert settings.get("WEATHER_FLICK_REDIS_URL", env) is None


@pytest.mark.parametrize(
    "name,value",
    [("WEATHER_FLICK_KMA_MODE", "maybe"), ("WEATHER_FLICK_HTTP_TIMEOUT_S", "ten"),
     ("WEATHER_FLICK_WAREHOUSE_URL", "just-a-path")],
)
def test_invalid_values_name_the_variable_in_one_line(name, value):
    with pytest.raises(settings.SettingsError) as info:
        settings.validate_all({name: value})
    assert str(info.value).startswith(name) and "\n" not in str(info.value)


def test_secrets_are_never_read_as_plain_settings():
    with pytest.raises(settings.SettingsError, match="EnvVar"):
        settings.get("WEATHER_FLICK_KMA_API_KEYS", {"WEATHER_FLICK_KMA_API_KEYS": "k"})


def test_env_example_is_in_sync():
    assert (ROOT / ".env.example").read_text() == settings.env_example(), "run `make env-example`"


def test_settings_doc_is_generated_and_in_sync():
    assert (ROOT / "docs" / "settings.md").read_text() == settings.settings_document(), "run `make settings-docs`"
    doc = (ROOT / "docs" / "settings.md").read_text()
    assert [s.name for s in settings.SETTINGS if f"`{s.name}`" not in doc] == []


def test_readme_is_short_and_its_links_lead_somewhere():
    """The README is the front door (at most 12 KB): scoring and settings live in docs/, linked."""
    import re

    readme = (ROOT / "README.md").read_text()
    assert len(readme.encode()) <= 12 * 1024
    assert "docs/scoring.md" in readme and "docs/settings.md" in readme
    assert "### 1. Facet ratings" not in readme and "| `WEATHER_FLICK_TOP_N` |" not in readme  # no copies
    headings = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
                for h in re.findall(r"^#+ (.+)$", readme, flags=re.M)}
    for target in re.findall(r"\]\(([^)]+)\)", readme):
        if target.startswith("http"):
            continue
        path, _, anchor = target.partition("#")
        if path:
            assert (ROOT / path).exists(), f"README links {path}, which does not exist"
        elif anchor:
            assert anchor in headings, f"README links #{anchor}, which is no heading"


def test_every_numeric_setting_has_a_range():
    numeric = {settings._parse_int, settings._parse_float, settings._parse_cap}
    assert [s.name for s in settings.SETTINGS if s.parse in numeric and s.range is None] == []


@pytest.mark.parametrize("name, value, message", [
    ("WEATHER_FLICK_TOP_N", "0", "must be >= 1"),
    ("WEATHER_FLICK_TOP_N", "-3", "must be >= 1"),
    ("WEATHER_FLICK_HTTP_MAX_ATTEMPTS", "0", "must be >= 1"),
    ("WEATHER_FLICK_HTTP_TIMEOUT_S", "0", "must be > 0"),
    ("WEATHER_FLICK_KMA_MAX_POINTS", "0", "or 'none' for no cap"),
    ("WEATHER_FLICK_SYNC_MAX_WITHDRAW_SHARE", "1.5", "must be between 0 and 1"),
    ("WEATHER_FLICK_HEALTH_CPU_PCT_ERROR", "101", "must be between 0 and 100"),
])
def test_out_of_range_values_fail_at_load_in_one_line(name, value, message):
    with pytest.raises(settings.SettingsError) as info:
        settings.validate_all({name: value})
    text = str(info.value)
    assert text.startswith(f"{name}={value!r} is out of range") and message in text and "\n" not in text


def test_boundary_values_are_accepted():
    env = {"WEATHER_FLICK_TOP_N": "1", "WEATHER_FLICK_KMA_MAX_POINTS": "17", "WEATHER_FLICK_HTTP_BACKOFF_S": "0",
           "WEATHER_FLICK_SYNC_MAX_WITHDRAW_SHARE": "1"}
    settings.validate_all(env)
    assert settings.get("WEATHER_FLICK_KMA_MAX_POINTS", {"WEATHER_FLICK_KMA_MAX_POINTS": "none"}) is None


def test_production_refuses_the_sample_sources_in_one_line():
    with pytest.raises(settings.SettingsError) as info:
        settings.validate_all({"WEATHER_FLICK_ENVIRONMENT": "production", "WEATHER_FLICK_KTO_MODE": "live"})
    text = str(info.value)
    assert "production refuses the offline sample sources" in text and "WEATHER_FLICK_KMA_MODE=live" in text
    assert "WEATHER_FLICK_KTO_MODE=live" not in text  # only what is wrong is named
    settings.validate_all({"WEATHER_FLICK_ENVIRONMENT": "production", "WEATHER_FLICK_KTO_MODE": "live",
                           "WEATHER_FLICK_KMA_MODE": "live", "WEATHER_FLICK_AIRKOREA_MODE": "live"})
