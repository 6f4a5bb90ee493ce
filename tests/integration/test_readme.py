"""The README's examples still run: its two commands, the curl protocol example, the SDK script and the CLI lines."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import soundfile

from tests.support.server import REPO, ServerProcess, clean_env, free_port

README = (REPO / "README.md").read_text()


def blocks(language: str, section: str) -> list[str]:
    """Fenced ``language`` blocks inside the README section whose heading is ``section`` (up to the next heading;
    lines in code blocks that start with ``#`` are not headings)."""
    found: list[str] = []
    inside = fence = False
    current: list[str] | None = None
    for line in README.splitlines():
        if line.startswith("```"):
            if fence:
                fence = False
                if current is not None:
                    found.append("\n".join(current) + "\n")
                    current = None
            else:
                fence = True
                current = [] if inside and line[3:].strip() == language else None
            continue
        if fence:
            if current is not None:
                current.append(line)
        elif line.startswith("#"):
            inside = line.lstrip("#").strip() == section
    assert found, f"README has no {language} block in section {section!r}"
    return found


def readme_env(server: ServerProcess) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return clean_env(ORCHESTRION_BASE_URL=server.base_url, ORCHESTRION_API_KEY=server.api_key,
                     PATH=bin_dir + os.pathsep + os.environ["PATH"])


def test_the_two_commands_are_the_scripts_ci_uses() -> None:
    (commands,) = blocks("sh", "The two commands")
    assert "scripts/serve" in commands and "scripts/test" in commands
    assert "scripts/test" in (REPO / ".ci" / "run").read_text()


def test_scripts_serve_runs_the_service_and_prints_a_working_curl(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [str(REPO / "scripts" / "serve"), "--port", str(port), "--data-dir", str(tmp_path / "data"), "--workers", "1"],
        env=clean_env(), stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise AssertionError("scripts/serve did not become ready:\n" + log.read_text())
        printed = log.read_text()
        # The first start creates a key and prints a curl line that works as shown.
        lines = printed.splitlines()
        start = next(i for i, line in enumerate(lines) if "curl -s" in line and "generation_id" not in line)
        command = "\n".join(lines[start:start + 2])  # the printed command continues on its second line
        answer = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
        assert '"status":"queued"' in answer.stdout.replace(" ", ""), answer.stdout + answer.stderr
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)


def test_curl_protocol_example(live_server: ServerProcess) -> None:
    create, poll = (b.replace("http://127.0.0.1:8000", live_server.base_url) for b in blocks("sh", "The protocol")[:2])
    env = readme_env(live_server)
    created = subprocess.run(["bash", "-c", create], env=env, capture_output=True, text=True, timeout=30)
    job_id = re.search(r'"id":"([^"]+)"', created.stdout).group(1)
    for _ in range(300):
        polled = subprocess.run(["bash", "-c", poll], env={**env, "ID": job_id}, capture_output=True, text=True,
                                timeout=30)
        if '"status":"completed"' in polled.stdout:
            break
        time.sleep(0.2)
    assert '"status":"completed"' in polled.stdout, polled.stdout
    url = re.search(r'"url":"([^"]+)"', polled.stdout).group(1)
    assert soundfile.info(io.BytesIO(httpx.get(url).content)).samplerate == 48000


def test_sdk_example(live_server: ServerProcess, tmp_path: Path) -> None:
    (script,) = blocks("python", "Python SDK")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=readme_env(live_server),
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    written = tmp_path / run.stdout.strip()
    assert soundfile.info(str(written)).channels == 2


def test_cli_examples(live_server: ServerProcess, tmp_path: Path) -> None:
    (lines,) = blocks("sh", "Command line")
    env = readme_env(live_server)
    for line in filter(None, (raw.strip() for raw in lines.splitlines())):
        run = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
        assert run.returncode == 0, f"{line}\n{run.stdout}\n{run.stderr}"
    assert soundfile.info(str(tmp_path / "lofi.wav")).samplerate == 48000
    assert (tmp_path / "lofi.mid").read_bytes().startswith(b"MThd")


def test_composer_examples_run_in_process(tmp_path: Path) -> None:
    (lines,) = blocks("sh", "The composer")
    env = clean_env(PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    for line in filter(None, (raw.strip() for raw in lines.splitlines())):
        run = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
        assert run.returncode == 0, f"{line}\n{run.stdout}\n{run.stderr}"
    for name in ("flamenco.wav", "duet.wav", "jingle.wav"):
        info = soundfile.info(str(tmp_path / name))
        assert (info.samplerate, info.channels) == (48000, 2)
    assert soundfile.info(str(tmp_path / "jingle.wav")).duration < 13.0
    assert (tmp_path / "flamenco.mid").read_bytes().startswith(b"MThd")
    assert {p.stem for p in (tmp_path / "duet-stems").iterdir()} == {"shakuhachi", "koto"}
