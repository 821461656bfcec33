"""Reading the social fabric: who may read which channel, channels, threads, search.

The public face of the modules that do it, for the pages, the API and the other
domains; each module says how it does its part:

* :mod:`palabre.fabric.channel_access`: the access rule, one function of the reader's
  role applied inside every query (:func:`channel_rule`);
* :mod:`palabre.fabric.channels`: the channel list, a channel's threads, the latest
  conversations;
* :mod:`palabre.fabric.threads`: a whole thread, replies nested;
* :mod:`palabre.fabric.search`: a search by text, author, channel and dates, and a
  person's timeline;
* :mod:`palabre.fabric.message_rows`: what a reader sees of a channel, a thread or a
  message, made from plain rows; :mod:`palabre.fabric.paging`: one page of a list;
  :mod:`palabre.fabric.text_match`: a piece of text in a column, ignoring case.

Every function takes the session of the caller's transaction and never commits.
"""

from __future__ import annotations

from palabre.fabric.channel_access import (
    BROWSER_ROLES,
    CUSTOMER_CHANNEL_KINDS,
    CUSTOMER_CHANNEL_ROLES,
    INTERNAL_CHANNEL_KINDS,
    INTERNAL_CHANNEL_ROLES,
    RESTRICTED_CHANNEL_ROLES,
    channel_rule,
    may_read_channel,
    readable_kinds,
)
from palabre.fabric.channels import (
    LATEST_WINDOW,
    channel_choices,
    channel_threads,
    latest_threads,
    list_channels,
)
from palabre.fabric.message_rows import (
    SAFE_URL_SCHEMES,
    AttachmentLink,
    Author,
    ChannelSummary,
    MessageView,
    ReactionCount,
    ThreadSummary,
    ThreadView,
    safe_url,
)
from palabre.fabric.paging import MAX_PER_PAGE, Page, page_bounds
from palabre.fabric.search import (
    SEARCH_COUNT_LIMIT,
    SearchQuery,
    messages_by_person,
    search_messages,
)
from palabre.fabric.text_match import contains_text, escape_like
from palabre.fabric.threads import get_thread

__all__ = [
    "BROWSER_ROLES",
    "CUSTOMER_CHANNEL_KINDS",
    "CUSTOMER_CHANNEL_ROLES",
    "INTERNAL_CHANNEL_KINDS",
    "INTERNAL_CHANNEL_ROLES",
    "LATEST_WINDOW",
    "MAX_PER_PAGE",
    "RESTRICTED_CHANNEL_ROLES",
    "SAFE_URL_SCHEMES",
    "SEARCH_COUNT_LIMIT",
    "AttachmentLink",
    "Author",
    "ChannelSummary",
    "MessageView",
    "Page",
    "ReactionCount",
    "SearchQuery",
    "ThreadSummary",
    "ThreadView",
    "channel_choices",
    "channel_rule",
    "channel_threads",
    "contains_text",
    "escape_like",
    "get_thread",
    "latest_threads",
    "list_channels",
    "may_read_channel",
    "messages_by_person",
    "page_bounds",
    "readable_kinds",
    "safe_url",
    "search_messages",
]
