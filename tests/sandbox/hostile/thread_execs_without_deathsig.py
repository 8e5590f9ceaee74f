"""Hostile submission for `xor-mlp`: loses the parent-death signal without prctl. A new thread
has none, and a thread that calls execve becomes the whole process: started from the top-level
code, the thread detaches a daemon (double fork + setsid), then execs a long shell with a marker
in its command line. Were the student's code running in the sandbox's pid 1, a killed grader
would leave that pid 1, and so the whole run, alive. No process of the run may survive it.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import os
import threading
import time

MARKER = "HOSTILE-THREAD-EXEC-pd35"
PROGRAM = ["sh", "-c", "sleep 600; echo %s" % MARKER]


def _take_over():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sh", PROGRAM)
        os._exit(0)
    os.execv("/bin/sh", PROGRAM)


threading.Thread(target=_take_over).start()
_end = time.monotonic() + 20
while time.monotonic() < _end:
    time.sleep(0.1)

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))
