"""MusicGen (Hugging Face transformers): text-conditioned music from a language model over EnCodec codes.

Serves any ``MusicgenForConditionalGeneration`` checkpoint (small, medium, large, stereo variants) from a local
folder as ``save_pretrained`` writes it, or from the Hugging Face cache by hub id; nothing is downloaded unless the
model table says ``allow_download = true``.

Sampling runs here rather than in ``model.generate`` because the engine promises three things generate cannot give:

* **Per-request seeds in a batch.** Each request draws its tokens from its own ``torch.Generator``, one draw per
  codebook per step, so its draws never depend on its neighbours. The same request and seed give the same codes
  alone or in any batch (the audio then agrees to float rounding: batched matrix products may round differently),
  and bit-identical audio when repeated the same way on the same machine.
* **Negative prompts.** Classifier-free guidance mixes a conditional and an unconditional pass; the unconditional
  half is conditioned on the negative prompt's text where one is given (zeros, as MusicGen was trained, where not).
* **Durations past the model's window** by windowed continuation: once a window (``window_seconds``, default 30)
  is full, the next one is primed with the last ``window_seconds - extend_stride`` seconds of codes and continues.

Codes follow MusicGen's delay pattern: codebook ``k`` runs ``delay(k)`` steps behind the first (``k``, or ``k // 2``
for stereo checkpoints whose codebooks interleave left and right). Every request is generated ``max delay``
frames past its end so its last frames see the same context whatever else shares its batch, then trimmed.
"""

from __future__ import annotations

import math
import time
from typing import Any, Sequence

import numpy as np

from ._neural import NeuralEngine, describe_prompt, import_backend
from .base import EngineUnavailable, GenerationRequest, GenerationResult, InvalidRequest, ProgressCallback

__all__ = ["MusicGenEngine"]


class MusicGenEngine(NeuralEngine):
    """``engine = "musicgen"``. Options: ``source`` (required), ``allow_download``, ``device``, ``dtype``,
    ``max_batch`` (4), ``guidance_scale`` (checkpoint default or 3.0), ``top_k`` (250), ``temperature`` (1.0),
    ``window_seconds`` (30), ``extend_stride`` (18), ``max_duration`` (300), ``sample_rate`` (48000),
    ``channels`` (2)."""

    name = "musicgen"
    extra = "musicgen"
    backend_modules = ("torch", "transformers")
    max_batch = 4
    min_duration = 1.0
    max_duration = 300.0

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.max_duration = float(self.options.get("max_duration", self.max_duration))
        self.window_seconds = float(self.options.get("window_seconds", 30.0))
        self.extend_stride = float(self.options.get("extend_stride", 18.0))
        if not 0 < self.extend_stride <= self.window_seconds:
            raise EngineUnavailable("extend_stride must be positive and at most window_seconds")
        self.model: Any = None
        self.tokenizer: Any = None

    # -- loading -----------------------------------------------------------------------------------------------
    def _load(self, torch: Any) -> None:
        transformers = import_backend(self.name, self.extra, "transformers")
        location, local_only = self.weights_location()
        try:
            model = transformers.MusicgenForConditionalGeneration.from_pretrained(
                location, local_files_only=local_only, dtype=self.dtype)
            tokenizer = transformers.AutoTokenizer.from_pretrained(location, local_files_only=local_only)
        except (OSError, ValueError) as exc:
            raise self.weights_error(exc) from exc
        self.use_model(model, tokenizer)

    def use_model(self, model: Any, tokenizer: Any) -> None:
        """Serve an already-built model and tokenizer (what :meth:`load` does after reading the weights; benchmarks
        use it to time architectures whose random weights were never saved)."""
        if self.device is None:
            import torch

            self.device = "cuda" if torch.cuda.is_available() else "cpu"
            self.dtype = next(model.parameters()).dtype
        self.model = model.to(device=self.device, dtype=self.dtype).eval()
        self.tokenizer = tokenizer
        config = model.config
        self.num_codebooks = int(config.decoder.num_codebooks)
        self.stereo = int(getattr(config.decoder, "audio_channels", 1)) == 2
        self.pad_token = int(config.decoder.pad_token_id)
        self.start_token = int(getattr(model.generation_config, "decoder_start_token_id", None)
                               or config.decoder.bos_token_id or self.pad_token)
        self.frame_rate = float(config.audio_encoder.frame_rate)
        self.model_rate = int(config.audio_encoder.sampling_rate)
        self.delays = [k // 2 if self.stereo else k for k in range(self.num_codebooks)]
        self.max_delay = max(self.delays)
        max_positions = int(config.decoder.max_position_embeddings)
        self.window_frames = min(int(self.window_seconds * self.frame_rate), max_positions - self.max_delay - 1)
        self.stride_frames = max(1, min(self.window_frames, int(self.extend_stride * self.frame_rate)))
        gen = model.generation_config
        self.guidance_scale = float(self.options.get("guidance_scale", getattr(gen, "guidance_scale", None) or 3.0))
        self.top_k = int(self.options.get("top_k", getattr(gen, "top_k", None) or 250))
        self.temperature = float(self.options.get("temperature", getattr(gen, "temperature", None) or 1.0))
        if self.temperature <= 0:
            raise EngineUnavailable("temperature must be positive")
        self._loaded = True

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "window_seconds": self.window_seconds, "negative_prompt": True}

    # -- generation --------------------------------------------------------------------------------------------
    def _run_batch(self, requests: Sequence[GenerationRequest],
                   progress: ProgressCallback) -> list[GenerationResult | BaseException]:
        import torch

        started = time.perf_counter()
        frames = [math.ceil(r.duration * self.frame_rate) for r in requests]
        with torch.inference_mode():
            cond, mask = self._encode_text(requests)
            codes = self._sample_codes(requests, frames, cond, mask, progress)
            results: list[GenerationResult | BaseException] = []
            for index, request in enumerate(requests):
                audio = self._decode(codes[index, :, :frames[index]])
                audio = audio[: int(round(request.duration * self.model_rate))]
                results.append(self.finish(audio, self.model_rate, {
                    "engine": self.name, "source": self.source, "seed": request.seed,
                    "conditioning": describe_prompt(request), "guidance_scale": self.guidance_scale,
                    "batch_size": len(requests), "batch_seconds": round(time.perf_counter() - started, 3),
                }))
        return results

    def _encode_text(self, requests: Sequence[GenerationRequest]) -> tuple[Any, Any]:
        """Encoder states for the conditional rows, then (with guidance) the unconditional rows: the negative
        prompt's states where a request has one, zeros where it has none."""
        import torch

        texts = [describe_prompt(r) for r in requests]
        negatives = [r.negative_prompt.strip() for r in requests]
        guided = self.guidance_scale > 1
        batch = texts + ([n or "" for n in negatives] if guided else [])
        tokens = self.tokenizer(batch, padding=True, truncation=True, return_tensors="pt")
        input_ids = tokens["input_ids"].to(self.device)
        mask = tokens["attention_mask"].to(self.device)
        states = self.model.text_encoder(input_ids=input_ids, attention_mask=mask).last_hidden_state
        if guided:
            n = len(requests)
            empty = torch.tensor([not neg for neg in negatives], device=self.device)
            keep = torch.cat([torch.ones(n, dtype=torch.bool, device=self.device), ~empty])
            states = states * keep[:, None, None].to(states.dtype)
            mask = mask * keep[:, None].to(mask.dtype)
        return states, mask

    def _sample_codes(self, requests: Sequence[GenerationRequest], frames: list[int], states: Any, mask: Any,
                      progress: ProgressCallback) -> Any:
        """Codes ``(batch, codebooks, frames)``, window after window, each row sampled with its own generator."""
        import torch

        n = len(requests)
        targets = [f + self.max_delay for f in frames]  # see the module docstring: the tail sees full context
        total = max(targets)
        codes = torch.full((n, self.num_codebooks, total), self.pad_token, dtype=torch.long, device=self.device)
        generators = [self.seeded_generator(r.seed) for r in requests]
        guided = self.guidance_scale > 1
        start = 0
        prompt = 0
        while True:
            active = [i for i in range(n) if targets[i] > start + prompt]
            length = min(self.window_frames, max(targets[i] for i in active) - start)
            rows = torch.tensor(active, device=self.device)
            cond_rows = torch.cat([rows, rows + n]) if guided else rows

            def report(done: int, active: list[int] = active, start: int = start) -> None:
                for i in active:
                    progress(i, 0.95 * min(1.0, (start + done) / targets[i]))

            window = self._window(codes[rows, :, start:start + length], prompt, states[cond_rows],
                                  mask[cond_rows], [generators[i] for i in active], report)
            codes[rows, :, start:start + length] = window
            if start + length >= total:
                return codes
            start += self.stride_frames
            prompt = length - self.stride_frames

    def _window(self, window: Any, prompt: int, states: Any, mask: Any, generators: list[Any],
                report: Any) -> Any:
        """Fill ``window`` (rows, codebooks, length) after its first ``prompt`` frames, which are given."""
        import torch

        rows, books, length = window.shape
        guided = self.guidance_scale > 1
        # Delayed layout: position 0 holds the start token; frame j of codebook k sits at 1 + j + delay(k).
        positions = length + self.max_delay + 1
        delayed = torch.full((rows, books, positions), self.pad_token, dtype=torch.long, device=self.device)
        delayed[:, :, 0] = self.start_token
        for k, delay in enumerate(self.delays):
            delayed[:, k, 1 + delay:1 + delay + prompt] = window[:, k, :prompt]
        cache = None
        step = prompt + 1  # positions 0 … prompt are fully known and go through the model at once
        inputs = delayed[:, :, :step]
        last_report = time.monotonic()
        while step < positions:
            ids = torch.cat([inputs, inputs]) if guided else inputs
            out = self.model(encoder_outputs=(states,), attention_mask=mask,
                             decoder_input_ids=ids.reshape(-1, ids.shape[-1]), past_key_values=cache,
                             use_cache=True)
            cache = out.past_key_values
            logits = out.logits[:, -1, :].float().reshape(-1, books, out.logits.shape[-1])
            if guided:
                cond, uncond = logits.split(rows)
                logits = uncond + (cond - uncond) * self.guidance_scale
            sampled = self._sample(logits, generators)
            for k, delay in enumerate(self.delays):
                frame = step - 1 - delay
                if prompt <= frame < length:
                    delayed[:, k, step] = sampled[:, k]
            inputs = delayed[:, :, step:step + 1]
            step += 1
            if time.monotonic() - last_report > 0.5:
                report(max(0, step - 1 - self.max_delay))
                last_report = time.monotonic()
        for k, delay in enumerate(self.delays):
            window[:, k, :] = delayed[:, k, 1 + delay:1 + delay + length]
        return window

    def _sample(self, logits: Any, generators: list[Any]) -> Any:
        """Top-k sampling at the engine's temperature; row ``i`` draws from ``generators[i]`` only."""
        import torch

        logits = logits / self.temperature
        if 0 < self.top_k < logits.shape[-1]:
            kth = torch.topk(logits, self.top_k, dim=-1).values[..., -1:]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        probs = torch.softmax(logits, dim=-1)
        return torch.stack([torch.multinomial(probs[i], 1, generator=g).squeeze(-1)
                            for i, g in enumerate(generators)])

    def _decode(self, codes: Any) -> np.ndarray:
        """EnCodec decoding of one request's codes ``(codebooks, frames)`` to float32 ``(samples, channels)``."""
        import torch

        def decode(part: Any) -> Any:
            values = self.model.audio_encoder.decode(part[None, None], audio_scales=[None]).audio_values
            return values[0].float()  # (channels, samples)

        if self.stereo:
            audio = torch.cat([decode(codes[0::2]), decode(codes[1::2])], dim=0)
        else:
            audio = decode(codes)
        return audio.T.contiguous().cpu().numpy()

    def validate(self, request: GenerationRequest) -> None:
        super().validate(request)
        if not request.prompt.strip():
            raise InvalidRequest("prompt", "must not be empty")

