"""The English switch is complete: every Chinese text a template passes to t() has its
English, so a page served in English (``<html lang="en">``) says nothing in Chinese but
the data it shows."""

from __future__ import annotations

import re
from pathlib import Path

from hotline.views.navigation import MENU
from hotline.views.render.i18n import ENGLISH

TEMPLATES = Path(__file__).parents[2] / "hotline" / "templates"
TRANSLATED = re.compile(r"""\bt\(\s*(?:"([^"]+)"|'([^']+)')\s*\)""")
# The column labels _table.html's header_row passes to t().
HEADER_ROW = re.compile(r"header_row\(\[([^\]]*)\]\)")
QUOTED = re.compile(r""""([^"]+)"|'([^']+)'""")
HAN = re.compile(r"[\u4e00-\u9fff]")


def translated(source: str) -> list[str]:
    labels = [quoted for row in HEADER_ROW.findall(source) for quoted in QUOTED.findall(row)]
    return [text for quoted in TRANSLATED.findall(source) + labels for text in quoted if text]


def test_every_chinese_text_of_the_templates_has_its_english():
    missing = sorted(
        f"{template.name}: {text}"
        for template in TEMPLATES.glob("*.html")
        for text in translated(template.read_text())
        if HAN.search(text) and text not in ENGLISH
    )
    assert not missing, "\n".join(missing)


def test_every_menu_label_has_its_english():
    assert [entry.label for entry in MENU if entry.label not in ENGLISH] == []
