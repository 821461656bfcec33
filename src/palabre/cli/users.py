"""``palabre users``: local accounts and their roles."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer
from rich.table import Table

from palabre.accounts import service
from palabre.accounts.models import ROLES
from palabre.accounts.schemas import UserAccountRead
from palabre.cli.context import console, err_console, state
from palabre.db.engine import transaction
from palabre.errors import ValidationError
from palabre.privacy.audit import system_actor

app = typer.Typer(help="Manage local accounts and their roles.", no_args_is_help=True)

ROLE_HELP = f"One of: {', '.join(ROLES)}."


def _read_stdin_password() -> str:
    # One line: what a password manager or `echo` pipes in; the newline is not part of it.
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise ValidationError("--password-stdin: standard input held no password")
    return password


def _prompt_password() -> str:
    password: str = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    return password


@app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Sign-in name (stored lower-case).")],
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input "
            "(default: generate one and print it once).",
        ),
    ] = False,
    person: Annotated[
        int | None, typer.Option("--person", help="Link the account to this person id.")
    ] = None,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="Name shown in the interface.")
    ] = None,
    locale: Annotated[
        str | None, typer.Option("--locale", help="Interface language: en or fr.")
    ] = None,
) -> None:
    """Create an account. Without --password-stdin a password is generated and shown once."""
    generated = not password_stdin
    password = service.generate_password() if generated else _read_stdin_password()
    with transaction(state(ctx).sessions()) as session:
        user = service.create_user(
            session,
            username=username,
            role=role,
            password=password,
            actor=system_actor(),
            display_name=display_name,
            person_id=person,
            locale=locale,
        )
        name, user_role = user.username, user.role
    console.print(f"created account {name} with role {user_role}", highlight=False)
    if generated:
        # Printed once, never stored in clear: the user must keep it now.
        console.print(f"password: {password}", highlight=False, soft_wrap=True)
        err_console.print("(shown once: store it now, or change it with `palabre users passwd`)")


@app.command("set-role")
def set_role(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The account.")],
    role: Annotated[str, typer.Argument(help=ROLE_HELP)],
) -> None:
    """Give an account another role."""
    with transaction(state(ctx).sessions()) as session:
        user = service.set_role(session, username, role, actor=system_actor())
        name = user.username
    console.print(f"{name} now has role {role}", highlight=False)


@app.command("passwd")
def passwd(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The account.")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the new password from standard input."),
    ] = False,
    generate: Annotated[
        bool, typer.Option("--generate", help="Generate a new password and print it once.")
    ] = False,
) -> None:
    """Change an account's password (asked twice unless read from stdin or generated).

    Every session the account has open elsewhere is signed out.
    """
    if password_stdin and generate:
        raise ValidationError("choose one of --password-stdin and --generate")
    if generate:
        password = service.generate_password()
    elif password_stdin:
        password = _read_stdin_password()
    else:
        password = _prompt_password()
    with transaction(state(ctx).sessions()) as session:
        user = service.set_password(session, username, password, actor=system_actor())
        name = user.username
    console.print(f"password of {name} changed", highlight=False)
    if generate:
        console.print(f"password: {password}", highlight=False, soft_wrap=True)


@app.command("deactivate")
def deactivate(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The account.")],
) -> None:
    """Stop an account from signing in (its history stays)."""
    with transaction(state(ctx).sessions()) as session:
        user = service.deactivate(session, username, actor=system_actor())
        name = user.username
    console.print(f"{name} can no longer sign in", highlight=False)


@app.command("list")
def list_users(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List the accounts with their role, state and last sign-in."""
    with transaction(state(ctx).sessions()) as session:
        rows = [UserAccountRead.model_validate(user) for user in service.list_users(session)]
    if as_json:
        payload = [row.model_dump(mode="json") for row in rows]
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    if not rows:
        console.print("no accounts yet: create one with `palabre users add NAME --role admin`")
        return
    table = Table("username", "role", "name", "person", "active", "last sign-in")
    for row in rows:
        table.add_row(
            row.username,
            row.role,
            row.display_name or "",
            "" if row.person_id is None else str(row.person_id),
            "yes" if row.is_active else "no",
            row.last_login_at.isoformat(timespec="minutes") if row.last_login_at else "never",
        )
    console.print(table)
