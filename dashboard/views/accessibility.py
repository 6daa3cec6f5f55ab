"""Tilgjengelighetserklæring: the accessibility statement a public body in Norway must publish.

It reads no published figures, so it is shown even when there are none to read.
"""

import streamlit as st

from dashboard.i18n import t

SECTIONS = (
    ("a11y.standard_title", "a11y.standard"),
    ("a11y.testing_title", "a11y.testing"),
    ("a11y.gaps_title", "a11y.gaps"),
)


def main() -> None:
    st.title(t("page.accessibility"))
    st.markdown(t("a11y.intro"))
    for title, body in SECTIONS:
        st.subheader(t(title))
        st.markdown(t(body))
    st.markdown(t("a11y.print"))
    st.subheader(t("a11y.contact_title"))
    st.markdown(t("a11y.contact", contact=t("about.contact")))
    st.subheader(t("a11y.authority_title"))
    st.markdown(t("a11y.authority"))
    st.caption(t("a11y.reviewed"))


main()
