"""The service layer: every operation the API offers, with roles enforced here, on the server.

Routes validate input and call one method; this package owns transactions, role checks
and the engine. An officer sees only their own unit's briefs; another unit's brief is
"not found" to them, never "forbidden", so its existence is not revealed.

`ReviewService` is one object over one database and one model; its operations are
written one job per module and combined here:

    base           the database, model, configuration, duplicate index (kept up to date
                   across worker processes)
    accounts       users, logins and sessions, audit log, editable settings
    checking       a draft's review against the archive, similar briefs, 范例
    briefs         submission, resubmission, reading, search, archive import
    followthrough  审签, 续报 chains, 批示 follow-ups
    queue          the editors' queue and same-event clusters
    decisions      editors' decisions and their points
    standings      the monthly 通报
    topics         约稿 topics
    rows           reading brief rows into what routes return

Each job is a class over `ServiceBase`; one operation may call another's (a decision
returns the brief as `get_brief` gives it), which is why they share one object.
"""

from __future__ import annotations

from api.services.accounts import Accounts
from api.services.base import (
    ACTIONS,
    ADOPT_LEVELS,
    CATCH_UP_LOOKBACK,
    INSTRUCT_LEVELS,
    OPEN_STATUSES,
    Caller,
    ServiceBase,
)
from api.services.briefs import Briefs
from api.services.checking import Checking
from api.services.decisions import Decisions
from api.services.followthrough import FollowThrough
from api.services.queue import Queue
from api.services.standings import Standings
from api.services.topics import Topics

__all__ = ["ACTIONS", "ADOPT_LEVELS", "CATCH_UP_LOOKBACK", "INSTRUCT_LEVELS", "OPEN_STATUSES", "Caller",
           "ReviewService"]


class ReviewService(Accounts, Checking, Briefs, FollowThrough, Queue, Decisions, Standings, Topics, ServiceBase):
    """Briefs, reviews, decisions and users over one database, with one loaded model."""
