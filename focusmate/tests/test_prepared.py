"""PreparedQuery: the SQL compiled once, run with new values, as the ORM would answer."""

from __future__ import annotations

import sys
import threading
from datetime import datetime, timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from api.models import ApiToken
from focusmate.lib import prepared
from focusmate.lib.prepared import PreparedQuery
from rooms.models import Room

pytestmark = pytest.mark.django_db


def _token(user, digest: str, *, expires_in=timedelta(days=1)) -> ApiToken:
    return ApiToken.objects.create(user=user, digest=digest, expires_at=timezone.now() + expires_in)


def _by_digest() -> PreparedQuery:
    return PreparedQuery(
        lambda digest, now: (
            ApiToken.objects.usable(now).select_related("user").filter(digest=digest)
        ),
        params={"digest": str, "now": datetime},
    )


def test_each_fetch_runs_its_own_values_in_one_query(django_assert_num_queries, alice, bob):
    _token(alice, "a" * 64)
    _token(bob, "b" * 64)
    query = _by_digest()
    now = timezone.now()
    # The first fetch compiles and runs once: the kept queryset itself is never evaluated.
    with django_assert_num_queries(1):
        [first] = query.fetch(digest="a" * 64, now=now)
    with django_assert_num_queries(1):
        [second] = query.fetch(digest="b" * 64, now=now)
        # The related user came in the same query.
        assert second.user.username == "bob"
    assert first.user == alice
    assert query.fetch(digest="c" * 64, now=now) == []


def test_a_datetime_parameter_is_compared_as_the_orm_would(alice):
    _token(alice, "a" * 64, expires_in=timedelta(hours=1))
    query = _by_digest()
    assert query.fetch(digest="a" * 64, now=timezone.now()) != []
    assert query.fetch(digest="a" * 64, now=timezone.now() + timedelta(hours=2)) == []


def test_the_answer_matches_the_orm_for_values_annotations_and_slices(alice, bob):
    for n in range(5):
        Room.objects.create(name=f"Room {n}", owner=alice if n % 2 else bob)

    def build(skip, limit):
        return (
            Room.objects.with_present_count()
            .values("id", "name", "owner__username", "present_count", "created_at")
            .order_by("name")[skip : skip + limit]
        )

    query = PreparedQuery(build, params={})
    for skip, limit in [(0, 2), (2, 2), (0, 5), (4, 10), (0, 2)]:
        assert query.fetch(skip=skip, limit=limit) == list(build(skip, limit))


def test_a_value_the_lookup_transforms_is_refused():
    # icontains wraps its text in % signs: a marker can't be found, so it can't be replaced.
    query = PreparedQuery(
        lambda text: Room.objects.filter(name__icontains=text), params={"text": str}
    )
    with pytest.raises(ValueError, match="text: its value must reach the SQL unchanged"):
        query.fetch(text="focus")


def test_a_parameter_used_twice_is_refused():
    query = PreparedQuery(
        lambda name: Room.objects.filter(name=name) | Room.objects.filter(description=name),
        params={"name": str},
    )
    with pytest.raises(ValueError, match="found 2 times"):
        query.fetch(name="focus")


def test_only_text_numbers_and_moments_are_parameters():
    with pytest.raises(TypeError, match="limit: a prepared parameter is a str, an int or a"):
        PreparedQuery(lambda limit: Room.objects.all()[:limit], params={"limit": float})


def test_a_number_parameter(alice, bob):
    rooms = [Room.objects.create(name=f"Room {n}", owner=alice) for n in range(3)]
    query = PreparedQuery(
        lambda room_id, owner_id: Room.objects.filter(pk=room_id, owner_id=owner_id),
        params={"room_id": int, "owner_id": int},
    )
    assert query.fetch(room_id=rooms[1].pk, owner_id=alice.pk) == [rooms[1]]
    assert query.fetch(room_id=rooms[2].pk, owner_id=alice.pk) == [rooms[2]]
    assert query.fetch(room_id=rooms[2].pk, owner_id=bob.pk) == []


def test_shapes_past_the_kept_number_are_still_right(monkeypatch, alice):
    monkeypatch.setattr(prepared, "SHAPES_KEPT", 3)
    for n in range(6):
        Room.objects.create(name=f"Room {n}", owner=alice)
    query = PreparedQuery(
        lambda skip: Room.objects.order_by("name").values_list("name", flat=True)[skip:],
        params={},
    )
    for skip in [0, 1, 2, 3, 4, 5, 0, 3]:
        assert query.fetch(skip=skip) == [f"Room {n}" for n in range(skip, 6)]
    assert len(query._shapes) <= 3


@pytest.mark.django_db(transaction=True)
def test_another_thread_runs_it_on_its_own_connection():
    user = UserFactory()
    _token(user, "a" * 64)
    query = _by_digest()
    query.fetch(digest="a" * 64, now=timezone.now())  # compiled on this thread
    answers, used = [], []

    def other_thread():
        theirs = connections["default"]
        with CaptureQueriesContext(theirs) as queries:
            answers.extend(query.fetch(digest="a" * 64, now=timezone.now()))
        used.append(len(queries))
        theirs.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert [token.user.pk for token in answers] == [user.pk]
    assert used == [1]  # on the thread's own connection, not the one that compiled it
    assert User.objects.filter(pk=user.pk).exists()


def test_a_shape_that_matches_nothing_runs_no_query(django_assert_num_queries, alice):
    Room.objects.create(name="Room", owner=alice)
    query = PreparedQuery(lambda stop: Room.objects.order_by("pk")[0:stop], params={})
    with django_assert_num_queries(0):
        assert query.fetch(stop=0) == []
    assert [room.name for room in query.fetch(stop=1)] == ["Room"]


def test_a_value_of_the_wrong_kind_is_refused_not_run():
    query = PreparedQuery(lambda name: Room.objects.filter(name=name), params={"name": str})
    with pytest.raises(TypeError, match="name: expected str"):
        query.fetch(name=None)  # the ORM would have written IS NULL: another shape
    numbers = PreparedQuery(lambda pk: Room.objects.filter(pk=pk), params={"pk": int})
    with pytest.raises(TypeError, match="pk: expected int"):
        numbers.fetch(pk=True)


def test_a_number_past_64_bits_is_left_to_the_orm(django_assert_num_queries, alice):
    room = Room.objects.create(name="Room", owner=alice)
    query = PreparedQuery(lambda pk: Room.objects.filter(pk=pk), params={"pk": int})
    assert query.fetch(pk=room.pk) == [room]
    # SQLite can't bind it; Django's exact lookup knows nothing can match it.
    with django_assert_num_queries(0):
        assert query.fetch(pk=10**20) == []
    below = PreparedQuery(lambda pk: Room.objects.filter(pk__lt=pk), params={"pk": int})
    assert below.fetch(pk=2**70) == list(Room.objects.filter(pk__lt=2**70)) == [room]


# --- every prepared query of the project, against the ORM's own answer ----------------------
#
# PreparedQuery runs Django's compiler by hand (it keeps a compiler and a queryset, and
# swaps the SQL into them), so a Django release that changed those internals could make
# it answer differently from the ORM. These run each of the project's prepared queries
# and its plain queryset with the same values, on this test run's database (PostgreSQL
# in the suite; SQLite in .ci/run's second leg), and ask for the same SQL and the same
# rows: what the ORM sent and got is the reference.


def _project_prepared_queries() -> dict[str, PreparedQuery]:
    """Every module-level PreparedQuery of the project's own modules, by dotted name."""
    import importlib

    for name in ("api.queries", "api.routers.rooms", "focusmate.sessions", "rooms.queries"):
        importlib.import_module(name)
    found = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or module_name.split(".")[0] not in _PROJECT_PACKAGES:
            continue
        if ".tests" in module_name:
            continue
        for attribute, value in vars(module).items():
            if isinstance(value, PreparedQuery):
                found[f"{module_name}.{attribute}"] = value
    return found


_PROJECT_PACKAGES = {
    "accounts", "achievements", "api", "community", "focusmate", "messaging",
    "moderation", "rooms", "stats", "timers",
}  # fmt: skip


def _row(value, seen: frozenset = frozenset()):
    """What a fetched row holds: a dict as it is; a model's field values, annotations and
    the related rows fetched with it (select_related, FilteredRelation), recursively
    (a row met again on the way, as a timer's room, is named, not walked again)."""
    if isinstance(value, dict | tuple | list | str | int) or value is None:
        return value
    if id(value) in seen:
        return ("again", type(value).__name__, value.pk)
    seen = seen | {id(value)}
    held = {key: item for key, item in vars(value).items() if not key.startswith("_")}
    related = {key: _row(item, seen) for key, item in value._state.fields_cache.items()}
    return (type(value).__name__, held, related)


def _same_as_the_orm(query: PreparedQuery, **arguments) -> list:
    connection = connections["default"]
    with CaptureQueriesContext(connection) as orm_queries:
        expected = list(query.plain(**arguments))
    for _ in range(2):  # compiled on the first fetch, reused on the second
        with CaptureQueriesContext(connection) as prepared_queries:
            fetched = query.fetch(**arguments)
        assert [q["sql"] for q in prepared_queries] == [q["sql"] for q in orm_queries]
        assert [_row(row) for row in fetched] == [_row(row) for row in expected]
    return fetched


@pytest.fixture
def world(alice, bob, charlie, room, private_room):
    """Alice's public room (Bob present, Charlie left), her private room, a closed room,
    Bob's token (a JWT and an opaque one), live and expired sessions."""
    from django.contrib.sessions.backends.db import SessionStore

    from api.services import token_issue
    from rooms import services

    services.room_join(room=room, user=charlie)
    services.room_leave(room=room, user=charlie)
    closed = services.room_create(owner=bob, name="Closed")
    services.room_close(room=closed, by=bob)
    for n in range(3):
        services.room_create(owner=charlie, name=f"Charlie's {n}")
    jwt_token, _ = token_issue(user=bob)
    _token(alice, "d" * 64)
    _token(charlie, "e" * 64, expires_in=timedelta(days=-1))
    live, expired = SessionStore(), SessionStore()
    live["seen"] = expired["seen"] = True
    live.create()
    expired.set_expiry(-60)
    expired.create()
    return {
        "users": [alice, bob, charlie],
        "rooms": [room, private_room, closed],
        "jti": jwt_token.jti,
        "sessions": [live.session_key, expired.session_key],
    }


def test_every_prepared_query_of_the_project_is_checked_below():
    assert sorted(_project_prepared_queries()) == sorted(_CHECKED)


def _check_rooms_with_membership(query, world):
    for room in [*world["rooms"], None]:
        for user in world["users"]:
            for with_timer in (True, False):
                _same_as_the_orm(
                    query,
                    room_id=room.pk if room else 10**9,
                    user_id=user.pk,
                    with_timer=with_timer,
                )


def _check_rooms_for_anonymous(query, world):
    for room in world["rooms"]:
        for with_timer in (True, False):
            _same_as_the_orm(query, room_id=room.pk, with_timer=with_timer)


def _check_present_memberships(query, world):
    found = 0
    for room in world["rooms"]:
        for user in world["users"]:
            found += len(_same_as_the_orm(query, room_id=room.pk, user_id=user.pk))
    assert found >= 2  # some present, some not


def _check_unsearched_rooms(query, world):
    assert _same_as_the_orm(query, start=0, stop=20)
    for start, stop in [(0, 2), (2, 4), (4, 6), (0, 0), (100, 120)]:
        _same_as_the_orm(query, start=start, stop=stop)


def _check_unsearched_rows(query, world):
    assert _same_as_the_orm(query, skip=0, limit=20)
    for skip, limit in [(0, 2), (2, 2), (5, 1), (100, 20)]:
        _same_as_the_orm(query, skip=skip, limit=limit)


def _check_usable_by_digest(query, world):
    now = timezone.now()
    assert _same_as_the_orm(query, digest="d" * 64, now=now)
    for digest in ("e" * 64, "f" * 64):
        assert _same_as_the_orm(query, digest=digest, now=now) == []
    assert _same_as_the_orm(query, digest="d" * 64, now=now + timedelta(days=2)) == []


def _check_usable_by_jti(query, world):
    now = timezone.now()
    assert _same_as_the_orm(query, jti=world["jti"], now=now)
    assert _same_as_the_orm(query, jti="0" * 32, now=now) == []


def _check_unexpired_sessions(query, world):
    live, expired = world["sessions"]
    now = timezone.now()
    assert _same_as_the_orm(query, session_key=live, now=now)
    assert _same_as_the_orm(query, session_key=expired, now=now) == []
    assert _same_as_the_orm(query, session_key="x" * 32, now=now) == []


_CHECKED = {
    "rooms.queries._rooms_with_membership": _check_rooms_with_membership,
    "rooms.queries._rooms_for_anonymous": _check_rooms_for_anonymous,
    "rooms.queries._present_memberships": _check_present_memberships,
    "rooms.queries._unsearched_rooms": _check_unsearched_rooms,
    "api.routers.rooms._unsearched_rows": _check_unsearched_rows,
    "api.queries._usable_by_digest": _check_usable_by_digest,
    "api.queries._usable_by_jti": _check_usable_by_jti,
    "focusmate.sessions._unexpired_by_key": _check_unexpired_sessions,
}


@pytest.mark.parametrize("name", sorted(_CHECKED))
def test_each_prepared_query_answers_as_the_orm(name, world):
    _CHECKED[name](_project_prepared_queries()[name], world)


def test_switched_off_for_a_measurement_it_runs_the_plain_queryset(settings, alice):
    settings.PERF_KIT_OFF = frozenset({"prepared"})  # PERF_KIT_OFF=prepared (bench/kit.py)
    room = Room.objects.create(name="Room", owner=alice)
    query = PreparedQuery(lambda pk: Room.objects.filter(pk=pk), params={"pk": int})
    assert query.fetch(pk=room.pk) == [room]
    assert query._shapes == {}  # nothing compiled and kept
