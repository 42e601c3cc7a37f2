"""The host's web side: Socket.IO events, HTTP routes, file transfers, who may talk to it, and the
one shape every HTTP error has. Decodes what arrives (``commands.py``), hands it to ``chat/``,
shapes the answer; no rules and no SQL here.
"""
