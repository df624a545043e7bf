"""The competition's rules in the words an organiser's boss reads (竞赛规则 sheet)."""

from __future__ import annotations

from contest.rules import CompetitionRules, Counting, PaperMode, TeamMode
from contest.scoring import ScoreStyle, format_score
from quizbank.grading import MultiplePolicy
from quizbank.models import QuestionType

TYPE_NAMES = {
    QuestionType.SINGLE: "单选题",
    QuestionType.MULTIPLE: "多选题",
    QuestionType.TRUE_FALSE: "判断题",
    QuestionType.BLANK: "填空题",
}
TEAM_MODES = {
    TeamMode.SUM: "总分",
    TeamMode.AVG_PARTICIPANTS: "平均分（按参与人数）",
    TeamMode.AVG_REGISTERED: "平均分（按应参与人数）",
    TeamMode.TOP_N_AVG: "前 {n} 名平均分",
}
PAPERS = {
    PaperMode.SAME: "统一试卷（题目相同，顺序与选项打乱）",
    PaperMode.RANDOM: "随机组卷（每份总分相同）",
}
RANDOM_UNEVEN = "随机组卷（各题分值按题库，每份总分可能不同）"
COUNTING = {Counting.BEST: "取最好一次", Counting.LAST: "取最后一次"}
MULTIPLE = {
    MultiplePolicy.ALL_OR_NOTHING: "全对才得分",
    MultiplePolicy.PARTIAL: "少选得部分分（{share}），错选不得分",
}
LEVELS = {"leaf": "最底层团队"}


def team_mode_label(rules: CompetitionRules) -> str:
    return TEAM_MODES[rules.team.mode].format(n=rules.team.top_n)


def _composition(rules: CompetitionRules) -> str:
    parts = []
    for item in rules.composition:
        text = f"{TYPE_NAMES[item.type]} {item.count} 道"
        value = rules.item_value(item)
        if value is not None:
            text += f"（每题 {format_score(value, 2)} 分）"
        if item.category:
            text += f"，分类：{item.category}"
        if item.difficulty:
            text += f"，难度 {item.difficulty}"
        parts.append(text)
    return "；".join(parts)


def _ties(rules: CompetitionRules) -> str:
    text = "同分按总用时少者在前，再按完成时间早者在前" if rules.ties.by_time else "同分并列"
    if rules.ties.playoff_places:
        text += (
            f"；前 {rules.ties.playoff_places} 名同分者加赛 {rules.ties.playoff_questions} 题"
            f"（结束后 {rules.ties.playoff_minutes} 分钟内）"
        )
    return text


def rule_rows(
    rules: CompetitionRules, style: ScoreStyle, full_marks: float | None = None
) -> list[list[str]]:
    """(项目, 设置) rows, in Chinese. ``full_marks`` is every paper's 满分 when all papers
    share one (it is known whether or not scores are shown as percentages)."""
    marks = full_marks if full_marks is not None else style.full_marks
    paper = PAPERS[rules.paper]
    if rules.paper is PaperMode.RANDOM and marks is None:
        paper = RANDOM_UNEVEN
    scoring = rules.scoring
    multiple = MULTIPLE[scoring.multiple_policy].format(share=f"{scoring.partial_fraction:.0%}")
    shown = "得分率（百分比）" if style.percent else "分数"
    return [
        ["组卷方式", paper],
        ["题目组成", _composition(rules)],
        ["满分", format_score(marks, 2) if marks else "每份试卷可能不同（得分率按各自试卷满分计）"],
        ["每题限时", f"{rules.question_time_limit_s} 秒"],
        ["总时限", _paper_time(rules)],
        ["作答次数", f"{rules.attempts_allowed} 次，{COUNTING[rules.counting]}"],
        ["多选题计分", multiple],
        ["速度加分", "有（越快得分越高，最低一半）" if scoring.speed_bonus else "无"],
        [
            "答错扣分",
            f"{format_score(scoring.wrong_penalty, 2)} 分" if scoring.wrong_penalty else "无",
        ],
        ["个人排名", f"按得分从高到低；{_ties(rules)}"],
        ["团队计分方式", team_mode_label(rules)],
        ["团队排名层级", LEVELS.get(rules.team.level, rules.team.level)],
        ["团队最少参与人数", f"{rules.team.min_participants} 人（不足则不排名）"],
        ["成绩显示", f"{shown}，保留 {style.precision} 位小数（整数不显示小数）"],
    ]


def _paper_time(rules: CompetitionRules) -> str:
    """全卷最长 as workers were told: 整卷限时 where it shortened the paper, else the sum."""
    if rules.total_limit_applies:
        return f"{rules.paper_time_s} 秒（整卷限时）"
    per = f"{rules.question_count} 题 × 每题 {rules.question_time_limit_s} 秒"
    return f"{rules.paper_time_s} 秒（{per}）"
