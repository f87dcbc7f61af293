"""The Textual terminal UI: the only package that imports Textual.

``tracker.tui.app.make_app(settings)`` builds the app for ``tui.py``, ``tracker tui`` and
the tests. Screens read the store through ``tracker.views`` in worker threads.
"""
