"""Suite-wide fixtures: figures that tests measure are printed at the end of every run, CI's included."""

from __future__ import annotations

from typing import Callable

import pytest

_FIGURES: list[str] = []


@pytest.fixture
def report_figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Record a line of measured figures; the run's summary prints every line under "figures"."""
    return lambda line: _FIGURES.append(f"{request.node.name}: {line.strip()}")


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's TerminalReporter
    if _FIGURES:
        terminalreporter.section("figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)
