"""Run storyline from a fresh checkout with nothing but the system's ``python3``.

    python3 bootstrap.py demo          # the README's first command
    python3 bootstrap.py stories       # any storyline command, after the first run too

Why a script: Debian and Ubuntu mark their ``python3`` as externally managed (PEP 668), so
``python3 -m pip install .`` stops with ``error: externally-managed-environment``; and a fresh
Debian has no ``ensurepip`` until ``python3-venv`` is installed. This script makes (or reuses) a
virtual environment in ``.venv`` beside it, installs this checkout into it (editable, so the code
you change is the code that runs), and hands its arguments to ``.venv/bin/storyline``. Where the
plain ``venv`` cannot bring pip, it falls back on the pip the system already has; where there is
none, it says which apt package to install. It uses only the standard library and runs on any
Python from 3.7 on, so that it can say plainly when a system's Python is too old for storyline.
"""

import glob
import hashlib
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.environ.get("STORYLINE_VENV") or os.path.join(HERE, ".venv")
BIN = os.path.join(VENV, "Scripts" if os.name == "nt" else "bin")
VENV_PYTHON = os.path.join(BIN, "python.exe" if os.name == "nt" else "python")
STAMP = os.path.join(VENV, ".storyline-install")
NEEDS = (3, 11)  # pyproject.toml's requires-python


def say(message):
    sys.stderr.write("bootstrap: " + message + "\n")
    sys.stderr.flush()


def fail(message):
    say(message)
    sys.exit(1)


def run(cmd, capture=False):
    """``cmd``'s exit status (and its stderr when ``capture``: then its stdout is dropped)."""
    pipe = subprocess.PIPE if capture else None
    try:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL if capture else None, stderr=pipe, text=True)
    except OSError as exc:
        return 127, str(exc)
    return proc.returncode, (proc.stderr or "") if capture else ""


def check_python():
    if sys.version_info[:2] >= NEEDS:
        return
    have = "{}.{}".format(*sys.version_info[:2])
    want = "{}.{}".format(*NEEDS)
    again = " ".join(sys.argv[1:]) or "demo"
    fail(
        f"storyline needs Python {want} or newer; {sys.executable} is {have}.\n"
        "  Debian 12 and Ubuntu 24.04 ship 3.11/3.12 as python3. On Ubuntu 22.04:\n"
        f"    sudo apt install python3.11 python3.11-venv && python3.11 bootstrap.py {again}"
    )


def apt_venv_package():
    return "python{}.{}-venv".format(*sys.version_info[:2])


def stamp_value():
    """What the installed environment was built from: pyproject.toml (the code is editable)."""
    with open(os.path.join(HERE, "pyproject.toml"), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest() + "\n"


def venv_has_pip():
    return run([VENV_PYTHON, "-m", "pip", "--version"], capture=True)[0] == 0


def make_venv():
    """``.venv`` with pip in it, by the first route this machine allows."""
    say(f"creating a virtual environment in {VENV}")
    code, err = run([sys.executable, "-m", "venv", VENV], capture=True)
    if code == 0 and venv_has_pip():
        return
    # Debian without python3-venv: venv exists but ensurepip does not. A venv without pip still
    # works; pip can come from the system's own pip (python3-pip) or its wheel (python3-pip-whl).
    lines = err.strip().splitlines()
    reason = lines[-1] if lines else ("pip does not run in it" if code == 0 else "python3 -m venv failed")
    say(f"python3 -m venv could not install pip ({reason}); trying the system's pip instead")
    shutil.rmtree(VENV, ignore_errors=True)
    code, err = run([sys.executable, "-m", "venv", "--without-pip", VENV], capture=True)
    if code != 0:
        fail(
            "could not create {}: {}\n  On Debian/Ubuntu: sudo apt install {} (or python3-venv), "
            "then run this command again.".format(VENV, err.strip() or "venv failed", apt_venv_package())
        )
    routes = []
    if run([sys.executable, "-m", "pip", "--version"], capture=True)[0] == 0:
        # pip's --python installs into another interpreter's environment (here the venv, which is
        # not externally managed), so PEP 668 does not apply.
        cmd = [sys.executable, "-m", "pip", "--python", VENV_PYTHON, "install", "-q", "pip"]
        routes.append(("the system's pip (python3 -m pip --python)", cmd))
    for wheel in sorted(glob.glob("/usr/share/python-wheels/pip-*.whl"), reverse=True):
        routes.append((wheel, [VENV_PYTHON, os.path.join(wheel, "pip"), "install", "-q", "pip"]))
    for source, route in routes:
        say(f"bringing pip into {VENV} from {source}")
        if run(route)[0] == 0 and venv_has_pip():
            return
    shutil.rmtree(VENV, ignore_errors=True)
    fail(
        "this Python has neither ensurepip nor a pip to bring into a virtual environment.\n"
        f"  On Debian/Ubuntu: sudo apt install {apt_venv_package()} (or python3-venv), then run this command again."
    )


def installed():
    if not os.path.exists(os.path.join(BIN, "storyline")) and not os.path.exists(
        os.path.join(BIN, "storyline.exe")
    ):
        return False
    try:
        with open(STAMP) as f:
            return f.read() == stamp_value()
    except OSError:
        return False


def install():
    if not (os.path.exists(VENV_PYTHON) and venv_has_pip()):
        if os.path.exists(VENV):
            say(f"{VENV} has no working pip; making it again")
            shutil.rmtree(VENV, ignore_errors=True)
        make_venv()
    say(f"installing storyline and its dependencies into {VENV} (the first time takes a few minutes)")
    code, _ = run([VENV_PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", HERE])
    if code != 0:
        fail(f"pip could not install storyline into {VENV} (its messages are above)")
    with open(STAMP, "w") as f:
        f.write(stamp_value())
    say(
        "installed. From now on: {} COMMAND (or `source {}` first, then storyline COMMAND)".format(
            os.path.relpath(os.path.join(BIN, "storyline")), os.path.relpath(os.path.join(BIN, "activate"))
        )
    )


def main():
    check_python()
    if not installed():
        install()
    exe = os.path.join(BIN, "storyline.exe" if os.name == "nt" else "storyline")
    args = [exe, *sys.argv[1:]]
    if os.name == "nt":
        sys.exit(subprocess.call(args))
    os.execv(exe, args)


if __name__ == "__main__":
    main()
