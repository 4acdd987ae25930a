"""ui/feedback.py through AppTest: a refusal names its fields by their labels (never the raw
field name), a message kept over a rerun shows once, and values a refusal carries show as
typed, not as markdown."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from geo.i18n import t
from tests.app.conftest import ADMIN, open_app, run


def admin_page() -> AppTest:
    return open_app(ADMIN, page="pages/admin.py")


def add_user(at: AppTest, username: str, password: str = "ett-langt-losenord") -> AppTest:
    at.text_input[0].input(username)
    at.text_input[3].input(password)
    next(b for b in at.button if b.label == "Lägg till användare").click()
    return run(at)


def test_a_refused_new_user_names_the_field_by_its_label(db):
    at = add_user(admin_page(), "  ")
    assert [e.value for e in at.error] == ["Användarnamn: måste fyllas i"]
    assert not any("username" in e.value for e in at.error)
    at = add_user(admin_page(), "demo-admin")  # taken
    assert [e.value for e in at.error] == ["Användarnamn: finns redan"]
    at = add_user(admin_page(), "kort", password="kort")
    assert [e.value for e in at.error] == ["Lösenord: lösenordet måste ha minst 10 tecken"]


def test_the_admin_page_says_a_user_was_added_after_its_rerun(db):
    at = add_user(admin_page(), "ny.planerare")
    assert db.user("ny.planerare").role == "planner"
    assert [s.value for s in at.success] == [t("cli.user_added", "sv", username="ny\\.planerare", role="Planerare")]
    run(at)
    assert not at.success  # shown once


def flashing_app() -> AppTest:
    def script():
        import streamlit as st

        from geo.errors import Refused
        from ui.feedback import flash, refused, show_flash

        st.session_state["shown"] = show_flash()
        if st.button("Klar"):
            flash("Det är gjort.")
            st.rerun()
        if st.button("Nej"):
            flash(Refused("store.invalid", {"meeting_point": "validation.too_long"}))
            st.rerun()
        if st.button("Namn"):
            refused(Refused("auth.no_account", email="[x](javascript:alert(1))"))
        if st.button("Engelska"):
            st.session_state["lang"] = "en"
            flash(Refused("store.invalid", {"meeting_point": "validation.required"}))
            st.rerun()

    return run(AppTest.from_function(script, default_timeout=30))


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return run(at)


def test_a_flash_shows_once_after_the_rerun_and_then_is_gone():
    at = click(flashing_app(), "Klar")
    assert [s.value for s in at.success] == ["Det är gjort."] and at.session_state["shown"]
    run(at)
    assert not at.success and not at.session_state["shown"]


def test_a_kept_refusal_shows_as_a_refusal_in_the_language_of_its_run():
    at = click(flashing_app(), "Nej")
    assert [e.value for e in at.error] == ["Samlingsplats: är för lång"] and not at.success
    run(at)
    assert not at.error
    at = click(at, "Engelska")
    assert [e.value for e in at.error] == ["Meeting point: is required"]


def test_a_refusal_value_shows_as_typed():
    at = click(flashing_app(), "Namn")
    [shown] = [e.value for e in at.error]
    assert "\\[x\\]\\(javascript\\:alert\\(1\\)\\)" in shown  # escaped: never a link
