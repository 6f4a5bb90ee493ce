"""Tests of the built-in composer engine and its stages."""
