"""Real handbooks written by other people: dates without a time, the way people write cadences.
Each test builds its own small handbook (see test_own_model.make)."""

from __future__ import annotations

from datetime import date, datetime

from icalendar import Calendar

from test_own_model import build, check, make, page


def test_a_date_without_a_time_starts_an_all_day_event(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/rituals/standup.yaml", "cadence: daily", "cadence: weekly\nstarts: 2025-04-25")
    assert check(own).exit_code == 0, check(own).output
    site = build(own)
    assert "Friday 2025-04-25 (all day)" in page(site, "rituals/standup")
    calendar = Calendar.from_ical((site / "calendar.ics").read_bytes())
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert isinstance(start, date) and not isinstance(start, datetime) and start == date(2025, 4, 25)
    assert event["rrule"]["FREQ"] == ["WEEKLY"] and "DURATION" not in event
    assert "all-day event" in str(event["description"])


def test_a_date_and_time_starts_a_timed_event_in_the_handbooks_zone(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/handbook.yaml", "review_by: 2030-01-01", "review_by: 2030-01-01\ntimezone: Europe/London")
    own.edit("handbook/rituals/standup.yaml", "cadence: daily", "cadence: daily\nstarts: 2026-01-05T09:30")
    site = build(own)
    assert "Monday 2026-01-05 09:30 (Europe/London)" in page(site, "rituals/standup")
    (event,) = Calendar.from_ical((site / "calendar.ics").read_bytes()).walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.hour == 9 and str(start.tzinfo) == "Europe/London" and event.decoded("duration").seconds == 900
