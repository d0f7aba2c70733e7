"""``python -m storyline``: the command line, for when the ``storyline`` script is not on PATH."""

from storyline.cli import main

if __name__ == "__main__":
    main()
