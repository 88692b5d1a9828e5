from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db


def _png(size=(64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, "PNG")
    return buffer.getvalue()


def test_public_profile_shows_bio_and_member_since(client, alice, django_assert_num_queries):
    alice.bio = "Writing a thesis <script>alert(1)</script>"
    alice.save()

    # the shown user, the stats summary (all-time totals, the streak's days), the badges
    with django_assert_num_queries(4):
        response = client.get(reverse("accounts:profile", args=["alice"]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Writing a thesis" in body
    assert "<script>alert(1)</script>" not in body
    assert "Member since" in body


def test_public_profile_of_an_unknown_user_is_404(client, db):
    assert client.get(reverse("accounts:profile", args=["nobody"])).status_code == 404


def test_profile_edit_needs_login(client):
    response = client.get(reverse("accounts:profile_edit"))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_owner_edits_bio_and_timezone(client, alice, django_assert_num_queries):
    client.force_login(alice)

    # the session and the user
    with django_assert_num_queries(2):
        page = client.get(reverse("accounts:profile_edit"))
    response = client.post(
        reverse("accounts:profile_edit"), {"bio": "Deep work fan", "timezone": "Asia/Tokyo"}
    )

    assert page.status_code == 200
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.bio == "Deep work fan"
    assert alice.timezone == "Asia/Tokyo"


def test_edit_page_only_ever_edits_the_requesting_user(client, alice, bob):
    client.force_login(bob)

    # No URL names a user to edit; extra fields that try to are ignored.
    client.post(
        reverse("accounts:profile_edit"),
        {"bio": "bob's bio", "timezone": "UTC", "id": alice.pk, "username": "alice"},
    )

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.bio == ""
    assert bob.bio == "bob's bio"
    assert bob.username == "bob"


def test_there_is_no_url_to_edit_another_users_profile(client, alice, bob):
    client.force_login(bob)

    response = client.post(f"/u/{alice.username}/", {"bio": "hacked", "timezone": "UTC"})

    assert response.status_code in (403, 404, 405)
    alice.refresh_from_db()
    assert alice.bio == ""


def test_profile_service_refuses_another_users_profile(alice, bob):
    from django.core.exceptions import PermissionDenied

    from accounts import services

    with pytest.raises(PermissionDenied):
        services.profile_update(
            user=alice, by=bob, bio="x", timezone="UTC", stats_public=True, on_leaderboard=False
        )
    alice.refresh_from_db()
    assert alice.bio != "x"


def test_bad_timezone_is_refused_with_a_message(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("accounts:profile_edit"), {"bio": "kept", "timezone": "Mars/Olympus"}
    )

    assert response.status_code == 422
    assert "Mars/Olympus is not one of the available choices" in response.content.decode()
    # What the user typed is still in the form, not lost.
    assert "kept" in response.content.decode()
    alice.refresh_from_db()
    assert alice.timezone == "Europe/Berlin"


def test_bio_over_500_characters_is_refused(client, alice):
    client.force_login(alice)

    response = client.post(reverse("accounts:profile_edit"), {"bio": "x" * 501, "timezone": "UTC"})

    assert response.status_code == 422
    assert "at most 500 characters" in response.content.decode()


def test_avatar_upload_accepts_a_png(client, alice):
    client.force_login(alice)
    avatar = SimpleUploadedFile("me.png", _png(), content_type="image/png")

    response = client.post(
        reverse("accounts:profile_edit"), {"bio": "", "timezone": "UTC", "avatar": avatar}
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.avatar.name.startswith(f"avatars/{alice.pk}/")
    assert alice.avatar.storage.exists(alice.avatar.name)


def test_avatar_rejects_a_file_that_is_not_an_image(client, alice):
    client.force_login(alice)
    fake = SimpleUploadedFile("me.png", b"#!/bin/sh\necho not an image\n", content_type="image/png")

    response = client.post(reverse("accounts:profile_edit"), {"timezone": "UTC", "avatar": fake})

    assert response.status_code == 422
    assert "Upload a valid image" in response.content.decode()
    alice.refresh_from_db()
    assert not alice.avatar


def test_avatar_rejects_an_oversized_file(client, alice, settings):
    settings.AVATAR_MAX_BYTES = 1024
    client.force_login(alice)
    big = SimpleUploadedFile("big.png", _png((400, 400)) + b"\0" * 2048, content_type="image/png")

    response = client.post(reverse("accounts:profile_edit"), {"timezone": "UTC", "avatar": big})

    assert response.status_code == 422
    assert "the limit is 1.0\xa0KB" in response.content.decode()
    alice.refresh_from_db()
    assert not alice.avatar


def test_profile_shows_the_stats_summary(client, alice):
    from stats.tests.factories import SessionHistoryFactory

    SessionHistoryFactory(user=alice, seconds_credited=5400)

    body = client.get(reverse("accounts:profile", args=["alice"])).content.decode()

    assert 'data-testid="profile-stats"' in body
    assert "1.5 h" in body
    assert "1 day" in body  # the current streak


def test_hidden_stats_are_not_shown_to_others_or_even_queried(
    client, alice, bob, django_assert_num_queries
):
    alice.stats_public = False
    alice.save()
    client.force_login(bob)

    # session, user, the shown user: no stats or achievements queries
    with django_assert_num_queries(3):
        body = client.get(reverse("accounts:profile", args=["alice"])).content.decode()

    assert 'data-testid="profile-stats"' not in body
    assert 'data-testid="profile-badges"' not in body


def test_hidden_stats_are_still_shown_to_their_owner(client, alice):
    alice.stats_public = False
    alice.save()
    client.force_login(alice)

    body = client.get(reverse("accounts:profile", args=["alice"])).content.decode()

    assert 'data-testid="profile-stats"' in body
    assert "Only you can see these figures." in body


def test_owner_chooses_stats_visibility_and_the_leaderboard(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("accounts:profile_edit"),
        {"bio": "", "timezone": "Europe/Berlin", "on_leaderboard": "on"},
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.stats_public is False  # an unticked checkbox
    assert alice.on_leaderboard is True


def test_public_profile_lists_unlocked_achievements_and_points(client, alice):
    from achievements.models import Achievement, UserAchievement

    first = Achievement.objects.get(slug="first-session")
    UserAchievement.objects.create(user=alice, achievement=first)

    body = client.get(reverse("accounts:profile", args=["alice"])).content.decode()

    assert 'data-testid="profile-badges"' in body
    assert first.name in body
    assert f"{first.points} pts" in body


def test_an_avatar_with_too_many_pixels_is_refused_without_decoding_it(client, alice):
    """A 12000 x 12000 PNG is a few kB on the wire and half a gigabyte decoded."""
    client.force_login(alice)
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, "PNG")
    huge = SimpleUploadedFile("huge.png", buffer.getvalue(), content_type="image/png")

    response = client.post(reverse("accounts:profile_edit"), {"timezone": "UTC", "avatar": huge})

    assert response.status_code == 422
    assert "12000 x 12000 pixels; the limit is 4096 x 4096" in response.content.decode()
    alice.refresh_from_db()
    assert not alice.avatar


def test_an_avatar_is_stored_re_encoded_small_and_without_its_metadata(client, alice):
    client.force_login(alice)
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    Image.new("RGB", (2000, 1000), "teal").save(buffer, "JPEG", exif=exif)
    polyglot = buffer.getvalue() + b"<?php echo 'hidden'; ?>"  # a second format riding along
    upload = SimpleUploadedFile("me.jpg", polyglot, content_type="image/jpeg")

    response = client.post(reverse("accounts:profile_edit"), {"timezone": "UTC", "avatar": upload})

    assert response.status_code == 302
    alice.refresh_from_db()
    stored = alice.avatar.read()
    assert b"secret description" not in stored and b"<?php" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (512, 256)
        assert not image.getexif()


def test_avatars_are_served_with_headers_that_keep_them_images(client, alice, settings):
    client.force_login(alice)
    avatar = SimpleUploadedFile("me.png", _png(), content_type="image/png")
    client.post(reverse("accounts:profile_edit"), {"timezone": "UTC", "avatar": avatar})
    alice.refresh_from_db()

    response = client.get(alice.avatar.url)

    assert response.status_code == 200
    assert response["Content-Type"] in ("image/png", "image/jpeg")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert client.get("/media/../focusmate/settings.py").status_code in (400, 404)


def test_profile_checkboxes_sit_inside_their_labels(client, alice):
    client.force_login(alice)

    body = client.get(reverse("accounts:profile_edit")).content.decode()

    assert '<label for="id_stats_public"><input type="checkbox" name="stats_public"' in body
    assert 'class="field field-check"' in body
