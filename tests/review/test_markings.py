"""Secrecy markings are found; sentences about secrecy are not markings."""

import pytest

from review.config import load_config
from review.markings import MarkingFinder

FINDER = MarkingFinder(load_config().section("classified"))


@pytest.mark.parametrize("text,label", [
    ("秘密★1年\n关于某县矿山整治情况的报告", "秘密"),
    ("机密★长期\n正文", "机密"),
    ("绝密★\n……", "绝密"),
    ("秘密 ★ 三年", "秘密"),
    ("密级:秘密\n一、基本情况", "密级:秘密"),
    ("密级：机密", "密级：机密"),
    ("(内部资料 注意保存)某镇反映……", "内部资料"),
    ("（内部资料，注意保密）", "内部资料"),
    ("【涉密】关于……", "涉密"),
    ("〔内部材料〕", "内部材料"),
    ("内部资料 注意保密\n近期我县……", "内部资料"),
    ("内部文件，严禁外传。", "内部文件"),
    ("标题\n涉密\n正文从这里开始", "涉密"),
    ("正文……\n注意保密", "注意保密"),
])
def test_markings_are_found(text, label):
    found = FINDER.find(text)
    assert found and found[0].text == label and text[found[0].start:found[0].end] == label


@pytest.mark.parametrize("text", [
    "一些部门常以数据涉密、保护隐私等为由拒绝共享。",
    "本材料不涉密,可公开报送。",
    "县保密局召开保密工作会议,部署涉密人员管理工作。",
    "部分企业担心商业秘密泄露,不愿上报数据。",
    "要加强内部资料管理,防止泄密。",
    "会议强调,涉密载体要专人保管。",
    "对机密文件的管理存在漏洞,秘密级文件登记不全。",
    "他说这件事是个秘密。",
])
def test_mentions_are_not_markings(text):
    assert FINDER.find(text) == []


def test_markers_come_from_configuration():
    finder = MarkingFinder({"grades": ["秘密"], "grade_marks": ["★"], "labels": ["内部参阅"],
                            "notices": ["注意保存"]})
    assert [m.text for m in finder.find("(内部参阅)正文")] == ["内部参阅"]
    assert finder.find("(内部资料)正文") == []
