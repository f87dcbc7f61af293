"""Packaged data files a user can copy and edit (news sources, known market events)."""
