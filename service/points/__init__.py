"""红色积分 (red points): service catalogue, versioned rule sets, the append-only ledger."""

from . import personal_data  # noqa: F401  (adds this package's part to people's registries)
