"""SessionStore on its own: tokens, expiry on the virtual clock, refresh, revoke, and the auth.session events."""

from __future__ import annotations

import pytest

from omni_harness.fakes.core.clock import VirtualClock
from omni_harness.fakes.core.ids import IdFactory, sf_to18
from omni_harness.fakes.salesforce.errors import OAuthError, SalesforceError
from omni_harness.fakes.salesforce.model.sessions import Session, SessionStore

USER = "0055i0000000002AAA"
TTL = 7200


@pytest.fixture
def clock():
    c = VirtualClock()
    c.freeze()
    yield c
    c.close()


@pytest.fixture
def events():
    return []


@pytest.fixture
def store(clock, events):
    return SessionStore(clock, IdFactory(7), ttl_seconds=TTL, emit=lambda type, data: events.append((type, data)))


def _invalid(store: SessionStore, token: str | None) -> SalesforceError:
    with pytest.raises(SalesforceError) as info:
        store.validate(token)
    return info.value


def test_issued_token_carries_the_org_id_and_validates(store, clock):
    session = store.issue(USER, "oauth", "client-1")
    assert isinstance(session, Session)
    org15, bang, rest = session.token.partition("!")
    assert bang and sf_to18(org15).startswith("00D") and len(rest) > 40
    assert session.issued_at == clock.time()
    assert session.expires_at == clock.time() + TTL
    assert session.refresh_token is None
    assert store.validate(session.token) is session
    assert (session.user_id, session.kind, session.client_id) == (USER, "oauth", "client-1")


def test_issuing_does_not_journal_the_caller_does(store, events):
    store.issue(USER, "soap")
    assert events == []


@pytest.mark.parametrize("token", [None, "", "00D5i0000000001!nope"])
def test_an_unknown_token_is_the_platforms_401(store, token):
    e = _invalid(store, token)
    assert e.status == 401
    assert e.body() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_tokens_expire_on_the_virtual_clock_and_say_so_once(store, clock, events):
    session = store.issue(USER, "oauth")
    clock.advance(TTL - 1)
    assert store.validate(session.token) is session
    assert events == []
    clock.advance(1)  # the expiry timer fires inside advance()
    assert events == [("auth.session", {"userId": USER, "kind": "oauth", "action": "expired"})]
    assert _invalid(store, session.token).status == 401
    assert len(events) == 1


def test_revoking_an_access_token(store, events):
    session = store.issue(USER, "console")
    other = store.issue(USER, "console")
    assert store.revoke(session.token) is True
    assert events == [("auth.session", {"userId": USER, "kind": "console", "action": "revoked"})]
    assert _invalid(store, session.token).status == 401
    assert store.validate(other.token) is other
    assert store.revoke(session.token) is False
    assert len(events) == 1


def test_refresh_tokens_mint_new_access_tokens_and_stay_valid(store, clock):
    first = store.issue(USER, "oauth", "client-1", with_refresh=True)
    assert first.refresh_token
    clock.advance(TTL + 5)
    second = store.refresh(first.refresh_token, "client-1")
    third = store.refresh(first.refresh_token)
    assert second.token != first.token != third.token
    assert (second.user_id, second.kind, second.refresh_token) == (USER, "oauth", first.refresh_token)
    assert store.validate(second.token) is second
    assert second.issued_at == clock.time()


@pytest.mark.parametrize(("token", "client"), [("5Aep861unknown", None), ("", None), (None, None),
                                               ("GOOD", "someone-else")])
def test_a_bad_refresh_token_is_invalid_grant(store, token, client):
    good = store.issue(USER, "oauth", "client-1", with_refresh=True).refresh_token
    with pytest.raises(OAuthError) as info:
        store.refresh(good if token == "GOOD" else token, client)  # type: ignore[arg-type]
    assert info.value.status == 400
    assert info.value.body() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}


def test_revoking_a_refresh_token_revokes_its_access_tokens(store, events):
    first = store.issue(USER, "oauth", "client-1", with_refresh=True)
    second = store.refresh(first.refresh_token)
    unrelated = store.issue(USER, "oauth", "client-1")
    assert store.revoke(first.refresh_token) is True
    assert [d["action"] for _, d in events] == ["revoked", "revoked"]
    for token in (first.token, second.token):
        assert _invalid(store, token).status == 401
    assert store.validate(unrelated.token) is unrelated
    with pytest.raises(OAuthError):
        store.refresh(first.refresh_token)


def test_expire_all_ends_every_access_token_but_keeps_refresh_tokens(store, events):
    a = store.issue(USER, "oauth", with_refresh=True)
    b = store.issue("0055i0000000003AAA", "soap")
    assert store.expire_all() == 2
    assert sorted((d["userId"], d["kind"], d["action"]) for _, d in events) == [
        (USER, "oauth", "expired"), ("0055i0000000003AAA", "soap", "expired")]
    for s in (a, b):
        assert _invalid(store, s.token).status == 401
    assert store.validate(store.refresh(a.refresh_token).token)
    assert store.expire_all() == 1


def test_reset_forgets_everything_and_cancels_expiry_timers(store, clock, events):
    session = store.issue(USER, "oauth", with_refresh=True)
    store.reset()
    clock.advance(TTL * 2)
    assert events == []
    assert _invalid(store, session.token).status == 401
    with pytest.raises(OAuthError):
        store.refresh(session.refresh_token)


def test_unknown_session_kind_is_refused(store):
    with pytest.raises(ValueError):
        store.issue(USER, "password")


def test_bound_store_shares_the_orgs_lock_ids_org_id_and_journal(clock):
    class Owner:
        def __init__(self):
            import threading

            self.lock = threading.RLock()
            self.ids = IdFactory(3)
            self.org_id = "00D5i0000000009EAA"
            self.emitted = []

        def emit(self, type, data, correlation_id=""):
            self.emitted.append((type, data))

    owner = Owner()
    store = SessionStore(clock, IdFactory(1))
    store.bind(owner)
    assert store.lock is owner.lock and store.ids is owner.ids
    session = store.issue(USER, "oauth")
    assert session.token.startswith("00D5i0000000009!")
    store.revoke(session.token)
    assert owner.emitted == [("auth.session", {"userId": USER, "kind": "oauth", "action": "revoked"})]
    owner.ids = IdFactory(4)  # the org renews its ids on reset; the store follows
    assert store.ids is owner.ids
