"""A small in-process Prometheus registry: counters, gauges and histograms in the text format.

Written here rather than taken from prometheus_client because the web process only needs a handful of
series and this keeps the hot path to a dict lookup and an integer add per request.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

LabelValues = tuple[str, ...]

DEFAULT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: tuple[str, ...], values: LabelValues, extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _num(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Counter:
    kind = "counter"

    def __init__(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.doc, self.label_names = name, doc, labels
        self._values: dict[LabelValues, float] = {}

    def inc(self, *labels: str, amount: float = 1.0) -> None:
        self._values[labels] = self._values.get(labels, 0.0) + amount

    def value(self, *labels: str) -> float:
        return self._values.get(labels, 0.0)

    def clear(self) -> None:
        self._values.clear()

    def samples(self) -> Iterable[str]:
        for labels, value in sorted(self._values.items()):
            yield f"{self.name}_total{_labels(self.label_names, labels)} {_num(value)}"


class Gauge:
    kind = "gauge"

    def __init__(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.doc, self.label_names = name, doc, labels
        self._values: dict[LabelValues, float] = {}

    def set(self, value: float, *labels: str) -> None:
        self._values[labels] = value

    def clear(self) -> None:
        self._values.clear()

    def samples(self) -> Iterable[str]:
        for labels, value in sorted(self._values.items()):
            yield f"{self.name}{_labels(self.label_names, labels)} {_num(value)}"


class Histogram:
    kind = "histogram"

    def __init__(
        self, name: str, doc: str, labels: tuple[str, ...] = (), buckets: tuple[float, ...] = DEFAULT_BUCKETS
    ) -> None:
        self.name, self.doc, self.label_names = name, doc, labels
        self.buckets = buckets
        # Per label set: per-bucket counts (non-cumulative, +Inf last), sum, count.
        self._series: dict[LabelValues, tuple[list[int], list[float]]] = {}

    def observe(self, value: float, *labels: str) -> None:
        series = self._series.get(labels)
        if series is None:
            series = ([0] * (len(self.buckets) + 1), [0.0, 0.0])
            self._series[labels] = series
        counts, totals = series
        counts[bisect.bisect_left(self.buckets, value)] += 1
        totals[0] += value
        totals[1] += 1

    def clear(self) -> None:
        self._series.clear()

    def samples(self) -> Iterable[str]:
        for labels, (counts, totals) in sorted(self._series.items()):
            running = 0
            for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                running += count
                le = 'le="' + _num(bound) + '"'
                yield f"{self.name}_bucket{_labels(self.label_names, labels, le)} {running}"
            yield f"{self.name}_sum{_labels(self.label_names, labels)} {_num(totals[0])}"
            yield f"{self.name}_count{_labels(self.label_names, labels)} {_num(totals[1])}"


Metric = Counter | Gauge | Histogram
M = TypeVar("M", Counter, Gauge, Histogram)


class Registry:
    def __init__(self) -> None:
        self._metrics: list[Metric] = []
        self._collectors: list[Callable[[], Awaitable[None]]] = []

    def register(self, metric: M) -> M:
        self._metrics.append(metric)
        return metric

    def reset(self) -> None:
        """Every series back to nothing: for a process that serves one run after another (the tests
        share one application per worker; building one costs Litestar ~0.1 s of CPU)."""
        for metric in self._metrics:
            metric.clear()

    def add_collector(self, collect: Callable[[], Awaitable[None]]) -> None:
        """A coroutine run before each scrape to refresh gauges read from Redis or PostgreSQL."""
        self._collectors.append(collect)

    async def render(self) -> str:
        for collect in self._collectors:
            await collect()
        lines: list[str] = []
        for metric in self._metrics:
            lines.append(f"# HELP {metric.name} {metric.doc}")
            lines.append(f"# TYPE {metric.name} {metric.kind}")
            lines.extend(metric.samples())
        return "\n".join(lines) + "\n"


class HttpMetrics:
    """The series the request wrapper feeds; one instance per application."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.requests = registry.register(
            Counter("passline_http_requests", "HTTP requests served", ("method", "route", "status"))
        )
        self.latency = registry.register(
            Histogram("passline_http_request_duration_seconds", "HTTP request latency", ("method", "route"))
        )
        self.in_flight = registry.register(
            Gauge("passline_http_requests_in_flight", "HTTP requests in flight")
        )
        self._in_flight = 0

    def started(self) -> None:
        self._in_flight += 1
        self.in_flight.set(self._in_flight)

    def finished(self, method: str, route: str, status: int, seconds: float) -> None:
        self._in_flight -= 1
        self.in_flight.set(self._in_flight)
        self.requests.inc(method, route, str(status))
        self.latency.observe(seconds, method, route)
