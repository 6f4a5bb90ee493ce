"""The public surface is curated: sorted ``__all__``, every name importable, and ``import orchestrion`` stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import orchestrion
import orchestrion.client


def test_top_level_exports_are_sorted_and_exist():
    assert orchestrion.__all__ == sorted(orchestrion.__all__)
    for name in orchestrion.__all__:
        assert hasattr(orchestrion, name), name
    assert {"Client", "AsyncClient", "OrchestrionError", "__version__"} <= set(orchestrion.__all__)


def test_every_exported_error_is_an_orchestrion_error():
    for name in orchestrion.__all__:
        member = getattr(orchestrion, name)
        if isinstance(member, type) and issubclass(member, Exception):
            assert issubclass(member, orchestrion.OrchestrionError), name


def test_public_members_say_where_they_belong():
    for name in orchestrion.__all__:
        member = getattr(orchestrion, name)
        if isinstance(member, type):
            assert member.__module__.startswith("orchestrion.client"), name
            assert member.__doc__, f"{name} has no docstring"


def test_client_package_exports_match_its_modules():
    assert orchestrion.client.__all__ == sorted(orchestrion.client.__all__)
    for name in orchestrion.client.__all__:
        assert hasattr(orchestrion.client, name), name


def test_version_matches_the_installed_distribution():
    from importlib.metadata import version

    assert orchestrion.__version__ == version("orchestrion")


def test_importing_orchestrion_pulls_in_nothing_heavy():
    # A fresh interpreter: this test process may already hold numpy from other tests.
    code = "import json, sys, orchestrion; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout))
    heavy = {"torch", "numpy", "scipy", "fluidsynth", "fastapi", "uvicorn", "pedalboard", "soundfile"}
    assert not heavy & loaded, f"import orchestrion loaded {sorted(heavy & loaded)}"
    engines = sorted(m for m in loaded if m.startswith(("orchestrion.engines", "orchestrion.api", "orchestrion.jobs")))
    assert engines == []


def test_the_client_is_imported_only_when_a_client_name_is_used():
    # The service's processes and the CLI import `orchestrion` as well: none of them should pay for httpx at start.
    code = ("import sys, orchestrion; before = 'httpx' in sys.modules or 'orchestrion.client' in sys.modules; "
            "from orchestrion import Client, WaitTimeout; import orchestrion.client as c; "
            "print(before, Client is c.Client, WaitTimeout is c.WaitTimeout, 'httpx' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True", "True", "True"]
    missing = subprocess.run([sys.executable, "-c", "import orchestrion; orchestrion.NoSuchName"],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "has no attribute 'NoSuchName'" in missing.stderr
