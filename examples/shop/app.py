"""A tiny storefront that signs customers in through SecondLock with OpenID Connect.

It uses an off-the-shelf client (Authlib's Starlette integration): discovery, code flow with
PKCE, ID-token checks. It shows how the customer signed in (``amr``/``acr``) and asks for a
fresh second factor (``acr_values=urn:secondlock:mfa`` with ``max_age``) before an order over
``SHOP_STEP_UP_AMOUNT``.

    SHOP_CLIENT_ID=... SHOP_CLIENT_SECRET=... python -m examples.shop.app
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from authlib.integrations.starlette_client import OAuth, OAuthError
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

MFA = "urn:secondlock:mfa"
STRONG_ENOUGH = {MFA, "urn:secondlock:phishing-resistant"}
PRODUCTS = {
    "socks": ("Wool socks", 12),
    "kettle": ("Kettle", 45),
    "bike": ("Bicycle", 890),
}


@dataclass(frozen=True)
class ShopConfig:
    issuer: str = "http://localhost:8000"
    client_id: str = ""
    client_secret: str = ""
    base_url: str = "http://localhost:9000"
    #: Orders above this amount need a fresh second factor.
    step_up_amount: int = 100
    #: How old (seconds) that second factor may be.
    step_up_max_age: int = 60
    session_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @classmethod
    def from_env(cls) -> ShopConfig:
        env = os.environ
        return cls(issuer=env.get("SHOP_ISSUER", cls.issuer),
                   client_id=env["SHOP_CLIENT_ID"], client_secret=env["SHOP_CLIENT_SECRET"],
                   base_url=env.get("SHOP_BASE_URL", cls.base_url),
                   step_up_amount=int(env.get("SHOP_STEP_UP_AMOUNT", cls.step_up_amount)),
                   step_up_max_age=int(env.get("SHOP_STEP_UP_MAX_AGE", cls.step_up_max_age)),
                   session_secret=env.get("SHOP_SESSION_SECRET") or secrets.token_urlsafe(32))


def fresh_second_factor(user: dict[str, Any] | None, max_age: int) -> bool:
    """The customer proved a second factor (per SecondLock's acr) within ``max_age``."""
    if not user or user.get("acr") not in STRONG_ENOUGH:
        return False
    return time.time() - float(user.get("auth_time", 0)) <= max_age


def create_app(config: ShopConfig) -> Starlette:
    oauth = OAuth()
    oauth.register(
        "secondlock", client_id=config.client_id, client_secret=config.client_secret,
        server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email", "code_challenge_method": "S256"})
    templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                            autoescape=select_autoescape(default=True))
    orders: list[dict[str, Any]] = []
    callback = f"{config.base_url}/callback"

    def page(request: Request, **context: Any) -> HTMLResponse:
        session = request.session
        session.setdefault("csrf", secrets.token_urlsafe(16))
        html = templates.get_template("shop.html").render(
            user=session.get("user"), products=PRODUCTS, orders=orders,
            limit=config.step_up_amount, csrf=session["csrf"], **context)
        return HTMLResponse(html)

    def place(request: Request, item: str, how: dict[str, Any]) -> None:
        name, price = PRODUCTS[item]
        orders.append({"number": len(orders) + 1, "name": name, "price": price,
                       "email": how.get("email"), "amr": " ".join(how.get("amr", [])),
                       "acr": how.get("acr")})
        request.session["notice"] = f"Order placed: {name} for {price} EUR."

    async def home(request: Request) -> Response:
        return page(request, notice=request.session.pop("notice", None))

    async def login(request: Request) -> Response:
        redirect: Response = await oauth.secondlock.authorize_redirect(request, callback)
        return redirect

    async def step_up(request: Request) -> Response:
        # Ask SecondLock for a second factor proven within step_up_max_age seconds.
        redirect: Response = await oauth.secondlock.authorize_redirect(
            request, callback, acr_values=MFA, max_age=str(config.step_up_max_age))
        return redirect

    async def callback_view(request: Request) -> Response:
        try:
            token = await oauth.secondlock.authorize_access_token(request)
        except OAuthError as exc:
            request.session.pop("pending", None)
            request.session["notice"] = (
                "Sign-in did not work: " + (exc.description or exc.error or "unknown error")
                + (". This order needs a second factor: turn on two-factor authentication in "
                   "your SecondLock account." if exc.error == "unmet_authentication_requirements"
                   else ""))
            return RedirectResponse("/", status_code=303)
        claims = dict(token["userinfo"])
        request.session["user"] = {k: claims.get(k) for k in
                                   ("sub", "email", "amr", "acr", "auth_time")}
        request.session["id_token"] = token["id_token"]
        pending = request.session.pop("pending", None)
        if pending in PRODUCTS:
            if fresh_second_factor(request.session["user"], config.step_up_max_age):
                place(request, pending, request.session["user"])
            else:
                request.session["notice"] = "The order was not placed: no fresh second factor."
        return RedirectResponse("/", status_code=303)

    async def checkout(request: Request) -> Response:
        form = await request.form()
        item = str(form.get("item", ""))
        if item not in PRODUCTS or form.get("csrf") != request.session.get("csrf"):
            return RedirectResponse("/", status_code=303)
        user = request.session.get("user")
        if user is None:
            return RedirectResponse("/login", status_code=303)
        if PRODUCTS[item][1] > config.step_up_amount and \
                not fresh_second_factor(user, config.step_up_max_age):
            request.session["pending"] = item
            return RedirectResponse("/step-up", status_code=303)
        place(request, item, user)
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request) -> Response:
        id_token = request.session.get("id_token")
        request.session.clear()
        metadata = await oauth.secondlock.load_server_metadata()
        target = f"{metadata['end_session_endpoint']}?" + urlencode(
            {"id_token_hint": id_token or "", "post_logout_redirect_uri": f"{config.base_url}/"})
        return RedirectResponse(target if id_token else "/", status_code=303)

    https = urlsplit(config.base_url).scheme == "https"
    return Starlette(routes=[
        Route("/", home), Route("/login", login), Route("/step-up", step_up),
        Route("/callback", callback_view), Route("/checkout", checkout, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ], middleware=[Middleware(SessionMiddleware, secret_key=config.session_secret,
                              session_cookie="shop_session", same_site="lax",
                              https_only=https)])


def main() -> None:
    import uvicorn

    config = ShopConfig.from_env()
    port = urlsplit(config.base_url).port or 9000
    uvicorn.run(create_app(config), host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
