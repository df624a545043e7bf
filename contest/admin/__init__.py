"""Organiser actions (组织者操作): one function per action, one permission policy, one audit.

Every function takes an :class:`~contest.admin.policy.Actor` (the edge says who acts; the
CLI acts as the operator), checks permission through :mod:`contest.admin.policy`, does the
work and writes the audit row in the same transaction, which the edge commits once; a
refusal's audit row rides on the error for the edge to keep
(:func:`contest.admin.audit.perform`). Adapters — the bot, the CLI, a web page — parse,
call and render; none of them checks permission or writes audit rows itself.
"""
