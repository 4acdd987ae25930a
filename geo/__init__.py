"""Trygghetskartan's domain: catalogue, districts, observations, measures and the store.

Nothing in this package imports Streamlit; the pages call it.
"""
