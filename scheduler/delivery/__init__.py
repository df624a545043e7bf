"""Delivery of outbox rows, one module per channel: ``telegram`` (the bulk bot) and the group
robots of ``wecom`` (企业微信), ``dingtalk`` (钉钉) and ``feishu`` (飞书), which
:mod:`scheduler.delivery.robots` sends through their webhooks in their own formats."""
