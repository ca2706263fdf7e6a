"""Every controller of the back office, registered by the app factory in one line."""

from __future__ import annotations

from app.admin.audit import AuditController
from app.admin.branches import BranchAdminController, TerritoryAdminController
from app.admin.customers import CustomerAdminController
from app.admin.menu import MediaController, MenuAdminController
from app.admin.people import PeopleAdminController
from app.auth.pin import PinController

ADMIN_CONTROLLERS = (
    MenuAdminController,
    MediaController,
    CustomerAdminController,
    AuditController,
    PeopleAdminController,
    PinController,
    BranchAdminController,
    TerritoryAdminController,
)
