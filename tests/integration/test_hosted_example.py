"""The hosted API's own documented client runs unchanged (but for URL and key) against a live Orchestrion."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
from pathlib import Path

import httpx
import soundfile

from tests.support.server import ServerProcess

EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "hosted_api_example.py"


def test_hosted_python_example_ends_with_a_48k_stereo_wav(live_server: ServerProcess, tmp_path: Path) -> None:
    source = EXAMPLE.read_text()
    assert source.count("https://api.aimlapi.com") == 2 and source.count("<YOUR_AIMLAPI_KEY>") == 2
    script = tmp_path / "example.py"
    script.write_text(source.replace("https://api.aimlapi.com", live_server.base_url)
                      .replace("<YOUR_AIMLAPI_KEY>", live_server.api_key))

    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr

    created_line = next(line for line in run.stdout.splitlines() if line.startswith("Generation: "))
    created = ast.literal_eval(created_line.removeprefix("Generation: "))
    assert created["status"] == "queued" and created["id"].endswith(":lyria2")

    final = ast.literal_eval(run.stdout.split("Generation complete:/n", 1)[1].strip())
    assert final["status"] == "completed", final
    assert final["error"] is None
    audio_file = final["audio_file"]
    assert audio_file["content_type"] == "audio/wav" and audio_file["file_name"] == "output.wav"

    # The link works with a plain GET and no Authorization header, like the hosted CDN link.
    download = httpx.get(audio_file["url"], timeout=30)
    assert download.status_code == 200
    assert len(download.content) == audio_file["file_size"]
    assert download.headers["content-type"].startswith("audio/wav")
    info = soundfile.info(io.BytesIO(download.content))
    assert (info.samplerate, info.channels, info.subtype) == (48000, 2, "PCM_16")
    assert 29.0 <= info.duration <= 40.0
