"""Tasks (任务) and claims (认领): the volunteer side of the closed loop."""

from . import personal_data  # noqa: F401  (adds this package's part to people's registries)
