"""Storage tests: each one runs against SQLite and PostgreSQL through `any_engine`."""
