"""Orchestrion: a self-hosted text-to-music service speaking the AI/ML API audio protocol."""

__version__ = "0.1.0"
