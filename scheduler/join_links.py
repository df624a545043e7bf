"""How a group's members take part, as each channel can show it.

A Telegram group gets a 去答题 button opening the private chat on the competition
(``t.me/<bot>?start=quiz-<id>``). A DingTalk or Feishu app group gets its card's link
button, and a group robot a link, to the sign-in from inside that messenger
(``/join/<id>/<platform>``: no typing, then the browser quiz), when the web has a public
address and the platform's app is set up; otherwise the words say it. A group robot with no
app behind it cannot be messaged privately: it links the browser roster sign-in
(``/join/<id>``) when the web has a public address and the competition allows it, else it
tells the group to ask the organiser.
"""

from __future__ import annotations

import html

from config import Settings
from contest.offers import quiz_link_payload
from contest.outbox import Buttons
from contest.robots import PLATFORMS, TELEGRAM
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


def browser_line(settings: Settings, *, competition_id: int, lang: str, roster: bool) -> str:
    """A group robot's members take part in the browser: the roster sign-in's link when it
    can work (a public address, the competition's /web_login on), else ask the organiser."""
    public = (settings.web_public_url or "").rstrip("/")
    if not public or not roster:
        return t("robotlink.ask_organiser", lang)
    url = html.escape(f"{public}/join/{competition_id}")
    return t("robotlink.in_browser", lang, link=f'<a href="{url}">{url}</a>')


def how_to_join(
    settings: Settings, *, channel: str, competition_id: int, lang: str, roster: bool = False
) -> tuple[str | None, Buttons | None]:
    """(a line to end the text with, buttons under it) for one target; ``roster`` says the
    competition allows the browser roster sign-in."""
    if channel == TELEGRAM:
        return None, join_button(competition_id, lang)
    url = signin_url(settings, channel=channel, competition_id=competition_id)
    if url is None and channel in PLATFORMS:  # a robot: nobody can message it privately
        return browser_line(settings, competition_id=competition_id, lang=lang, roster=roster), None
    if url is None:
        return t("scheduler.announce.join", lang), None
    label = t("group.open_bot", lang)
    if channel.endswith("_app"):  # the app's card shows its one link button
        return None, [[{"text": label, "url": url}]]
    return f'<a href="{html.escape(url)}">{label}</a>', None
