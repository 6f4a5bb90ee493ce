"""The sync and async clients offer the same methods with the same parameters."""

from __future__ import annotations

import inspect

import pytest

from orchestrion.client import (
    AsyncAudio,
    AsyncClient,
    AsyncLive,
    AsyncLiveConnect,
    AsyncLiveSession,
    AsyncModels,
    Audio,
    Client,
    Generation,
    Live,
    LiveSession,
    Models,
)

PAIRS = [(Client, AsyncClient), (Audio, AsyncAudio), (Models, AsyncModels), (Live, AsyncLive),
         (LiveSession, AsyncLiveSession)]
#: Methods that differ by name between the twins, as in httpx.
RENAMED = {"close": "aclose", "__enter__": "__aenter__", "__exit__": "__aexit__", "__iter__": "__aiter__"}
#: Sync methods whose async twin is a plain function returning an awaitable async context manager, as
#: ``websockets.connect`` is: ``session = await client.live.connect()`` or ``async with client.live.connect() as s``.
OPENERS = {"connect"}


def public_methods(cls):
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") or name in RENAMED or name in RENAMED.values()
    }


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS)
def test_twins_have_the_same_methods_and_signatures(sync_cls, async_cls):
    sync_methods = public_methods(sync_cls)
    async_methods = public_methods(async_cls)
    assert {RENAMED.get(name, name) for name in sync_methods} == set(async_methods)
    for name, sync_method in sync_methods.items():
        async_method = async_methods[RENAMED.get(name, name)]
        if name in OPENERS:
            assert not inspect.iscoroutinefunction(async_method)
            assert inspect.signature(async_method).return_annotation == "AsyncLiveConnect"
        elif inspect.isgeneratorfunction(sync_method):
            # A sync iterator's twin is an async iterator (``async for``), not a coroutine.
            assert inspect.isasyncgenfunction(async_method), f"{async_cls.__name__}.{name} must be an async generator"
        else:
            assert inspect.iscoroutinefunction(async_method), f"{async_cls.__name__}.{name} must be async"
        assert not inspect.iscoroutinefunction(sync_method)
        sync_params = list(inspect.signature(sync_method).parameters.values())
        async_params = list(inspect.signature(async_method).parameters.values())
        assert [(p.name, p.kind, p.default) for p in sync_params] == [
            (p.name, p.kind, p.default) for p in async_params
        ], f"{name} differs"


def test_constructors_match_but_for_the_http_client_type():
    sync_sig = inspect.signature(Client.__init__).parameters
    async_sig = inspect.signature(AsyncClient.__init__).parameters
    assert list(sync_sig) == list(async_sig)
    for name in sync_sig:
        if name != "http_client":
            assert sync_sig[name].default == async_sig[name].default


def test_downloads_live_on_the_clients_not_on_generations():
    assert not hasattr(Generation, "download") and not hasattr(Generation, "adownload")
    assert list(inspect.signature(Generation.from_dict).parameters) == ["data"]
    sync_params = inspect.signature(Audio.download).parameters
    assert list(sync_params) == ["self", "generation", "path", "file"]
    assert sync_params["path"].default is None and sync_params["file"].kind is inspect.Parameter.KEYWORD_ONLY
    assert inspect.iscoroutinefunction(AsyncAudio.download)


def test_resources_are_attached_the_same_way():
    sync_client, async_client = Client("http://x.test"), AsyncClient("http://x.test")
    assert type(sync_client.audio) is Audio and type(async_client.audio) is AsyncAudio
    assert type(sync_client.models) is Models and type(async_client.models) is AsyncModels
    assert type(sync_client.live) is Live and type(async_client.live) is AsyncLive
    sync_client.close()


def test_the_async_live_opener_can_be_awaited_or_entered():
    assert {"__await__", "__aenter__", "__aexit__"} <= set(vars(AsyncLiveConnect))
    assert inspect.iscoroutinefunction(AsyncLiveConnect.__aenter__)
    assert inspect.iscoroutinefunction(AsyncLiveConnect.__aexit__)
    # The sync session is its own context manager: ``with client.live.connect() as session``.
    assert inspect.signature(Live.connect).return_annotation == "LiveSession"


def test_streams_are_generators_on_both_twins():
    assert inspect.isgeneratorfunction(Audio.stream) and inspect.isasyncgenfunction(AsyncAudio.stream)
    assert list(inspect.signature(Audio.stream).parameters) == ["self", "generation", "sample"]
    assert list(inspect.signature(Audio.stream_to).parameters) == ["self", "generation", "path", "sample"]
