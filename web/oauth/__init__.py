"""Sign-in from the enterprise messengers' in-app browsers (企业微信, 钉钉, 飞书)."""

from web.oauth.routes import add_signin_routes, signin_links, signin_only, signin_redirect

__all__ = ["add_signin_routes", "signin_links", "signin_only", "signin_redirect"]
