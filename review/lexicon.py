"""Domain word lists: cue phrases editors read (DOMAIN.md), as compiled patterns.

Checks use them to explain themselves; the classifier uses their counts as features.
They are cues, not rules: the model learns how much each one counts.
"""

from __future__ import annotations

import re


WORDS: dict[re.Pattern, tuple[str, ...]] = {}  # each cue pattern's words (review/cues.py counts them in one pass)


def _alt(words: str) -> re.Pattern:
    items = tuple(sorted({w for w in words.split() if w}, key=len, reverse=True))
    pattern = re.compile("|".join(re.escape(w) for w in items))
    WORDS[pattern] = items
    return pattern


# Title and body cues per category (DOMAIN.md, "Title cues seen in practice").
CATEGORY_CUES: dict[str, re.Pattern] = {
    "routine": _alt("召开 会议 部署 开展 活动 检查指导 调研 督导 座谈会 推进会 动员会 培训班 启动 举办 出席 参加 "
                    "视察 慰问 观摩 考察 学习 传达 专题会 工作会 部署会 现场会 强调 要求 指出 表示 讲话 "
                    "进展顺利 有序推进 稳步推进 顺利完成 深入开展 积极开展 扎实推进"),
    "experience": _alt("扎实开展 多措并举 取得明显成效 取得成效 成效明显 成效显著 几点探索 探索 创新 建立 机制 "
                       "模式 做法 经验 亮点 特色 品牌 典型 示范 试点 闭环 一站式 清单 网格化 有效破解 "
                       "破解 走出 新路 实现了 提升 提高 下降了 减少了 增加了 惠及 带动 \"三个一\" 打造"),
    "problem": _alt("问题 存在 困难 隐患 风险 矛盾 纠纷 投诉 反映强烈 亟待规范 亟待解决 令人担忧 不容忽视 "
                    "应引起重视 刻不容缓 短板 不足 滞后 难以 无法 拖欠 欠薪 违规 违法 乱象 突出 堵点 痛点 "
                    "难点 困境 压力 缺口 超标 超期 闲置 挪用 虚报 冒领 未按 未落实 不到位 不规范 群众不满"),
    "proposal": _alt("建议 对策 意见建议 几点建议 为此建议 的建议 应当 应该 宜 亟需 需要 希望 呼吁 "
                     "出台 加大 加快 完善 健全 强化 统筹 纳入 设立 推动 明确 尽快 从……入手 措施建议 思考"),
    "trend": _alt("苗头 倾向 预警 预测 预计 可能 或将 有所抬头 抬头 呈上升趋势 上升趋势 下降趋势 趋势 "
                  "态势 回落 反弹 攀升 走高 走低 异动 迹象 出现……迹象 值得关注 值得警惕 需警惕 警惕 "
                  "隐忧 潜在 新动向 新情况 新变化 持续增加 明显增多 增多 加剧 蔓延 扩散 拐点 由……转为"),
}

# Words that make a brief urgent (DOMAIN.md: major accidents, disasters, epidemics,
# mass incidents, petitions).
URGENT_CUES = _alt("死亡 遇难 身亡 受伤 伤亡 失联 失踪 被困 起火 火灾 火情 爆炸 爆燃 坍塌 垮塌 泄漏 中毒 "
                   "溺水 山洪 泥石流 滑坡 塌方 决口 溃坝 管涌 内涝 倒塌 翻车 侧翻 相撞 追尾 坠落 聚集 "
                   "围堵 堵路 群体性 冲突 疫情 暴发 聚集性 确诊 突发 紧急 急报 快报 续报 初报 送医 救治 "
                   "120 119 110 抢险 救援 转移群众")

MEETING_VERBS = _alt("召开 会议 部署 开展 活动 调研 检查 督导 参加 出席 学习 座谈 培训 动员 启动 举办 视察 "
                     "慰问 观摩 考察 传达 宣讲 推进会 现场会 工作会")

# Signs of substance: results, problems or proposals (absent in "有啥报啥" news).
# Result nouns only: verbs like 提高/实现/解决 are as often instructions ("要提高认识").
RESULT_CUES = _alt("成效 效果明显 效果显著 取得效果 完成率 同比 环比 化解率 挽回 追回 惠及 增收 节约 缩短 节省 收回 "
                   "整改到位 办结率 满意率 下降了 提高了 提升了 减少了 增加了")
ISSUE_CUES = _alt("问题 困难 隐患 风险 矛盾 不足 短板 滞后 投诉 反映 拖欠 违规 乱象 堵点 难点 压力 缺口")
PROPOSAL_CUES = _alt("建议 对策 应当 应该 亟需 希望 呼吁 为此 下一步")

# Cause, scope and analysis markers ("有情况、有分析、有建议").
ANALYSIS_CUES = _alt("原因 主要是 由于 究其 导致 造成 因为 根源 症结 分析 一是 二是 其一 其次 涉及 范围 占比 "
                     "同比 环比 共有 累计 其中 约占 据调查 据了解 经排查 经初步统计 据统计 调查显示 主要表现 "
                     "具体表现 一方面 另一方面")

SUPERLATIVES = _alt("空前 史无前例 前所未有 极大地 极大 彻底解决 彻底根治 根本性 翻天覆地 全面解决 全面杜绝 全面消除 "
                    "全面根治 全面完成 零投诉 无一例外 家喻户晓 人人皆知 举世瞩目 一劳永逸 "
                    "最好 最强 最优 第一流 全国领先 遥遥领先 天翻地覆")


# A figure: an Arabic or Chinese number with a unit, a percentage or a share.
# (The lookahead names every character a figure can begin with: the scan then skips the rest quickly.)
FIGURE = re.compile(
    r"(?=[\d一二两三四五六七八九十百千万同])(?:"
    r"(?:\d+(?:[.,]\d+)*|[一二两三四五六七八九十百千万]+)\s*"
    r"(?:%|％|个百分点|万元|亿元|元|万亩|亩|公顷|万户|户|万人|人次|人|名|件|起|家|个|吨|公里|千米|米|平方米|"
    r"万平方米|立方米|辆|所|次|台|头|只|项|处|宗|栋|套|间|小时|天|倍|成|余人|余户|余件|余家|余起|余万元|万|亿)"
    r"|\d+(?:\.\d+)?\s*(?:%|％)|同比(?:增长|下降|上升|减少)\s*\d)")
