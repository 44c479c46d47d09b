"""`stereos-lint lsp`: the linter as a Language Server.

`workspace.py` keeps one long-lived project per folder the editor has open and
lints one file inside the systems that contain it; `session.py` holds the open
documents and answers the editor's questions (diagnostics, quick fixes, hover,
definition, references) in byte offsets; `protocol.py` turns those into LSP
positions and types; `server.py` wires them to pygls.  Only `server.py` imports
pygls, so the rest is tested without a client.
"""
