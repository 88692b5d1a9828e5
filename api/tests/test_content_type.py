"""A JSON body must be sent as application/json: anything else is a CORS "simple"
request a page on any site could make a browser send without asking first."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from ninja import File, NinjaAPI, Schema, UploadedFile
from ninja.testing import TestClient

from api.api import api
from api.parser import JsonBodyParser
from api.services import token_issue

pytestmark = pytest.mark.django_db

EXPECTED = {"detail": "The request body must be JSON, sent with Content-Type: application/json."}


def _operations_with_a_body() -> list[tuple[str, str]]:
    """Every operation of the published schema that takes a request body (new ones too)."""
    paths = api.get_openapi_schema()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]


OPERATIONS = _operations_with_a_body()


def test_the_schema_lists_the_writes_with_a_body():
    assert ("POST", "/api/v1/auth/register") in OPERATIONS
    assert ("POST", "/api/v1/auth/login") in OPERATIONS
    assert len(OPERATIONS) >= 15


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_the_schema_says_each_write_with_a_body_may_answer_415(method, path):
    operation = api.get_openapi_schema()["paths"][path][method.lower()]

    schema = operation["responses"]["415"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["detail"]


def test_operations_without_a_body_list_no_415():
    operation = api.get_openapi_schema()["paths"]["/api/v1/timer/{room_id}"]["get"]

    assert "415" not in operation["responses"]


def _send(client: Client, method: str, path: str, content_type: str | None, token: str):
    url = path.replace("{", "").replace("}", "")  # ids don't matter: the body is refused first
    url = "/".join("1" if part.endswith("_id") else part for part in url.split("/"))
    url = url.replace("category", "focus") if "category" in path else url
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = json.dumps({"username": "alice", "password": "x"})
    if content_type is None:
        # The test client always sets one; a raw request without it, as curl -H "Content-Type:".
        return client.generic(method, url, body, content_type="", **headers)
    return client.generic(method, url, body, content_type=content_type, **headers)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        None,
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
    ],
)
def test_a_body_that_is_not_json_is_415(method, path, content_type, alice):
    token = token_issue(user=alice)[1]

    response = _send(Client(), method, path, content_type, token)

    assert response.status_code == 415, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == EXPECTED


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=UTF-8"])
def test_login_with_a_json_body_works(content_type, alice, password):
    response = Client().post(
        "/api/v1/auth/login",
        json.dumps({"username": "alice", "password": password}),
        content_type=content_type,
    )

    assert response.status_code == 200
    assert response.json()["access_token"]


def test_login_as_text_plain_gives_no_token(alice, password):
    response = Client().post(
        "/api/v1/auth/login",
        json.dumps({"username": "alice", "password": password}),
        content_type="text/plain",
    )

    assert response.status_code == 415
    assert "access_token" not in response.content.decode()


def test_an_action_without_a_body_needs_no_content_type(alice, room):
    token = token_issue(user=alice)[1]

    response = Client().generic(
        "POST",
        f"/api/v1/timer/{room.pk}/start",
        content_type="",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "running"


class Caption(Schema):
    text: str


# A throwaway API with the same parser, taking a file and a JSON field.
uploads = NinjaAPI(parser=JsonBodyParser(), urls_namespace="uploads")


@uploads.post("/upload")
def upload(request, caption: Caption, picture: File[UploadedFile]):
    return {"text": caption.text, "size": picture.size}


def test_a_schema_beside_a_file_still_comes_as_a_multipart_form():
    """django-ninja reads that JSON field out of the multipart form with the parser."""
    response = TestClient(uploads).post(
        "/upload",
        data={"caption": json.dumps({"text": "hello"})},
        FILES={"picture": SimpleUploadedFile("p.png", b"12345")},
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"text": "hello", "size": 5}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", "text/plain"),
        (b"", "application/x-www-form-urlencoded"),
        (b"--x--\r\n", "multipart/form-data; boundary=x"),
    ],
)
def test_an_empty_body_or_form_is_an_empty_object(body, content_type, alice):
    """The original's clients send none where every field is optional."""
    token = token_issue(user=alice)[1]

    response = Client().generic(
        "POST",
        f"/api/v1/achievements/user/{alice.pk}/check",
        body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200, response.content
