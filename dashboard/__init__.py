"""Streamlit-side helpers shared by the pages: cached data access, URL-bound filters,
French formatting, the one display / export path, and Plotly charts."""
