"""Interfaces: the command line, reporters, parallel runs, `eval` output -- how users
and their tools meet the engine."""
