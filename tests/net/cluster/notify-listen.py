#!/usr/bin/env python3
# The service manager's side of sd_notify(3) for the tests: binds an AF_UNIX datagram socket
# at argv[1] (mode 0666) and appends each datagram to argv[2] as one line,
# "<monotonic ms> <fields joined by |>", until killed.
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        f.write("%d %s\n" % (time.monotonic() * 1000, msg.strip("\n").replace("\n", "|")))
