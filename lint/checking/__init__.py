"""Checking: rules and the engine that runs them over systems and files, findings and
fixes, suppression comments, baselines, settings and declarative invariants."""
