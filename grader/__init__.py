"""Forge-proof auto-grading of backpropagation homework.

The grading core (assignments, checks, sandbox, submissions, results) never
imports Flask; the web service, API, CLI and job runners are thin layers on it.
"""

__version__ = "0.1.0"
