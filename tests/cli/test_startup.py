"""The command line starts light: the heavy analysis libraries load only in the commands
that use them, so that every command (an import above all, whose memory is bounded)
does not pay for them."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("numpy", "scipy", "sklearn", "polars", "igraph")


def test_loading_every_command_imports_no_heavy_library() -> None:
    code = (
        "import json, sys; import palabre.cli.main; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(json.loads(done.stdout))
    assert loaded & set(HEAVY) == set()
    assert "palabre" in loaded
