"""PostgreSQL schema migrations (``NNNN_name.sql``), applied in order by :class:`orchestrion.jobs.postgres.PostgresJobStore`."""
