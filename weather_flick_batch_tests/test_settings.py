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


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    missing = [s.name for s in settings.SETTINGS if f"`{s.name}`" not in readme]
    assert not missing, f"README lacks {missing}"


def test_readme_scoring_section_matches_docs():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- scoring:start")
    section = readme[readme.index("\n", start) + 1:readme.index("<!-- scoring:end -->")].strip()
    doc = (ROOT / "docs" / "scoring.md").read_text()
    nested = "\n".join(("#" + line if line.startswith("#") else line) for line in doc.splitlines()).strip()
    assert section == nested, "README's scoring section is generated from docs/scoring.md: regenerate it"
