"""Every source type Community Pulse can ingest, by the `type` a config gives it."""

from __future__ import annotations

from ingestion.discourse import DISCOURSE
from ingestion.runtime.spec import SourceType
from ingestion.shopify import SHOPIFY

SOURCE_TYPES: dict[str, SourceType] = {t.name: t for t in (DISCOURSE, SHOPIFY)}
