"""Broadcast feeds benchmark, in one run:

(a) one year of both channels (the programme's rules, every premiere with an episode),
(b) 100 channels for one year (the two above plus 98 with a daily one-hour slot).

For each: time and bytes of every feed served through Django (all.ics, a channel's .ics, epg.xml,
rundown.csv; full request with the ORM), the queries per request, and the same events built with
bare `icalendar` from plain Python values prepared beforehand (ratio ours/bare; target <= 1.5).

    .venv/bin/python bench/broadcast_feeds.py

Environment: BENCH_DIR (default /tmp/pasoapaso-bench-broadcast), BENCH_REPEAT (default 3),
DATABASE_URL (default: a fresh SQLite file in BENCH_DIR; PostgreSQL works too).
"""

import os
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/pasoapaso-bench-broadcast"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
if "DATABASE_URL" not in os.environ:
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
BENCH_DIR.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("PASOAPASO_VAR_DIR", str(BENCH_DIR / "var"))
os.environ["DJANGO_DEBUG"] = "false"
os.environ["BROADCAST_HORIZON_WEEKS"] = "53"

import django  # noqa: E402

django.setup()

import icalendar  # noqa: E402
from _common import log, machine  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]


def setup_programme() -> tuple:
    from broadcast import services
    from broadcast.models import Airing
    from broadcast.tests.factories import build_course, install_programme

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    lessons = build_course(160)
    log(f"  160 lessons built in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    install_programme()
    log(f"  programme rules materialised in {time.perf_counter() - t0:.2f} s")
    from broadcast.models import Episode

    premieres = list(Airing.objects.filter(kind="premiere").order_by("starts_at"))
    for lesson, premiere in zip(lessons, premieres, strict=False):
        episode = Episode.objects.create(lesson=lesson)
        services.episode_schedule(episode=episode, premiere=premiere)
    monday = services.week_start(timezone.localdate())
    return monday, monday + timedelta(days=364)


def add_channels(n: int) -> None:
    from datetime import time as clock

    from broadcast import services
    from broadcast.models import Channel, SlotRule

    t0 = time.perf_counter()
    monday = services.week_start(timezone.localdate())
    for number in range(100, 100 + n):
        channel = Channel.objects.create(
            name=f"Canal {number}", number=number, slug=f"canal-{number}", xmltv_id=f"c{number}.pe"
        )
        services.slot_rule_save(
            rule=SlotRule(
                channel=channel,
                weekdays="0,1,2,3,4,5,6",
                start_time=clock(19, 0),
                duration_minutes=60,
                valid_from=monday,
            )
        )
    log(f"  {n} more channels materialised in {time.perf_counter() - t0:.1f} s")


def plain_events(first, last) -> list[dict]:
    """What a bare-icalendar exporter would start from: plain values, no ORM, no Django."""
    from broadcast import selectors
    from broadcast.feeds import CATEGORY, FeedContext, description, summary

    start, end = selectors.parse_window(str(first), str(last))
    ctx = FeedContext(base_url="http://testserver", root_path=selectors.lesson_root_path())
    events = []
    for a in selectors.airings_in_window(start=start, end=end):
        tz = a.channel.tz
        events.append(
            {
                "uid": a.uid,
                "dtstamp": a.updated_at,
                "created": a.created_at,
                "sequence": a.sequence,
                "start": a.starts_at.astimezone(tz),
                "end": a.ends_at.astimezone(tz),
                "summary": summary(a),
                "description": description(a),
                "location": f"{a.channel.name} (canal {a.channel.number})",
                "url": ctx.lesson_url(a),
                "category": CATEGORY[a.kind],
                "related": a.premiere.uid if a.premiere else None,
                "status": "CANCELLED" if a.is_cancelled else "CONFIRMED",
            }
        )
    return events


def bare_ics(events: list[dict]) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//bare//ES")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "bare")
    cal.add_component(icalendar.Timezone.from_tzid("America/Lima"))
    for e in events:
        ev = icalendar.Event()
        ev.add("uid", e["uid"])
        ev.add("dtstamp", e["dtstamp"])
        ev.add("created", e["created"])
        ev.add("last-modified", e["dtstamp"])
        ev.add("sequence", e["sequence"])
        ev.add("dtstart", e["start"])
        ev.add("dtend", e["end"])
        ev.add("summary", e["summary"])
        ev.add("description", e["description"])
        ev.add("location", e["location"])
        if e["url"]:
            ev.add("url", e["url"])
        ev.add("categories", [e["category"]])
        if e["related"]:
            ev.add("related-to", e["related"])
        ev.add("status", e["status"])
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    return cal.to_ical()


def one_request(client: Client, url: str) -> tuple[float, int, int]:
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        response = client.get(url)
        body = response.content
        seconds = time.perf_counter() - t0
    assert response.status_code == 200, (url, response.status_code, body[:300])
    return seconds, len(body), len(ctx.captured_queries)


def one_bare(events: list[dict]) -> tuple[float, int]:
    t0 = time.perf_counter()
    size = len(bare_ics(events))
    return time.perf_counter() - t0, size


def scenario(label: str, first, last, feeds: list[str]) -> list[str]:
    """Ours and the bare build alternate, REPEAT times each; the best of each is kept, so a
    busy shared machine disturbs both alike."""
    client = Client()
    window = f"?from={first}&to={last}"
    rows = []
    log(f"\n{label}")
    events = plain_events(first, last)
    best: dict[str, list] = {}
    bare = [float("inf"), 0]
    for _ in range(REPEAT):
        for feed in feeds:
            seconds, size, queries = one_request(client, f"/broadcast/feeds/{feed}{window}")
            entry = best.setdefault(feed, [float("inf"), size, queries])
            entry[0] = min(entry[0], seconds)
        seconds, size = one_bare(events)
        bare = [min(bare[0], seconds), size]
    for feed in feeds:
        seconds, size, queries = best[feed]
        ratio = (
            f"{seconds / bare[0]:.2f}" if feed.endswith(".ics") and feed != "canal-7.ics" else "—"
        )
        line = (
            f"| {label} | {feed} | {seconds * 1000:.0f} ms | {size / 1024:.0f} KiB | {queries} "
            f"| {ratio} |"
        )
        log(line)
        rows.append(line)
    line = (
        f"| {label} | bare icalendar, same {len(events)} events | {bare[0] * 1000:.0f} ms "
        f"| {bare[1] / 1024:.0f} KiB | 0 | 1.00 |"
    )
    log(line)
    rows.append(line)
    return rows


def main() -> None:
    log(f"machine: {machine()}; database: {connection.vendor}; best of {REPEAT}")
    first, last = setup_programme()
    table = [
        "| scenario | feed | time | bytes | queries | ours/bare (ICS) |",
        "|---|---|---|---|---|---|",
    ]
    table += scenario(
        "2 channels, 1 year",
        first,
        last,
        ["all.ics", "canal-7.ics", "epg.xml", "rundown.csv"],
    )
    add_channels(98)
    table += scenario("100 channels, 1 year", first, last, ["all.ics", "epg.xml", "rundown.csv"])
    log("\n" + "\n".join(table))


if __name__ == "__main__":
    main()
