import socket

import pytest

from genai_design import offline


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost", "0.0.0.0", ""])
def test_loopback_is_allowed(host):
    assert offline.is_loopback(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "192.168.1.1", "8.8.8.8", "2001:db8::1",
                                  "example.com", None, 42])
def test_everything_else_is_refused(host):
    assert not offline.is_loopback(host)


def test_guard_refuses_before_any_packet_and_logs(monkeypatch, tmp_path):
    # The real connect is replaced by a recorder, so even a broken guard sends nothing.
    log = tmp_path / "violations.log"
    monkeypatch.setenv(offline.GUARD_ENV, str(log))
    offline.uninstall()
    reached = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: reached.append(addr))
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, addr: reached.append(addr) or 0)
    offline.install()
    try:
        with socket.socket() as sock:
            with pytest.raises(offline.OfflineViolation):
                sock.connect(("203.0.113.7", 443))
            with pytest.raises(offline.OfflineViolation):
                sock.connect_ex(("203.0.113.7", 80))
            sock.connect(("127.0.0.1", 9))  # loopback goes through to the (recording) connect
        with pytest.raises(offline.OfflineViolation):
            socket.getaddrinfo("example.com", 443)
    finally:
        offline.uninstall()
        monkeypatch.undo()  # the real connect and the suite's log come back...
        offline.install()  # ...and the suite's guard goes on again over them
    assert reached == [("127.0.0.1", 9)]
    text = log.read_text()
    assert "203.0.113.7" in text and "example.com" in text


def test_guard_is_active_in_the_test_suite():
    # conftest turns it on for the whole session (and for processes the suite starts).
    assert socket.socket.connect is offline._guarded_connect
