"""Reading an input file from disk: regular files (or ``-``, standard input) only, size-capped.

The size is checked on the file that was opened (``fstat``), not on the path beforehand, so
``/dev/zero`` (size 0 on ``stat``, endless on ``read``), a FIFO (blocks forever waiting for a
writer), a socket or a file swapped between the check and the read cannot exhaust memory or
hang the batch. The read itself stops one byte past the cap, so a file that grows while being
read is refused too.

Example::

    >>> read_path("/dev/zero", 1024)
    Traceback (most recent call last):
    ...
    storyline.errors.InputError: /dev/zero: is a character device, not a regular file; only regular files (or - for standard input) are read
"""

from __future__ import annotations

import os
import stat
import sys

from storyline.errors import InputError

__all__ = ["read_path"]

_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _too_big(name: str, size: str, max_bytes: int) -> InputError:
    return InputError(
        name,
        f"is {size} bytes, over the {max_bytes:,}-byte limit; split it or raise STORYLINE_MAX_INPUT_BYTES",
    )


def _read_capped(fd: int, name: str, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise _too_big(name, f"more than {max_bytes:,}", max_bytes)


def read_path(name: str, max_bytes: int) -> bytes:
    """The bytes of the file ``name`` (``-`` reads standard input), at most ``max_bytes`` of them.

    Raises :class:`InputError` naming the file for a missing or unreadable path, a directory,
    anything that is not a regular file, and a file over the cap.
    """
    if name == "-":
        return _read_capped(sys.stdin.buffer.fileno(), "standard input", max_bytes)
    try:
        # O_NONBLOCK: opening a FIFO without a writer would otherwise block before fstat can look.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(name, "is a directory; pass the files in it (e.g. DIR/*.txt)")
        if not stat.S_ISREG(info.st_mode):
            kind = next((label for test, label in _KINDS if test(info.st_mode)), "not a regular file")
            raise InputError(
                name, f"is {kind}, not a regular file; only regular files (or - for standard input) are read"
            )
        if info.st_size > max_bytes:
            raise _too_big(name, f"{info.st_size:,}", max_bytes)
        try:
            return _read_capped(fd, name, max_bytes)
        except OSError as exc:
            raise InputError(name, f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
