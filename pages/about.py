"""About page: what the app is, the promise catalogue, categories, sources and licences."""

import streamlit as st

from geo.roles import Action
from ui.auth import require
from ui.common import lang, row_counts, the_catalog, tr

require(Action.VIEW_ALL)

cat = the_catalog()
st.title(tr("about.heading"))
st.write(tr("about.intro"))

st.subheader(tr("about.promises"))
for ml in cat.medborgarloften:
    with st.expander(f"{ml.title} · {tr('about.period', start=ml.period_start, end=ml.period_end)}"):
        for p in ml.promises:
            st.markdown(f"**{p.ordinal}. {p.title_en if lang() == 'en' and p.title_en else p.title}**")
            st.text(p.text)
            for a in p.activities:
                st.markdown(f"- `{a.id}` {a.label(lang())}")
        if ml.signatories:
            st.caption(" · ".join(ml.signatories))

c1, c2 = st.columns(2)
with c1:
    st.subheader(tr("about.categories"))
    for c in cat.categories:
        extra = f" ({tr('about.positive')})" if c.positive else ""
        st.markdown(f":material/{c.material_icon}: **{c.label(lang())}**{extra} — {c.description(lang())}")
with c2:
    st.subheader(tr("about.measure_types"))
    for c in cat.measure_types:
        st.markdown(f":material/{c.material_icon}: **{c.label(lang())}** — {c.description(lang())}")

st.subheader(tr("about.sources"))
for key in ("about.source_districts", "about.source_regso_note", "about.source_tiles",
            "about.source_promises", "about.source_method"):
    st.markdown(f"- {tr(key)}")

st.subheader(tr("about.database"))
counts = row_counts()
st.write(tr("about.rows", observations=counts["observation"], walks=counts["walk"],
            measures=counts["measure"]))
