"""Where a sign-in comes from, checked inside ``complete_sign_in`` (issue #16).

A successful sign-in from a country the account has never signed in from is news, even on a
known device: the owner is mailed (activity event ``new_location``) and the checkup asks
about it. The very first country of an account is not news. With a City database, a sign-in
too far from the one before it to have flown there in between is flagged
(``impossible_travel``) in the activity and the checkup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core.i18n import msg
from secondlock.core.methods import Method
from secondlock.core.places import Place, describe_place, impossible_travel
from secondlock.core.request_info import RequestInfo
from secondlock.services.activity import event
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event
from secondlock.services.runtime import Runtime
from secondlock.storage.repositories import Accounts, Activity
from secondlock.storage.repositories.places import SignInCountries

NEW_LOCATION = "new_location"
IMPOSSIBLE_TRAVEL = "impossible_travel"


@dataclass(frozen=True)
class PlaceNews:
    """What the place of a sign-in tells the owner."""

    place: Place | None
    new_country: bool = False
    impossible_travel: bool = False


NO_PLACE_NEWS = PlaceNews(place=None)


def check_place(s: DbSession, rt: Runtime, *, account_id: str, method: Method,
                info: RequestInfo, now: datetime) -> PlaceNews:
    """Record the sign-in's country and flag what is news (inside the caller's transaction,
    before the sign-in's own activity row is added)."""
    place = rt.places.locate(info.ip)
    if place is None:
        return NO_PLACE_NEWS
    travel = _too_far(s, rt, account_id, place, now)
    countries = SignInCountries(s)
    known = countries.count(account_id)
    new_country = countries.add(account_id, place.country, now) and known > 0
    activity = Activity(s)
    if new_country:
        activity.add(event(at=now, name=NEW_LOCATION, info=info, success=True,
                           account_id=account_id, method=method, detail=place.country))
    if travel:
        activity.add(event(at=now, name=IMPOSSIBLE_TRAVEL, info=info, success=True,
                           account_id=account_id, method=method, detail=place.country))
    return PlaceNews(place=place, new_country=new_country, impossible_travel=travel)


def _too_far(s: DbSession, rt: Runtime, account_id: str, place: Place, now: datetime) -> bool:
    if not place.has_coordinates:
        return False
    previous = Activity(s).last_sign_ins(account_id, limit=1)
    if not previous:
        return False
    before = rt.places.locate(previous[0].ip)
    return before is not None and impossible_travel(before, previous[0].at, place, now)


def alert_new_location(s: DbSession, rt: Runtime, account_id: str, place: Place,
                       info: RequestInfo) -> None:
    """Mail the owner (and tell the shop) about a sign-in from a new country, queued in the
    sign-in's own transaction."""
    account = Accounts(s).get(account_id)
    if account is None:
        return
    emit_event(rt, s, "sign_in.new_location", account_id=account_id, info=info,
               country=place.country)
    queue_notice(s, rt, to=account.email, kind="new_location_sign_in", at=rt.clock.now(),
                 info=info, subject=msg("sign-in from a new country"),
                 headline=msg("Someone signed in to your account from %(place)s, a country "
                              "your account has not been used from before.",
                              place=describe_place(place)),
                 details=[msg("If it was you, travelling or on a new network, all is well."),
                          msg("If it was not you, use the link below at once: your password "
                              "is known to someone else.")])
