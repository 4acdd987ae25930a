"""The participant stays themselves on their device, through the pages (AppTest): *Logga ut*
says the pins stay and lands on the join page with the walk's code filled in; *Byt deltagare*
asks with its own text, forgets the device and lands there too; a device that joined before is
welcomed back by the name it joined with.

An AppTest has no cookies, so the page sees no device (``ui.device.device_key`` gives None);
the welcome-back test hands the page a key the way the cookie would (the one thing not real
here: the browser test tests/browser/test_same_device.py has the real cookie)."""

from __future__ import annotations

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from geo import demo
from geo.i18n import t
from geo.safe import markdown_text
from geo.store.schema import participant
from tests.app.conftest import open_app, run
from tests.app.test_walk_page import visitor
from ui import auth, device

KEY = device.new_key()
JOIN_TITLE = "Gå med i en trygghetsvandring"


def device_of(db, participant_id: int) -> str | None:
    with db.engine.connect() as conn:
        return conn.scalar(select(participant.c.device_hash).where(participant.c.id == participant_id))


def tap(at: AppTest, label: str) -> AppTest:
    next(b for b in at.sidebar.button if b.label == label).click()
    return run(at)


def on_join_page_with_the_code(at: AppTest) -> bool:
    return (auth.ACTOR_KEY not in at.session_state and at.title[0].value == JOIN_TITLE
            and at.text_input[0].value == demo.DEMO_JOIN_CODE and at.query_params["kod"] == demo.DEMO_JOIN_CODE
            and "t" not in at.query_params)


def test_no_device_in_an_apptest():
    assert device.device_key() is None  # no client context, no cookies: simply no device


def test_leaving_says_the_pins_stay_and_lands_on_the_join_page_with_the_code(db):
    kim = db.join_from_device(demo.DEMO_JOIN_CODE, "Kim", device_key=KEY).actor
    at = open_app(kim)
    assert [b.label for b in at.sidebar.button] == ["Logga ut", "Byt deltagare"]
    tap(at, "Logga ut")
    assert at.sidebar.warning[0].value == t("auth.leave_confirm", "sv")
    assert "Dina nålar finns kvar" in at.sidebar.warning[0].value and "den här enheten" in at.sidebar.warning[0].value
    tap(at, "Ja, logga ut")
    assert on_join_page_with_the_code(at)
    assert at.info[0].value == t("auth.left_walk", "sv")
    assert device_of(db, kim.participant_id) is not None  # the device still knows Kim


def test_byt_deltagare_asks_forgets_the_device_and_lands_on_the_join_page(db):
    kim = db.join_from_device(demo.DEMO_JOIN_CODE, "Kim", device_key=KEY).actor
    at = open_app(kim)
    link = at.session_state[auth.SESSION_KEY].secret
    tap(at, "Byt deltagare")
    warning = at.sidebar.warning[0].value
    assert warning == t("auth.switch_confirm", "sv")
    assert "Nästa person som går med på den här surfplattan blir en ny deltagare" in warning.replace("nästa", "Nästa")
    assert device_of(db, kim.participant_id) is not None and db.resume(link) == kim  # not yet
    tap(at, "Avbryt")
    assert [b.label for b in at.sidebar.button] == ["Logga ut", "Byt deltagare"]
    tap(at, "Byt deltagare")
    yes = next(b for b in at.sidebar.button if b.label == "Ja, byt deltagare")
    assert yes.proto.type == "primary"
    yes.click()
    run(at)
    assert on_join_page_with_the_code(at)
    assert at.info[0].value == t("auth.switched", "sv")
    assert device_of(db, kim.participant_id) is None and db.resume(link) is None
    new = db.join_from_device(demo.DEMO_JOIN_CODE, "Lo", device_key=KEY)
    assert not new.returned and new.actor.participant_id != kim.participant_id


def test_the_same_device_gets_the_same_participant_back_whatever_name_is_typed(db, monkeypatch):
    """The welcome's words are checked in the browser (tests/browser/test_same_device.py): an
    AppTest sends the join page's address once more after the join, which main.py turns into a
    step to the walk page, and the one-time notice goes with the step."""
    kim = db.join_from_device(demo.DEMO_JOIN_CODE, "Kim", device_key=KEY).actor
    before = db.participant_counts([kim.walk_id])
    monkeypatch.setattr(device, "device_key", lambda: KEY)  # the cookie, as the browser would send it
    for typed in ("Kim", "Lo"):
        at = visitor(kod=demo.DEMO_JOIN_CODE)
        at.text_input[1].input(typed)
        at.button[0].click()
        run(at)
        assert at.session_state[auth.ACTOR_KEY] == kim
        assert at.title[0].value.startswith("Demovandring")
    assert db.participant_counts([kim.walk_id]) == before  # no one new


def test_the_welcome_names_the_participant_and_what_was_typed():
    assert auth.welcome_back("Kim", "Kim") == ("join.welcome_back", {"name": "Kim"})
    assert auth.welcome_back("Kim", "kim") == ("join.welcome_back", {"name": "Kim"})
    key, values = auth.welcome_back("Kim", "*Lo*")
    assert key == "join.welcome_back_as" and values == {"name": "Kim", "typed": markdown_text("*Lo*")}
    text = t(key, "sv", **values)
    assert text.startswith("Välkommen tillbaka, Kim – dina nålar finns kvar") and "Byt deltagare" in text


def test_a_new_session_without_a_device_is_someone_new(db):
    kim = db.join_from_device(demo.DEMO_JOIN_CODE, "Kim", device_key=KEY).actor
    at = visitor(kod=demo.DEMO_JOIN_CODE)
    at.text_input[1].input("Kim")
    at.button[0].click()
    run(at)
    assert at.session_state[auth.ACTOR_KEY].participant_id != kim.participant_id
    assert not [i for i in at.info if i.value.startswith("Välkommen tillbaka")]
