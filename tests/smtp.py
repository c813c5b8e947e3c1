"""A recording SMTP handler for aiosmtpd: the real server the tests send mail to, on loopback."""

import email
import email.policy
import threading


class RecordingSMTPHandler:
    """Keeps every message it accepts; told to, refuses the next DATA commands with a transient error."""

    def __init__(self):
        self._lock = threading.Lock()
        self._messages = []
        self._refusals_left = 0
        self.refused = 0

    def reset(self):
        with self._lock:
            self._messages.clear()
            self._refusals_left = 0
            self.refused = 0

    def fail_next(self, count):
        with self._lock:
            self._refusals_left = count

    @property
    def messages(self):
        with self._lock:
            return list(self._messages)

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self._refusals_left:
                self._refusals_left -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            self._messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 2.0.0 OK"
