"""The monthly bulletin as a printable PDF (A4, Chinese set in reportlab's built-in
STSong-Light CID font, so no font file is needed)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from workorders.bulletin import Bulletin

FONT = "STSong-Light"
HEADER = (
    "排名",
    "承办单位",
    "派发",
    "办结",
    "按期办结率",
    "较上月",
    "满意率",
    "较上月",
    "满意率排名",
    "办结率",
)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _points(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.2f}"


def _rank(rank: int | None, change: int | None) -> str:
    if rank is None:
        return "—"
    if not change:
        return str(rank)
    return f"{rank} ({'↑' if change > 0 else '↓'}{abs(change)})"


def bulletin_pdf(bulletin: Bulletin, definitions: list[tuple[str, str]]) -> bytes:
    """The bulletin's ranking table with its totals and the definitions under it."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13)
    month = f"{bulletin.month.year}年{bulletin.month.month}月"
    totals = bulletin.totals
    story = [
        Paragraph(escape(f"12345 政务服务便民热线 {month} 服务质量通报"), title),
        Spacer(1, 4 * mm),
        Paragraph(
            escape(
                f"本月派发工单 {totals.dispatched} 件，办结 {totals.closed} 件，"
                f"办结率 {_percent(totals.closure_rate)}，按期办结率 "
                f"{_percent(totals.on_time_rate)}（上月 "
                f"{_percent(bulletin.previous_totals.on_time_rate)}），满意率 "
                f"{_percent(totals.satisfaction_rate)}（上月 "
                f"{_percent(bulletin.previous_totals.satisfaction_rate)}）。"
            ),
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    data: list[list[str | Paragraph]] = [list(HEADER)]
    for row in bulletin.rows:
        figures = row.figures
        data.append(
            [
                _rank(row.on_time_rank, row.on_time_rank_change),
                Paragraph(escape(figures.name), body),
                str(figures.dispatched),
                str(figures.closed),
                _percent(figures.on_time_rate),
                _points(row.on_time_change),
                _percent(figures.satisfaction_rate),
                _points(row.satisfaction_change),
                _rank(row.satisfaction_rank, row.satisfaction_rank_change),
                _percent(figures.closure_rate),
            ]
        )
    table = Table(data, repeatRows=1, colWidths=[22 * mm, 62 * mm] + [22 * mm] * 8)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf1")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    story += [table, Spacer(1, 6 * mm), Paragraph("口径说明", body)]
    story += [Paragraph(escape(f"{name}：{text}"), body) for name, text in definitions]
    buffer = BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title=f"12345 {month} 服务质量通报",
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
    ).build(story)
    return buffer.getvalue()
