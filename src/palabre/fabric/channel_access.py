"""Who may read which channel: one rule of the reader's role, for Python and for SQL.

The rule (:func:`may_read_channel`, and :func:`channel_rule` as a SQL condition) is
applied inside every query that reads conversations, so that a list, a count, a search
and a person's timeline can never disagree about what a role may read:

* customer-facing channels (community, social, support, e-mail): ``admin``,
  ``analyst``, ``innovation``, ``manager``;
* internal channels (chat, intranet): every employee role (all but ``customer``);
* private and direct conversations, whatever their kind: ``admin`` only;
* survey channels: nobody (individual answers are only ever shown in aggregate).
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from palabre.db.prepared import among_constants
from palabre.fabric.models import Channel

CUSTOMER_CHANNEL_KINDS: Final = ("community", "social", "support", "email")
INTERNAL_CHANNEL_KINDS: Final = ("chat", "intranet")
CUSTOMER_CHANNEL_ROLES: Final = frozenset({"admin", "analyst", "innovation", "manager"})
INTERNAL_CHANNEL_ROLES: Final = frozenset(
    {"admin", "analyst", "innovation", "hr", "manager", "member"}
)
#: Roles that may read private and direct conversations.
RESTRICTED_CHANNEL_ROLES: Final = frozenset({"admin"})
#: Roles for whom the conversations browser exists at all.
BROWSER_ROLES: Final = ("admin", "analyst", "innovation", "hr", "manager", "member")


def readable_kinds(role: str) -> tuple[str, ...]:
    """The channel kinds ``role`` may read (public conversations)."""
    kinds: tuple[str, ...] = ()
    if role in CUSTOMER_CHANNEL_ROLES:
        kinds += CUSTOMER_CHANNEL_KINDS
    if role in INTERNAL_CHANNEL_ROLES:
        kinds += INTERNAL_CHANNEL_KINDS
    return kinds


def may_read_channel(role: str, kind: str, visibility: str) -> bool:
    """Whether ``role`` may read a channel of this kind and visibility."""
    if kind not in readable_kinds(role):
        return False
    return visibility == "public" or role in RESTRICTED_CHANNEL_ROLES


def channel_rule(role: str) -> sa.ColumnElement[bool]:
    """The SQL condition on :class:`Channel` that :func:`may_read_channel` states."""
    kinds = readable_kinds(role)
    if not kinds:
        return sa.false()
    readable = among_constants(Channel.kind, kinds)
    if role in RESTRICTED_CHANNEL_ROLES:
        return readable
    return sa.and_(readable, Channel.visibility == "public")
