"""Router: admin_broadcast."""

from aiogram import Router

router = Router(name=__name__)
