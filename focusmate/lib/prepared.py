"""A hot read's SQL compiled once, then run with new values.

What it replaces: building and compiling the same queryset on every call (Django keeps
no compiled query between calls). Why: for the short reads every request makes (the
session, the token, the room with the viewer's membership, a socket's membership, the
first page of rooms) Django's query builder and compiler cost more CPU than the
database. What it buys, median of 3 runs each, off and on alternately, on a 2-core
machine shared with other work (2026-12-07, SQLite, `make run`'s defaults): the API's
room list +72% req/s, its timer state +59%, the room list page +33%, the timer partial
+45% (docs/performance.md, "What the kit buys"). Shown by:

    .venv/bin/python bench/kit.py prepared api      # and: prepared pages

Honest to the ORM: focusmate/tests/test_prepared.py runs every prepared query of the
project against its plain queryset (the same SQL, the same rows) on PostgreSQL and on
SQLite (.ci/run), so a Django release that changes the compiler internals used below
fails a test instead of answering differently.

Building and compiling a queryset costs more than running it: the API's room list spent
about 1 ms of CPU on each of its two queries in Django's query builder and compiler, and
0.1-0.2 ms in the database. Every request built the same SQL again. A `PreparedQuery`
keeps what Django's compiler made for one shape of a queryset (the SQL, and the compiler
itself, which knows how to turn rows into model instances or dicts) and runs it again
with the new values of its named parameters.

    by_digest = PreparedQuery(
        lambda digest, now: ApiToken.objects.usable(now).filter(digest=digest)[:1],
        params={"digest": str, "now": datetime},
    )
    tokens = by_digest.fetch(digest="...", now=timezone.now())

- The queryset is still written with the ORM, once, in one place: `build` is called
  with a unique marker for each parameter, and each marker must show up exactly once
  among the compiled SQL's parameters (else `PreparedQuery` refuses, so a shape that
  would transform a value, as `icontains` does, can't slip through).
- Keyword arguments that are not parameters are the shape (a page's LIMIT and OFFSET,
  which Django writes into the SQL itself): each shape is compiled once, and a few
  dozen are kept.
- `fetch` returns a list: a prepared queryset can't be filtered further.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

SHAPES_KEPT = 64
_INT64 = range(-(2**63), 2**63)


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet], *, params: dict[str, type]):
        for name, kind in params.items():
            if kind not in (str, int, datetime):
                raise TypeError(f"{name}: a prepared parameter is a str, an int or a datetime")
        self._build = build
        self._params = params
        self._shapes: dict[tuple, _Compiled | _Nothing] = {}
        self._lock = threading.Lock()
        # PERF_KIT_OFF=prepared: every fetch builds and compiles its queryset (bench/kit.py).
        self._plain = "prepared" in settings.PERF_KIT_OFF

    def fetch(self, *, using: str = DEFAULT_DB_ALIAS, **arguments) -> list:
        values = {name: arguments.pop(name) for name in self._params}
        for name, value in values.items():
            kind = self._params[name]
            # None would be `IS NULL` to the ORM: another shape, not another value.
            if not isinstance(value, kind) or isinstance(value, bool):
                raise TypeError(f"{name}: expected {kind.__name__}")
        if self._plain or any(
            isinstance(value, int) and value not in _INT64 for value in values.values()
        ):
            # No column holds it, and SQLite can't even bind it: Django's lookups know
            # what such a value means (an exact match is nothing), so they decide.
            return list(self.plain(using=using, **values, **arguments))
        shape = (using, *sorted(arguments.items()))
        compiled = self._shapes.get(shape)
        if compiled is None:
            compiled = self._compile(using, arguments)
            with self._lock:
                if len(self._shapes) >= SHAPES_KEPT:
                    self._shapes.clear()
                self._shapes[shape] = compiled
        return compiled.fetch(using, values)

    def plain(self, *, using: str = DEFAULT_DB_ALIAS, **arguments) -> QuerySet:
        """The ORM's own queryset for these arguments: what `fetch` must answer as."""
        return self._build(**arguments).using(using)

    def _compile(self, using: str, shape: dict) -> _Compiled | _Nothing:
        connection = connections[using]
        markers = {name: _marker(kind, n) for n, (name, kind) in enumerate(self._params.items())}
        queryset = self._build(**markers, **shape).using(using)
        compiler = queryset.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # a shape that can match nothing, as `[0:0]`
            return _NOTHING
        slots: dict[int, str] = {}
        for name, kind in self._params.items():
            adapted = _adapt(connection, kind, markers[name])
            found = [n for n, param in enumerate(params) if param == adapted]
            if len(found) != 1:
                raise ValueError(
                    f"{name}: its value must reach the SQL unchanged and once "
                    f"(found {len(found)} times in {params!r})"
                )
            slots[found[0]] = name
        return _Compiled(queryset, compiler, sql, tuple(params), slots, self._params)


class _Nothing:
    def fetch(self, using: str, values: dict) -> list:
        return []


_NOTHING = _Nothing()


class _Compiled:
    def __init__(self, queryset, compiler, sql, params, slots, kinds):
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots
        self.kinds = kinds

    def fetch(self, using: str, values: dict) -> list:
        connection = connections[using]
        params = list(self.params)
        for position, name in self.slots.items():
            params[position] = _adapt(connection, self.kinds[name], values[name])
        # The kept compiler on this thread's connection, its SQL already made.
        compiler = copy.copy(self.compiler)
        compiler.connection = connection
        sql = self.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        # The kept queryset (never evaluated itself) around it: it turns rows into what
        # the queryset yields (model instances, related ones, dicts), as Django does.
        # (Not copy.copy: pickling support makes a queryset's copy evaluate it.)
        queryset = object.__new__(type(self.queryset))
        queryset.__dict__.update(self.queryset.__dict__)
        # (Not the `query` setter: it would reset values_list() to values().)
        queryset._query = _OneCompilerQuery(self.queryset.query, compiler)
        return list(queryset)


class _OneCompilerQuery:
    """The kept query, except that its compiler is the prepared one."""

    def __init__(self, query, compiler):
        self._query = query
        self._compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler

    def __getattr__(self, name):
        return getattr(self._query, name)


def _marker(kind: type, n: int):
    if kind is str:
        return f"\x1fprepared-parameter-{n}\x1f"
    if kind is int:
        # Within a 32-bit column's range (some backends check it while compiling), and
        # a number no constant in a query is likely to be.
        return 2_000_000_000 + 7_919 * (n + 1)
    # A moment nobody stores: the first second of year 1901, plus n microseconds.
    return datetime(1901, 1, 1, tzinfo=UTC) + timedelta(microseconds=n)


def _adapt(connection, kind: type, value):
    if kind is datetime:
        return connection.ops.adapt_datetimefield_value(value)
    return value
