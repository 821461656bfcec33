"""Connector options reach the connectors from the command line."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from palabre.fabric.models import Channel, Message
from tests.datasets import chat_samples


def _palabre(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "palabre", *args], env=env, capture_output=True, text=True
    )


def test_mbox_channel_option_gathers_monthly_archives_in_one_channel(
    cli_env: dict[str, str], engine: sa.Engine
) -> None:
    folder = chat_samples("perceval-fixtures", "pipermail")
    for month in ("pipermail_2016_march.mbox", "pipermail_2016_april.mbox"):
        done = _palabre(cli_env, "import", "mbox", str(folder / month), "--channel", "dev-list")
        assert done.returncode == 0, done.stderr
    with engine.connect() as connection:
        names = connection.scalars(sa.select(Channel.name)).all()
        messages = connection.scalar(sa.select(sa.func.count()).select_from(Message))
    assert names == ["dev-list"]
    assert messages == 4  # 1 in March, 3 in April


def test_mbox_rejects_an_unknown_variant(cli_env: dict[str, str]) -> None:
    path = chat_samples("perceval-fixtures", "mbox", "mbox_single.mbox")
    done = _palabre(cli_env, "import", "mbox", str(path), "--variant", "mboxz")
    assert done.returncode != 0
    assert "mboxz" in done.stderr


def test_discourse_base_url_links_posts_back_to_the_forum(
    cli_env: dict[str, str], engine: sa.Engine
) -> None:
    path = chat_samples("perceval-fixtures", "discourse", "discourse_topic_1148.json")
    done = _palabre(
        cli_env, "import", "discourse", str(path), "--base-url", "https://forum.example.org/"
    )
    assert done.returncode == 0, done.stderr
    with engine.connect() as connection:
        urls = connection.scalars(sa.select(Message.url)).all()
    assert urls
    assert all(url and url.startswith("https://forum.example.org/t/") for url in urls)
