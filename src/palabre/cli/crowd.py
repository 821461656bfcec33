"""``palabre crowd``: crowd validation of statements and ideas from exported votes."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from palabre.errors import ValidationError

app = typer.Typer(
    help="Crowd validation: opinion groups of agree / disagree votes.", no_args_is_help=True
)


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file: readers never see half a file."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(f"{path}: the folder {folder} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@app.command("opinions")
def opinions(
    votes: Annotated[
        Path,
        typer.Option("--votes", help="Pol.is votes.csv: timestamp, comment-id, voter-id, vote."),
    ],
    comments: Annotated[
        Path, typer.Option("--comments", help="Pol.is comments.csv: comment-id, moderated, ...")
    ],
    output: Annotated[Path, typer.Option("--output", help="The JSON file written.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the clustering.")] = 0,
) -> None:
    """Map the opinion groups of a Pol.is conversation into OUTPUT (JSON), as Pol.is does."""
    from palabre.innovation.opinions import OpinionModel
    from palabre.innovation.polis import groups_document, read_conversation

    matrix, statements = read_conversation(votes, comments)
    model = OpinionModel(random_state=seed).fit(
        matrix.values, matrix.moderated_mask(statements.moderated_out)
    )
    document = groups_document(matrix, model)
    _write_atomically(output, json.dumps(document, ensure_ascii=False, indent=1) + "\n")
    sizes = ", ".join(str(group["size"]) for group in document["groups"])
    typer.echo(
        f"{len(document['participants'])} of {len(matrix.participants)} participants "
        f"in {model.n_groups_} group(s) ({sizes}) written to {output}"
    )
