"""Shared fixtures: one engine per test session (building it loads jieba's dictionary, ~1 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.engine import Engine, build_engine
from app.core.normalize import Normalizer
from app.settings import PROJECT_ROOT, Settings

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def normalizer() -> Normalizer:
    return Normalizer()


@pytest.fixture(scope="session")
def engine(normalizer: Normalizer) -> Engine:
    return build_engine(PROJECT_ROOT, Settings().cache_dir, normalizer=normalizer)
