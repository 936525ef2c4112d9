"""`hotline kb draft|edit|submit|publish|archive|show`: the editorial workflow from the command
line, what search sees at each step (here and in another process), and the refusals."""

import json
import threading
import time

import pytest
import sqlalchemy as sa

from hotline.infra import context
from hotline.infra.database import dispose_engines
from hotline.services import knowledge
from knowledge_base import index
from knowledge_base import services as kb_services
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.models import Article, ArticleEvent, ArticleVersion
from tests.conftest import app_with
from tests.factories import make_user

LIVE = {
    "id": "T-1",
    "title": "井盖缺失怎么报修",
    "answer": "由街道处置。",
    "questions": ["井盖不见了"],
}
# Shares no character with the live article, so only the new version can match it.
NEW_QUESTION = "路面塌陷冒水"
NEW_TITLE = "路面塌陷怎么报修"


@pytest.fixture
def supervisor(observer):
    return make_user(observer, "supervisor").username


@pytest.fixture
def live(runner, tmp_path):
    path = tmp_path / "live.jsonl"
    path.write_text(json.dumps(LIVE, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["kb", "import", str(path)])
    assert "1 created" in result.output, result.output
    return LIVE["id"]


@pytest.fixture
def other_process(database_url, tmp_path):
    """The same database seen by another application, with a search index of its own."""
    other = app_with(database_url, tmp_path / "other")
    yield other.test_cli_runner()
    dispose_engines(other)


def kb(runner, *args):
    result = runner.invoke(args=["kb", *args])
    assert result.exit_code == 0, result.output
    return result.output


def refused(runner, *args) -> str:
    """The one line a refused command prints (exit status 1, no traceback)."""
    result = runner.invoke(args=["kb", *args])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = result.output.splitlines()
    assert line.startswith("Error: ")
    return line.removeprefix("Error: ")


def titles(runner, query) -> list[str]:
    """The titles search finds for ``query``, best first."""
    found = json.loads(kb(runner, "search", query, "--json"))
    return [hit["title"] for hit in found["results"]]


def test_a_new_version_reaches_search_only_once_published_and_leaves_it_when_archived(
    runner, observer, live, supervisor, other_process
):
    assert titles(other_process, "井盖不见了") == [LIVE["title"]]

    output = kb(
        runner,
        "draft",
        "--id",
        live,
        "--title",
        NEW_TITLE,
        "--question",
        NEW_QUESTION,
        "--answer",
        "拨打12345，由区城管处置。",
        "--by",
        supervisor,
    )
    assert output == (
        f"{live} v2 drafted by {supervisor}; the live v1 stays in search until this one is"
        " published\n"
    )
    assert titles(runner, "井盖不见了") == [LIVE["title"]]
    assert titles(runner, NEW_QUESTION) == []
    assert observer.get(Article, live).answer == LIVE["answer"]

    kb(runner, "submit", live, "--by", supervisor)
    assert titles(runner, NEW_QUESTION) == []

    assert "published" in kb(runner, "publish", live, "--by", supervisor)
    assert titles(runner, NEW_QUESTION) == [NEW_TITLE]
    time.sleep(index.CHECK_INTERVAL)
    assert titles(other_process, NEW_QUESTION) == [NEW_TITLE]
    assert titles(other_process, "井盖不见了") == []

    shown = kb(runner, "show", live).splitlines()
    assert shown[0] == f"{live}  published v2  {NEW_TITLE}"
    assert [line.split()[:2] for line in shown if line.startswith("  v")] == [
        ["v2", "published"],
        ["v1", "superseded"],
    ]
    assert shown[1].endswith("changed: title, questions, answer")
    assert [line.split()[2:] for line in shown[2:5]] == [
        ["edit", "by", supervisor],
        ["submit", "by", supervisor],
        ["publish", "by", supervisor],
    ]

    kb(runner, "archive", live, "--note", "并入新条目", "--by", supervisor)
    assert titles(runner, NEW_QUESTION) == []
    time.sleep(index.CHECK_INTERVAL)
    assert titles(other_process, NEW_QUESTION) == []
    assert f"archive by {supervisor}  (并入新条目)" in kb(runner, "show", live)

    trail = observer.execute(
        sa.select(ArticleEvent.action, ArticleEvent.actor)
        .where(ArticleEvent.article_id == live)
        .order_by(ArticleEvent.id)
    ).all()
    assert trail == [
        ("import", "import"),
        ("edit", supervisor),
        ("submit", supervisor),
        ("publish", supervisor),
        ("archive", supervisor),
    ]


def test_a_new_article_from_a_file_gets_the_next_id_and_goes_through_review(
    runner, observer, supervisor, tmp_path
):
    observer.add(Article(id="KB-0041", title="旧条目", answer="旧。", status="archived"))
    observer.flush()
    path = tmp_path / "article.json"
    record = {"title": "占道经营怎么投诉", "answer": "由城管处置。", "category": "URBAN.MANHOLE"}
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    output = kb(
        runner,
        "draft",
        "--file",
        str(path),
        "--question",
        "路边摆摊占道",
        "--note",
        "市民来电多",
        "--by",
        supervisor,
    )
    assert output == f"KB-0042 v1 drafted by {supervisor}; not in search until it is published\n"
    article = observer.get(Article, "KB-0042")
    assert (article.status, article.questions, article.category_code) == (
        "draft",
        ["路边摆摊占道"],
        "URBAN.MANHOLE",
    )
    assert titles(runner, "路边摆摊占道") == []
    assert f"create by {supervisor}  (市民来电多)" in kb(runner, "show", "KB-0042")

    kb(runner, "edit", "KB-0042", "--answer", "拨打12345，由区城管处置。", "--by", supervisor)
    kb(runner, "submit", "KB-0042", "--by", supervisor)
    # An edit in review sends the version back to draft: it must be submitted again.
    kb(runner, "edit", "KB-0042", "--title", "占道经营如何投诉", "--by", supervisor)
    assert refused(runner, "publish", "KB-0042", "--by", supervisor) == (
        "条目 KB-0042 没有待发布的审核版本"
    )
    kb(runner, "submit", "KB-0042", "--by", supervisor)
    kb(runner, "publish", "KB-0042", "--by", supervisor)
    assert titles(runner, "路边摆摊占道") == ["占道经营如何投诉"]
    observer.refresh(article)
    assert (article.status, article.answer) == ("published", "拨打12345，由区城管处置。")


def test_only_an_active_admin_or_supervisor_may_edit(runner, observer, live):
    agent = make_user(observer, "agent").username
    retired = make_user(observer, "supervisor")
    retired.active = False
    observer.flush()
    admin = make_user(observer, "admin").username
    draft = ("draft", "--id", live, "--answer", "改由区城管处置。", "--by")

    assert refused(runner, *draft, agent) == (
        f"login {agent!r} is agent; only admins and supervisors edit articles"
    )
    assert refused(runner, *draft, retired.username) == f"login {retired.username!r} is disabled"
    assert refused(runner, *draft, "nobody") == "no console login 'nobody'"
    assert observer.scalar(sa.select(sa.func.count()).select_from(ArticleVersion)) == 1

    kb(runner, *draft, admin)
    assert refused(runner, "submit", live, "--by", agent).startswith(f"login {agent!r} is agent")
    assert refused(runner, "publish", live, "--by", agent).startswith(f"login {agent!r} is agent")
    assert refused(runner, "archive", live, "--by", agent).startswith(f"login {agent!r} is agent")
    assert observer.get(Article, live).status == "published"


def test_a_step_the_article_is_not_ready_for_is_refused_in_one_line(runner, live, supervisor):
    by = ("--by", supervisor)
    assert refused(runner, "submit", live, *by) == f"条目 {live} 没有可提交审核的草稿"
    assert refused(runner, "edit", live, "--answer", "新答案。", *by) == (
        f"条目 {live} 没有可编辑的草稿，请起草新版本"
    )
    kb(runner, "draft", "--id", live, "--answer", "新答案。", *by)
    assert refused(runner, "draft", "--id", live, "--answer", "又一版。", *by) == (
        f"条目 {live} 已有草稿第 2 版，请编辑该版本"
    )
    assert refused(runner, "publish", live, *by) == (f"条目 {live} 没有待发布的审核版本")
    kb(runner, "submit", live, *by)
    assert refused(runner, "submit", live, *by) == f"条目 {live} 没有可提交审核的草稿"
    assert refused(runner, "draft", "--id", live, "--title", "又一版", *by) == (
        f"条目 {live} 已有审核中的第 2 版，请编辑该版本"
    )
    kb(runner, "archive", live, *by)
    assert refused(runner, "archive", live, *by) == f"条目 {live} 已经归档"
    assert refused(runner, "edit", live, "--answer", "复活。", *by) == f"条目 {live} 已归档"
    assert refused(runner, "draft", "--id", live, "--answer", "复活。", *by) == (
        f"条目 {live} 已归档"
    )


def test_an_unknown_article_is_named(runner, supervisor):
    for command in ("submit", "publish", "archive"):
        assert refused(runner, command, "KB-9999", "--by", supervisor) == "没有条目“KB-9999”"
    assert refused(runner, "edit", "KB-9999", "--title", "标题", "--by", supervisor) == (
        "没有条目“KB-9999”"
    )
    assert refused(runner, "show", "KB-9999") == "没有条目“KB-9999”"


def test_invalid_content_is_refused_and_nothing_is_written(
    runner, observer, live, supervisor, tmp_path
):
    by = ("--by", supervisor)
    assert refused(runner, "draft", "--title", "只有标题", *by) == "条目缺少 answer"
    assert refused(runner, "draft", "--title", "标题", "--answer", "答。", "--lang", "fr", *by) == (
        "lang 须为 zh, en 之一，不能是“fr”"
    )
    assert refused(
        runner, "draft", "--title", "标题", "--answer", "答。", "--category", "NO.SUCH", *by
    ) == ("未知的分类“NO.SUCH”")
    assert refused(runner, "draft", "--id", live, "--unit", "NO-UNIT", *by) == (
        "未知的单位“NO-UNIT”"
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": ', encoding="utf-8")
    assert refused(runner, "draft", "--file", str(broken), *by).startswith(f"{broken}: not JSON")
    listed = tmp_path / "listed.json"
    listed.write_text("[]", encoding="utf-8")
    assert refused(runner, "draft", "--file", str(listed), *by) == (
        f"{listed}: must hold one JSON object"
    )
    kb(runner, "draft", "--id", live, "--answer", "新答案。", *by)
    assert refused(runner, "edit", live, *by) == "没有要修改的内容"
    assert refused(runner, "edit", live, "--title", "", *by) == "条目缺少 title"

    assert observer.scalars(sa.select(Article.id)).all() == [live]
    assert observer.scalars(
        sa.select(ArticleVersion.answer).order_by(ArticleVersion.number)
    ).all() == [
        LIVE["answer"],
        "新答案。",
    ]


def in_thread(app, step) -> tuple[threading.Thread, list]:
    """Run ``step(session)`` in a thread with a session of its own; its outcome (result or
    refusal message) lands in the list."""
    outcome: list = []

    def run() -> None:
        with context.sessions(app)() as session:
            try:
                outcome.append(step(session))
            except KnowledgeBaseError as exc:
                outcome.append(str(exc))

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_two_editors_drafting_one_article_take_turns(app, live, supervisor):
    with context.sessions(app)() as first:
        first.get(Article, live, with_for_update=True)
        kb_services.edit_article(first, live, {"answer": "先到的一版。"}, "first")
        second, outcome = in_thread(
            app,
            lambda session: (
                knowledge.draft(session, supervisor, {"id": live, "answer": "后到的一版。"}).number
            ),
        )
        # The second editor is now waiting for the first one's transaction.
        time.sleep(0.5)
        first.commit()
    second.join(timeout=30)
    assert outcome == [f"条目 {live} 已有草稿第 2 版，请编辑该版本"]


def test_two_new_articles_drafted_at_once_never_share_an_id(app, backend, supervisor):
    if backend != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    with context.sessions(app)() as first:
        first.add(Article(id="KB-0001", title="先到", answer="先到。", status="draft"))
        first.flush()
        second, outcome = in_thread(
            app,
            lambda session: (
                knowledge.draft(
                    session, supervisor, {"title": "后到", "answer": "后到。"}
                ).article_id
            ),
        )
        time.sleep(0.5)
        first.commit()
    second.join(timeout=30)
    assert outcome == ["条目已被他人修改，请重新执行命令"]
    with context.sessions(app)() as again:
        record = {"title": "后到", "answer": "后到。"}
        assert knowledge.draft(again, supervisor, record).article_id == "KB-0002"


def test_a_refused_step_holds_no_lock_on_the_article(app, live, supervisor):
    with context.sessions(app)() as first:
        with pytest.raises(KnowledgeBaseError, match="没有可提交审核的草稿"):
            knowledge.submit(first, supervisor, live)
        # The first session stays open, as a page rendering the refusal would keep it.
        with context.sessions(app)() as second:
            article = second.get(Article, live, with_for_update={"nowait": True})
            assert article.status == "published"
