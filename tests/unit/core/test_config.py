from __future__ import annotations

from pathlib import Path

import pytest

from orchestrion.config import ConfigError, load_settings


def test_defaults_serve_the_composer_and_the_lyria2_alias() -> None:
    settings = load_settings(environ={})
    assert settings.data_dir == Path("orchestrion-data")
    assert settings.served_ids() == ["google/lyria2", "orchestrion/composer"]
    model = settings.resolve_model("google/lyria2")
    assert model is not None and model.engine == "composer" and model.id == "orchestrion/composer"
    assert settings.resolve_model("nope/nothing") is None


def test_precedence_file_then_environment_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "o.toml"
    config.write_text('port = 9000\nmax_queued_per_key = 7\ndata_dir = "/srv/a"\n')
    env = {"ORCHESTRION_PORT": "9100", "ORCHESTRION_LOG_JSON": "true"}
    settings = load_settings(config, environ=env, data_dir="/srv/b")
    assert settings.port == 9100  # environment beats the file
    assert settings.max_queued_per_key == 7  # the file beats the default
    assert settings.data_dir == Path("/srv/b")  # the command line beats everything
    assert settings.log_json is True


def test_config_file_from_environment_and_models_table(tmp_path: Path) -> None:
    config = tmp_path / "o.toml"
    config.write_text(
        '[models."musicgen-small"]\nengine = "musicgen"\nsource = "/models/x"\nmax_batch = 4\ncredits = 3\n'
        '[models."orchestrion/composer"]\nengine = "composer"\n'
        '[aliases]\n"google/lyria2" = "musicgen-small"\n'
    )
    settings = load_settings(environ={"ORCHESTRION_CONFIG": str(config)})
    model = settings.resolve_model("google/lyria2")
    assert model is not None and model.id == "musicgen-small" and model.short_name == "musicgen-small"
    assert model.credits == 3 and dict(model.options) == {"source": "/models/x", "max_batch": 4}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port = 'x'", "port must be int"),
        ("nonsense = 1", "unknown setting 'nonsense'"),
        ('[models."a"]\nsource = "x"', "needs engine"),
        ('[aliases]\n"x" = "missing"', "unknown model 'missing'"),
        ("port = [", "o.toml"),
        ("lease_seconds = -1", "lease_seconds must be at least 1"),
        ("lease_seconds = 0", "lease_seconds must be at least 1"),
        ("max_attempts = 0", "max_attempts must be at least 1"),
        ("port = 70000", "port must be at most 65535"),
        ("workers = -1", "workers must not be negative"),
        ("url_ttl_seconds = 0", "url_ttl_seconds must be at least 1"),
        ('storage_url = "s3://b"\nurl_ttl_seconds = 700000', "at most 604800"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "o.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(config, environ={})


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="ORCHESTRION_WORKERS: workers must be int"):
        load_settings(environ={"ORCHESTRION_WORKERS": "many"})


def test_missing_config_file() -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings("/nonexistent/o.toml", environ={})
