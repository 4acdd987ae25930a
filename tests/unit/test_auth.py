"""Local sign-in: right, wrong, disabled, slowed down; identity-provider users by e-mail."""

from datetime import UTC, datetime, timedelta

import pytest

from geo import auth
from geo.model import SYSTEM, Role
from geo.store import Invalid

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
PASSWORD = "rätt-lösenord-1"


@pytest.fixture
def account(store):
    store.add_user(SYSTEM, username="Anna.P", role="planner", display_name="Anna P",
                   email="anna@halmstad.se", password_hash=auth.hash_password(PASSWORD))
    return store


def test_right_password_signs_in(account):
    actor = auth.sign_in(account, "anna.p", PASSWORD, T0)
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
        auth.sign_in(account, username, password, T0)
    assert e.value.key == "auth.wrong"


def test_disabled_account(account):
    account.set_user_disabled(SYSTEM, "anna.p", True)
    with pytest.raises(auth.SignInRefused) as e:
        auth.sign_in(account, "anna.p", PASSWORD, T0)
    assert e.value.key == "auth.disabled"
    assert auth.actor_for_identity(account, "anna@halmstad.se") is None


def test_failed_attempts_are_slowed_down(account):
    for _ in range(auth.FREE_ATTEMPTS - 1):
        with pytest.raises(auth.SignInRefused) as e:
            auth.sign_in(account, "anna.p", "fel", T0)
        assert e.value.key == "auth.wrong"
    with pytest.raises(auth.SignInRefused) as e:  # the third wrong one locks for 2 s
        auth.sign_in(account, "anna.p", "fel", T0)
    assert (e.value.key, e.value.values) == ("auth.wait", {"seconds": 2})
    with pytest.raises(auth.SignInRefused) as e:  # even the right password waits
        auth.sign_in(account, "anna.p", PASSWORD, T0 + timedelta(seconds=1))
    assert e.value.key == "auth.wait"
    with pytest.raises(auth.SignInRefused) as e:  # the fourth wrong one: 4 s
        auth.sign_in(account, "anna.p", "fel", T0 + timedelta(seconds=3))
    assert e.value.values == {"seconds": 4}
    assert auth.sign_in(account, "anna.p", PASSWORD, T0 + timedelta(seconds=8)).name == "Anna P"
    assert account.credentials(username="anna.p")["failed_attempts"] == 0


def test_wait_grows_and_is_capped():
    assert [auth.wait_after(n) for n in range(1, 7)] == [0, 0, 2, 4, 8, 16]
    assert auth.wait_after(40) == auth.MAX_WAIT_S


def test_identity_provider_user_maps_to_role(account):
    actor = auth.actor_for_identity(account, "ANNA@halmstad.se")
    assert actor.role == Role.PLANNER
    assert auth.actor_for_identity(account, "okand@halmstad.se") is None
    assert auth.actor_for_identity(account, None) is None
