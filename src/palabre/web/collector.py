"""Python's garbage collector in a server process: the application's own objects set aside.

A server process holds some 310,000 objects once the application is built (modules,
routes, templates, SQLAlchemy's tables and mappers), and they live as long as it does.
Python's cyclic collector walks every one of them at each full collection: on the
1 M-message demo such a collection took 160-210 ms, once every thousand requests or so
of a profile page (timed with :data:`gc.callbacks` in a served process, see
docs/benchmarks.md, "Web load"), and every request of the process waited meanwhile.

:func:`settle_heap`, called once the application has started, collects what is garbage
then and moves everything left to the collector's permanent generation
(:func:`gc.freeze`): later collections walk only what requests create, and the same
full collection takes about 2 ms. Objects frozen are still freed when nothing refers
to them; only reference cycles among them would stay, which is why it is done once, at
start, and only in a process that serves (never in the tests' short-lived
applications, whose cycles must be reclaimed).
"""

from __future__ import annotations

import gc


def settle_heap() -> int:
    """Collect the garbage of start-up, then exempt every object left from later
    collections. Returns how many objects the collector leaves alone from now on."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


__all__ = ["settle_heap"]
