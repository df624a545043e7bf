"""What every edge shares: the turn (one update's context and transaction), and later the
cards the enterprise messengers show. ``bot/`` (Telegram), ``web/`` (the browser) and the
messenger adapters build a :class:`chat.turn.Turn` per update and hand it to their handlers.
"""
