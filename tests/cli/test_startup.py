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


def test_a_command_loads_its_own_module_and_not_the_others() -> None:
    code = (
        "import json, sys; from typer.testing import CliRunner; "
        "from palabre.cli.main import app; "
        "before = sorted(m for m in sys.modules if m.startswith('palabre.cli.')); "
        "done = CliRunner().invoke(app, ['status', '--help']); "
        "after = sorted(m for m in sys.modules if m.startswith('palabre.cli.')); "
        "print(json.dumps([before, done.exit_code, after]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    before, code_, after = json.loads(done.stdout)
    assert before == ["palabre.cli.context", "palabre.cli.main"]
    assert code_ == 0
    assert after == [*before, "palabre.cli.status"]
