"""A test engine that records every request it validates and generates: one JSON line per request, in the file
named by its ``record_file`` option, with the stage and the process it ran in. It makes the tone engine's audio.

It shows that the API's validation and the worker's generation see the same request.
"""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

from orchestrion.engines import GenerationRequest, GenerationResult, ProgressCallback

from .tone import ToneEngine


def as_record(stage: str, request: GenerationRequest) -> dict[str, Any]:
    return {"stage": stage, "pid": os.getpid(), "prompt": request.prompt,
            "negative_prompt": request.negative_prompt, "seed": request.seed, "duration": request.duration,
            "model": request.model, "params": dict(request.params)}


class RecordingEngine(ToneEngine):
    name = "test-recorder"

    def _record(self, stage: str, request: GenerationRequest) -> None:
        with open(self.options["record_file"], "a") as fh:
            fh.write(json.dumps(as_record(stage, request), sort_keys=True) + "\n")

    def validate(self, request: GenerationRequest) -> None:
        self._record("validate", request)
        super().validate(request)

    def generate(self, requests: Sequence[GenerationRequest],
                 progress: ProgressCallback) -> list[GenerationResult | BaseException]:
        for request in requests:
            self._record("generate", request)
        return super().generate(requests, progress)
