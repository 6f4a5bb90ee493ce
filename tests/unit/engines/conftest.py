"""Tiny random neural models, built once per test session and saved as a user's weights would be."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tiny_models import build_musicgen, build_stable_audio


@pytest.fixture(scope="session")
def musicgen_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_musicgen(tmp_path_factory.mktemp("musicgen-tiny"))


@pytest.fixture(scope="session")
def musicgen_stereo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_musicgen(tmp_path_factory.mktemp("musicgen-tiny-stereo"), audio_channels=2)


@pytest.fixture(scope="session")
def stable_audio_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_stable_audio(tmp_path_factory.mktemp("stable-audio-tiny"))


@pytest.fixture(scope="session")
def musicgen_engine(musicgen_folder: Path):
    from orchestrion.engines import create_engine

    engine = create_engine("musicgen", {"source": str(musicgen_folder)})
    engine.load()
    return engine


@pytest.fixture(scope="session")
def stable_audio_engine(stable_audio_folder: Path):
    from orchestrion.engines import create_engine

    engine = create_engine("stable-audio", {"source": str(stable_audio_folder), "steps": 3})
    engine.load()
    return engine
