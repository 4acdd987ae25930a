"""The walk map's outbox: pins made with no connection are kept on the tablet and sent once
it is back.  A folium element (:class:`Outbox`) that :func:`geo.mapview.walk_map` adds; all
of it runs in the map's own frame, so it works while nothing can run on the server.

What the participant sees and does:

* **Offline at once.**  When the browser says it is offline (``navigator.onLine``), the
  last request to the app failed, or the page's Streamlit connection is down (the status
  widget of the parent page, which is of the same origin), a banner inside the map says so
  and how many pins wait: "Ingen anslutning – 3 nålar väntar".
* **A tap while offline** opens a small form in the map: the walk's categories as big
  buttons in their colours, how unsafe it feels (not for a safe place), a short text, and
  Spara / Avbryt; a tap outside the walk's district must be confirmed, as in the pin form.
  Streamlit is told nothing of such a tap (the page would open its own pin form for it
  when the connection is back; :func:`geo.capture.sent_offline` is the page's second line
  of defence).
* **Kept on the tablet.**  A saved pin goes into ``localStorage`` (the app's origin) under
  the walk's id, with a uuid made on the tablet and the participant's link token of that
  moment, and is drawn as a hollow, dashed ring.  A reload, or the link opened again
  later, finds it there.
* **Sent exactly once.**  On the ``online`` event, on load, and every few seconds while any
  wait, each pin is POSTed to the app's own route (:mod:`ui.api`; the check and the save
  are :func:`geo.offline.receive_pin`'s) with ``Authorization: Bearer <token>``.  The
  server stores a uuid once, so a pin whose answer was lost is sent again without a second
  row.  Confirmed: shown briefly ("Sparad: Belysning") and removed.  Refused (4xx): shown
  with the server's message and removed.  No answer, or the server's trouble (5xx): kept.

Every text is the catalogue's, rendered here in the page's language; the configuration
reaches the script as JSON with ``<``, ``>`` and ``&`` escaped, and the script puts text
into the page with ``textContent`` only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from branca.element import MacroElement
from jinja2 import Template

from . import catalog as catalog_module
from . import i18n
from .model import FEELING_MAX, FEELING_MIN, Category, Walk, WalkStatus
from .offline import TEXT_MAX

API_PATH = "/api/walk/pins"  # ui.api.PINS_PATH: geo/ cannot import ui/
STORAGE_PREFIX = "trygghetskartan-outbox-"  # + the walk's id
RETRY_MS = 4000

# catalogue key -> the name the script knows it by
TEXTS = {
    "offline.banner_none": "banner_none", "offline.banner_one": "banner_one",
    "offline.banner_many": "banner_many", "offline.banner_view": "banner_view",
    "offline.sending_one": "sending_one", "offline.sending_many": "sending_many",
    "offline.form_title": "form_title", "offline.need_category": "need_category",
    "offline.need_feeling": "need_feeling", "offline.need_outside": "need_outside",
    "offline.outside": "outside", "offline.no_storage": "no_storage",
    "offline.saved": "saved", "offline.refused": "refused",
    "pin.category": "category", "pin.feeling": "feeling", "pin.text": "text",
    "pin.text_placeholder": "text_placeholder", "pin.save": "save", "pin.cancel": "cancel",
    "pin.safe_feeling": "safe_feeling", "pin.outside_ok": "outside_ok",
}


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside an inline ``<script>``: no ``</script>``,
    ``<!--`` or ``&`` can come through."""
    return (json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def outbox_config(walk: Walk, lang: str, categories: Sequence[Category]) -> dict[str, Any]:
    """What the script needs, every text already in ``lang``."""
    return {
        "walk": walk.id,
        "lang": lang,
        "accepting": walk.status == WalkStatus.OPEN,
        "api": API_PATH,
        "storage": f"{STORAGE_PREFIX}{walk.id}",
        "retry_ms": RETRY_MS,
        "text_max": TEXT_MAX,
        "categories": [{"id": c.id, "label": c.label(lang), "colour": c.colour, "positive": c.positive}
                       for c in categories],
        "feelings": [[n, i18n.t(f"pin.feeling_label.{n}", lang)] for n in range(FEELING_MIN, FEELING_MAX + 1)],
        "t": {name: i18n.t(key, lang) for key, name in TEXTS.items()},
    }


class Outbox(MacroElement):
    """The offline outbox of the walk map (see the module's doc); ``categories`` default to
    the catalogue's."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
        .tk-ob-banner{position:fixed;top:8px;left:50%;transform:translateX(-50%);z-index:1100;
          max-width:calc(100% - 120px);background:#1d1d1d;color:#fff;border-left:6px solid #f0b429;
          padding:8px 14px;border-radius:6px;font:600 16px/1.35 system-ui,sans-serif;
          box-shadow:0 2px 6px rgba(0,0,0,.4)}
        .tk-ob-toasts{position:fixed;top:64px;left:50%;transform:translateX(-50%);z-index:1100;
          display:flex;flex-direction:column;gap:6px;align-items:center;max-width:calc(100% - 40px)}
        .tk-ob-toast{padding:8px 14px;border-radius:6px;font:600 15px/1.35 system-ui,sans-serif;
          color:#fff;box-shadow:0 2px 6px rgba(0,0,0,.4)}
        .tk-ob-toast.ok{background:#14532d}.tk-ob-toast.bad{background:#7f1d1d}
        .tk-ob-form{position:fixed;inset:0;z-index:2000;background:rgba(0,0,0,.45);display:flex;
          align-items:center;justify-content:center}
        .tk-ob-panel{background:#fff;color:#111;border-radius:10px;padding:12px 14px;width:min(720px,96%);
          max-height:96%;overflow:auto;box-sizing:border-box;font:15px/1.35 system-ui,sans-serif}
        .tk-ob-panel h2{font-size:17px;margin:0 0 8px}
        .tk-ob-label{display:block;font-weight:600;margin:8px 0 4px}
        .tk-ob-cats{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:6px}
        .tk-ob-feel{display:flex;gap:6px;flex-wrap:wrap}
        .tk-ob-panel button{min-height:48px;min-width:48px;border:2px solid #555;border-radius:8px;
          background:#fff;color:#111;font:600 15px/1.2 system-ui,sans-serif;padding:4px 10px;
          cursor:pointer;text-align:left;display:flex;align-items:center;gap:8px;overflow-wrap:anywhere;hyphens:auto}
        .tk-ob-panel button[aria-pressed="true"]{border:4px solid #1f3b73;background:#e3ebfb}
        .tk-ob-swatch{flex:none;width:16px;height:16px;border-radius:50%;border:1px solid #333}
        .tk-ob-panel textarea{width:100%;box-sizing:border-box;min-height:56px;font:15px system-ui,sans-serif;
          border:2px solid #555;border-radius:8px;padding:6px}
        .tk-ob-outside{display:flex;align-items:center;gap:8px;min-height:48px}
        .tk-ob-outside input{width:28px;height:28px}
        .tk-ob-msg{color:#8a1111;font-weight:600;min-height:1.3em;margin:6px 0}
        .tk-ob-actions{display:flex;gap:10px}.tk-ob-actions button{flex:1;justify-content:center}
        .tk-ob-panel button.tk-ob-save{background:#1f3b73;border-color:#1f3b73;color:#fff}
        </style>
        {% endmacro %}

        {% macro script(this, kwargs) %}
        (function () {
          var C = {{ this.config }};
          var map = {{ this._parent.get_name() }};
          var T = C.t, KEY = C.storage;
          var apiDown = false, sending = false, formOpen = false, drawn = "";
          var path = window.location.pathname, cut = path.indexOf("/component/");
          var base = cut >= 0 ? path.slice(0, cut) : "";
          var queued = L.layerGroup().addTo(map);

          function fmt(s, v) {
            return s.replace(/\\{(\\w+)\\}/g, function (m, k) { return k in v ? String(v[k]) : m; });
          }
          function el(tag, cls, text) {
            var e = document.createElement(tag);
            if (cls) e.className = cls;
            if (text != null) e.textContent = text;
            return e;
          }
          function token() {
            try { return new URLSearchParams(window.parent.location.search).get("t"); }
            catch (e) { return null; }
          }
          function waiting() {
            try {
              var a = JSON.parse(window.localStorage.getItem(KEY) || "[]");
              return Array.isArray(a) ? a : [];
            } catch (e) { return []; }
          }
          function keep(a) {
            if (a.length) window.localStorage.setItem(KEY, JSON.stringify(a));
            else window.localStorage.removeItem(KEY);
          }
          function forget(uuid) {
            try { keep(waiting().filter(function (p) { return p.uuid !== uuid; })); } catch (e) {}
          }
          function newUuid() {
            if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
            var b = crypto.getRandomValues(new Uint8Array(16));  // plain http on a LAN: no randomUUID
            b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
            var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
            return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
          }
          // Streamlit's own connection: while it has none, its status widget in the page (of the
          // same origin as this frame) shows the connection's state ("Connecting" …).
          function streamlitDown() {
            try { return !!window.parent.document.querySelector('[data-testid="stConnectionStatus"]'); }
            catch (e) { return false; }
          }
          function offline() { return !navigator.onLine || apiDown || streamlitDown(); }

          var banner = el("div", "tk-ob-banner");
          banner.setAttribute("role", "status");
          banner.hidden = true;
          var toasts = el("div", "tk-ob-toasts");
          toasts.setAttribute("role", "status");
          toasts.setAttribute("aria-live", "polite");
          document.body.appendChild(banner);
          document.body.appendChild(toasts);

          function toast(text, kind) {
            var t = el("div", "tk-ob-toast " + kind, text);
            toasts.appendChild(t);
            setTimeout(function () { t.remove(); }, kind === "ok" ? 5000 : 12000);
          }
          function press(group, b) {
            group.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-pressed", String(x === b)); });
          }
          function plural(n, one, many) { return n === 1 ? T[one] : fmt(T[many], {n: n}); }

          function render() {
            var q = waiting(), n = q.length, text = "";
            if (offline()) {
              text = !C.accepting || !token() ? (n ? plural(n, "banner_one", "banner_many") : T.banner_view)
                : (n ? plural(n, "banner_one", "banner_many") : T.banner_none);
            } else if (n) {
              text = plural(n, "sending_one", "sending_many");
            }
            if (banner.textContent !== text) banner.textContent = text;
            banner.hidden = !text;
            var sig = q.map(function (p) { return p.uuid; }).join(",");
            if (sig !== drawn) {
              drawn = sig;
              queued.clearLayers();
              q.forEach(function (p) {
                L.circleMarker([p.lat, p.lng], {radius: 10, color: p.colour || "#d7263d", weight: 4,
                  dashArray: "4 3", fill: false, interactive: false, className: "tk-queued"}).addTo(queued);
              });
            }
          }

          function send(p) {
            var stop = window.AbortController ? new AbortController() : null;  // no answer: try later
            if (stop) setTimeout(function () { stop.abort(); }, 15000);
            return fetch(base + C.api, {
              method: "POST", cache: "no-store", credentials: "omit", signal: stop ? stop.signal : undefined,
              headers: {"Content-Type": "application/json", "Authorization": "Bearer " + p.token},
              body: JSON.stringify({uuid: p.uuid, walk: p.walk, lat: p.lat, lng: p.lng, category: p.category,
                                    feeling: p.feeling, text: p.text, outside_ok: p.outside_ok, at: p.at,
                                    lang: C.lang})
            }).then(function (r) {
              return r.json().catch(function () { return {}; })
                .then(function (b) { return {status: r.status, body: b}; });
            });
          }

          function flush() {
            if (sending) return;
            var q = waiting();
            if (!q.length) {
              if (apiDown) {  // nothing to send: is the app there again?
                fetch(base + "/_stcore/health", {cache: "no-store"}).then(function (r) {
                  if (r.ok) { apiDown = false; render(); }
                }, function () {});
              }
              return;
            }
            if (!navigator.onLine) return;
            sending = true;
            var p = q[0];
            send(p).then(function (res) {
              apiDown = false;
              if (res.status >= 200 && res.status < 300) {
                forget(p.uuid);
                toast(fmt(T.saved, {category: p.label}), "ok");
              } else if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
                forget(p.uuid);
                toast(fmt(T.refused, {category: p.label, reason: (res.body && res.body.error) || res.status}), "bad");
              } else {
                sending = false; render(); return;  // the server's trouble: kept, tried again later
              }
              sending = false; render(); flush();
            }, function () {
              apiDown = true; sending = false; render();  // no answer: kept
            });
          }

          // --- the offline form --------------------------------------------------------------
          function ringHas(ring, x, y) {
            var inside = false;
            for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
              var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
              if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
            }
            return inside;
          }
          function inDistrict(ll) {
            var polys = [];
            map.eachLayer(function (l) {
              var g = l.feature && l.feature.geometry;
              if (g && g.type === "Polygon") polys.push(g.coordinates);
              else if (g && g.type === "MultiPolygon") polys = polys.concat(g.coordinates);
            });
            if (!polys.length) return true;  // no outline drawn: the server decides
            return polys.some(function (poly) {
              if (!ringHas(poly[0], ll.lng, ll.lat)) return false;
              for (var k = 1; k < poly.length; k++) if (ringHas(poly[k], ll.lng, ll.lat)) return false;
              return true;
            });
          }

          function openForm(ll) {
            formOpen = true;
            var chosen = null, feeling = null, inside = inDistrict(ll);
            var wrap = el("div", "tk-ob-form"), panel = el("div", "tk-ob-panel");
            wrap.lang = C.lang;
            wrap.setAttribute("role", "dialog");
            wrap.setAttribute("aria-modal", "true");
            wrap.setAttribute("aria-label", T.form_title);
            panel.appendChild(el("h2", null, T.form_title));
            panel.appendChild(el("div", "tk-ob-label", T.category));
            var cats = el("div", "tk-ob-cats"), feelBox = el("div"), safe = el("div", "tk-ob-label", T.safe_feeling);
            safe.hidden = true;
            C.categories.forEach(function (c) {
              var b = el("button", "tk-ob-cat");
              b.type = "button";
              b.setAttribute("aria-pressed", "false");
              var sw = el("span", "tk-ob-swatch");
              sw.style.background = c.colour;
              b.appendChild(sw);
              b.appendChild(el("span", null, c.label));
              b.addEventListener("click", function () {
                chosen = c;
                press(cats, b);
                feelBox.hidden = c.positive;
                safe.hidden = !c.positive;
              });
              cats.appendChild(b);
            });
            panel.appendChild(cats);
            feelBox.appendChild(el("div", "tk-ob-label", T.feeling));
            var feels = el("div", "tk-ob-feel");
            C.feelings.forEach(function (f) {
              var b = el("button", "tk-ob-feeling", f[1]);
              b.type = "button";
              b.setAttribute("aria-pressed", "false");
              b.addEventListener("click", function () {
                feeling = f[0];
                press(feels, b);
              });
              feels.appendChild(b);
            });
            feelBox.appendChild(feels);
            panel.appendChild(feelBox);
            panel.appendChild(safe);
            var confirm = null;
            if (!inside) {
              panel.appendChild(el("div", "tk-ob-msg", T.outside));
              var lab = el("label", "tk-ob-outside");
              confirm = el("input");
              confirm.type = "checkbox";
              lab.appendChild(confirm);
              lab.appendChild(el("span", null, T.outside_ok));
              panel.appendChild(lab);
            }
            var textLabel = el("label", "tk-ob-label", T.text), text = el("textarea");
            text.maxLength = C.text_max;
            text.placeholder = T.text_placeholder;
            textLabel.appendChild(el("br"));
            textLabel.appendChild(text);
            panel.appendChild(textLabel);
            var msg = el("div", "tk-ob-msg");
            msg.setAttribute("role", "alert");
            panel.appendChild(msg);
            var actions = el("div", "tk-ob-actions");
            var save = el("button", "tk-ob-save", T.save), cancel = el("button", "tk-ob-cancel", T.cancel);
            save.type = cancel.type = "button";
            actions.appendChild(save);
            actions.appendChild(cancel);
            panel.appendChild(actions);
            wrap.appendChild(panel);
            document.body.appendChild(wrap);
            function close() { wrap.remove(); formOpen = false; }
            cancel.addEventListener("click", close);
            wrap.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
            cats.querySelector("button").focus();
            save.addEventListener("click", function () {
              if (!chosen) { msg.textContent = T.need_category; return; }
              if (!chosen.positive && feeling == null) { msg.textContent = T.need_feeling; return; }
              if (confirm && !confirm.checked) { msg.textContent = T.need_outside; return; }
              var p = {uuid: newUuid(), walk: C.walk, lat: ll.lat, lng: ll.lng, category: chosen.id,
                       feeling: chosen.positive ? null : feeling, text: text.value.trim(),
                       outside_ok: !inside, at: new Date().toISOString(), token: token(),
                       label: chosen.label, colour: chosen.colour};
              try { keep(waiting().concat([p])); }
              catch (e) { msg.textContent = T.no_storage; return; }
              close();
              render();
              flush();
            });
          }

          map.on("click", function (e) {
            if (formOpen || !C.accepting || !token() || !offline()) return;
            // Streamlit is told nothing of this tap: the page would open its own form for it
            // when the connection is back (st_folium sends a tap a quarter second later).
            var g = window.__GLOBAL_DATA__, before = g ? g.lat_lng_clicked : null;
            setTimeout(function () { if (g) g.lat_lng_clicked = before; }, 0);
            openForm(e.latlng);
          });
          window.addEventListener("online", function () { apiDown = false; render(); flush(); });
          window.addEventListener("offline", render);
          window.addEventListener("storage", function (e) { if (e.key === KEY) render(); });
          setInterval(render, 1000);
          setInterval(function () { if (apiDown || waiting().length) flush(); }, C.retry_ms);
          render();
          flush();
        })();
        {% endmacro %}
    """)

    def __init__(self, walk: Walk, lang: str, categories: Sequence[Category] | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Outbox"
        cats = catalog_module.load().categories if categories is None else categories
        self.config = script_json(outbox_config(walk, lang, cats))
