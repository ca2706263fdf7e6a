"""The OpenAPI document tells the truth: each operation lists the statuses it answers, every error
answer has the one error body, and money, quantity and phone fields carry their pattern and an example.

The fuzzing gate (test_api_fuzz.py) holds the server to the document; these hold the document to the
rules it is generated from, and check statuses that the gate, signed in as the admin, never sees.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.auth import login
from tests.support.factory import Factory

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def codes(document: dict[str, Any], method: str, path: str) -> set[int]:
    return {int(code) for code in operations(document)[(method, path)]["responses"]}


async def test_every_error_answer_is_documented_with_the_error_body(document: dict[str, Any]) -> None:
    ops = operations(document)
    assert len(ops) > 80
    error_body = document["components"]["schemas"]["ErrorOut"]
    assert set(error_body["required"]) == {"status_code", "detail"}
    for (method, path), operation in ops.items():
        responses = operation["responses"]
        assert "503" in responses, (method, path)  # PostgreSQL or Redis out of reach, anywhere
        for code, response in responses.items():
            if int(code) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, code)
                assert response["description"], (method, path, code)
        if path.startswith("/api/v1/") and "{" in path:
            assert "404" in responses, (method, path)


async def test_statuses_follow_guards_bodies_and_the_exceptions(document: dict[str, Any]) -> None:
    assert {200, 400, 401, 403, 404, 422, 503} <= codes(document, "GET", "/api/v1/orders/{order_id}")
    # A replay answers 200 with the same body as the 201.
    ops = operations(document)
    create = ops[("POST", "/api/v1/orders")]["responses"]
    assert create["200"]["content"] == create["201"]["content"]
    assert {400, 401, 403, 404, 409, 413, 422} <= codes(document, "POST", "/api/v1/orders")
    # Signing in: rate limited, JSON only, and no row to miss or conflict with.
    login_codes = codes(document, "POST", "/api/v1/auth/login/totp")
    assert {401, 415, 429} <= login_codes and not ({404, 409} & login_codes)
    # Nothing to validate, nothing to miss: signing out only needs a session (and, as a write, its CSRF).
    assert codes(document, "POST", "/api/v1/auth/logout") == {200, 401, 403, 408, 431, 503}
    assert 401 not in codes(document, "GET", "/api/v1/queue/{branch_id}/board")  # the TV signs in as nobody


async def test_an_undocumented_answer_would_be_caught(
    client: httpx.AsyncClient, factory: Factory, document: dict[str, Any]
) -> None:
    """Statuses the admin-driven fuzzer never meets, answered for real and found in the document."""
    branch = await factory.branch()
    await factory.user("hana", roles=("hr",), branches=(branch,))
    await factory.commit()
    assert (await client.get("/api/v1/orders")).status_code == 401
    assert 401 in codes(document, "GET", "/api/v1/orders")
    await login(client, "hana")
    refused = await client.get(f"/api/v1/branches/{branch.id}/board")
    assert refused.status_code == 403
    assert 403 in codes(document, "GET", "/api/v1/branches/{branch_id}/board")
    assert set(refused.json()) <= set(document["components"]["schemas"]["ErrorOut"]["properties"]) | {"extra"}


def schema_of(document: dict[str, Any], name: str, field: str) -> dict[str, Any]:
    prop: dict[str, Any] = document["components"]["schemas"][name]["properties"][field]
    return prop


def first_string(schema: dict[str, Any]) -> dict[str, Any]:
    """The string member of a `oneOf` (text-or-number amounts), or the schema itself."""
    for member in schema.get("oneOf", [schema]):
        if member.get("type") == "string":
            return member
    raise AssertionError(schema)


async def test_phones_and_payment_amounts_carry_pattern_and_example(document: dict[str, Any]) -> None:
    phones = schema_of(document, "CustomerCreate", "phones")["items"]
    assert phones["pattern"] and phones["examples"] == ["+20 100 555 0001"]
    assert phones["maxLength"] == 32

    amount = first_string(schema_of(document, "PaymentIn", "amount"))
    assert amount["pattern"] == r"^[0-9]{1,10}(\.[0-9]{1,4})?$"
    assert amount["examples"] == ["12.50"] and amount["description"]
