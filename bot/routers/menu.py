"""Router: menu."""

from aiogram import Router

router = Router(name=__name__)
