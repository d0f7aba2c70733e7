"""The sources list: OPML as feed readers export it, one URL per line, TOML; OPML written back; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsroom_fixtures import Newsroom, corpus
from storyline.cli import cli
from storyline.errors import ParseError
from storyline.live import SourceSpec, read_sources, to_opml
from storyline.live.sources_list import parse_opml

# The shape FreshRSS and Miniflux export: categories as outlines holding feed outlines.
READER_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>FreshRSS subscriptions</title></head>
  <body>
    <outline text="World" title="World">
      <outline text="Example Daily" type="rss" xmlUrl="https://example.org/feed.xml" htmlUrl="https://example.org/"/>
      <outline text="Beispiel" title="Beispiel Zeitung" type="rss" xmlUrl="https://beispiel.de/rss"/>
    </outline>
    <outline text="Forum thread" type="link" url="https://forum.example.net/thread/42"/>
    <outline text="Dup" type="rss" xmlUrl="https://example.org/feed.xml"/>
  </body>
</opml>
"""


def test_a_feed_readers_opml_export_moves_over_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "subscriptions.opml"
    path.write_text(READER_EXPORT, encoding="utf-8")
    assert read_sources(path) == [
        SourceSpec("https://example.org/feed.xml", "Example Daily"),
        SourceSpec("https://beispiel.de/rss", "Beispiel Zeitung"),
        SourceSpec("https://forum.example.net/thread/42", "Forum thread"),
    ]


def test_opml_written_back_reads_back_the_same_sources_and_intervals() -> None:
    specs = [
        SourceSpec("https://example.org/feed.xml", "Example & Co", 60.0),
        SourceSpec("https://forum.example.net/thread/42", "", None),
    ]
    text = to_opml(specs, kinds={"https://forum.example.net/thread/42": "page"})
    assert 'type="link" url="https://forum.example.net/thread/42"' in text
    assert parse_opml(text.encode(), "out.opml") == [
        specs[0],
        SourceSpec("https://forum.example.net/thread/42", "forum.example.net"),
    ]


def test_one_url_per_line_with_comments_and_outlet_names(tmp_path: Path) -> None:
    path = tmp_path / "sources.txt"
    path.write_text(
        "# my feeds\nhttps://a.example/feed.xml  A Daily\n\nhttps://b.example/  # front page\n", "utf-8"
    )
    assert read_sources(path) == [
        SourceSpec("https://a.example/feed.xml", "A Daily"),
        SourceSpec("https://b.example/"),
    ]


def test_toml_gives_each_source_its_interval_and_outlet(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        'interval = 600\n[[source]]\nurl = "https://a.example/feed.xml"\noutlet = "A Daily"\ninterval = 60\n'
        '[[source]]\nurl = "https://b.example/rss"\n',
        "utf-8",
    )
    assert read_sources(path) == [
        SourceSpec("https://a.example/feed.xml", "A Daily", 60.0),
        SourceSpec("https://b.example/rss", "", 600.0),
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "s.txt",
            "https://ok.example/\nftp://files.example/feed\n",
            "s.txt line 2: 'ftp://files.example/feed' is not an http(s) URL",
        ),
        (
            "s.toml",
            '[[source]]\nurl = "https://a.example/"\ninterval = -5\n',
            "interval must be a positive number",
        ),
        ("s.toml", "interval = 60\n", "has no [[source]] table"),
        ("s.opml", "<opml><body><outline text='x'", "not well-formed OPML"),
    ],
)
def test_a_bad_sources_file_names_the_file_line_and_problem(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    with pytest.raises(ParseError, match=None) as info:
        read_sources(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_cli_follow_once_then_status_and_sources_opml(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    with Newsroom(outlets=2, corpus=corpus()) as room:
        room.publish(3, floors=1)
        listing = tmp_path / "sources.toml"
        listing.write_text(
            "".join(
                f'[[source]]\nurl = "{o.feed_url}"\noutlet = "Outlet {o.index}"\ninterval = 90\n'
                for o in room.outlets
            ),
            "utf-8",
        )
        env = {"STORYLINE_FETCH_RATE_PER_HOST": "100"}
        result = runner.invoke(
            cli,
            ["--db", db, "follow", "--sources", str(listing), "--once", "--allow-private", "--no-encoder"],
            env=env,
        )
        assert result.exit_code == 0, result.output
        assert "3 page(s) ingested" in result.output
        status = runner.invoke(cli, ["--db", db, "status", "--json"])
        rows = json.loads(status.stdout)
        assert sorted((r["outlet"], r["items"], r["failing"]) for r in rows) == [
            ("Outlet 0", 2, False),
            ("Outlet 1", 1, False),
        ]
        opml = runner.invoke(cli, ["--db", db, "sources", "--opml"])
        expected = [SourceSpec(o.feed_url, f"Outlet {o.index}", 90.0) for o in room.outlets]
        assert parse_opml(opml.stdout.encode(), "stdout") == sorted(expected, key=lambda spec: spec.url)
        # nothing to follow: said, exit 1
        empty = runner.invoke(cli, ["--db", str(tmp_path / "empty.db"), "follow", "--once"])
        assert empty.exit_code == 1 and "no sources to follow" in empty.output
        # loopback without --allow-private is refused, and the status says why
        db2 = str(tmp_path / "guarded.db")
        runner.invoke(
            cli, ["--db", db2, "follow", room.outlets[0].feed_url, "--once", "--no-encoder"], env=env
        )
        [row] = json.loads(runner.invoke(cli, ["--db", db2, "status", "--json"]).stdout)
        assert "--allow-private" in row["last_error"] and row["errors"] == 1
