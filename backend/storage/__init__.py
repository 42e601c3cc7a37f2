"""Storage: the interface the chat rules use, the worker threads that run it, and the engines.

``interface`` is the seam; ``worker`` runs storage jobs off the event loop; ``sqlite/`` is the
embedded engine and ``postgres/`` the server one (the only code that knows SQL); ``blobs`` keeps
uploaded bytes on disk.
"""
