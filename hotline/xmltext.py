"""Text made fit for an XML 1.0 document, which may not contain most control characters."""

from __future__ import annotations

import re

# What XML 1.0 forbids: C0 controls but tab, LF and CR; surrogates; U+FFFE and U+FFFF. A
# parser refuses the whole document for one of them, so one text would break the page.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    return _FORBIDDEN.sub("", text)
