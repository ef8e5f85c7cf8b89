#!/usr/bin/env python3
"""handoff-send: send one direct hand-off datagram (src/proto/handoff.h) as a node would, or a
forged one, for the cluster tests.

handoff-send.py --key FILE --to ADDR [--port 5407] --from-id N --to-id N --vip NAME
                --term T [--ring NODE.SEQ] [--bind ADDR]
"""
import argparse
import hashlib
import hmac
import socket
import struct

p = argparse.ArgumentParser()
p.add_argument("--key", required=True)
p.add_argument("--to", required=True)
p.add_argument("--port", type=int, default=5407)
p.add_argument("--from-id", type=int, required=True)
p.add_argument("--to-id", type=int, required=True)
p.add_argument("--vip", required=True)
p.add_argument("--term", type=int, required=True)
p.add_argument("--ring", default="0.0", help="corosync ring id NODE.SEQ (hex seq as printed)")
p.add_argument("--bind")
a = p.parse_args()

node, seq = a.ring.split(".")
key = open(a.key, "rb").read()
name = a.vip.encode()
hdr = (b"VIPH" + bytes([1, len(name)]) + b"\0\0" +
       struct.pack(">IQIIQ", int(node, 16), int(seq, 16), a.from_id, a.to_id, a.term) + name)
dgram = hdr + hmac.new(key, hdr, hashlib.sha256).digest()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if a.bind:
    s.bind((a.bind, 0))
s.sendto(dgram, (a.to, a.port))
