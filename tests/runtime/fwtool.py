#!/usr/bin/env python3
"""fwtool.py: helpers for tests/runtime/run-runtime.sh.

  fwtool.py spray COUNT PORT...      send COUNT foreign datagrams to 127.0.0.1:PORT (in turn):
                                     garbage of every length, empty ones, our magic with a
                                     wrong token, truncated headers; prints how many went out
  fwtool.py pcapcount FILE TOKEN     count the captured datagrams that carry finwave's magic
                                     and the run's 64-bit token (hex), in a pcap file of lo
"""
import random
import socket
import struct
import sys


def spray(count, ports):
    rnd = random.Random(20251124)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent = 0
    for i in range(count):
        port = ports[i % len(ports)]
        kind = i % 5
        if kind == 0:
            d = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 1400)))
        elif kind == 1:
            d = b""
        elif kind == 2:
            # our header, another run's token: what a replay from an earlier run looks like
            d = b"FWV1" + struct.pack(">QIBB", rnd.getrandbits(64), rnd.randrange(1, 64), 0, 1)
            d += bytes(40)
        elif kind == 3:
            d = b"FWV1" + bytes(rnd.randrange(0, 14))     # truncated header
        else:
            d = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
        try:
            s.sendto(d, ("127.0.0.1", port))
            sent += 1
        except OSError:
            pass
    print(sent)


def pcapcount(path, token_hex):
    token = bytes.fromhex(token_hex)
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        print(0)
        return
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off, n = 24, 0
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:          # Ethernet (what lo shows)
            ip = pkt[14:]
        elif linktype == 113:      # Linux cooked capture
            ip = pkt[16:]
        elif linktype == 276:      # Linux cooked capture v2
            ip = pkt[20:]
        else:
            ip = pkt
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        udp = ip[(ip[0] & 15) * 4:]
        payload = udp[8:]
        if payload[:4] == b"FWV1" and payload[4:12] == token:
            n += 1
    print(n)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "spray":
        spray(int(sys.argv[2]), [int(p) for p in sys.argv[3:]])
    elif len(sys.argv) == 4 and sys.argv[1] == "pcapcount":
        pcapcount(sys.argv[2], sys.argv[3])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
