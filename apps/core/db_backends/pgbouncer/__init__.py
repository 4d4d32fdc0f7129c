"""Django's PostgreSQL backend behind PgBouncer in transaction pooling mode (DATABASE_POOLER)."""
