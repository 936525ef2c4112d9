"""E-mails the hotline owes, recorded in the instance's outbox (``outbox.jsonl``).

There is no mail relay yet: e-mails are appended, as one JSON line each, to the same file
the local gateway writes its texts to, where an operator or a relay can pick them up.
"""

from __future__ import annotations

import json
import secrets

from hotline.db import utcnow
from hotline.infra import context


def record_email(to: str, subject: str, body: str) -> str:
    """Append the e-mail to the outbox; returns its id."""
    sid = "EM" + secrets.token_hex(16)
    line = json.dumps(
        {
            "sid": sid,
            "at": utcnow().isoformat(),
            "kind": "email",
            "to": to,
            "subject": subject,
            "body": body,
        },
        ensure_ascii=False,
    )
    path = context.settings().instance_path / "outbox.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write() of one line with O_APPEND, like the local gateway: writers never interleave.
    with path.open("a", encoding="utf-8") as outbox:
        outbox.write(line + "\n")
    return sid
