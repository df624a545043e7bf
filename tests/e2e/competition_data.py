"""The competition every e2e test plays, prepared the way an organiser does: with the CLI.

``python main.py bank import`` (the demo bank), ``contest roster`` (teams from a 花名册),
``contest create`` (a YAML definition) and ``contest open``. That takes a few CLI runs, so it
happens once per session into a template database that each test copies.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.e2e.bot_process import CLI_TIMEOUT, MAIN, REPO, bot_env, run_cli

DEMO_BANK = REPO / "quizbank" / "demo" / "demo_bank.json"
COMPETITION_NAME = "端到端测试竞赛"
TEAM_PATH = ("质量部", "检验一班")
ROSTER = "姓名,工号,部门,班组\n李四,1001,质量部,检验一班\n赵六,1002,质量部,检验二班\n"
COMPOSITION = {"单选": 2, "多选": 1, "判断": 1, "填空": 1}
QUICK_NAME = "限时小测"
"""A second competition with a short clock, for the worker who misses a question."""
QUICK_LIMIT_S = 8

CONTEST_YAML = """\
name: {name}
timezone: Asia/Shanghai
starts_at: {starts}
ends_at: {ends}
status: scheduled
rules:
  source: {{sets: ["{bank}"]}}
  composition:
{composition}
  question_time_limit_s: 120      # generous: a loaded CI machine must not time answers out
  attempts_allowed: 1
  feedback: {{show_correctness_during: true, show_answers: after_close}}
  scoring: {{multiple_policy: partial}}
  team: {{mode: sum, min_participants: 1, level: leaf}}
  announce: {{cron: null, reminders: false, final_results: false}}
"""


QUICK_YAML = """\
name: {name}
timezone: Asia/Shanghai
starts_at: {starts}
ends_at: {ends}
status: scheduled
rules:
  source: {{sets: ["{bank}"]}}
  composition:
    - {{type: 判断, count: 2}}
  question_time_limit_s: {limit}
  total_time_limit_s: 600         # the paper's own clock never ends it during the test
  attempts_allowed: 1
  feedback: {{show_correctness_during: true, show_answers: during}}
  announce: {{cron: null, reminders: false, final_results: false}}
"""


@dataclass(frozen=True)
class BankQuestion:
    """A demo-bank question as the worker's answer sheet: stem, options, answer, points."""

    kind: str  # 单选 / 多选 / 判断 / 填空
    stem: str
    options: dict[str, str]
    answer: str
    points: float

    @property
    def correct_options(self) -> list[str]:
        """Texts of the correct options (choice questions)."""
        return [self.options[letter] for letter in self.answer]

    @property
    def blank_answer(self) -> str:
        """The first accepted alternative of every blank, separated as the bot asks (；)."""
        return "；".join(alt.split("|")[0] for alt in self.answer.split(";"))


@dataclass(frozen=True)
class CompetitionData:
    template_db: Path
    competition_id: int
    join_code: str
    bank: list[BankQuestion]

    @property
    def question_count(self) -> int:
        return sum(COMPOSITION.values())

    def copy_database(self, target: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.template_db}{suffix}")
            if source.exists():
                shutil.copyfile(source, f"{target}{suffix}")


def load_bank() -> tuple[str, list[BankQuestion]]:
    data = json.loads(DEMO_BANK.read_text(encoding="utf-8"))
    questions = [
        BankQuestion(
            kind=q["type"],
            stem=q["stem"],
            options=q.get("options") or {},
            answer=str(q["answer"]),
            points=float(q.get("points", 1)),
        )
        for q in data["questions"]
    ]
    return data["name"], questions


def prepare_competition(workdir: Path) -> CompetitionData:
    """Run the organiser's CLI commands against a fresh database file in ``workdir``."""
    database = workdir / "template.db"
    env = bot_env(database_url=f"sqlite+aiosqlite:///{database}")
    bank_name, bank = load_bank()
    (workdir / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (workdir / "contest.yaml").write_text(_contest_yaml(bank_name), encoding="utf-8")
    (workdir / "quick.yaml").write_text(_contest_yaml(bank_name, QUICK_YAML), encoding="utf-8")

    run_cli("bank", "import", str(DEMO_BANK), env=env, cwd=workdir)  # also creates the schema
    _run_together(
        [["contest", "roster", "roster.csv"], ["contest", "create", "contest.yaml"]],
        env=env,
        cwd=workdir,
    )
    run_cli("contest", "create", "quick.yaml", env=env, cwd=workdir)
    listing = run_cli("contest", "list", env=env, cwd=workdir).stdout
    competition_id = _competition_id(listing)
    run_cli("contest", "open", str(competition_id), env=env, cwd=workdir)
    run_cli("contest", "open", str(_competition_id(listing, QUICK_NAME)), env=env, cwd=workdir)
    join_code = _join_code(run_cli("contest", "teams", env=env, cwd=workdir).stdout)
    return CompetitionData(database, int(competition_id), str(join_code), bank)


def _competition_id(listing: str, name: str = COMPETITION_NAME) -> int:
    """The id from `contest list` ("id<TAB>status<TAB>start – end<TAB>name")."""
    for line in listing.splitlines():
        fields = line.split("\t")
        if len(fields) == 4 and fields[3] == name:
            return int(fields[0])
    raise AssertionError(f"{name} not in `contest list`:\n{listing}")


def _join_code(listing: str) -> str:
    """The join code of TEAM_PATH from `contest teams` ("code<TAB>members<TAB>  kind name",
    indented two spaces per level, parents before children) — what an organiser shares."""
    department = None
    for line in listing.splitlines():
        code, _members, label = line.split("\t")
        depth = (len(label) - len(label.lstrip(" "))) // 2
        name = label.strip().split(" ", 1)[-1]
        if depth == 0:
            department = name
        elif (department, name) == TEAM_PATH:
            return code
    raise AssertionError(f"{TEAM_PATH} not in `contest teams`:\n{listing}")


def _contest_yaml(bank_name: str, template: str = CONTEST_YAML) -> str:
    zone = ZoneInfo("Asia/Shanghai")
    now = datetime.now(zone).replace(microsecond=0)
    composition = "\n".join(
        f"    - {{type: {kind}, count: {count}}}" for kind, count in COMPOSITION.items()
    )
    return template.format(
        name=COMPETITION_NAME if template is CONTEST_YAML else QUICK_NAME,
        limit=QUICK_LIMIT_S,
        starts=(now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
        ends=(now + timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S"),
        bank=bank_name,
        composition=composition,
    )


def _run_together(commands: list[list[str]], *, env: dict[str, str], cwd: Path) -> None:
    """Independent CLI commands side by side (each costs seconds of start-up)."""
    running = [
        (
            args,
            subprocess.Popen(
                [sys.executable, str(MAIN), *args],
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
        for args in commands
    ]
    for args, process in running:
        output, _ = process.communicate(timeout=CLI_TIMEOUT)
        if process.returncode != 0:
            raise AssertionError(
                f"`main.py {' '.join(args)}` exited {process.returncode}\n{output}"
            )
