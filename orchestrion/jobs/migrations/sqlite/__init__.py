"""SQLite schema migrations (``NNNN_name.sql``), applied in order by :class:`orchestrion.jobs.sqlite.SQLiteJobStore`."""
