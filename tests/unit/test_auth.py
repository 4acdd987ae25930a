"""Local sign-in: right, wrong, disabled, slowed down (per address and per name, counted before
the password is checked, the same for known and unknown names); identity-provider users by
e-mail."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from geo import auth, i18n
from geo.model import SYSTEM, Role
from geo.store import Invalid
from geo.store.schema import sign_in_throttle

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
PASSWORD = "rätt-lösenord-1"


@pytest.fixture
def account(store):
    store.add_user(SYSTEM, username="Anna.P", role="planner", display_name="Anna P",
                   email="anna@halmstad.se", password_hash=auth.hash_password(PASSWORD))
    return store


def test_right_password_signs_in(account):
    actor = auth.sign_in(account, "anna.p", PASSWORD, now=T0)
    assert (actor.role, actor.name) == (Role.PLANNER, "Anna P")
    assert account.user("anna.p").last_sign_in == T0


def test_hash_is_argon2id_and_never_the_password(account):
    row = account.credentials(username="anna.p")
    assert row["password_hash"].startswith("$argon2id$") and PASSWORD not in row["password_hash"]
    with pytest.raises(Invalid):
        auth.hash_password("kort")


@pytest.mark.parametrize("username,password", [("anna.p", "fel"), ("ingen", PASSWORD), ("", "")])
def test_wrong_or_unknown_gives_the_same_answer(account, username, password):
    with pytest.raises(auth.SignInRefused) as e:
        auth.sign_in(account, username, password, now=T0)
    assert e.value.key == "auth.wrong"


def test_disabled_account(account):
    account.set_user_disabled(SYSTEM, "anna.p", True)
    with pytest.raises(auth.SignInRefused) as e:
        auth.sign_in(account, "anna.p", PASSWORD, now=T0)
    assert e.value.key == "auth.disabled"
    assert auth.actor_for_identity(account, "anna@halmstad.se", True) is None


def answer(store, name: str, password: str, source: str, now: datetime) -> str:
    """What the sign-in page says, in Swedish (the catalogue's text)."""
    try:
        auth.sign_in(store, name, password, source=source, now=now)
    except auth.SignInRefused as e:
        return i18n.t(e.key, "sv", **e.values)
    return "inloggad"


WRONG = i18n.t("auth.wrong", "sv")


def wait(seconds: int) -> str:
    return i18n.t("auth.wait", "sv", seconds=seconds)


def failures(store, key: str) -> int:
    """How many tries the database counts for ``key``."""
    with store.engine.connect() as conn:
        return conn.scalar(select(sign_in_throttle.c.failures).where(sign_in_throttle.c.key == key)) or 0


def test_failed_attempts_are_slowed_down(account):
    at = [T0 + timedelta(seconds=s) for s in (0, 0, 0, 1, 2, 6)]
    said = [answer(account, "anna.p", pw, "10.0.0.1", when)
            for pw, when in zip(["fel", "fel", "fel", PASSWORD, "fel", PASSWORD], at)]
    assert said == [WRONG, WRONG,
                    wait(2),  # the third wrong one is checked, and says the next waits 2 s
                    wait(1),  # even the right password waits (not checked)
                    wait(4),  # the fourth wrong one: 4 s
                    "inloggad"]
    assert failures(account, auth.account_key("anna.p")) == 0  # a right password forgets them


def test_wait_grows_and_is_capped():
    assert [auth.wait_after(n) for n in range(1, 7)] == [0, 0, 2, 4, 8, 16]
    assert auth.wait_after(40) == auth.MAX_WAIT_S


def test_parallel_wrong_passwords_are_counted_before_they_are_checked(account):
    """Eight wrong passwords at the same moment, each from its own address: only the free
    ones are checked, the rest are refused with a wait, and so is the right password right
    after (it was: all eight checked, no lock set, the right one signed in)."""
    start = threading.Barrier(8)

    def attempt(i: int) -> str:
        start.wait()
        return answer(account, "anna.p", f"fel-{i}", f"10.0.1.{i}", T0)

    with ThreadPoolExecutor(8) as pool:
        said = list(pool.map(attempt, range(8)))
    assert failures(account, auth.account_key("anna.p")) == auth.FREE_ATTEMPTS  # checked
    assert said.count(WRONG) == auth.FREE_ATTEMPTS - 1 and said.count(wait(2)) == 8 - said.count(WRONG)
    assert answer(account, "anna.p", PASSWORD, "10.0.1.99", T0 + timedelta(seconds=1)) == wait(1)
    assert answer(account, "anna.p", PASSWORD, "10.0.1.99", T0 + timedelta(seconds=2)) == "inloggad"


def test_known_and_unknown_names_get_the_same_answers_and_the_same_work(account, monkeypatch):
    """Six wrong tries for an account that exists and for one that does not: the same words,
    and every try, refused while locked or checked, verifies exactly one argon2 hash (a dummy
    one where there is no account's), so the time an answer takes tells nothing either.
    Counted rather than timed: the hash check is what takes the time, and a count does not
    depend on the machine's load."""
    checked: list[str] = []

    class Counting:  # the module's hasher, counting its checks
        def __init__(self, hasher) -> None:
            self.hasher = hasher

        def hash(self, password: str) -> str:
            return self.hasher.hash(password)

        def verify(self, hash_: str, password: str) -> bool:
            checked.append(hash_)
            return self.hasher.verify(hash_, password)

    monkeypatch.setattr(auth, "_hasher", Counting(auth._hasher))
    said: dict[str, list[str]] = {"anna.p": [], "ingen.alls": []}
    per_try: dict[str, list[int]] = {"anna.p": [], "ingen.alls": []}
    for i in range(6):
        when = T0 + timedelta(seconds=i)  # refused while locked, then checked again, …
        for name, source in (("anna.p", "10.0.2.1"), ("ingen.alls", "10.0.2.2")):
            before = len(checked)
            said[name].append(answer(account, name, "fel", source, when))
            per_try[name].append(len(checked) - before)
    assert said["anna.p"] == said["ingen.alls"] == [WRONG, WRONG, wait(2), wait(1), wait(4), wait(3)]
    assert per_try["anna.p"] == per_try["ingen.alls"] == [1] * 6


def test_an_account_waits_at_most_30_seconds_whoever_tries(account):
    """Wrong passwords from ever new addresses (so no address is slowed): the name's wait
    grows to 30 s and no further; one wrong try every 5 minutes does not keep the owner out,
    who gets in from their own address once the 30 s are over."""
    now, waits = T0, []
    for i in range(10):
        said = answer(account, "anna.p", "fel", f"10.1.{i}.1", now)
        waits.append(next((s for s in range(1, 301) if said == wait(s)), 0))
        now += timedelta(seconds=max(waits[-1], 1))
    assert waits == [0, 0, 2, 4, 8, 16] + [auth.ACCOUNT_MAX_WAIT_S] * 4
    for i in range(4):  # one wrong try every 5 minutes
        now += timedelta(minutes=5)
        assert answer(account, "anna.p", "fel", f"10.2.{i}.1", now) == wait(auth.ACCOUNT_MAX_WAIT_S)
    assert answer(account, "anna.p", PASSWORD, "10.3.0.1", now + timedelta(seconds=10)) == wait(20)
    assert answer(account, "anna.p", PASSWORD, "10.3.0.1", now + timedelta(seconds=30)) == "inloggad"


def test_one_address_trying_many_names_is_slowed_down(account):
    said = [answer(account, f"namn{i}", "fel", "10.4.0.1", T0) for i in range(12)]
    free = auth.SOURCE_FREE
    assert said == [WRONG] * (free - 1) + [wait(2)] * (12 - free + 1)
    assert [failures(account, auth.account_key(f"namn{i}")) for i in range(12)] == [1] * free + [0, 0]
    assert answer(account, "anna.p", PASSWORD, "10.4.0.1", T0) == wait(2)  # the address waits
    assert answer(account, "anna.p", PASSWORD, "10.4.0.2", T0) == "inloggad"  # another does not


def test_a_right_password_takes_back_only_its_own_try(account):
    """People signing in right from one address (an office behind one router) never slow it
    down, and their right tries do not wipe the wrong ones counted there."""
    for i in range(4):
        answer(account, f"namn{i}", "fel", "10.5.0.1", T0)
    for _ in range(auth.SOURCE_FREE):
        assert answer(account, "anna.p", PASSWORD, "10.5.0.1", T0) == "inloggad"
    assert failures(account, auth.source_key("10.5.0.1")) == 4


def test_a_right_try_does_not_lift_a_wait_another_try_set(store):
    """A right password checked while a wrong one from the same address set a lock takes
    back its own try only: the lock stays."""
    key = auth.source_key("10.6.0.1")
    for _ in range(auth.SOURCE_FREE - 2):
        store.claim_attempt(key, auth._source_wait, window_s=auth.WINDOW_S, now=T0)
    right = store.claim_attempt(key, auth._source_wait, window_s=auth.WINDOW_S, now=T0)
    wrong = store.claim_attempt(key, auth._source_wait, window_s=auth.WINDOW_S, now=T0)
    assert (right.wait_s, wrong.wait_s, wrong.failures) == (0, 0, auth.SOURCE_FREE)
    store.release_attempt(key, right)
    assert store.claim_attempt(key, auth._source_wait, window_s=auth.WINDOW_S, now=T0).wait_s == 2
    assert failures(store, key) == auth.SOURCE_FREE - 1


def test_counts_are_forgotten_after_the_window(account):
    for _ in range(5):
        answer(account, "anna.p", "fel", "10.7.0.1", T0)
    later = T0 + timedelta(seconds=auth.WINDOW_S + 60)
    assert answer(account, "anna.p", "fel", "10.7.0.1", later) == WRONG
    assert failures(account, auth.account_key("anna.p")) == 1


def test_identity_provider_user_maps_to_role(account):
    actor = auth.actor_for_identity(account, "ANNA@halmstad.se", True)
    assert actor.role == Role.PLANNER
    assert auth.actor_for_identity(account, "okand@halmstad.se", True) is None
    assert auth.actor_for_identity(account, None, True) is None


@pytest.mark.parametrize("verified", [False, None, "true", 1, "yes"])
def test_identity_provider_address_must_be_verified(account, verified):
    """An address the identity provider has not verified may belong to anyone: refused,
    unless its ``email_verified`` claim is exactly True."""
    assert auth.actor_for_identity(account, "anna@halmstad.se", verified) is None
