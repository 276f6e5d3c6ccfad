"""The pure rules of notices: the body markup, what a body may not contain, the wording check and
the transition table."""
import pytest

from frontdesk.notices import rules
from frontdesk.notices.models import APPROVED, CHECKED, DRAFT, SUBMITTED, SUPERSEDED
from frontdesk.notices.rules import Block, WordingNote, body_problem, can_move, parse_body, wording_notes
from tests.factories import english


def test_parse_body_lays_out_headings_lists_numbered_lists_and_paragraphs():
    text = ("# 停水通知\n\n尊敬的业主：\n因管网检修，\n园区暂停供水。\n\n- 时间：**9:00至17:00**\n- 范围：A座\n"
            "1. 请提前储水\n2、关好水龙头\n\n## 联系方式\n服务中心 **电话** 8888")
    assert parse_body(text) == [
        Block("heading", ((("停水通知", False),),)),
        Block("paragraph", ((("尊敬的业主：因管网检修，园区暂停供水。", False),),)),
        Block("list", ((("时间：", False), ("9:00至17:00", True)), (("范围：A座", False),))),
        Block("numbered", ((("请提前储水", False),), (("关好水龙头", False),))),
        Block("heading", ((("联系方式", False),),)),
        Block("paragraph", ((("服务中心 ", False), ("电话", True), (" 8888", False)),)),
    ]


def test_a_list_starts_with_a_dash_a_star_or_a_bullet_and_ends_at_a_paragraph():
    assert parse_body("* 一\n• 二\n- 三\n说明\n- 四") == [
        Block("list", ((("一", False),), (("二", False),), (("三", False),))),
        Block("paragraph", ((("说明", False),),)),
        Block("list", ((("四", False),),)),
    ]


def test_paragraphs_are_joined_line_by_line_and_split_at_blank_lines():
    assert parse_body("第一行\r\n第二行\r\n\r\n\r\n第三段  ") == [
        Block("paragraph", ((("第一行第二行", False),),)),
        Block("paragraph", ((("第三段", False),),)),
    ]


def test_an_unpaired_double_star_is_shown_as_typed():
    assert parse_body("面积 **120平方米") == [Block("paragraph", ((("面积 **120平方米", False),),))]
    assert parse_body("- **注意") == [Block("list", ((("**注意", False),),))]


def test_a_number_with_a_decimal_point_starts_no_numbered_list():
    assert parse_body("3.5元/平方米·月，自5月起执行。") == [
        Block("paragraph", ((("3.5元/平方米·月，自5月起执行。", False),),))]
    assert parse_body("1.停水时间") == [Block("numbered", ((("停水时间", False),),))]


def test_html_in_the_body_stays_text_and_an_empty_body_has_no_blocks():
    assert parse_body("") == [] and parse_body(None) == [] and parse_body("\n \n") == []
    assert parse_body("a & b") == [Block("paragraph", ((("a & b", False),),))]


@pytest.mark.parametrize("text", ["", "   \n  ", None])
def test_an_empty_body_is_refused(text):
    assert english(body_problem(text)) == "Write the text of the notice."


def test_a_body_over_the_limit_is_refused_and_one_at_the_limit_is_kept():
    assert body_problem("通" * rules.MAX_BODY) is None
    assert english(body_problem("通" * (rules.MAX_BODY + 1))) == "Keep the notice under 5000 characters."


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>", "请注意<b>停水</b>", "<B>大写</B>", "</p>", "< script>", "<!-- 注释 -->",
    "<img src=x>", "点击 javascript:alert(1)", "JavaScript:void(0)", "按钮 onclick=alert(1)",
    "onload = x", "按钮onerror=x",
])
def test_html_and_script_are_refused(text):
    assert english(body_problem(text)).startswith("The text may not contain HTML or script.")


@pytest.mark.parametrize("text", [
    "气温 < 5 度时请注意防冻", "气温<5度", "面积 <100 平方米", "5 > 3", "A座 → B座", "温度≤30℃",
    "请关注公众号 on time", "Questions = 3", "reasons=2", "电话：0755-8888 **24小时**",
])
def test_ordinary_text_with_angle_brackets_or_equals_is_kept(text):
    assert body_problem(text) is None


@pytest.mark.parametrize("phrase", rules.FORBIDDEN_PHRASES)
def test_each_forbidden_phrase_is_pointed_out(phrase):
    notes = wording_notes("通知", f"请您注意：{phrase}。谢谢")
    assert WordingNote("forbidden", phrase) in notes
    assert not any(n.kind == "courtesy" for n in notes)


def test_forbidden_phrases_are_found_in_the_title_too_and_each_once():
    notes = wording_notes("喂，不知道", "请您谅解，不知道")
    assert notes == [WordingNote("forbidden", "喂"), WordingNote("forbidden", "不知道")]


def test_missing_courtesy_is_pointed_out_once():
    assert wording_notes("停水通知", "明天停水。") == [WordingNote("courtesy", "您、请、谢谢")]
    assert wording_notes("", "") == [WordingNote("courtesy", "您、请、谢谢")]


@pytest.mark.parametrize("title, body", [
    ("停水通知", "给您带来不便，敬请谅解。"), ("请注意", "明天停水。"), ("停水通知", "谢谢配合。"),
])
def test_a_polite_notice_gets_no_notes(title, body):
    assert wording_notes(title, body) == []


def test_wording_notes_combine_forbidden_phrases_and_missing_courtesy():
    assert wording_notes("通知", "我不管，你自己看") == [
        WordingNote("forbidden", "你自己看"), WordingNote("forbidden", "我不管"), WordingNote("courtesy", "您、请、谢谢")]


@pytest.mark.parametrize("current, target", [
    (DRAFT, SUBMITTED), (SUBMITTED, CHECKED), (SUBMITTED, DRAFT), (CHECKED, APPROVED), (CHECKED, DRAFT),
    (APPROVED, SUPERSEDED),
])
def test_allowed_moves(current, target):
    assert can_move(current, target)


@pytest.mark.parametrize("current, target", [
    (DRAFT, CHECKED), (DRAFT, APPROVED), (SUBMITTED, APPROVED), (CHECKED, SUBMITTED), (APPROVED, DRAFT),
    (APPROVED, CHECKED), (SUPERSEDED, APPROVED), (SUPERSEDED, DRAFT), (DRAFT, DRAFT), (APPROVED, APPROVED),
    ("unknown", DRAFT), (DRAFT, "unknown"),
])
def test_refused_moves(current, target):
    assert not can_move(current, target)


def test_every_status_is_in_the_table():
    from frontdesk.notices.models import REVISION_STATUSES

    assert set(rules.ALLOWED) == set(REVISION_STATUSES)
    assert all(targets <= set(REVISION_STATUSES) for targets in rules.ALLOWED.values())


def test_a_hash_without_a_space_starts_no_heading():
    assert parse_body("# 停水通知\n#3号楼明日停水") == [
        Block("heading", ((("停水通知", False),),)), Block("paragraph", ((("#3号楼明日停水", False),),))]


def test_feeding_is_not_the_rude_hello():
    assert wording_notes("请勿喂养流浪猫", "谢谢配合") == []
    assert wording_notes("喂，您好", "") == [WordingNote("forbidden", "喂")]
