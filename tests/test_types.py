"""The values of the loop as their users see them: an event's JSON Lines record, a dark frame."""

from __future__ import annotations

import json

from breathcue.core.types import Event, Frame


def test_an_event_is_one_json_record_with_times_and_figures_to_the_millisecond():
    event = Event("hold_end", 42.123456, {"start": 32.0004, "end": 41.98765, "duration": 9.98725, "polarity": "normal", "n": 3})
    record = event.to_json_dict()
    assert record == {"event": "hold_end", "t": 42.123, "start": 32.0, "end": 41.988, "duration": 9.987, "polarity": "normal", "n": 3}
    assert list(record)[:2] == ["event", "t"]  # the name and the time lead the line
    assert json.loads(json.dumps(record)) == record


def test_a_field_the_event_lacks_is_the_default_asked_for():
    event = Event("breath", 1.0, {"onset": 0.5})
    assert event.get("onset") == 0.5 and event.get("peak") is None and event.get("peak", -1.0) == -1.0


def test_a_dark_frame_is_every_pixel_off():
    assert Frame.dark(3) == Frame(((0.0, 0.0, 0.0),) * 3) and Frame.dark(0).pixels == ()
