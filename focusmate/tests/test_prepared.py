"""PreparedQuery: the SQL compiled once, run with new values, as the ORM would answer."""

from __future__ import annotations

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
