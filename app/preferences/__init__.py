"""Per-user preferences (board filters and other screen settings), stored server-side."""

from app.preferences.controllers import PreferenceController
from app.preferences.services import PreferenceService

__all__ = ["PreferenceController", "PreferenceService"]
