"""Which language and number format a request is answered in, and a user's choice of language."""

from app.language.controllers import LanguageController
from app.language.services import PageLocale, resolve_request_locale

__all__ = ["LanguageController", "PageLocale", "resolve_request_locale"]
