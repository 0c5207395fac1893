"""One-row INSERTs for the hottest paths (intake, re-routing, the event log) without the
ORM's save machinery: the statement Django would write, with each value prepared by its
field as Django would, but about half a millisecond less Python per row.

For models with no signals and no behaviour in `save()` beyond what the caller upholds:
every column without a database default must be given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import cache, partial
from typing import Any, TypeVar

import psycopg
from django.db import connection, models

_statements: dict[tuple[type[models.Model], tuple[str, ...], bool, str], str] = {}


@cache
def _fields(model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
    return {field.attname: field for field in model._meta.concrete_fields}


def insert(
    model: type[models.Model], *, returning_pk: bool = False, along: tuple[str, list[Any]] | None = None, **values: Any
) -> Any:
    """INSERT one row of `model` (values by attribute name: `referral_id`, not `referral`);
    returns its primary key when asked (PostgreSQL and SQLite ≥ 3.35 both have RETURNING).
    `along`: PostgreSQL's data-modifying WITH clauses and their parameters, run in the same
    statement (one round trip instead of two)."""
    fields = _fields(model)
    names = tuple(values)
    key = (model, names, returning_pk, connection.vendor)
    sql = _statements.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(fields[name].column) for name in names)
        marks = ", ".join(["%s"] * len(names))
        # Names come from the model's own fields, quoted; the values are parameters.
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        if returning_pk:
            sql += f" RETURNING {quote(model._meta.pk.column)}"  # type: ignore[union-attr]
        _statements[key] = sql
    prepare = _preparers(model, connection.vendor)
    params = [prepare[name](values[name]) for name in names]
    if along is not None:
        sql, params = f"WITH {along[0]} {sql}", [*along[1], *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] if returning_pk else None


M = TypeVar("M", bound=models.Model)


def add(instance: M, *, along: tuple[str, list[Any]] | None = None) -> M:
    """INSERT a new model instance (every concrete field as it stands, defaults applied by
    the constructor) and give it its primary key, like `save()` for a new row. `along`: as
    for `insert`."""
    values = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if not f.primary_key}
    instance.pk = insert(type(instance), returning_pk=True, along=along, **values)
    instance._state.adding = False
    return instance


# Field types whose values psycopg takes as they are, with no preparation by the field.
_AS_IS = frozenset(
    {
        "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "DateField", "DateTimeField",
        "FloatField", "ForeignKey", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
        "SmallIntegerField", "TextField", "UUIDField",
    }
)  # fmt: skip


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    kind = field.get_internal_type()
    if kind in _AS_IS:
        return lambda value: value
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: json.dumps(value, cls=encoder)
    return lambda value: field.get_db_prep_save(value, connection)


@cache
def _preparers(model: type[models.Model], vendor: str) -> dict[str, Callable[[Any], Any]]:
    """Each column's preparation for `insert`: psycopg takes most values as they are on
    PostgreSQL; elsewhere every field prepares its own, as `save()` would."""
    fields = _fields(model)
    if vendor == "postgresql":
        return {name: _preparer(field) for name, field in fields.items()}
    return {name: partial(field.get_db_prep_save, connection=connection) for name, field in fields.items()}


@cache
def _columns(model: type[models.Model]) -> tuple[tuple[str, str, str, Callable[[Any], Any]], ...]:
    """(attname, quoted column, PostgreSQL type, preparer) of every column but the key."""
    quote = connection.ops.quote_name
    return tuple(
        (f.attname, quote(f.column), f.db_type(connection), _preparer(f))  # type: ignore[misc]
        for f in model._meta.concrete_fields
        if not f.primary_key
    )


# Up to this many rows, one VALUES list with its values quoted by the client costs less
# Python than dumping an array per column in binary (intake writes two or three rows).
FEW = 8


@cache
def _values_sql(model: type[models.Model], rows: int) -> str:
    """INSERT … VALUES (…), (…) RETURNING the keys, which PostgreSQL returns in the order of
    the list (as `bulk_create` relies on)."""
    quote = connection.ops.quote_name
    columns = _columns(model)
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Names come from the model's own fields, quoted; the values are parameters.
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(column for _, column, _, _ in columns)}) "  # noqa: S608
        f"VALUES {', '.join([row] * rows)} RETURNING {quote(model._meta.pk.column)}"  # type: ignore[union-attr]
    )


@cache
def _unnest_sql(model: type[models.Model]) -> str:
    """INSERT … SELECT FROM unnest(one array per column) RETURNING the keys, in order."""
    quote = connection.ops.quote_name
    columns = _columns(model)
    names = ", ".join(column for _, column, _, _ in columns)
    typed = ", ".join(f"%b::{kind}[]" for _, _, kind, _ in columns)  # arrays in binary
    # Names and types come from the model's own fields; every value is a parameter.
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT {names} FROM unnest({typed}) WITH ORDINALITY AS u({names}, _n) ORDER BY _n "
        f"RETURNING {quote(model._meta.pk.column)}"  # type: ignore[union-attr]
    )


def add_all(instances: list[M]) -> list[M]:
    """INSERT many new instances of one model in one statement and give each its primary
    key, like `bulk_create`. On PostgreSQL, a handful of rows as one VALUES list; more as
    one array per column (INSERT … SELECT FROM unnest … RETURNING), bound on the server so
    psycopg sends the arrays in binary: for a dispatcher's batch of thousands of rows this
    is several times cheaper than the ORM's per-value preparation. Elsewhere, `bulk_create`."""
    if not instances:
        return instances
    model = type(instances[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(instances)  # type: ignore[attr-defined]
        return instances
    columns = _columns(model)
    if len(instances) <= FEW:
        params = [prepare(getattr(instance, name)) for instance in instances for name, _, _, prepare in columns]
        with connection.cursor() as cursor:
            cursor.execute(_values_sql(model, len(instances)), params)
            keys = [row[0] for row in cursor.fetchall()]
    else:
        arrays = [[prepare(getattr(instance, name)) for instance in instances] for name, _, _, prepare in columns]
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(_unnest_sql(model), arrays, prepare=False)  # as read_pages: prepared, both measured slower
            keys = [row[0] for row in cursor.fetchall()]
    for instance, key in zip(instances, keys, strict=True):
        instance.pk = key
        instance._state.adding = False
    return instances


def add_together(*groups: Sequence[models.Model]) -> None:
    """`add_all` of each group (new instances of one model each) in a single statement on
    PostgreSQL, each group's INSERT a WITH clause: one round trip where there was one per
    table (intake writes its events and messages so). Groups of more than a handful of rows,
    and other databases, get `add_all` each."""
    groups = tuple(group for group in groups if group)
    if connection.vendor != "postgresql" or len(groups) < 2 or any(len(group) > FEW for group in groups):
        for group in groups:
            add_all(list(group))
        return
    clauses, keys, params = [], [], []
    for i, group in enumerate(groups):
        model = type(group[0])
        columns = _columns(model)
        clauses.append(f"t{i} AS ({_values_sql(model, len(group))})")
        # Keys drawn from the sequence row by row, in the VALUES list's order.
        pk = connection.ops.quote_name(model._meta.pk.column)  # type: ignore[union-attr]
        keys.append(f"ARRAY(SELECT {pk} FROM t{i} ORDER BY {pk})")  # noqa: S608 - the model's own key column
        params += [prepare(getattr(instance, name)) for instance in group for name, _, _, prepare in columns]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(clauses)} SELECT {', '.join(keys)}", params)
        row = cursor.fetchone()
    for group, group_keys in zip(groups, row, strict=True):
        for instance, key in zip(group, group_keys, strict=True):
            instance.pk = key
            instance._state.adding = False
