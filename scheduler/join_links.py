"""How a group's members take part, as each channel can show it.

A Telegram group gets a 去答题 button opening the private chat on the competition
(``t.me/<bot>?start=quiz-<id>``). A DingTalk or Feishu app group gets its card's link
button, and a group robot a link, to the sign-in from inside that messenger
(``/join/<id>/<platform>``: no typing, then the browser quiz), when the web has a public
address and the platform's app is set up; otherwise the words say it.
"""

from __future__ import annotations

import html

from config import Settings
from contest.offers import quiz_link_payload
from contest.outbox import Buttons
from contest.robots import TELEGRAM
from i18n import t


def join_button(competition_id: int, lang: str) -> Buttons:
    """去答题: opens the private chat with the bot on this competition."""
    return [[{"text": t("group.open_bot", lang), "start": quiz_link_payload(competition_id)}]]


def signin_url(settings: Settings, *, channel: str, competition_id: int) -> str | None:
    """The in-messenger sign-in for this channel's members, when it can work."""
    platform = channel.removesuffix("_app")
    if not settings.web_public_url or platform not in settings.app_senders:
        return None
    return f"{settings.web_public_url}/join/{competition_id}/{platform}"


def how_to_join(
    settings: Settings, *, channel: str, competition_id: int, lang: str
) -> tuple[str | None, Buttons | None]:
    """(a line to end the text with, buttons under it) for one target."""
    if channel == TELEGRAM:
        return None, join_button(competition_id, lang)
    url = signin_url(settings, channel=channel, competition_id=competition_id)
    if url is None:
        return t("scheduler.announce.join", lang), None
    label = t("group.open_bot", lang)
    if channel.endswith("_app"):  # the app's card shows its one link button
        return None, [[{"text": label, "url": url}]]
    return f'<a href="{html.escape(url)}">{label}</a>', None
