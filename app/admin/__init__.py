"""The back office's HTTP endpoints (`/api/v1/admin/...`) over the services of the domains they edit."""

from app.admin.controllers import ADMIN_CONTROLLERS

__all__ = ["ADMIN_CONTROLLERS"]
