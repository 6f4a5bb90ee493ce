"""Stable Audio Open (diffusers ``StableAudioPipeline``): latent diffusion over a 44.1 kHz stereo autoencoder.

Loads the pipeline's components from a local folder as ``save_pretrained`` writes it, or from the Hugging Face cache
by hub id (``stabilityai/stable-audio-open-1.0``); nothing is downloaded unless ``allow_download = true``.

The denoising loop is the pipeline's own, run here over its components so that one batch can hold requests with
different durations, seeds and negative prompts (the pipeline takes one duration and one negative-prompt mode per
call). Each request is conditioned on its own length, starts from noise drawn from its own ``torch.Generator`` and
gets its own Brownian noise tree in the SDE sampler, so its audio does not depend on its neighbours (to float
rounding). Requests asking for different step counts or guidance run as separate model calls.

The DiT always denoises its full window (``sample_size`` latents: 47.55 s for the released model); each request's
audio is cut to its duration after decoding, as the pipeline does.
"""

from __future__ import annotations

import copy
import json
import math
import time
import warnings
from pathlib import Path
from typing import Any, Hashable, Sequence

from ._neural import NeuralEngine, describe_prompt, import_backend
from .base import EngineUnavailable, GenerationRequest, GenerationResult, InvalidRequest, ProgressCallback

__all__ = ["StableAudioEngine"]

MAX_STEPS = 500
#: Latents decoded past a request's end, so its last samples see the same decoder context as the pipeline's.
DECODE_MARGIN = 16


class StableAudioEngine(NeuralEngine):
    """``engine = "stable-audio"``. Options: ``source`` (required), ``allow_download``, ``device``, ``dtype``,
    ``max_batch`` (4), ``steps`` (100; a request's ``steps`` parameter overrides it), ``guidance_scale`` (7.0),
    ``sample_rate`` (48000), ``channels`` (2)."""

    name = "stable-audio"
    extra = "stable-audio"
    backend_modules = ("torch", "transformers", "diffusers", "torchsde")
    max_batch = 4
    min_duration = 1.0
    max_duration = 47.0

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        try:
            self.steps = self._check_steps(self.options.get("steps", 100), "the steps option")
        except InvalidRequest as exc:
            raise EngineUnavailable(str(exc)) from None
        self.guidance_scale = float(self.options.get("guidance_scale", 7.0))
        window = self._window_seconds_from_folder()
        self.max_duration = float(self.options.get("max_duration", window or self.max_duration))
        if window is not None:
            self.max_duration = min(self.max_duration, window)
        self.pipe: Any = None

    @staticmethod
    def _check_steps(value: Any, what: str) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            raise InvalidRequest("steps", f"{what} must be a whole number, got {value!r}")
        if not 1 <= int(value) <= MAX_STEPS:
            raise InvalidRequest("steps", f"{what} must be between 1 and {MAX_STEPS}, got {value}")
        return int(value)

    def _window_seconds_from_folder(self) -> float | None:
        """The longest audio the weights can make, read from the folder's configs (cheap: two small JSON files)."""
        folder = Path(self.source).expanduser()
        try:
            transformer = json.loads((folder / "transformer" / "config.json").read_text())
            vae = json.loads((folder / "vae" / "config.json").read_text())
        except (OSError, ValueError):
            return None
        hop = 1
        for ratio in vae.get("downsampling_ratios", []):
            hop *= int(ratio)
        rate = vae.get("sampling_rate") or 44_100
        return float(transformer.get("sample_size", 1024)) * hop / float(rate)

    def validate(self, request: GenerationRequest) -> None:
        super().validate(request)
        if "steps" in request.params:
            self._check_steps(request.params["steps"], "steps")

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "steps": self.steps, "negative_prompt": True}

    # -- loading -----------------------------------------------------------------------------------------------
    def _load(self, torch: Any) -> None:
        diffusers = import_backend(self.name, self.extra, "diffusers")
        location, local_only = self.weights_location()
        try:
            pipe = diffusers.StableAudioPipeline.from_pretrained(location, local_files_only=local_only,
                                                                 dtype=self.dtype)
        except ImportError as exc:  # a component class (e.g. the SDE scheduler) needs a missing package
            raise EngineUnavailable(f"{exc}: run `pip install 'orchestrion[{self.extra}]'`") from exc
        except (OSError, ValueError) as exc:
            raise self.weights_error(exc) from exc
        pipe = pipe.to(self.device)
        pipe.set_progress_bar_config(disable=True)
        self.pipe = pipe
        vae = pipe.vae
        self.model_rate = int(vae.config.sampling_rate)
        window = pipe.transformer.config.sample_size * vae.hop_length / self.model_rate
        if self.max_duration > window:
            self.max_duration = window

    # -- generation --------------------------------------------------------------------------------------------
    def batch_key(self, request: GenerationRequest) -> Hashable:
        return int(request.params.get("steps", self.steps))

    def _run_batch(self, requests: Sequence[GenerationRequest],
                   progress: ProgressCallback) -> list[GenerationResult | BaseException]:
        import torch
        from diffusers.models.embeddings import get_1d_rotary_pos_embed
        from diffusers.utils.torch_utils import randn_tensor

        for request in requests:
            if request.duration > self.max_duration:
                raise InvalidRequest("duration", f"must be at most {self.max_duration:g} seconds for this model")
        started = time.perf_counter()
        pipe = self.pipe
        steps = int(requests[0].params.get("steps", self.steps))
        guided = self.guidance_scale > 1.0
        n = len(requests)
        with torch.inference_mode(), warnings.catch_warnings():
            # torchsde warns when the solver's last step touches the end of its Brownian interval (harmless).
            warnings.filterwarnings("ignore", category=UserWarning, module="torchsde")
            text, audio_durations = self._conditioning(requests, guided)
            scheduler = copy.deepcopy(pipe.scheduler)  # the solver keeps per-run state; the loaded one stays clean
            scheduler.set_timesteps(steps, device=self.device)
            generators = [self.seeded_generator(r.seed) for r in requests]
            transformer = pipe.transformer
            shape = (n, transformer.config.in_channels, int(transformer.config.sample_size))
            latents = randn_tensor(shape, generator=generators, device=torch.device(self.device), dtype=text.dtype)
            latents = latents * scheduler.init_noise_sigma
            rotary = get_1d_rotary_pos_embed(pipe.rotary_embed_dim, latents.shape[2] + audio_durations.shape[1],
                                             use_real=True, repeat_interleave_real=False)
            timesteps = scheduler.timesteps
            for i, t in enumerate(timesteps):
                model_input = torch.cat([latents, latents]) if guided else latents
                model_input = scheduler.scale_model_input(model_input, t)
                prediction = transformer(model_input, t.unsqueeze(0), encoder_hidden_states=text,
                                         global_hidden_states=audio_durations, rotary_embedding=rotary,
                                         return_dict=False)[0]
                if guided:
                    uncond, cond = prediction.chunk(2)
                    prediction = uncond + self.guidance_scale * (cond - uncond)
                latents = scheduler.step(prediction, t, latents, generator=generators).prev_sample
                for index in range(n):
                    progress(index, 0.9 * (i + 1) / len(timesteps))
            results: list[GenerationResult | BaseException] = []
            for index, request in enumerate(requests):
                # Decode only the latents the request needs (plus the decoder's reach), not the whole window.
                needed = math.ceil(request.duration * self.model_rate / pipe.vae.hop_length) + DECODE_MARGIN
                audio = pipe.vae.decode(latents[index:index + 1, :, :needed]).sample[0]
                audio = audio[:, : int(request.duration * self.model_rate)].float().T.contiguous().cpu().numpy()
                results.append(self.finish(audio, self.model_rate, {
                    "engine": self.name, "source": self.source, "seed": request.seed, "steps": steps,
                    "conditioning": describe_prompt(request), "guidance_scale": self.guidance_scale,
                    "batch_size": n, "batch_seconds": round(time.perf_counter() - started, 3),
                }))
        return results

    def _conditioning(self, requests: Sequence[GenerationRequest], guided: bool) -> tuple[Any, Any]:
        """Cross-attention states (unconditional rows first, as the pipeline orders them) and the global duration
        states. An unconditional row is the negative prompt with the request's duration where one is given, and
        all zeros where not: the two modes the pipeline offers, chosen per request."""
        import torch

        pipe = self.pipe
        n = len(requests)
        prompts = [describe_prompt(r) for r in requests]
        negatives = [r.negative_prompt.strip() for r in requests]
        use_negative = guided and any(negatives)
        texts = prompts + ([neg for neg in negatives] if use_negative else [])
        tokens = pipe.tokenizer(texts, padding="max_length", max_length=pipe.tokenizer.model_max_length,
                                truncation=True, return_tensors="pt")
        ids = tokens.input_ids.to(self.device)
        mask = tokens.attention_mask.to(self.device)
        states = pipe.text_encoder(ids, attention_mask=mask)[0]
        states = torch.where(mask.bool().unsqueeze(2), states, 0.0)
        states = pipe.projection_model(text_hidden_states=states).text_hidden_states
        states = states * mask.unsqueeze(-1).to(states.dtype)
        durations = pipe.projection_model(
            start_seconds=torch.zeros(n, device=self.device),
            end_seconds=torch.tensor([float(r.duration) for r in requests], device=self.device),
        )
        start, end = durations.seconds_start_hidden_states, durations.seconds_end_hidden_states
        cond = torch.cat([states[:n], start, end], dim=1)
        audio_durations = torch.cat([start, end], dim=2)
        if not guided:
            return cond, audio_durations
        uncond = torch.zeros_like(cond)
        if use_negative:
            with_negative = torch.cat([states[n:], start, end], dim=1)
            has = torch.tensor([bool(neg) for neg in negatives], device=self.device)[:, None, None]
            uncond = torch.where(has, with_negative, uncond)
        return torch.cat([uncond, cond]), torch.cat([audio_durations, audio_durations])
