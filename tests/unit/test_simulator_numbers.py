"""The simulator's citizens have numbers that Twilio, and the hotline, will text and call."""

import pytest

from hotline.simulator.run import citizen_phone
from routing.numberplan import to_e164


@pytest.mark.parametrize("kind", ["call", "text"])
def test_every_run_gives_its_citizens_numbers_that_can_be_texted(kind):
    for run_prefix in range(1000):
        for index in (0, 1, 4321, 999_999):
            phone = citizen_phone(kind, run_prefix, index)
            assert to_e164(phone) == phone


def test_callers_and_texters_have_different_numbers():
    assert citizen_phone("call", 7, 1) != citizen_phone("text", 7, 1)
