"""Which connector reads which kind of input.

Connectors are imported lazily so that ``palabre --help`` stays fast and a
connector with an optional dependency only needs it when used.
"""

from __future__ import annotations

import importlib

from palabre.connectors.base import Connector
from palabre.errors import ValidationError

#: kind -> "module:ClassName"
CONNECTORS: dict[str, str] = {
    "messages": "palabre.connectors.generic:GenericMessagesConnector",
    "people": "palabre.connectors.people:PeopleConnector",
    "slack": "palabre.connectors.slack:SlackConnector",
    "mattermost": "palabre.connectors.mattermost:MattermostConnector",
    "discourse": "palabre.connectors.discourse:DiscourseConnector",
    "mbox": "palabre.connectors.mbox:MboxConnector",
    "activitypub": "palabre.connectors.activitypub:ActivityPubConnector",
}


def connector_class(kind: str) -> type[Connector]:
    """Return the connector class for ``kind`` or raise a clear error listing the kinds."""
    target = CONNECTORS.get(kind)
    if target is None:
        known = ", ".join(sorted(CONNECTORS))
        raise ValidationError(f"unknown import kind '{kind}' (known kinds: {known})")
    module_name, _, class_name = target.partition(":")
    module = importlib.import_module(module_name)
    cls: object = getattr(module, class_name)
    assert isinstance(cls, type)
    assert issubclass(cls, Connector)
    return cls
