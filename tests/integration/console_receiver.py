#!/usr/bin/python3
"""A --console-socket listener for the tests: accept one connection, take
the pty master passed with SCM_RIGHTS, copy what the container writes to
the terminal to stdout until it closes. Usage: console_receiver.py SOCKET"""
import os
import socket
import sys

path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
srv.settimeout(30)
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
if len(fds) != 1:
    sys.exit("no fd received")
master = fds[0]
sys.stdout.write("payload=%s\n" % msg.decode())
sys.stdout.flush()
while True:
    try:
        data = os.read(master, 4096)
    except OSError:  # EIO: the container's side of the terminal closed
        break
    if not data:
        break
    sys.stdout.write(data.decode(errors="replace"))
    sys.stdout.flush()
