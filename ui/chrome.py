"""Streamlit's own texts in the session's language: the "chrome" around the pages.

Streamlit 1.67 writes its built-in texts in English and has no setting for another
language: "Skip to main content", the file uploader's "Upload" and "16MB per file • …", the
input instructions ("Press Enter to apply", "Press Ctrl+Enter to apply"), the status
widget's "Stop" and "Running...", the multiselect's "Select all", the "Page not found"
dialog, and aria-labels such as "Close", "Main menu", "Sidebar", "Help for …".  It also
serves ``<html lang="en">``.  :func:`apply` (called once per run by ``main.py``) puts them in
the session's language from ``data/strings.toml`` (keys ``chrome.*``):

- **Visible texts, by CSS** (:func:`css`): the English text is hidden and the catalogue's
  shown in its place with ``content:`` (generated content is part of an element's accessible
  name, so a screen reader says the Swedish too).  The input instructions are hidden: on a
  tablet there is no Enter key to press; a field's character count stays.  A style-only
  ``st.html`` goes to Streamlit's event container and takes no room on the page.
- **Attributes and texts that CSS cannot reach, by a small script** (:func:`script`, run in
  the page by ``st.html(..., unsafe_allow_javascript=True)``, from the app itself): it sets
  ``<html lang>`` to the session's language, marks the theme Streamlit shows
  (``<html data-tk-scheme="dark">``, for the primary buttons' text colour), and translates the aria-labels, titles and
  placeholders of Streamlit's own elements, the "Select all" of a multiselect's list and the
  "Page not found" dialog, now and whenever Streamlit draws them again (a
  ``MutationObserver``).  Only exact English texts of Streamlit's are replaced (a person's
  own label inside "Help for …" is kept); switching the language translates them again from
  the English originals, which are remembered.
- **The first HTML the server sends** already says ``<html lang="sv">`` (the default
  language): :class:`HtmlLang`, an ASGI middleware that ``app.py`` lists, rewrites Streamlit's
  ``index.html`` on its way out.

Leaflet's texts inside the map frames are :class:`geo.mapassets.LeafletLanguage`'s.
"""

from __future__ import annotations

import gzip
import json
import re

import streamlit as st
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo import i18n
from ui.common import lang

# ---------------------------------------------------------------- visible texts (CSS)
#: CSS selectors of Streamlit 1.67's elements (its ``data-testid`` names, stable across
#: releases since they are what Streamlit's own tests use).
SKIP_LINK = 'a[data-testid="stSkipToContent"]'
UPLOAD_BUTTON = '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]'
UPLOAD_LIMIT = '[data-testid="stFileUploaderDropzoneInstructions"] span'
STOP_BUTTON = '[data-testid="stStatusWidget"] button'
INPUT_INSTRUCTIONS = '[data-testid="InputInstructions"]'
SCRIPT_ID = "tk-chrome"


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: every character that is not a letter, a digit or a
    space as a CSS escape (``\\HHHHHH``), so that no quote, backslash, newline or ``</style>``
    can end the string or the style sheet."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text) + '"'


def _replace(selector: str, text: str, size: str = "1rem", hide: str = "") -> str:
    """CSS that hides ``selector``'s own text (or, with ``hide``, its children matching that
    selector) and shows ``text`` in its place."""
    if hide:
        return (f"{selector} {hide}{{display:none!important}}"
                f"{selector}::after{{content:{css_string(text)};font-size:{size}}}")
    return (f"{selector}{{font-size:0!important}}"
            f"{selector}::after{{content:{css_string(text)};font-size:{size}}}")


def css(language: str) -> str:
    """The style sheet that puts Streamlit's visible texts in ``language``."""
    def t(key: str, **values: object) -> str:
        return i18n.t(f"chrome.{key}", language, **values)

    mb = upload_mb()
    return "".join([
        _replace(SKIP_LINK, t("skip_to_content")),
        _replace(UPLOAD_BUTTON, t("upload"), hide="p"),
        _replace(UPLOAD_LIMIT, t("upload_limit", mb=mb), size=".875rem"),
        _replace(STOP_BUTTON, t("stop"), size=".875rem"),
        f"{STOP_BUTTON}:disabled::after{{content:{css_string(t('stopping'))}}}",
        # "Press Enter to apply" (and its Ctrl+Enter and "submit form" variants) means
        # nothing on a tablet: it is hidden; a field's character count ("3/12") stays.
        # (the script marks the count's span)
        f"{INPUT_INSTRUCTIONS}>span:not([data-tk-count]){{display:none}}",
        f"{INPUT_INSTRUCTIONS}>span[data-tk-count]::before{{content:none!important}}",
        # the script's element takes no room
        f'[data-testid="stElementContainer"]:has(#{SCRIPT_ID}){{display:none}}',
        # A primary button's text keeps its contrast in the dark theme: Streamlit draws it
        # white whatever the primary colour, and the dark theme's primary is light (so that it
        # reads as text and as a focus ring on the dark background).  The script marks the
        # theme Streamlit chose on <html>: the dialogs are outside Streamlit's app element.
        f'html[data-tk-scheme="dark"] button[data-testid^="stBaseButton-primary"]'
        f'{{color:{dark_background()}!important}}',
    ])


def upload_mb() -> int:
    """The largest upload in MB (``server.maxUploadSize``), as the uploader says it."""
    return int(st.get_option("server.maxUploadSize") or 200)


def dark_background() -> str:
    """The dark theme's background colour (``.streamlit/config.toml``)."""
    value = st.get_option("theme.dark.backgroundColor")
    return value if isinstance(value, str) and re.fullmatch(r"#[0-9a-fA-F]{3,8}", value) else "#0b0d10"


# ------------------------------------------------------- attributes and texts (script)
#: Streamlit's English aria-labels, titles and placeholders → catalogue keys.
ATTRIBUTES: dict[str, str] = {
    "Close": "close", "Main menu": "main_menu", "Sidebar": "sidebar", "Expand sidebar": "expand_sidebar",
    "Collapse sidebar": "collapse_sidebar", "App pages": "app_pages", "Link to heading": "link_to_heading",
    "file upload": "file_upload", "Open": "open", "Choose an option": "choose_option",
    "Clear value": "clear_value", "Clear all": "clear_all", "Selected values": "selected_values",
    "Increment": "increment", "Decrement": "decrement", "Theme": "theme", "Notifications": "notifications",
    "Running...": "running", "Choose date": "choose_date", "Previous month": "previous_month",
    "Next month": "next_month", "Add files": "add_files", "Previous page": "previous_page",
    "Next page": "next_page", "Stop script": "stop",
}
#: Streamlit's English texts with a part of the app's own (a widget's label, a file's name):
#: ``(regular expression, catalogue key, name of the part)``.
PATTERNS: list[tuple[str, str, str]] = [
    (r"^Help for (.+)$", "help_for", "label"),
    (r"^Remove (.+)$", "remove", "name"),
    (r"^Select (\d+) matches$", "select_matches", "n"),
]
#: Whole texts Streamlit writes inside its lists and dialogs → catalogue keys.
TEXTS: dict[str, str] = {
    "Select all": "select_all", "No results": "no_results", "Page not found": "page_not_found",
    "Skip to main content": "skip_to_content", "Upload": "upload", "Stop": "stop", "Stopping...": "stopping",
    "view more": "view_more", "view less": "view_less",
}
#: Streamlit's "Page not found" message (for an address no page has) → catalogue key.
TEXT_PATTERNS: list[tuple[str, str]] = [
    (r"^(You have requested page /.*|The page that you have requested does not seem to exist)"
     r"\. Running the app's main page\.$", "page_not_found_text"),
    (r"^[0-9.]+ ?MB per file", "upload_limit"),
]
#: Where the script looks for :data:`TEXTS`: Streamlit's lists (a select box's options), its
#: dialogs (the "Page not found" one), the file uploader, the skip link and the status widget
#: (the style sheet shows the same texts from the start; the script makes the page's own text
#: say them too, for screen readers, copying and reading modes).
TEXT_SCOPES = ('[role="option"], [role="listbox"], [role="dialog"], [role="alertdialog"], '
               f'[data-testid="stFileUploaderDropzone"], {SKIP_LINK}, [data-testid="stStatusWidget"], '
               '[data-testid="stToastViewButton"]')
#: Controls whose English text the style sheet covers: the script names them for screen
#: readers too (an aria-label), since hidden or zero-sized text is still read out.
LABELLED: list[tuple[str, str]] = [
    (SKIP_LINK, "skip_to_content"),
    ('[data-testid="stFileUploaderDropzone"] button', "upload"),
    (STOP_BUTTON, "stop"),
]

_SCRIPT = """
(function (cfg) {
  var doc = (window.frameElement ? window.parent : window).document;
  doc.documentElement.lang = cfg.lang;
  var state = window.__tkChrome = window.__tkChrome || {orig: new WeakMap()};
  state.cfg = cfg;
  var ATTRS = ["aria-label", "title", "placeholder"];
  function translate(text) {
    if (Object.prototype.hasOwnProperty.call(cfg.attrs, text)) { return cfg.attrs[text]; }
    for (var i = 0; i < cfg.patterns.length; i++) {
      var m = text.match(new RegExp(cfg.patterns[i][0]));
      if (m) { return cfg.patterns[i][1].split("{}").join(m[1]); }
    }
    return null;
  }
  function fixAttr(el, attr) {
    var value = el.getAttribute(attr);
    if (value === null) { return; }
    var mine = state.orig.get(el) || {};
    var original = mine[attr] && mine[attr][1] === value ? mine[attr][0] : value;
    var out = translate(original);
    if (out === null) { return; }
    mine[attr] = [original, out];
    state.orig.set(el, mine);
    if (value !== out) { el.setAttribute(attr, out); }
  }
  function fixText(node) {
    var value = node.nodeValue, mine = state.orig.get(node);
    var original = (mine && mine[1] === value ? mine[0] : value).trim();
    var out = Object.prototype.hasOwnProperty.call(cfg.texts, original) ? cfg.texts[original] : null;
    for (var i = 0; out === null && i < cfg.textPatterns.length; i++) {
      if (new RegExp(cfg.textPatterns[i][0]).test(original)) { out = cfg.textPatterns[i][1]; }
    }
    if (out === null) { return; }
    state.orig.set(node, [original, out]);
    if (value !== out) { node.nodeValue = out; }
  }
  function all(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches(selector)) { found.unshift(root); }
    return found;
  }
  function markCount(span) {  // a field's character count ("3/12"), not its instructions
    if (/^\\d+\\/\\d+$/.test(span.textContent)) { span.setAttribute("data-tk-count", ""); }
    else { span.removeAttribute("data-tk-count"); }
  }
  function fixTree(root) {
    if (root.nodeType === 3) {
      var parent = root.parentElement;
      if (parent && parent.closest(cfg.textScopes)) { fixText(root); }
      if (parent && parent.matches('[data-testid="InputInstructions"] > span')) { markCount(parent); }
      return;
    }
    if (root.nodeType !== 1) { return; }
    all(root, "[aria-label],[title],[placeholder]").forEach(function (el) {
      ATTRS.forEach(function (a) { fixAttr(el, a); });
    });
    (root.closest(cfg.textScopes) ? [root] : all(root, cfg.textScopes)).forEach(function (scope) {
      var walk = doc.createTreeWalker(scope, 4), n;
      while ((n = walk.nextNode())) { fixText(n); }
    });
    cfg.labels.forEach(function (pair) {
      all(root, pair[0]).forEach(function (el) {
        if (el.getAttribute("aria-label") !== pair[1]) { el.setAttribute("aria-label", pair[1]); }
      });
    });
    all(root, '[data-testid="InputInstructions"] > span').forEach(markCount);
  }
  function syncScheme() {
    var app = doc.querySelector('[data-testid="stApp"]');
    var scheme = app && getComputedStyle(app).colorScheme.indexOf("dark") >= 0 ? "dark" : "light";
    if (app && doc.documentElement.getAttribute("data-tk-scheme") !== scheme) {
      doc.documentElement.setAttribute("data-tk-scheme", scheme);
    }
  }
  state.handle = function (records) {  // this run's language: the observer calls the newest
    syncScheme();
    records.forEach(function (r) {
      if (r.type === "attributes") { fixAttr(r.target, r.attributeName); }
      else if (r.type === "characterData") { fixTree(r.target); }
      else { r.addedNodes.forEach(fixTree); }
    });
  };
  if (!state.observer) {
    state.observer = new MutationObserver(function (records) { state.handle(records); });
    state.observer.observe(doc.documentElement, {subtree: true, childList: true, characterData: true,
                                                  attributes: true, attributeFilter: ATTRS});
  }
  syncScheme();
  fixTree(doc.body);
})(%s);
"""


def script_config(language: str) -> dict[str, object]:
    """What the script needs: the language and the catalogue's texts in it."""
    def t(key: str, **values: object) -> str:
        return i18n.t(f"chrome.{key}", language, **values)

    return {
        "lang": language,
        "attrs": {english: t(key) for english, key in ATTRIBUTES.items()},
        "patterns": [(rx, t(key, **{name: "{}"})) for rx, key, name in PATTERNS],
        "texts": {english: t(key) for english, key in TEXTS.items()},
        "textPatterns": [(rx, t(key, mb=upload_mb())) for rx, key in TEXT_PATTERNS],
        "textScopes": TEXT_SCOPES,
        "labels": [(selector, t(key)) for selector, key in LABELLED],
    }


def script(language: str) -> str:
    """The ``<script>`` (see the module's notes); its data is JSON with ``<``, ``>`` and
    ``&`` escaped, so that no text can end the script element."""
    data = json.dumps(script_config(language), ensure_ascii=False)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script id="{SCRIPT_ID}">{_SCRIPT % data}</script>'


def apply() -> None:
    """Streamlit's texts in the session's language, for this run: call once per run, after
    the language is known (``main.py``)."""
    language = lang()
    st.html(f"<style>{css(language)}</style>")
    st.sidebar.html(script(language), unsafe_allow_javascript=True)


# ------------------------------------------------------------ the first HTML (ASGI)
_HTML_LANG = re.compile(rb'<html lang="[A-Za-z-]*"')


class HtmlLang:
    """Rewrites ``<html lang="…">`` in the HTML pages the server sends (Streamlit's
    ``index.html``) to ``lang`` (default: the app's default language, ``TRYGG_LANG`` or sv),
    so that a browser and a screen reader know the language before any script has run.
    A gzipped page (Streamlit compresses it for browsers that accept it) is unpacked,
    rewritten and packed again; other responses pass untouched."""

    def __init__(self, app: ASGIApp, lang: str | None = None) -> None:
        self.app = app
        self.tag = f'<html lang="{lang or i18n.default_language()}"'.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html") and \
                        headers.get("content-encoding", "identity") in ("identity", "gzip"):
                    start = message  # held back until the body is complete
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = MutableHeaders(scope=start)
            html = b"".join(body)
            if headers.get("content-encoding") == "gzip":
                html = gzip.compress(_HTML_LANG.sub(self.tag, gzip.decompress(html), count=1), mtime=0)
            else:
                html = _HTML_LANG.sub(self.tag, html, count=1)
            if "content-length" in headers:
                headers["content-length"] = str(len(html))
            await send(start)
            await send({"type": "http.response.body", "body": html})

        await self.app(scope, receive, rewrite)
