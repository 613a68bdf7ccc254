"""双报到 (double reporting): members register with their residence and unit communities."""

from . import personal_data  # noqa: F401  (adds this package's part to people's registries)
