"""The chat rules: who may do what, what gets stored, who hears about it.

Plain Python, composed rather than inherited: ``service.ChatService`` builds one ``Context`` (the
database, the way out to clients, who is online, rate limits) and hands it to a part per concern
(sessions, rooms, messages, reads, files, admin, typing). Nothing here knows Flask, Socket.IO,
gevent or SQL; commands arrive decoded (``commands.py``) and events leave through ``Context.out``.
"""
