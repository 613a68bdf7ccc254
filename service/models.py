"""Every model, imported in one place so metadata (and Alembic) sees all tables."""

from .audit.models import AuditEvent  # noqa: F401
from .people.idempotency import IdempotencyRecord  # noqa: F401
from .people.models import Account, ApiToken, AvailabilityWindow, Member, RoleGrant, SkillTag  # noqa: F401
from .places.models import Area, Unit, UnitPairing  # noqa: F401
from .registration.models import *  # noqa: F403
from .points.models import *  # noqa: F403
from .needs.models import *  # noqa: F403
from .tasks.models import *  # noqa: F403
from .notifications.models import *  # noqa: F403
from .rankings.models import *  # noqa: F403
from .jobs.models import *  # noqa: F403
from .pairs.models import *  # noqa: F403
from .matching.models import *  # noqa: F403
