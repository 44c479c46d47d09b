"""Interfaces: the command line, reporters, parallel runs, `eval` output, the language
server -- how users, their tools and their editors meet the engine."""
