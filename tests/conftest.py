"""Suite-wide fixtures and options.

Figures that tests measure are printed at the end of every run, CI's included. They travel as the test reports'
``user_properties``, so a run spread over several processes (pytest-xdist) prints them too.

``--part`` splits the suite for ``scripts/test``: tests marked ``timed`` hold the wall clock to a bound (real time,
a cancel within two seconds, a fault noticed within a lease), so they run in a part of their own with nothing
beside them, after the rest (``--part untimed``) has run on every core.
"""

from __future__ import annotations

from typing import Callable

import pytest

_FIGURE = "figure"
_FIGURES: list[str] = []
_PARTS = ("all", "untimed", "timed")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--part", choices=_PARTS, default="all",
                     help="run only the tests marked timed, only the others, or all (the default)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    part = config.getoption("--part")
    if part == "all":
        return
    keep = part == "timed"
    chosen, left = [], []
    for item in items:
        (chosen if (item.get_closest_marker("timed") is not None) == keep else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = chosen


@pytest.fixture
def report_figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Record a line of measured figures; the run's summary prints every line under "figures"."""
    return lambda line: request.node.user_properties.append((_FIGURE, f"{request.node.name}: {line.strip()}"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "teardown":  # the last report of a test carries every figure it recorded
        _FIGURES.extend(value for name, value in report.user_properties if name == _FIGURE)


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's TerminalReporter
    if _FIGURES:
        terminalreporter.section("figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)
