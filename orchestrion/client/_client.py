"""The synchronous client, over :class:`httpx.Client`. :mod:`._async_client` is its twin, line for line.

::

    from orchestrion import Client

    with Client() as client:  # ORCHESTRION_BASE_URL, ORCHESTRION_API_KEY
        generation = client.audio.generate_and_wait(prompt="a calm piano waltz", seed=7)
        client.audio.download(generation, "waltz.wav")
"""

from __future__ import annotations

import builtins
import os
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import httpx

from ._base import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MODEL,
    DEFAULT_TIMEOUT,
    GENERATIONS_PATH,
    MODELS_PATH,
    RETRY_STATUSES,
    BaseClient,
    WaitState,
    parse_retry_after,
)
from ._exceptions import GenerationFailed, OrchestrionError
from ._live_client import Live
from ._sse import SSEDecoder
from ._types import AudioFile, Generation, Model
from ._wavstream import WAV_TYPES, WavStreamCheck, patch_sizes

__all__ = ["Audio", "Client", "Models"]

#: Called with each generation :meth:`Audio.wait` sees, to show progress.
UpdateCallback = Callable[[Generation], Any]


class Client(BaseClient):
    """A synchronous Orchestrion client.

    ``base_url`` and ``api_key`` default to ``ORCHESTRION_BASE_URL`` (else ``http://127.0.0.1:8000``) and
    ``ORCHESTRION_API_KEY``. Pass ``http_client`` to bring your own :class:`httpx.Client` (proxies, a
    :class:`httpx.MockTransport` in tests); it is then yours to close.
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=self.timeout, follow_redirects=True)
        self._sleep: Callable[[float], Any] = time.sleep
        self._clock: Callable[[], float] = time.monotonic
        self.audio = Audio(self)
        #: Live sessions (``/v1/live``): ``with client.live.connect() as session``.
        self.live = Live(self)
        self.models = Models(self)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        """Send with the retry policy; returns a 2xx response or raises the typed error."""
        attempt = 0
        while True:
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                if isinstance(exc, httpx.UnsupportedProtocol) or not self._may_retry(request, attempt):
                    raise self._connection_error(exc, request) from exc
                self._sleep(self._retry_delay(attempt, None) or 0.0)
                attempt += 1
                continue
            if response.is_success:
                return response
            delay = None
            if response.status_code in RETRY_STATUSES and self._may_retry(request, attempt):
                delay = self._retry_delay(attempt, response)
            if delay is None:
                response.read()
                response.close()
                raise self._error_from(response)
            response.close()
            self._sleep(delay)
            attempt += 1

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        request = self._http.build_request(
            method, self._api_url(path), params=params, json=json, headers=self._api_headers(headers),
            timeout=self.timeout,
        )
        return self._send(request)


class Audio:
    """``client.audio``: create, poll, follow, wait for, cancel and download generations."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def generate(
        self,
        *,
        prompt: str | None = None,
        model: str = DEFAULT_MODEL,
        negative_prompt: str | None = None,
        seed: int | None = None,
        idempotency_key: str | None = None,
        chords: str | None = None,
        bars_per_chord: int | None = None,
        time_signature: str | None = None,
        instruments: Sequence[str | Mapping[str, Any]] | None = None,
        sections: Sequence[Mapping[str, Any]] | None = None,
        midi: bytes | str | os.PathLike[str] | None = None,
        midi_mode: str | None = None,
        sheet_music: bool | None = None,
        **extra: Any,
    ) -> Generation:
        """Queue a generation and return it (status ``queued``).

        ``extra`` goes into the body as-is: ``duration``, ``bpm``, ``key``, ``loop``, ``output_format`` ...
        Composer models also take ``chords`` (``"Am F C G"``), ``bars_per_chord``, ``time_signature`` (``"3/4"``),
        ``instruments`` (names or ``{"name", "role"}`` dicts), ``sections`` (``[{"name": "intro", "seconds": 8},
        ...]``), ``midi`` (a MIDI file's bytes or path, sent base64) with ``midi_mode`` (``"render"`` or
        ``"arrange"``), and ``sheet_music=False`` to skip engraving. ``prompt`` is required except with an
        ``extend``, ``repaint`` or ``remix`` (see :meth:`extend`, :meth:`repaint`, :meth:`remix`).
        With ``idempotency_key`` the create is retried safely on transient failures (the server answers the same
        generation for the same key); without one it is sent exactly once.
        """
        body = self._client._create_body(model, prompt, negative_prompt, seed, {
            "chords": chords, "bars_per_chord": bars_per_chord, "time_signature": time_signature,
            "instruments": instruments, "sections": sections, "midi": midi, "midi_mode": midi_mode,
            "sheet_music": sheet_music, **extra,
        })
        response = self._client._request(
            "POST", GENERATIONS_PATH, json=body, headers=self._client._create_headers(idempotency_key)
        )
        return Generation.from_dict(self._client._json(response))

    def extend(
        self,
        generation: Generation | str,
        seconds: float = 30,
        *,
        model: str | None = None,
        prompt: str | None = None,
        seed: int | None = None,
        idempotency_key: str | None = None,
        **options: Any,
    ) -> Generation:
        """Queue a longer version of a completed composer ``generation``: its track unchanged up to the start of its
        closing bar, then ``seconds`` more in the same key, tempo, ensemble and motifs. Returns the new generation
        (``queued``); once completed its ``edit`` says where the seam is.

        ``generation`` is a :class:`Generation` or its id; ``model`` defaults to the one that made it (retrieved when
        only an id is given), ``prompt`` to its prompt. ``options`` go into the body like :meth:`generate`'s.
        """
        source_id, model = self._source(generation, model)
        return self.generate(prompt=prompt, model=model, seed=seed, idempotency_key=idempotency_key,
                             extend=self._client._edit_object(source_id, seconds=seconds), **options)

    def repaint(
        self,
        generation: Generation | str,
        start: float,
        end: float,
        *,
        prompt: str | None = None,
        model: str | None = None,
        seed: int | None = None,
        idempotency_key: str | None = None,
        **options: Any,
    ) -> Generation:
        """Queue a copy of a completed composer ``generation`` with the bars from ``start`` to ``end`` (seconds,
        widened to whole bars) composed anew, from ``prompt`` if given (its mood, energy and instruments), else from
        the source's prompt with ``seed``. Everything outside the span is the source's audio, sample for sample.
        Returns the new generation; once completed its ``edit`` gives the widened span. ``model`` defaults to the
        source's.
        """
        source_id, model = self._source(generation, model)
        return self.generate(model=model, seed=seed, idempotency_key=idempotency_key,
                             repaint=self._client._edit_object(source_id, start=start, end=end, prompt=prompt),
                             **options)

    def remix(
        self,
        generation: Generation | str,
        prompt: str,
        *,
        model: str | None = None,
        bpm: float | None = None,
        key: str | None = None,
        seed: int | None = None,
        idempotency_key: str | None = None,
        **options: Any,
    ) -> Generation:
        """Queue the same composition as a completed composer ``generation`` (form, harmony, melody) played in the
        style, ensemble and production ``prompt`` asks for, optionally at another ``bpm`` or in another ``key``.
        Returns the new generation. ``model`` defaults to the source's.
        """
        source_id, model = self._source(generation, model)
        return self.generate(prompt=prompt, model=model, seed=seed, idempotency_key=idempotency_key, bpm=bpm,
                             key=key, remix=self._client._edit_object(source_id), **options)

    def _source(self, generation: Generation | str, model: str | None) -> tuple[str, str]:
        """The id of the generation an edit starts from, and the model to ask (by default, the one that made it)."""
        source_id = self._client._generation_id(generation)
        if model is None:
            known = self._client._known_model(generation)
            model = known or self._client._source_model(self.retrieve(source_id))
        return source_id, model

    def retrieve(self, generation_id: str) -> Generation:
        """The generation as the server sees it now."""
        return self._poll(self._client._generation_id(generation_id))[0]

    def _poll(self, generation_id: str) -> tuple[Generation, float | None]:
        response = self._client._request("GET", GENERATIONS_PATH, params={"generation_id": generation_id})
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return Generation.from_dict(self._client._json(response)), retry_after

    def wait(
        self,
        generation: Generation | str,
        *,
        timeout: float | None = 600.0,
        poll_interval: float = 0.25,
        max_poll_interval: float = 5.0,
        on_update: UpdateCallback | None = None,
        raise_on_error: bool = True,
    ) -> Generation:
        """Poll until the generation is final and return it.

        Polls start every ``poll_interval`` seconds and slow down to ``max_poll_interval``, never sooner than a
        ``Retry-After`` allows. ``on_update`` sees every answer (for progress bars). Raises
        :class:`GenerationFailed` if it ends in ``error`` or ``canceled``, as neither has audio (unless
        ``raise_on_error=False``: then the final generation is returned whatever its status), :class:`WaitTimeout`
        after ``timeout`` seconds (``None``: no limit). Brief outages (connection errors, 429, 502-504) are ridden
        out for up to a minute.
        """
        generation_id = self._client._generation_id(generation)
        state = WaitState(timeout, poll_interval, max_poll_interval, self._client._clock)
        while True:
            try:
                current, retry_after = self._poll(generation_id)
            except OrchestrionError as exc:
                delay = state.after_failure(exc)
            else:
                if on_update is not None:
                    on_update(current)
                if current.is_terminal:
                    if raise_on_error and not current.is_completed:
                        raise GenerationFailed(current)
                    return current
                delay = state.after_answer(current, retry_after)
            self._client._sleep(delay)

    def cancel(self, generation: Generation | str) -> Generation:
        """Cancel a queued or generating generation and return it, now ``canceled`` (its credits refunded).

        One that has already ended is returned as it ended, unchanged; the server's ``message`` saying so is in
        ``raw["message"]``. Raises :class:`NotFoundError` for an unknown id.
        """
        generation_id = self._client._generation_id(generation)
        response = self._client._request("DELETE", GENERATIONS_PATH, params={"generation_id": generation_id})
        return Generation.from_dict(self._client._json(response))

    def events(self, generation: Generation | str) -> Iterator[Generation]:
        """The generation each time its status, progress or queue position changes, ending with its final status.

        ::

            for generation in client.audio.events(created):
                print(generation.status, generation.progress)

        Reads the server-sent events stream rather than polling. A stream that breaks or ends early is resumed
        where it left off, up to ``max_retries`` times in a row, then :class:`APIConnectionError` is raised; a
        final ``error`` or ``canceled`` is yielded like any other status, not raised. Breaking out of the loop
        closes the connection once the iterator is released; call its ``close()`` to close it at once.
        """
        client = self._client
        generation_id = client._generation_id(generation)
        decoder = SSEDecoder()
        failures = 0
        while True:
            request = client._events_request(client._http, generation_id, decoder.last_event_id)
            response = client._send(request, stream=True)
            cause: Exception | None = None
            try:
                for line in response.iter_lines():
                    event = decoder.decode(line)
                    if event is None:
                        continue
                    current = client._generation_from_event(event, generation_id)
                    failures = 0
                    yield current
                    if current.is_terminal:
                        return
            except httpx.TransportError as exc:
                cause = exc
            finally:
                response.close()
            failures += 1
            client._sleep(client._events_interrupted(generation_id, failures, cause, request))

    def generate_and_wait(
        self,
        *,
        prompt: str | None = None,
        model: str = DEFAULT_MODEL,
        negative_prompt: str | None = None,
        seed: int | None = None,
        idempotency_key: str | None = None,
        timeout: float | None = 600.0,
        poll_interval: float = 0.25,
        on_update: UpdateCallback | None = None,
        **extra: Any,
    ) -> Generation:
        """:meth:`generate`, then :meth:`wait`: the finished generation, ready to download."""
        created = self.generate(
            prompt=prompt,
            model=model,
            negative_prompt=negative_prompt,
            seed=seed,
            idempotency_key=idempotency_key,
            **extra,
        )
        return self._wait_created(created, timeout, poll_interval, on_update)

    def extend_and_wait(
        self,
        generation: Generation | str,
        seconds: float = 30,
        *,
        timeout: float | None = 600.0,
        poll_interval: float = 0.25,
        on_update: UpdateCallback | None = None,
        **options: Any,
    ) -> Generation:
        """:meth:`extend`, then :meth:`wait`."""
        created = self.extend(generation, seconds, **options)
        return self._wait_created(created, timeout, poll_interval, on_update)

    def repaint_and_wait(
        self,
        generation: Generation | str,
        start: float,
        end: float,
        *,
        timeout: float | None = 600.0,
        poll_interval: float = 0.25,
        on_update: UpdateCallback | None = None,
        **options: Any,
    ) -> Generation:
        """:meth:`repaint`, then :meth:`wait`."""
        created = self.repaint(generation, start, end, **options)
        return self._wait_created(created, timeout, poll_interval, on_update)

    def remix_and_wait(
        self,
        generation: Generation | str,
        prompt: str,
        *,
        timeout: float | None = 600.0,
        poll_interval: float = 0.25,
        on_update: UpdateCallback | None = None,
        **options: Any,
    ) -> Generation:
        """:meth:`remix`, then :meth:`wait`."""
        created = self.remix(generation, prompt, **options)
        return self._wait_created(created, timeout, poll_interval, on_update)

    def _wait_created(self, created: Generation, timeout: float | None, poll_interval: float,
                      on_update: UpdateCallback | None) -> Generation:
        if on_update is not None:
            on_update(created)
        return self.wait(created, timeout=timeout, poll_interval=poll_interval, on_update=on_update)

    def download(
        self,
        generation: Generation | str,
        path: str | os.PathLike[str] | None = None,
        *,
        file: AudioFile | None = None,
    ) -> Path:
        """Stream a finished generation's track (or ``file``) to ``path``; returns the path written.

        ``generation`` is a :class:`Generation` or its id (then it is retrieved first). ``path`` is a file name, an
        existing folder or one written with a trailing slash (created; the server's file name is used inside it), or
        ``None`` for the server's file name in the current folder. ``file`` picks another of
        ``generation.files()``: ``file=generation.midi_file`` for the MIDI, ``file=stem`` for one of
        ``generation.stems``, ``file=sheet`` for one of ``generation.sheet_music``. Raises :class:`GenerationFailed`
        for a generation that ended without audio and :class:`OrchestrionError` for one not finished yet (:meth:`wait`
        for it first).

        The file appears whole or not at all: bytes go to a hidden partial file renamed into place once their count
        matches ``file_size``.
        """
        client = self._client
        if not isinstance(generation, Generation):
            generation = self.retrieve(generation)
        chosen = client._file_to_download(generation, file)
        target = client._download_target(path, chosen)
        partial = client._partial(target)
        request = client._http.build_request("GET", client._file_url(chosen.url), timeout=client.timeout)
        response = client._send(request, stream=True)
        written = 0
        try:
            with open(partial, "wb") as out:
                for chunk in response.iter_bytes(64 * 1024):
                    out.write(chunk)
                    written += len(chunk)
        except httpx.TransportError as exc:
            partial.unlink(missing_ok=True)
            raise client._connection_error(exc, request) from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            response.close()
        client._check_size(written, chosen, response, partial)
        os.replace(partial, target)
        return target

    def stream(self, generation: Generation | str, *, sample: int = 0) -> Iterator[bytes]:
        """The track of ``generation`` (sample ``sample`` of several) as a WAV file, in chunks as it renders.

        ::

            with open("live.wav", "wb") as out:
                for chunk in client.audio.stream(generation):
                    out.write(chunk)

        The chunks joined are a whole WAV file (16-bit PCM; the header's sizes are real when the server knows the
        length, else placeholders, which :meth:`stream_to` fixes on disk) whose samples equal the stored track's;
        for an engine that makes its track whole the server sends the finished file when it is there, in its own
        format (``output_format``).
        The request is sent on the first ``next()``; a queued generation is waited for, within the client's read
        timeout. Raises :class:`NotFoundError` for an unknown id, :class:`ConflictError` when it failed or was
        canceled before any audio, :class:`BadRequestError` for a ``sample`` it does not have,
        :class:`APIConnectionError` when the stream breaks, and :class:`OrchestrionError` when it ends short of
        the length its header announced. Breaking out early closes the connection once the iterator is released;
        call its ``close()`` to close it at once.
        """
        client = self._client
        generation_id = client._generation_id(generation)
        request = client._stream_request(client._http, generation_id, sample)
        check = WavStreamCheck(f"generation {generation_id}")
        response = client._send(request, stream=True)
        # An engine that makes its track whole streams the finished file, in its own format: only WAV is followed.
        wav = response.headers.get("Content-Type", "audio/wav").split(";")[0].strip() in WAV_TYPES
        try:
            for chunk in response.iter_bytes():
                if chunk:
                    if wav:
                        check.feed(chunk)
                    yield chunk
        except httpx.TransportError as exc:
            raise client._connection_error(exc, request) from exc
        finally:
            response.close()
        if wav:
            check.check_complete()

    def stream_to(
        self,
        generation: Generation | str,
        path: str | os.PathLike[str] | None = None,
        *,
        sample: int = 0,
    ) -> Path:
        """Write the :meth:`stream` of ``generation`` to ``path`` as it arrives; returns the path once it is whole.

        ``path`` is chosen as :meth:`download`'s is (the default name is the generation id's first part, ``.wav``).
        Unlike :meth:`download`, the file is written in place and flushed chunk by chunk, so a player can read it
        while it grows; at the end the header's sizes are made exact. If the stream fails the incomplete file is
        removed and the error raised, as :meth:`stream` raises it.
        """
        client = self._client
        generation_id = client._generation_id(generation)
        target = client._stream_target(path, generation_id, sample)
        check = WavStreamCheck(f"generation {generation_id}", strict=False)
        try:
            with open(target, "wb") as out:
                for chunk in self.stream(generation_id, sample=sample):
                    check.feed(chunk)
                    out.write(chunk)
                    out.flush()
                patch_sizes(out, check)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target


class Models:
    """``client.models``: what the server serves."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self) -> builtins.list[Model]:
        response = self._client._request("GET", MODELS_PATH)
        return [Model.from_dict(item) for item in self._client._models_from(self._client._json(response))]
