"""Real mail servers for the outbox tests, on 127.0.0.1 in threads of their own: an aiosmtpd server
that keeps what it accepts and can refuse chosen recipients (550 for good, 451 for now), and a
server that accepts the connection and never says a word."""
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list
    content: bytes

    @property
    def message(self):
        return message_from_bytes(self.content, policy=policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The plain-text body, decoded from its transfer encoding and charset."""
        return self.message.get_body(preferencelist=("plain",)).get_content()


class MailHandler:
    """aiosmtpd handler: keeps every message it accepts. `replies` maps a recipient to what the
    server answers to its RCPT TO instead of accepting it, e.g. "550 5.1.1 No such mailbox"."""

    def __init__(self):
        self.received: list[Received] = []
        self.replies: dict[str, str] = {}
        self.rcpt_attempts: list[str] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            self.rcpt_attempts.append(address)
        reply = self.replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


@contextmanager
def mail_server():
    """An SMTP server on a free port of 127.0.0.1; yields its handler with `.port` set."""
    handler = MailHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()


@contextmanager
def hanging_server():
    """A server that accepts connections and never sends the SMTP greeting; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()
    held = []

    def accept():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:  # the accept timed out: look at `stop` again
                continue
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True, name="hanging-smtp")
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for connection in held:
            connection.close()
        listener.close()
