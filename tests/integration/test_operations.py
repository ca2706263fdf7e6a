"""Health, readiness, metrics, request ids, OpenAPI."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest


async def test_liveness(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_checks_postgres_and_redis(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"postgres": "ok", "redis": "ok"}


async def test_readiness_is_503_naming_what_is_down(settings: Any) -> None:
    """A web process whose Redis is gone answers 503 and says it is Redis, not PostgreSQL."""
    import msgspec

    from app.lib.runtime import Runtime
    from app.main import create_app

    dead_redis = msgspec.structs.replace(
        settings, redis=msgspec.structs.replace(settings.redis, url="redis://127.0.0.1:1/0")
    )
    runtime = Runtime(dead_redis)
    await runtime.open()
    try:
        app = create_app(runtime=runtime)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            response = await http.get("/health/ready")
    finally:
        await runtime.close()
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["redis"]
    assert body["checks"]["postgres"] == "ok"
    assert body["checks"]["redis"].startswith("down:")


async def test_metrics_count_requests_by_route_template_with_latency_histogram(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/health/live")
    await client.get("/api/v1/branches/12345")  # 401: counted under its template, not its raw path
    await client.get("/no/such/page")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE passline_http_requests counter" in text
    assert 'passline_http_requests_total{method="GET",route="/health/live",status="200"} 1' in text
    assert 'route="/api/v1/branches/{branch_id}",status="401"' in text
    assert 'passline_http_requests_total{method="GET",route="<unmatched>",status="404"} 1' in text
    assert re.search(
        r'passline_http_request_duration_seconds_bucket\{method="GET",route="/health/live",le="\+Inf"\} 1',
        text,
    )
    assert "12345" not in text


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    generated = await client.get("/health/live")
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    kept = await client.get("/health/live", headers={"X-Request-ID": "lb-abc123456"})
    assert kept.headers["x-request-id"] == "lb-abc123456"
    replaced = await client.get("/health/live", headers={"X-Request-ID": "<script>"})
    assert replaced.headers["x-request-id"] != "<script>"


async def test_openapi_schema_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/auth/login" in paths
    assert (await client.get("/schema")).status_code == 200


@pytest.mark.parametrize("path", ["/", "/login"])
async def test_pages_render_without_a_session(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, follow_redirects=True)
    assert response.status_code == 200
    assert 'id="login-form"' in response.text
    assert "http://" not in response.text and "https://" not in response.text  # nothing from a CDN
