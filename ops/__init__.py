"""Running QualityQuiz as a service: health, metrics, logs, backups and the doctor.

An edge package like ``bot`` and ``scheduler``: it may import them and the core; the core
(``quizbank``, ``contest``) never imports it.
"""
