"""Fresh PostgreSQL databases for the benchmarks (imported by the scripts beside it)."""

import psycopg


def admin(server: str, *statements: str) -> None:
    """Run statements on the server's ``postgres`` database, outside a transaction."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def recreate_database(server: str, name: str) -> None:
    admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
