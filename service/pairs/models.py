"""Standing pairs and visit rhythms."""
from __future__ import annotations

__all__: list[str] = []
