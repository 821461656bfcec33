"""The seeded demo company used by ``palabre demo``, the tests and the benchmarks.

``generate_company(scale, seed)`` returns a :class:`DemoCompany` whose people and
records stream on demand, and whose ground truth is written apart
(:meth:`DemoCompany.write_ground_truth`). ``DemoConnector`` loads it through the
ordinary import path. See ``docs/demo.md``.
"""

from __future__ import annotations

from palabre.demo.company import DemoCompany, DemoConnector, generate_company
from palabre.demo.simulate import MessageTruth
from palabre.demo.world import SCALES, Scale, resolve_scale

__all__ = [
    "SCALES",
    "DemoCompany",
    "DemoConnector",
    "MessageTruth",
    "Scale",
    "generate_company",
    "resolve_scale",
]
