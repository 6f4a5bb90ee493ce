"""`orchestrion keys`, `serve` and `worker`: help, key management, and usage errors (exit code 2)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from orchestrion.cli import cli
from orchestrion.jobs.keys import hash_key
from orchestrion.jobs.sqlite import SQLiteJobStore


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("ORCHESTRION_CONFIG", "ORCHESTRION_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.mark.parametrize("command", [[], ["serve"], ["worker"], ["keys"], ["keys", "create"], ["keys", "list"],
                                     ["keys", "revoke"]])
def test_help(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_top_level_help_lists_every_command(runner: CliRunner) -> None:
    output = runner.invoke(cli, ["--help"]).output
    for name in ("serve", "worker", "keys", "generate", "status", "download", "models"):
        assert name in output


def test_keys_create_list_revoke(runner: CliRunner, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    created = runner.invoke(cli, ["keys", "create", "--name", "alice", "--quota", "5", "--data-dir", data])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("orc_") and len(key) > 30

    store = SQLiteJobStore(Path(data) / "orchestrion.db")
    record = store.key_by_hash(hash_key(key))
    assert record is not None and record.name == "alice" and record.quota == 5
    assert key not in (Path(data) / "orchestrion.db").read_bytes().decode("latin-1")  # stored hashed only

    listed = orjson.loads(runner.invoke(cli, ["keys", "list", "--json", "--data-dir", data]).stdout)
    assert [(k["name"], k["revoked"]) for k in listed] == [("alice", False)]
    assert key not in runner.invoke(cli, ["keys", "list", "--data-dir", data]).output

    revoked = runner.invoke(cli, ["keys", "revoke", record.id, "--data-dir", data])
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    assert store.key_by_hash(hash_key(key)).revoked
    store.close()


def test_keys_revoke_unknown_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["keys", "revoke", "nope", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "no key matches" in result.output


def test_keys_and_serve_read_the_same_settings(runner: CliRunner, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "o.toml"
    config.write_text(f'data_dir = "{tmp_path / "from-config"}"\n')
    monkeypatch.setenv("ORCHESTRION_CONFIG", str(config))
    assert runner.invoke(cli, ["keys", "create"]).exit_code == 0
    assert (tmp_path / "from-config" / "orchestrion.db").exists()


def test_bad_config_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "o.toml"
    config.write_text("port = 'x'\n")
    result = runner.invoke(cli, ["serve", "--config", str(config)])
    assert result.exit_code == 2 and "port must be int" in result.output


def test_worker_with_unknown_model_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["worker", "--models", "nope/none", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "unknown model" in result.output


def test_an_unreachable_database_is_waited_for_then_a_clean_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    from orchestrion.cli._common import open_migrated_store
    from orchestrion.config import load_settings
    from tests.support.server import free_port

    url = f"postgresql://nobody@127.0.0.1:{free_port()}/none?connect_timeout=1"
    settings = load_settings(environ={"ORCHESTRION_DATABASE_URL": url})
    with pytest.raises(SystemExit) as exit_info:
        open_migrated_store(settings, wait_seconds=1.5)
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert "waiting for the job store" in err and "error: the job store is unavailable" in err
    assert "Traceback" not in err
