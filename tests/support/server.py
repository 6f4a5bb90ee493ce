"""A real `orchestrion serve` process on a free loopback port, for integration, fault and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]

TEST_CONFIG = """
[models."orchestrion/composer"]
engine = "composer"
warm_up = false  # dozens of servers start here, most never compose: their first composer job pays, as it did

[models."test/tone"]
engine = "tests.engines.tone:ToneEngine"
credits = 2

[aliases]
"google/lyria2" = "orchestrion/composer"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus any ORCHESTRION_* the developer has set, plus the repo on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRION_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


class ServerProcess:
    def __init__(self, data_dir: Path, *, workers: int = 2, config: str = TEST_CONFIG,
                 env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.workers = workers
        self.port = port or free_port()
        self.config_path = self.data_dir / "test-config.toml"
        self.config_path.write_text(config)
        self.env = clean_env(**(env or {}))
        self.log_path = self.data_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.api_key = self.create_key("tests")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "orchestrion", *args, "--data-dir", str(self.data_dir),
             "--config", str(self.config_path)],
            env=self.env, capture_output=True, text=True, check=check, timeout=60,
        )

    def create_key(self, name: str, quota: int | None = None) -> str:
        args = ["keys", "create", "--name", name] + (["--quota", str(quota)] if quota is not None else [])
        return self.cli(*args).stdout.strip().splitlines()[-1]

    def start(self, timeout: float = 90.0, ready_path: str = "/ready") -> "ServerProcess":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "orchestrion", "serve", "--port", str(self.port), "--data-dir",
             str(self.data_dir), "--workers", str(self.workers), "--config", str(self.config_path)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.wait_ready(timeout, ready_path)
        return self

    def wait_ready(self, timeout: float = 90.0, path: str = "/ready") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.base_url + path, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"server not ready after {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def worker_pids(self) -> list[int]:
        """Live worker processes (spawned children running the worker entry point)."""
        assert self.process is not None
        pids = []
        # Children are listed under the thread that started them (the supervisor's own thread restarts workers).
        listed = " ".join(p.read_text() for p in Path(f"/proc/{self.process.pid}/task").glob("*/children"))
        for pid in listed.split():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except FileNotFoundError:
                continue
            if b"multiprocessing.spawn" in cmdline and b"resource_tracker" not in cmdline:
                pids.append(int(pid))
        return pids

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM and wait: a graceful stop."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL the whole process group (server and workers)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop()
        finally:
            self.kill()
