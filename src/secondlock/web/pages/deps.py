"""The dependencies every page handler is built from.

A page handler is a module-level function that asks for what it needs:

    SessionsForm = Annotated[Form, checked_form("/account/sessions")]

    @router.post("/account/sessions/revoke")
    def revoke(request: Request, pages: Renderer, view: SignedIn,
               form: SessionsForm) -> Response: ...

and the module's ``router`` is listed in ``web.pages.install``.

- ``Renderer``: the ``Pages`` object (templates, messages) built once by ``install``.
- ``SignedIn``: the signed-in session. Without one the browser is sent to the sign-in page
  (``SignInRequired``); a session that must choose a new password first goes there instead
  (``PasswordChangeRequired``, see ``forced_change``).
- ``MaybeSignedIn``: the signed-in session or None, for pages open to everyone.
- ``checked_form(back)``: the submitted form once its CSRF token is verified; a refused form
  gets the friendly 403 page linking to ``back`` (``FormRefused``). Declare it after
  ``SignedIn`` so a signed-out browser is sent to sign in first.

Handlers that call services are plain ``def`` functions, so FastAPI runs them in the
threadpool; so is ``maybe_signed_in`` (it looks the session up). The dependencies that do no
I/O are ``async`` and cost no thread hop; the form body is read by the async ``form_fields``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from secondlock.core.views import SessionView
from secondlock.web.pages.rendering import FormFields, Pages

#: A submitted form: field name to value (file parts dropped, long values cut).
Form = dict[str, str]

#: Where a refused form's page links back to: a fixed path, or one made from the request
#: and the submitted fields (never another site: the callers build local paths).
Back = str | Callable[[Request, Form], str]


class SignInRequired(Exception):
    """The page needs a signed-in session and the request has none."""


class FormRefused(Exception):
    """The form's CSRF token (or its origin) did not check out."""

    def __init__(self, back: str) -> None:
        super().__init__(back)
        self.back = back


async def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


Renderer = Annotated[Pages, Depends(pages_of)]


def maybe_signed_in(request: Request, pages: Renderer) -> SessionView | None:
    return pages.current(request)


MaybeSignedIn = Annotated[SessionView | None, Depends(maybe_signed_in)]


async def signed_in(view: MaybeSignedIn) -> SessionView:
    if view is None:
        raise SignInRequired()
    return view


SignedIn = Annotated[SessionView, Depends(signed_in)]


def checked_form(back: Back) -> Any:
    """A dependency: the form, after its CSRF check (else ``FormRefused(back)``)."""

    async def form_with_valid_token(request: Request, form: FormFields,
                                    pages: Renderer) -> Form:
        if not pages.csrf_ok(request, form):
            raise FormRefused(back if isinstance(back, str) else back(request, form))
        return form

    return Depends(form_with_valid_token)


def install_handlers(app: FastAPI, pages: Pages) -> None:
    """Turn the two refusals above into their pages."""

    async def to_sign_in(request: Request, exc: Exception) -> Response:
        return pages.to_login(request)

    async def form_refused(request: Request, exc: Exception) -> Response:
        back = exc.back if isinstance(exc, FormRefused) else "/"
        return pages.csrf_failed(request, back)

    app.add_exception_handler(SignInRequired, to_sign_in)
    app.add_exception_handler(FormRefused, form_refused)
