from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_person_signs_up_edits_their_profile_and_sees_it(live_site, new_page):
    page = new_page()
    page.goto(f"{live_site.url}/")
    page.get_by_role("link", name=re.compile("Sign up")).first.click()

    page.fill("input[name=username]", "maria")
    page.fill("input[name=email]", "maria@example.com")
    page.fill("input[name=password1]", "a long unusual passphrase 42")
    page.fill("input[name=password2]", "a long unusual passphrase 42")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(f"{live_site.url}/")

    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_site.url}/accounts/login/")
    page.fill("input[name=login]", "maria@example.com")
    page.fill("input[name=password]", "a long unusual passphrase 42")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_site.url}/")

    page.goto(f"{live_site.url}/settings/profile/")
    page.fill("textarea[name=bio]", "Writing my thesis, one pomodoro at a time.")
    page.select_option("select[name=timezone]", "America/Sao_Paulo")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile is saved.").wait_for()

    page.goto(f"{live_site.url}/u/maria/")
    assert page.get_by_test_id("bio").inner_text() == "Writing my thesis, one pomodoro at a time."
    assert "America/Sao_Paulo" in page.content()
