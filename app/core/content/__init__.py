"""Content: intents, phrasebook and vocabulary loaded from YAML into an immutable catalog."""

from app.core.content.errors import ContentError, ContentInvalid
from app.core.content.loader import load_catalog
from app.core.content.models import Catalog

__all__ = ["Catalog", "ContentError", "ContentInvalid", "load_catalog"]
