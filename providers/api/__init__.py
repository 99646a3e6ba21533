"""The read API for procurement and qualification systems, under /api/v1/ (docs/api.md).

A Django app of its own (label ``api``) so that its one table, the API keys, is no part
of the directory's data: a key's use never changes the directory's version token.
"""
