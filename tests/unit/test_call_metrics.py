from datetime import UTC, datetime, timedelta

import pytest

from routing.metrics import CallRecord, bucket, occupancy, summarize

T0 = datetime(2026, 11, 26, 1, 7, tzinfo=UTC)  # 09:07 in Guangzhou


def record(
    wait=None,
    talk=None,
    status="completed",
    wrap=None,
    skill="general",
    line="12345",
    callback=False,
    resolution=None,
    queue_seconds=None,
    callback_resolution=None,
):
    answered = T0 + timedelta(seconds=wait) if talk is not None else None
    ended = None
    if answered is not None:
        ended = answered + timedelta(seconds=talk)
    elif wait is not None:
        ended = T0 + timedelta(seconds=wait)
    return CallRecord(
        enqueued_at=T0,
        status=status,
        skill=skill,
        line=line,
        answered_at=answered,
        ended_at=ended,
        wrap_up_seconds=wrap,
        queue_seconds=queue_seconds,
        callback_answered_at=T0 + timedelta(minutes=5) if callback else None,
        resolution=resolution,
        callback_resolution=callback_resolution,
    )


# Ten offered calls, worked out by hand:
#   answered directly: waits 10, 15, 30, 60 s; talks 100, 200, 300, 400 s; wrap 20 s each
#   answered through a callback the caller asked for: 1 (status "left")
#   left for a callback nobody has answered yet: 1
#   abandoned after 40 and 90 s: 2; short abandons after 2 and 4 s: 2
CALLS = [
    record(10, 100, wrap=20, resolution="kb"),
    record(15, 200, wrap=20, resolution="kb"),
    record(30, 300, wrap=20, resolution="on_call"),
    record(60, 400, wrap=20, resolution="work_order"),
    record(status="left", callback=True),
    record(status="left"),
    record(40, status="abandoned"),
    record(90, status="abandoned"),
    record(2, status="abandoned"),
    record(status="abandoned", queue_seconds=4),
]


def test_the_figures_of_a_hand_made_day():
    figures = summarize("total", CALLS, short_abandon_seconds=5, service_level_seconds=20)
    assert figures.offered == 10
    assert figures.short_abandoned == 2
    assert figures.counted == 8
    assert figures.answered == 5
    assert figures.abandoned == 2
    assert figures.callbacks_requested == 2
    assert figures.answer_rate == pytest.approx(5 / 8)
    assert figures.abandonment_rate == pytest.approx(2 / 8)
    # Answered within 20 s: the 10 s and 15 s waits.
    assert figures.service_level == pytest.approx(2 / 8)
    assert figures.asa_seconds == round((10 + 15 + 30 + 60) / 4, 1)  # shown to 0.1 s
    assert figures.aht_seconds == pytest.approx((100 + 200 + 300 + 400) / 4 + 20)
    # Resolved without a work order: 3 of the 5 answered.
    assert figures.first_contact_resolution == pytest.approx(3 / 5)


def test_a_callback_resolved_with_an_article_counts_as_resolved_at_first_contact():
    calls = [
        record(10, 100, resolution="kb"),
        record(12, 100, resolution="work_order"),
        record(status="left", callback=True, callback_resolution="kb"),
        record(status="left", callback=True, callback_resolution="on_call"),
        record(status="left", callback=True, callback_resolution="work_order"),
    ]
    figures = summarize("total", calls, short_abandon_seconds=5, service_level_seconds=20)
    assert figures.answered == 5
    assert figures.resolved_first_contact == 3  # the direct kb, two of the callbacks
    assert figures.first_contact_resolution == pytest.approx(3 / 5)


def test_the_short_abandon_threshold_moves_calls_between_the_two_counts():
    figures = summarize("total", CALLS, short_abandon_seconds=50, service_level_seconds=20)
    assert (figures.short_abandoned, figures.abandoned) == (3, 1)


def test_no_calls_means_no_rates_rather_than_zero():
    figures = summarize("total", [], 5, 20)
    assert figures.answer_rate is None and figures.service_level is None
    assert figures.asa_seconds is None and figures.first_contact_resolution is None


def test_intervals_are_local_time_buckets():
    call = record(10, 100)
    assert bucket("15min")(call) == "2026-11-26 09:00"
    assert bucket("hour")(call) == "2026-11-26 09:00"
    assert bucket("day")(call) == "2026-11-26"
    assert bucket("skill")(call) == "general"
    assert bucket("line")(record(line="12333")) == "12333"
    with pytest.raises(ValueError):
        bucket("week")


def test_occupancy_counts_busy_time_against_busy_plus_available_time_in_the_window():
    start, end = T0, T0 + timedelta(hours=1)
    spells = [
        ("available", T0 - timedelta(minutes=30), T0 + timedelta(minutes=15)),  # 15 in window
        ("on_call", T0 + timedelta(minutes=15), T0 + timedelta(minutes=45)),  # 30
        ("wrap_up", T0 + timedelta(minutes=45), T0 + timedelta(minutes=50)),  # 5
        ("break", T0 + timedelta(minutes=50), None),  # neither
    ]
    assert occupancy(spells, start, end) == pytest.approx(35 / 50)
    assert occupancy([("break", start, None)], start, end) is None
