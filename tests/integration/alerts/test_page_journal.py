"""The sender's journal on disk: what a dead process leaves, and what the next one takes over."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.adapters.paging.journal import (
    LINE_CHARS,
    PLACE_CHARS,
    POSTS_FOLDER,
    Entry,
    Journal,
    Step,
    journal_dir,
    open_sends,
)
from bot.usecases.deliveries import Accepted, Deliveries


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


@pytest.fixture
def sender(tmp_path: Path) -> Iterator[Callable[[str], Deliveries]]:
    """Open the deliveries of a sender named `holder`, journaled in tmp_path; closed after."""
    opened: list[Deliveries] = []

    def start(holder: str) -> Deliveries:
        opened.append(Deliveries(Journal(tmp_path, holder)))
        return opened[-1]

    yield start
    for deliveries in opened:
        deliveries.close()


def test_a_journal_keeps_each_send_begun_and_accepted_until_it_is_done(tmp_path, sender):
    deliveries = sender("host:1")
    deliveries.sending(7, "host:1", 100)
    deliveries.sending(8, "host:1", 101)
    deliveries.note(Accepted(7, "host:1", 102))
    path = tmp_path / "host_1.jsonl"

    assert open_sends(lines(path)) == [
        Entry(7, "host:1", Step.ACCEPTED, 102),
        Entry(8, "host:1", Step.SENDING, 101),
    ]
    deliveries.recorded(Accepted(7, "host:1", 102))
    assert open_sends(lines(path)) == [Entry(8, "host:1", Step.SENDING, 101)]
    deliveries.finished(8, 103)
    assert path.read_bytes() == b""  # nothing open: emptied, not grown


def test_a_post_slack_accepted_is_taken_over_with_where_it_is(tmp_path, sender):
    dead = sender("host:1")
    dead.sending(9, "host:1", 100)
    dead.note(Accepted(9, "host:1", 101, "C0INCIDENT:1700000000.000100", "https://x.test/p1"))
    dead.close()

    taken = sender("host:2")

    assert taken.pending() == [
        Accepted(9, "host:1", 101, "C0INCIDENT:1700000000.000100", "https://x.test/p1")
    ]
    assert taken.cut_off() == []


def test_posts_are_journaled_in_a_folder_of_their_own_beside_the_pages(tmp_path):
    url = f"sqlite:///{tmp_path / 'svcmap.db'}"
    pages = journal_dir(url, data_home=tmp_path)
    posts = journal_dir(url, data_home=tmp_path, folder=POSTS_FOLDER)
    assert pages == tmp_path / "sent-pages" / "svcmap.db"
    assert posts == tmp_path / "sent-posts" / "svcmap.db"


def test_the_next_process_takes_over_a_dead_senders_journal(tmp_path, sender):
    dead = sender("host:1")
    dead.sending(7, "host:1", 100)
    dead.note(Accepted(7, "host:1", 102))
    dead.sending(9, "host:1", 103)
    dead.close()  # the process died: its lock is gone, its file stays

    taken = sender("host:2")

    assert taken.pending() == [Accepted(7, "host:1", 102)]
    assert [(c.row_id, c.holder) for c in taken.cut_off()] == [(9, "host:1")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["host_2.jsonl"]
    # The next process after this one, dying too, would find them still.
    taken.close()
    again = sender("host:3")
    assert again.pending() == [Accepted(7, "host:1", 102)]
    assert len(again.cut_off()) == 1


def test_a_live_senders_journal_is_left_alone(tmp_path, sender):
    live = sender("host:1")
    live.sending(7, "host:1", 100)

    other = sender("host:2")

    assert other.pending() == []
    assert other.cut_off() == []
    assert (tmp_path / "host_1.jsonl").exists()


def test_a_file_locked_by_another_process_is_not_read(tmp_path, sender):
    path = tmp_path / "elsewhere.jsonl"
    path.write_bytes(Entry(5, "elsewhere", Step.ACCEPTED, 1).line())
    with path.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        taken = sender("host:2")
    assert taken.pending() == []
    assert path.exists()


@pytest.mark.parametrize(
    "bad",
    [
        b"not json at all\n",
        b"[1, 2, 3]\n",
        b'{"row": "7", "holder": "h", "step": "accepted", "at": 1}\n',
        b'{"row": -1, "holder": "h", "step": "accepted", "at": 1}\n',
        b'{"row": true, "holder": "h", "step": "accepted", "at": 1}\n',
        b'{"row": 7, "holder": "", "step": "accepted", "at": 1}\n',
        b'{"row": 7, "holder": "h", "step": "delivered", "at": 1}\n',
        b'{"row": 7, "holder": "h", "step": "accepted"}\n',
        b"\xff\xfe\x00garbage\n",
        b"[" * 100_000 + b"\n",
        b'{"row": 7, "holder": "' + b"x" * (LINE_CHARS * 3) + b'", "step": "accepted", "at": 1}\n',
        b'{"row": 7, "holder": "h", "step": "accepted", "at": 1, "ref": 7}\n',
        b'{"row": 7, "holder": "h", "step": "accepted", "at": 1, "ref": ""}\n',
        b'{"row": 7, "holder": "h", "step": "accepted", "at": 1, "url": ["x"]}\n',
        b'{"row": 7, "holder": "h", "step": "accepted", "at": 1, "ref": "'
        + b"C" * (PLACE_CHARS + 1)
        + b'"}\n',
    ],
)
def test_a_bad_line_is_skipped_and_the_good_ones_kept(tmp_path, sender, bad):
    good = Entry(3, "host:1", Step.ACCEPTED, 50).line()
    (tmp_path / "host_1.jsonl").write_bytes(
        good + bad + Entry(4, "host:1", Step.SENDING, 51).line()
    )

    taken = sender("host:2")

    assert taken.pending() == [Accepted(3, "host:1", 50)]
    assert [c.row_id for c in taken.cut_off()] == [4]


def test_a_torn_last_line_loses_only_itself(tmp_path, sender):
    whole = Entry(3, "host:1", Step.ACCEPTED, 50).line()
    torn = Entry(4, "host:1", Step.ACCEPTED, 51).line()[:20]
    (tmp_path / "host_1.jsonl").write_bytes(whole + torn)

    assert sender("host:2").pending() == [Accepted(3, "host:1", 50)]


WRITE_PAST_LIMIT = """
import resource, signal, sys
from pathlib import Path
from bot.adapters.paging.journal import Journal
from bot.usecases.deliveries import Accepted, Deliveries

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
deliveries = Deliveries(Journal(Path(sys.argv[1]), "host:1"))
resource.setrlimit(resource.RLIMIT_FSIZE, (10, 10))  # as if the disk were full
deliveries.sending(7, "host:1", 100)
deliveries.note(Accepted(7, "host:1", 102))
print(deliveries.pending() == [Accepted(7, "host:1", 102)])
"""


def test_a_journal_that_cannot_be_written_leaves_the_send_remembered_in_memory(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", WRITE_PAST_LIMIT, str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
    assert "could not write the page journal" in done.stderr


def test_a_folder_that_cannot_be_made_is_an_os_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(NotADirectoryError):
        Journal(blocker / "journals", "host:1")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////var/lib/svcmap/svcmap.db", Path("/var/lib/svcmap/sent-pages/svcmap.db")),
        ("sqlite:///relative.db", Path("sent-pages/relative.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file:shared?mode=memory&uri=true", None),
    ],
)
def test_a_sqlite_stores_journals_are_kept_beside_it(url, expected):
    assert journal_dir(url, data_home=Path("/home/u/.local/share")) == expected


def test_each_other_database_has_a_folder_of_its_own_without_its_password():
    home = Path("/home/u/.local/share")
    one = journal_dir("postgresql+psycopg://svcmap:secret@db:5432/svcmap", data_home=home)
    same = journal_dir("postgresql+psycopg://svcmap:other@db:5432/svcmap", data_home=home)
    other = journal_dir("postgresql+psycopg://svcmap:secret@db:5432/staging", data_home=home)

    assert one is not None
    assert one.parent == home / "svcmap" / "sent-pages"
    assert one == same
    assert one != other
    assert "secret" not in str(one)


def test_a_journal_that_cannot_be_opened_is_skipped_and_the_others_taken_over(tmp_path, sender):
    (tmp_path / "odd.jsonl").mkdir()
    (tmp_path / "host_1.jsonl").write_bytes(Entry(3, "host:1", Step.ACCEPTED, 50).line())

    taken = sender("host:2")

    assert taken.pending() == [Accepted(3, "host:1", 50)]
    assert (tmp_path / "odd.jsonl").is_dir()
