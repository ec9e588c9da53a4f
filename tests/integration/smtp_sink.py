#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal SMTP server for tests/integration/sendmail.sh: listens on
127.0.0.1:PORT, stores each message as one JSON line in OUT (sender,
recipients, data) and refuses recipients whose address starts with
"refuse"; at most 50 connections, then it exits."""
import json
import socket
import sys

port, out = int(sys.argv[1]), sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(8)
print("ready", flush=True)
for _ in range(50):
    conn, _ = srv.accept()
    conn.settimeout(20)
    f = conn.makefile("rb")
    send = lambda s: conn.sendall(s.encode() + b"\r\n")
    send("220 sink ESMTP")
    sender, rcpts = None, []
    try:
        while True:
            line = f.readline().decode("ascii", "replace")
            if not line:
                break
            cmd = line.strip()
            up = cmd.upper()
            if up.startswith("EHLO") or up.startswith("HELO"):
                send("250-sink\r\n250 8BITMIME")
            elif up.startswith("MAIL FROM:"):
                sender, rcpts = cmd[10:].strip("<> "), []
                send("250 ok")
            elif up.startswith("RCPT TO:"):
                a = cmd[8:].strip("<> ")
                if a.startswith("refuse"):
                    send("550 5.1.1 no such user")
                else:
                    rcpts.append(a)
                    send("250 ok")
            elif up == "DATA":
                send("354 go on")
                data = []
                while True:
                    l = f.readline().decode("utf-8", "replace")
                    if l in (".\r\n", ""):
                        break
                    data.append(l[1:] if l.startswith("..") else l)
                with open(out, "a") as o:
                    o.write(json.dumps({"from": sender, "to": rcpts,
                                        "data": "".join(data)}) + "\n")
                send("250 queued")
            elif up == "QUIT":
                send("221 bye")
                break
            else:
                send("250 ok")
    except (OSError, socket.timeout):
        pass
    conn.close()
