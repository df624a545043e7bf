"""What the DingTalk app sends from the outbox (钉钉): into a group, robot messages
(``groupMessages/send``); to a worker, the robot's messages in their private chat with the
app (``oToMessages/batchSend``), which need no card template, so an app set up only for the
browser sign-in still tells its workers their result at the close.

A picture is uploaded first (``media/upload``) and sent as ``sampleImageMsg`` with the media
id as its ``photoURL``; a note is a ``sampleActionCard`` whose one button opens its link;
a text is ``sampleMarkdown`` (DingTalk's Markdown breaks a line only after two spaces).
"""

from __future__ import annotations

from chat.app_outbox import Outgoing, Target
from chat.dingtalk.api import DingTalkApi
from chat.texts import plain

DEFAULT_TITLE = "质量知识竞赛"


def markdown(text: str) -> str:
    return "  \n".join(plain(text).strip().split("\n"))


def title_of(text: str) -> str:
    """A message's title (what the chat list shows): its first line, short."""
    first = plain(text).strip().split("\n", 1)[0].strip("*# ")
    return first[:20] or DEFAULT_TITLE


class DingTalkSender:
    def __init__(self, api: DingTalkApi) -> None:
        self.api = api

    async def deliver(self, target: Target, out: Outgoing) -> None:
        if target.group:
            await self._group(target.to, out)
        else:
            await self._user(target.to, out)

    async def _group(self, conversation_id: str, out: Outgoing) -> None:
        if out.kind == "photo" and out.picture:
            media = await self.api.upload_image(out.picture)
            await self.api.send_group(
                conversation_id=conversation_id,
                msg_key="sampleImageMsg",
                param={"photoURL": media},
            )
        text = markdown(out.text)
        if text:
            await self.api.send_group(
                conversation_id=conversation_id,
                msg_key="sampleMarkdown",
                param={"title": title_of(out.text), "text": text},
            )

    async def _user(self, user_id: str, out: Outgoing) -> None:
        to = [user_id]
        if out.kind == "photo":
            if out.picture:  # the caption is the competition's name: the picture says it
                media = await self.api.upload_image(out.picture, filename=f"qq{out.id}.png")
                await self.api.send_users(
                    user_ids=to, msg_key="sampleImageMsg", param={"photoURL": media}
                )
            return
        title, text = title_of(out.text), markdown(out.text)
        if out.kind == "note":
            param = {"title": title, "text": text, "singleTitle": out.label, "singleURL": out.url}
            await self.api.send_users(user_ids=to, msg_key="sampleActionCard", param=param)
        elif text:
            param = {"title": title, "text": text}
            await self.api.send_users(user_ids=to, msg_key="sampleMarkdown", param=param)
