"""Optional bearer-token auth: `Authorization: Bearer <token>` on every path but the public ones.

The token comes from an environment variable or a file named in the config, is read once at
start-up (a configured source that is empty or missing stops the server: auth that silently
turns itself off is not auth), and is compared in constant time. With auth on, the caller's
Authorization header is ours and is never forwarded upstream; the proxy sends the upstream
key from `upstream.api_key_env` instead.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from typing import Any

from ..errors import PolicyError
from .config import AuthConfig
from .http import error_response, route_path


def load_token(config: AuthConfig) -> bytes:
    if bool(config.token_env) == bool(config.token_file):
        raise PolicyError("set exactly one of token_env and token_file", field="auth")
    if config.token_env:
        token = os.environ.get(config.token_env, "")
        where = f"environment variable {config.token_env}"
    else:
        try:
            token = Path(config.token_file).read_text(encoding="utf-8")  # type: ignore[arg-type]
        except OSError as exc:
            raise PolicyError(f"cannot read the token file: {exc.strerror}", field="auth.token_file") from None
        where = "the token file"
    token = token.strip()
    if len(token) < 16:
        raise PolicyError(f"the bearer token in {where} is missing or shorter than 16 characters", field="auth")
    return token.encode("utf-8")


class BearerAuthMiddleware:
    def __init__(self, app: Any, token: bytes, public_paths: tuple[str, ...] = ("/health",)) -> None:
        self.app, self.public = app, frozenset(public_paths)
        self._digest = hashlib.sha256(token).digest()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or route_path(scope) in self.public:
            await self.app(scope, receive, send)
            return
        if not self._authorized(scope):
            from starlette.requests import Request

            response = error_response(Request(scope), 401, "missing or invalid bearer token", "unauthorized",
                                      {"www-authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _authorized(self, scope: Any) -> bool:
        header = b""
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                header = value
                break
        scheme, _, given = header.partition(b" ")
        # digests of both sides: equal lengths, so the comparison time says nothing, not even
        # the token's length
        ok = hmac.compare_digest(hashlib.sha256(given.strip()).digest(), self._digest)
        return scheme.lower() == b"bearer" and ok
