"""Healthcheck: exit 0 when the process named in PIDFILE is running.

`python scripts/pidfile_alive.py /tmp/celerybeat.pid` is beat's healthcheck
in docker-compose.yml: beat writes that file (`--pidfile`), and the slim
image has Python but no pgrep. Standard library only, so it starts fast.
"""

import os
import sys


def main(pidfile: str) -> int:
    try:
        with open(pidfile) as handle:
            pid = int(handle.read().strip())
        os.kill(pid, 0)
    except (OSError, ValueError) as error:
        print(f"not running: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
