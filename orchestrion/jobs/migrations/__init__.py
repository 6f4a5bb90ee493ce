"""Numbered schema migrations, one folder per database (``sqlite/``, ``postgres/``), read by :mod:`..migrate`."""
