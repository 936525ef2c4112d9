"""A control character in one text must not make an XML document unreadable: the public
Open311 list for every reader, or the TwiML a caller is waiting for."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
import sqlalchemy as sa

from routing.models import IvrOption
from tests.conftest import signed_post
from tests.http.test_open311 import V2, file_request, key  # noqa: F401 (a fixture)

# Every character XML 1.0 forbids that a form can carry (NUL is refused before anything).
FORBIDDEN = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r") + "\ufffe\uffff"
TEXT = f"井盖{FORBIDDEN}缺失"


def test_a_control_character_in_a_description_leaves_open311_xml_readable(client, key):  # noqa: F811
    assert file_request(client, key, description=TEXT).status_code == 201
    response = client.get(f"{V2}/requests.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.get_data())
    (description,) = [item.findtext("description") for item in root]
    assert description == "井盖缺失"


@pytest.mark.changes_reference_data
def test_a_control_character_in_a_menu_label_leaves_the_twiml_readable(client, observer):
    observer.execute(
        sa.update(IvrOption)
        .where(IvrOption.menu == "language", IvrOption.language == "zh")
        .values(label=f"普通{FORBIDDEN}话")
    )
    observer.execute(
        sa.update(IvrOption)
        .where(IvrOption.menu == "main", IvrOption.digit == "1")
        .values(label=f"社会{FORBIDDEN}保障", keywords=[f"养老{FORBIDDEN}金"])
    )
    call = {"CallSid": "CA" + "3" * 32, "From": "+8613800138000", "To": "12345"}
    menu = signed_post(client, "/twilio/voice", call)
    assert menu.status_code == 200
    said = [say.text for say in ElementTree.fromstring(menu.data).iter("Say")]
    assert any("普通话" in text for text in said), said
    topics = signed_post(client, "/twilio/voice/language", {**call, "Digits": "1"})
    assert topics.status_code == 200
    gather = ElementTree.fromstring(topics.data).find("Gather")
    assert any("社会保障" in say.text for say in gather.iter("Say"))
    assert "养老金" in gather.get("hints")
