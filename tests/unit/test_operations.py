"""Structured logs: one JSON object a line, with the request id and the extra fields."""

from __future__ import annotations

import json
import logging

from app.lib.logging import JsonFormatter, request_id_var


def test_json_logs_carry_the_request_id_and_extra_fields() -> None:
    record = logging.LogRecord("passline.test", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    record.order_id = "o-1"
    token = request_id_var.set("req-42")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["msg"] == "hello world"
    assert line["request_id"] == "req-42"
    assert line["order_id"] == "o-1"
    assert line["level"] == "info"
