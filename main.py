"""QualityQuiz command line: run the bot or the scheduler, manage the bank, contests, schedules.

Exit codes: 0 ok, 1 the input was rejected (with a readable report), 2 usage error.
"""

from __future__ import annotations

from cli.app import app

if __name__ == "__main__":
    app()
