"""GET /stats/user/{id}?days= takes any whole number of days from 1 to 366."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("days", [1, 7, 30, 90, 365, 366])
def test_any_whole_number_of_days_up_to_a_year_is_served(api_as, alice, days):
    answer = api_as(alice).call("GET", f"stats/user/{alice.pk}?days={days}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["days"] == days
    assert len(body["daily"]) == days


def test_days_defaults_to_a_week(api_as, alice):
    assert api_as(alice).call("GET", f"stats/user/{alice.pk}").json()["days"] == 7


@pytest.mark.parametrize("days", ["0", "367", "-1", "abc", "7.5", "1e3", ""])
def test_other_values_are_422_naming_the_range(api_as, alice, days):
    answer = api_as(alice).call("GET", f"stats/user/{alice.pk}?days={days}")
    assert answer.status_code == 422
    messages = [error["msg"] for error in answer.json()["detail"]]
    assert messages == ["days must be a whole number from 1 to 366."]


def test_the_schema_shows_the_range(api_as, alice):
    schema = api_as(alice).call("GET", "openapi.json").json()
    parameters = schema["paths"]["/api/v1/stats/user/{user_id}"]["get"]["parameters"]
    days = next(p for p in parameters if p["name"] == "days")
    assert (days["schema"]["minimum"], days["schema"]["maximum"]) == (1, 366)
