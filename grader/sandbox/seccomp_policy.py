"""The seccomp filter of the sandbox, compiled once at set-up time.

Defence in depth under bubblewrap: student code has no business tracing
processes, creating namespaces, mounting, loading BPF, using io_uring,
opening sockets other than Unix ones, holding memory outside its address
space (System V shared memory and queues, memfd), or escaping the
parent-death signal that ends the run with the grader. Run with Debian's interpreter, which has
the libseccomp bindings (package python3-seccomp):

    /usr/bin/python3 grader/sandbox/seccomp_policy.py OUTPUT.bpf

This file is standalone on purpose: it must not import the grader.
"""

import errno
import socket
import sys

DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "bpf",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "perf_event_open",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "init_module",
    "finit_module",
    "delete_module",
    "userfaultfd",
    "open_by_handle_at",
    "name_to_handle_at",
    "swapon",
    "swapoff",
    "reboot",
    # memory that RLIMIT_AS does not count: System V segments and queues outlive their
    # mappings, and memfd files are sized by RLIMIT_FSIZE each, not in total
    "shmget",
    "msgget",
    "memfd_create",
)
PR_SET_PDEATHSIG = 1
NAMESPACE_FLAGS = (
    0x10000000,  # CLONE_NEWUSER
    0x40000000,  # CLONE_NEWNET
    0x00020000,  # CLONE_NEWNS
    0x20000000,  # CLONE_NEWPID
)


def build():
    import seccomp

    policy = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED:
        policy.add_rule(seccomp.ERRNO(errno.EPERM), name)
    policy.add_rule(
        seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX)
    )
    for flag in NAMESPACE_FLAGS:
        policy.add_rule(
            seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag)
        )
    # the run's processes die with the grader: the parent-death signal bwrap set stays
    policy.add_rule(
        seccomp.ERRNO(errno.EPERM), "prctl", seccomp.Arg(0, seccomp.EQ, PR_SET_PDEATHSIG)
    )
    # glibc falls back to clone() when clone3 is unavailable; clone3's flags cannot be inspected
    policy.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    return policy


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as out:
        build().export_bpf(out)
