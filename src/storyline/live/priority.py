"""The follower's CPU priority: readers of the portal first, the follower on what is left.

On a machine where ``serve`` and ``follow`` share the cores, every millisecond the follower
spends parsing and clustering is taken from the server's rendering when both want a CPU at
once. ``storyline follow --nice N`` lowers the follower's own priority (``os.nice``), so the
kernel hands a contended core to the server first and to the follower when the server waits.
The follower still gets the CPU the server leaves idle, which on a portal that is not saturated
is most of it.

Linux with autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``) weighs a
process's nice value only against processes of its own session: ``serve`` and ``follow``
started from two terminals sit in two groups that share the CPU equally whatever their nice
values. Start both from one session (one shell script, one service) or give the follower's
unit a lower CPU weight (systemd ``CPUWeight=``, or ``Nice=`` together with ``serve`` in the
same unit) for the priority to count; :func:`lower_priority` says so in its result.

Example::

    >>> lower_priority(0).niceness >= 0      # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from storyline.errors import InputError

__all__ = ["MAX_NICE", "Priority", "lower_priority"]

MAX_NICE = 19  # the lowest priority Linux and the BSDs have


@dataclass(frozen=True, slots=True)
class Priority:
    """What :func:`lower_priority` did: the process's nice value now, and a caveat if any."""

    niceness: int
    note: str = ""


def _autogroups_on() -> bool:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return False


def lower_priority(increment: int) -> Priority:
    """Lower this process's CPU priority by ``increment`` (0 … 19; 0 leaves it as it is).

    Raises InputError naming the option for a value outside 0 … 19: raising one's priority
    needs privileges a follower should not have, and beyond 19 there is nothing lower.
    """
    if not 0 <= increment <= MAX_NICE:
        raise InputError(
            "--nice", f"{increment} is not a priority step: give 0 (unchanged) to {MAX_NICE} (lowest)"
        )
    niceness = os.nice(increment) if increment else os.nice(0)
    note = ""
    if increment and _autogroups_on():
        note = (
            "the kernel groups processes by session (autogroup): the lower priority counts against "
            "a serve started in this same session, not one started from another terminal"
        )
    return Priority(niceness, note)
