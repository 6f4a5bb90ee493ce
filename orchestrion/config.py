"""Settings shared by every command (`serve`, `worker`, `keys`, `generate`).

Values come, lowest precedence first, from the defaults below, an optional TOML file (`--config FILE` or
`ORCHESTRION_CONFIG`), `ORCHESTRION_*` environment variables, and finally explicit command-line overrides. Every
command builds its settings with :func:`load_settings`, so `keys create` writes where `serve` reads.

The TOML file holds what does not fit in environment variables: served models and aliases::

    data_dir = "/srv/orchestrion"
    max_queued_per_key = 50

    [models."orchestrion/composer"]
    engine = "composer"
    credits = 1

    [aliases]
    "google/lyria2" = "orchestrion/composer"

This module owns parsing and validation only; it imports nothing heavy.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

__all__ = ["CREDIT_SECONDS", "ConfigError", "ModelConfig", "Settings", "load_settings"]

ENV_PREFIX = "ORCHESTRION_"
#: Audio seconds one model credit pays for: a hosted-length track (30 s) costs the model's ``credits``.
CREDIT_SECONDS = 30.0
DEFAULT_MODELS: dict[str, dict[str, Any]] = {"orchestrion/composer": {"engine": "composer"}}
DEFAULT_ALIASES: dict[str, str] = {"google/lyria2": "orchestrion/composer"}


class ConfigError(ValueError):
    """The configuration file or an environment variable holds an invalid value."""


@dataclass(frozen=True)
class ModelConfig:
    """One served model id and the engine behind it."""

    id: str
    engine: str
    #: The model's rate: credits per :data:`CREDIT_SECONDS` of audio made. A generation is charged
    #: :meth:`cost` when it is created, and refunded in full if its audio is not delivered.
    credits: int = 1
    #: Engine options from the TOML table (``source``, ``max_batch``, ``device`` ...), passed to the engine as-is.
    options: Mapping[str, Any] = field(default_factory=dict)

    def cost(self, audio_seconds: float) -> int:
        """Credits for ``audio_seconds`` of audio in all (samples × seconds each): the rate per
        :data:`CREDIT_SECONDS`, rounded up to a whole credit. One 30 s track costs ``credits``; four 300 s tracks
        cost 40 times that."""
        if self.credits == 0 or audio_seconds <= 0:
            return 0
        return max(1, math.ceil(self.credits * audio_seconds / CREDIT_SECONDS - 1e-9))

    @property
    def short_name(self) -> str:
        """The suffix of generation ids: ``google/lyria2`` -> ``lyria2``."""
        return self.id.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("orchestrion-data")
    host: str = "127.0.0.1"
    port: int = 8000
    #: Worker processes started by `serve`; ``None`` means one per CPU.
    workers: int | None = None
    #: Secret for signed file URLs; read from ``<data_dir>/secret.key`` (created on first use) when unset.
    secret: str | None = None
    #: Lifetime of signed file URLs.
    url_ttl_seconds: int = 24 * 3600
    #: Base URL clients reach this server by, used for absolute file links; derived from the request when unset.
    public_url: str | None = None
    database_url: str | None = None
    storage_url: str | None = None
    lease_seconds: float = 30.0
    max_attempts: int = 3
    max_queued_per_key: int = 100
    max_queued_total: int = 10_000
    #: Optional default credit quota for keys created without one (``None``: unlimited).
    default_key_quota: int | None = None
    max_body_bytes: int = 1024 * 1024
    log_json: bool = False
    log_level: str = "info"
    #: Ended generations and their files are deleted this long after they end (0: kept forever).
    retention_seconds: int = 7 * 24 * 3600
    #: Longest ``Prefer: wait=N`` honoured on the POST (longer asks are cut to this).
    max_wait_seconds: float = 60.0
    #: How long the Vertex-style ``:predict`` route waits for its audio before answering 504.
    predict_timeout_seconds: float = 120.0
    #: The served model id behind the Vertex-style ``lyria-002:predict`` route.
    vertex_model: str = "google/lyria2"
    #: Requests per minute per key, counted in each API process (0: no limit).
    rate_limit_per_minute: int = 0
    #: Generations one key may have queued or generating at once, across all processes (0: no limit).
    max_active_per_key: int = 0
    #: Most audio one request may ask for, samples × seconds (larger requests answer 400).
    max_request_audio_seconds: float = 1200.0
    #: Budget of audio seconds one key may have queued or generating at once (0: no limit; a breach answers 429).
    max_queued_audio_seconds_per_key: float = 3600.0
    #: Budget of stored bytes (finished generations not yet swept) per key (0: no limit; a breach answers 429).
    max_stored_bytes_per_key: int = 10 * 1024**3
    #: Largest answer of the Vertex-style ``:predict`` route, in base64 bytes (larger asks answer 413).
    max_vertex_response_bytes: int = 48 * 1024**2
    #: A client must send a request's headers within this many seconds of starting it, and its body within this
    #: many seconds of its headers; slower connections are answered 408 and closed.
    header_timeout_seconds: float = 30.0
    body_timeout_seconds: float = 30.0
    #: Seconds between keep-alive comments on the server-sent events stream.
    sse_keepalive_seconds: float = 15.0
    #: Key of webhook signatures (``whsec_`` + base64); read from ``<data_dir>/webhook.key`` (created on first use)
    #: when unset. Several API machines must share one.
    webhook_secret: str | None = None
    #: Networks webhooks may reach although they are not public (comma-separated CIDRs, e.g. ``10.0.0.0/8``).
    #: Loopback, private, link-local and other non-global addresses are refused otherwise.
    webhook_allowed_networks: str = ""
    webhook_timeout_seconds: float = 10.0
    #: Attempts per delivery before it is given up; retries wait ``webhook_retry_seconds`` doubling each time.
    webhook_max_attempts: int = 8
    webhook_retry_seconds: float = 10.0
    #: Live sessions (``/v1/live``, docs/live.md) one key may hold open at once (0: none).
    live_max_sessions_per_key: int = 4
    #: Live sessions one API process holds open at once (0: live sessions are off).
    live_max_sessions: int = 32
    #: Most audio a live session sends ahead of real time (seconds, 0.2-2).
    live_lead_seconds: float = 1.5
    #: A live client that leaves this many seconds of audio unsent (it stopped reading) is dropped.
    live_drop_seconds: float = 5.0
    #: Time a live client has to send its ``setup`` message after connecting.
    live_setup_timeout_seconds: float = 5.0
    models: Mapping[str, ModelConfig] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "orchestrion.db"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    def resolve_model(self, model_id: str) -> ModelConfig | None:
        """The model behind ``model_id``, following one level of alias."""
        target = self.aliases.get(model_id, model_id)
        return self.models.get(target)

    def served_ids(self) -> list[str]:
        """Every id a client may send: models and aliases, sorted."""
        return sorted({*self.models, *self.aliases})

    def with_overrides(self, **overrides: Any) -> "Settings":
        values = {k: v for k, v in overrides.items() if v is not None}
        if "data_dir" in values:
            values["data_dir"] = Path(values["data_dir"])
        return dataclasses.replace(self, **values)


#: SigV4 presigned links live at most seven days (the S3 storage refuses longer).
_MAX_S3_LINK_SECONDS = 7 * 24 * 3600

_FIELD_TYPES: dict[str, type] = {
    "data_dir": Path,
    "host": str,
    "port": int,
    "workers": int,
    "secret": str,
    "url_ttl_seconds": int,
    "public_url": str,
    "database_url": str,
    "storage_url": str,
    "lease_seconds": float,
    "max_attempts": int,
    "max_queued_per_key": int,
    "max_queued_total": int,
    "default_key_quota": int,
    "max_body_bytes": int,
    "log_json": bool,
    "log_level": str,
    "retention_seconds": int,
    "max_wait_seconds": float,
    "predict_timeout_seconds": float,
    "vertex_model": str,
    "rate_limit_per_minute": int,
    "max_active_per_key": int,
    "max_request_audio_seconds": float,
    "max_queued_audio_seconds_per_key": float,
    "max_stored_bytes_per_key": int,
    "max_vertex_response_bytes": int,
    "header_timeout_seconds": float,
    "body_timeout_seconds": float,
    "sse_keepalive_seconds": float,
    "webhook_secret": str,
    "webhook_allowed_networks": str,
    "webhook_timeout_seconds": float,
    "webhook_max_attempts": int,
    "webhook_retry_seconds": float,
    "live_max_sessions_per_key": int,
    "live_max_sessions": int,
    "live_lead_seconds": float,
    "live_drop_seconds": float,
    "live_setup_timeout_seconds": float,
}


#: Settings below these values cannot work (a zero lease expires at once; zero attempts never run a job).
_MINIMUMS: dict[str, float] = {"lease_seconds": 1, "max_attempts": 1, "url_ttl_seconds": 1, "max_body_bytes": 1024,
                               "max_queued_per_key": 1, "max_queued_total": 1,
                               "max_request_audio_seconds": 1, "max_vertex_response_bytes": 1024,
                               "header_timeout_seconds": 0.1, "body_timeout_seconds": 0.1,
                               "live_lead_seconds": 0.2, "live_drop_seconds": 1, "live_setup_timeout_seconds": 0.1}


def _coerce(name: str, raw: Any, source: str) -> Any:
    kind = _FIELD_TYPES[name]
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if kind in (int, float) and isinstance(raw, bool):
            raise ValueError(raw)
        value = kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {name} must be {kind.__name__}, got {raw!r}") from None
    if kind in (int, float) and value < _MINIMUMS.get(name, 0):
        least = _MINIMUMS.get(name, 0)
        rule = "must not be negative" if least == 0 else f"must be at least {least:g}"
        raise ConfigError(f"{source}: {name} {rule}, got {raw!r}")
    if name == "port" and value > 65535:
        raise ConfigError(f"{source}: port must be at most 65535, got {raw!r}")
    if name == "live_lead_seconds" and value > 2:
        raise ConfigError(f"{source}: live_lead_seconds must be at most 2, got {raw!r}")
    return value


def _parse_models(table: Any, source: str) -> dict[str, ModelConfig]:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [models] must be a table of tables")
    models = {}
    for model_id, spec in table.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("engine"), str):
            raise ConfigError(f"{source}: [models.{model_id!r}] needs engine = \"...\"")
        options = {k: v for k, v in spec.items() if k not in {"engine", "credits"}}
        credits = spec.get("credits", 1)
        if not isinstance(credits, int) or credits < 0:
            raise ConfigError(f"{source}: [models.{model_id!r}] credits must be a non-negative integer")
        models[model_id] = ModelConfig(id=model_id, engine=spec["engine"], credits=credits, options=options)
    return models


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build settings from defaults, TOML file, ``ORCHESTRION_*`` variables and ``overrides`` (highest)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    models = {mid: ModelConfig(id=mid, **spec) for mid, spec in DEFAULT_MODELS.items()}
    aliases: dict[str, str] | None = None

    path = config_file or env.get(ENV_PREFIX + "CONFIG")
    if path:
        source = str(path)
        try:
            with open(path, "rb") as fh:
                doc = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        for key, raw in doc.items():
            if key == "models":
                models = _parse_models(raw, source)
            elif key == "aliases":
                if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
                    raise ConfigError(f"{source}: [aliases] maps ids to model ids (strings)")
                aliases = dict(raw)
            elif key in _FIELD_TYPES:
                values[key] = _coerce(key, raw, source)
            else:
                raise ConfigError(f"{source}: unknown setting {key!r}")

    for name in _FIELD_TYPES:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = _coerce(name, raw, ENV_PREFIX + name.upper())

    for name, raw in overrides.items():
        if raw is None:
            continue
        if name not in _FIELD_TYPES:
            raise ConfigError(f"unknown setting {name!r}")
        values[name] = _coerce(name, raw, "command line")

    ttl = values.get("url_ttl_seconds", Settings.url_ttl_seconds)
    if str(values.get("storage_url") or "").startswith("s3://") and ttl > _MAX_S3_LINK_SECONDS:
        # Checked here, not at the first poll: S3 refuses to presign for longer, and every answer would fail.
        raise ConfigError(f"url_ttl_seconds is at most {_MAX_S3_LINK_SECONDS} (7 days) with S3 storage, got {ttl}")

    if aliases is None:
        # The default alias follows its model: a file that serves no composer gets no lyria2 alias.
        aliases = {alias: target for alias, target in DEFAULT_ALIASES.items() if target in models}
    for alias, target in aliases.items():
        if target not in models:
            raise ConfigError(f"alias {alias!r} points at unknown model {target!r}")
    return Settings(models=models, aliases=aliases, **values)
