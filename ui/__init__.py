"""The only Streamlit-aware helpers: the cached store, language, shared widgets."""
