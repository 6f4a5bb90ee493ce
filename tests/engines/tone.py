"""A tiny test engine: a sine tone whose pitch comes from the seed. Used only by the test suite.

Prompts steer it so tests can provoke each outcome: ``"sleep:2.5"`` takes that long (reporting progress),
``"fail"`` raises an engine error, ``"crash"`` ends its own process (``os._exit(137)``, as the OOM killer's kill
reads), ``"segfault"`` sends it SIGSEGV, ``"explode"`` raises an unexpected error, ``"native:3"`` blocks 3 s in a
C call that reports nothing (libc ``sleep``, the GIL released) and ``"hang:3"`` the same holding the GIL.
It never ships under a real model name: tests serve it as ``test/tone`` by import path.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import time
from typing import Sequence

import numpy as np

from orchestrion.engines import Engine, EngineError, Extra, GenerationRequest, GenerationResult, ProgressCallback


class ToneEngine(Engine):
    name = "test-tone"
    max_duration = 300.0
    sample_rate = 24_000  # not 48 kHz on purpose: the worker must resample

    def load(self) -> None:
        # Loading counts are observable through a file so tests can prove engines load once per worker.
        marker = self.options.get("load_marker")
        if marker:
            with open(marker, "a") as fh:
                fh.write(f"{os.getpid()}\n")

    def warm(self) -> None:
        # Options for the warm-up tests: it takes ``warm_seconds``, fails with ``warm_fail``, and ``warm_marker``
        # records it, and each job after it, in order.
        time.sleep(float(self.options.get("warm_seconds", 0.0)))
        self._mark("warm")
        if self.options.get("warm_fail"):
            raise RuntimeError("the tone engine was asked to fail its warm-up")

    def _mark(self, what: str) -> None:
        marker = self.options.get("warm_marker")
        if marker:
            with open(marker, "a") as fh:
                fh.write(f"{what}\n")

    def generate(self, requests: Sequence[GenerationRequest],
                 progress: ProgressCallback) -> list[GenerationResult | BaseException]:
        results: list[GenerationResult | BaseException] = []
        self._mark("job")
        for index, request in enumerate(requests):
            prompt = request.prompt.lower()
            if "crash" in prompt:
                os._exit(137)
            if "segfault" in prompt:
                os.kill(os.getpid(), signal.SIGSEGV)
            native = re.search(r"(native|hang):([0-9]+)", prompt)
            if native:
                library = ctypes.CDLL(None) if native.group(1) == "native" else ctypes.PyDLL(None)
                library.sleep(int(native.group(2)))
            if "explode" in prompt:
                results.append(RuntimeError("unexpected failure"))
                continue
            if "fail" in prompt:
                results.append(EngineError("the tone engine was asked to fail"))
                continue
            match = re.search(r"sleep:([0-9.]+)", prompt)
            if match:
                total = float(match.group(1))
                steps = 10
                for step in range(steps):
                    time.sleep(total / steps)
                    progress(index, (step + 1) / steps)
            frames = int(request.duration * self.sample_rate)
            freq = 220.0 + (request.seed % 24) * 20.0
            t = np.arange(frames, dtype=np.float32) / self.sample_rate
            mono = 0.3 * np.sin(2 * np.pi * freq * t).astype(np.float32)
            audio = np.stack([mono, mono], axis=1)
            progress(index, 1.0)
            results.append(GenerationResult(
                audio=audio, sample_rate=self.sample_rate,
                extras=[Extra(name="score.mid", data=b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0",
                              content_type="audio/midi"),
                        Extra(name="stems/tone", audio=audio)],
                info={"frequency": freq},
            ))
        return results
