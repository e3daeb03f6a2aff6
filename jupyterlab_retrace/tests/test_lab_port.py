"""`npm run lab` after a crash: connections left in TIME_WAIT must not make the port look busy."""
import os
import socket
import subprocess
import sys

PROBE = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "port_busy.py")


def busy(port: int) -> bool:
    return subprocess.run([sys.executable, PROBE, str(port)]).returncode == 0


def listener() -> socket.socket:
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    return srv


def test_a_port_left_in_time_wait_by_a_crashed_server_is_free():
    srv = listener()
    port = srv.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = srv.accept()
    conn.close()  # the server side closes first: its end goes to TIME_WAIT
    client.close()
    srv.close()
    states = subprocess.run(["ss", "-tan", f"sport = :{port}"], capture_output=True, text=True).stdout
    assert "TIME-WAIT" in states, states
    plain = socket.socket()
    try:
        plain.bind(("127.0.0.1", port))
        tripped = False
    except OSError:
        tripped = True  # what the old probe saw: "port busy" for a minute
    finally:
        plain.close()
    assert tripped
    assert not busy(port)


def test_a_port_with_a_listener_is_busy():
    srv = listener()
    try:
        assert busy(srv.getsockname()[1])
    finally:
        srv.close()
