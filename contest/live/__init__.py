"""The live final on stage (现场决赛): 必答, 抢答, 风险题, 加赛 and 观众题, with the players'
phones as buzzers, a host console, the stage on the hall's big screen, and its record.

``models`` (tables), ``presets`` (rule sets as data), ``setup`` (defining a final),
``flow`` and ``rulings`` (the host's actions), ``buzz`` (buzzers and the audience),
``view`` (what the screens show), ``links`` (signed links), ``record`` (the export).
"""
