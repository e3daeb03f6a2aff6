"""Exit 0 if something listens on 127.0.0.1:PORT, 1 if Jupyter can bind it (used by lab.sh).

SO_REUSEADDR, as Jupyter (tornado) binds: after a crash the port's old
connections sit in TIME_WAIT for a minute; they do not stop Jupyter, so they
must not stop `npm run lab`. Only a listener does.
"""
import socket
import sys

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(1)
except OSError:
    sys.exit(0)
finally:
    s.close()
sys.exit(1)
