"""A recording SMTP handler for aiosmtpd: the real server the tests send mail to, on loopback."""

import asyncio
import email
import email.policy
import threading


class RecordingSMTPHandler:
    """Keeps every message it accepts; told to, refuses the next DATA commands with a transient error, or stops
    answering at the next DATA or QUIT."""

    def __init__(self):
        self._lock = threading.Lock()
        self._messages = []
        self._refusals_left = 0
        self.refused = 0
        self._hold_at = None
        self._let_through = 0
        self.holding = threading.Event()
        self._released = threading.Event()

    def reset(self):
        with self._lock:
            self._messages.clear()
            self._refusals_left = 0
            self.refused = 0
            self._hold_at = None
        self.release()
        self.holding.clear()

    def fail_next(self, count):
        with self._lock:
            self._refusals_left = count

    def hold_next(self, command, *, after=0):
        """At the next `command`, "DATA" or "QUIT", or the one `after` more of them, the server stops answering
        until release() or until the client goes away; `holding` is set once it has stopped. At DATA the message
        is kept first: the server has it, the client never hears so, as when the reply is lost on the way."""
        with self._lock:
            self._hold_at = command
            self._let_through = after
        self._released.clear()
        self.holding.clear()

    def release(self):
        self._released.set()

    @property
    def messages(self):
        with self._lock:
            return list(self._messages)

    async def _hold_if_told(self, command):
        with self._lock:
            if self._hold_at != command:
                return
            if self._let_through:
                self._let_through -= 1
                return
            self._hold_at = None
        self.holding.set()
        # Polled, not waited on: the server's other connections go on meanwhile. aiosmtpd cancels this when
        # the client disconnects.
        while not self._released.is_set():
            await asyncio.sleep(0.05)

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self._refusals_left:
                self._refusals_left -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            self._messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        await self._hold_if_told("DATA")
        return "250 2.0.0 OK"

    async def handle_QUIT(self, server, session, envelope):
        await self._hold_if_told("QUIT")
        return "221 Bye"
