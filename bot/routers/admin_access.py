"""Router: admin_access."""

from aiogram import Router

router = Router(name=__name__)
