"""What runs inside the sandbox: each run's folder gets a copy of these files.

``harness.py`` is the sandbox's program; ``protocol.py`` writes down the job, task and
event records that cross the boundary; ``codec.py`` encodes the values in them;
``notebook_env.py`` is what a notebook finds in Jupyter without a kernel. Inside, they
import one another as top-level modules, so they use the standard library and numpy
only and never ``grader``; the trusted side imports them as ``grader.sandbox.inside.*``.
Everything else in ``grader.sandbox`` runs on the host.
"""
