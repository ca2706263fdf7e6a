"""The application factory: Litestar for HTTP, wrapped by Socket.IO, wrapped by request observation.

Tests, the CLI and uvicorn (`uvicorn --factory app.main:create_app`) all build the app here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import socketio
from litestar import Litestar, Request
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from app.admin import ADMIN_CONTROLLERS
from app.alerts import AlertController, StateLimitController
from app.auth.controllers import AuthController
from app.auth.middleware import SessionMiddleware
from app.board import BoardSnapshotController
from app.branches.controllers import BranchController
from app.catalog import CatalogController
from app.catalog.admin_controllers import CatalogAdminController
from app.couriers import CourierLocationController
from app.customers import CustomerController
from app.devices import DeviceController
from app.dispatch.controllers import DispatchController
from app.expenses.controllers import ExpenseController
from app.health.controllers import HealthController
from app.inventory.controllers import InventoryController
from app.invoices import InvoiceController
from app.kitchen.controllers import (
    KdsController,
    KitchenMetricsController,
    KitchenOrderController,
    TicketController,
)
from app.language import LanguageController
from app.language.services import language_hook
from app.lib.deps import DEPENDENCIES
from app.lib.errors import EXCEPTION_HANDLERS
from app.lib.logging import configure_logging
from app.lib.metrics import HttpMetrics, Registry
from app.lib.observe import ObserveRequests
from app.lib.openapi import DocumentedScalars, ErrorResponses
from app.lib.request import PasslineRequest, screen_path
from app.lib.runtime import Runtime
from app.menu.controllers import MenuController
from app.orders.actions.controllers import OrderActionController
from app.orders.controllers import BoardController, OrderController
from app.orders.persister import register_persister_metrics
from app.payments.controllers import PaymentController, PaymentWebhookController
from app.pos.profiles_controllers import PosController
from app.preferences import PreferenceController
from app.queue import QueueController, ServiceTicketController
from app.reports.controllers import ReportController
from app.shifts.controllers import ShiftController
from app.staff.controllers import ClockController, PayRateController
from app.wiring import wire
from displays.routes import DISPLAY_ROUTES, static_files_routers, template_config
from realtime import bridge as realtime_bridge
from realtime.server import create_sio

if TYPE_CHECKING:
    from app.settings import Settings


def create_litestar(
    runtime: Runtime, registry: Registry, sio: socketio.AsyncServer | None = None
) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await runtime.open()
        runtime.journal.start()
        if sio is not None:
            await realtime_bridge.start(runtime, sio, registry=registry)
        try:
            yield
        finally:
            if sio is not None:
                await realtime_bridge.stop(sio)
            await runtime.close()

    return Litestar(
        route_handlers=[
            HealthController,
            AuthController,
            BranchController,
            OrderController,
            BoardController,
            BoardSnapshotController,
            CatalogController,
            CatalogAdminController,
            PosController,
            CustomerController,
            TicketController,
            KdsController,
            KitchenOrderController,
            KitchenMetricsController,
            OrderActionController,
            AlertController,
            StateLimitController,
            PreferenceController,
            CourierLocationController,
            DispatchController,
            PaymentController,
            PaymentWebhookController,
            ShiftController,
            DeviceController,
            QueueController,
            ServiceTicketController,
            InvoiceController,
            *ADMIN_CONTROLLERS,
            ReportController,
            LanguageController,
            MenuController,
            *DISPLAY_ROUTES,
            *static_files_routers(),
            # Inventory and petty cash (app/inventory, app/expenses).
            InventoryController,
            ExpenseController,
            # The time clock and pay rates (app/staff).
            ClockController,
            PayRateController,
        ],
        dependencies=DEPENDENCIES,
        middleware=[SessionMiddleware(runtime)],
        exception_handlers=EXCEPTION_HANDLERS,
        # Every operation's error statuses in the OpenAPI document (app/lib/openapi.py).
        plugins=[ErrorResponses(), DocumentedScalars()],
        before_request=_before_request,
        # ui-core: pages (HTML with their page data) go brotli/gzip-compressed; the API, the hashed assets
        # (compressed once by displays/assets.py) and probes are left alone.
        compression_config=CompressionConfig(
            backend="brotli",
            brotli_gzip_fallback=True,
            minimum_size=1024,
            exclude=["^/api/", "^/assets/", "^/metrics", "^/health", "^/schema", "^/socket.io"],
        ),
        lifespan=[lifespan],
        state=State({"runtime": runtime, "metrics": registry}),
        template_config=template_config(),
        request_max_body_size=runtime.settings.server.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Passline",
            version="0.1.0",
            path="/schema",
            # The UI plugins load their scripts from a CDN, which a shop LAN may not reach: serve JSON only.
            render_plugins=[JsonRenderPlugin(path=("/", "/openapi.json"))],
        ),
        logging_config=None,
        request_class=PasslineRequest,
    )


async def _before_request(request: Request[Any, Any, Any]) -> None:
    """Litestar takes one hook: hostile paths are refused first, then the request's language is chosen."""
    await screen_path(request)
    await language_hook(request)


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> ObserveRequests:
    wire()
    runtime = runtime or Runtime(settings)
    configure_logging(level=runtime.settings.server.log_level, json=runtime.settings.server.log_json)
    registry = Registry()
    register_persister_metrics(registry, runtime)
    sio = create_sio(runtime)
    litestar_app = create_litestar(runtime, registry, sio)
    combined = socketio.ASGIApp(sio, other_asgi_app=litestar_app, socketio_path="socket.io")
    return ObserveRequests(combined, HttpMetrics(registry))
