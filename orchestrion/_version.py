"""The package's version, in a module of its own that imports nothing.

The root package re-exports it and the SDK's User-Agent reads it from here, so neither has to import the other.
Keep it equal to ``version`` in pyproject.toml.
"""

__version__ = "0.1.0"
