"""In-app inbox, and one sender interface for outbound SMS / WeChat messages."""

from . import personal_data  # noqa: F401  (adds this package's part to people's registries)
