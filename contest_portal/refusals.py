"""Refusals: what a service raises when the rules do not allow a request.

Every app's services raise these; views and admin screens show `message` to the user and answer `status`."""


class Refusal(Exception):
    """A request the rules do not allow. `message` is for the user; `status` is the HTTP status."""

    status = 400

    def __init__(self, message, *, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class WindowClosed(Refusal):
    status = 403


class ClipLimitReached(Refusal):
    status = 409


class FileTooLarge(Refusal):
    status = 413


class FileNotAccepted(Refusal):
    status = 415


class NotAllowed(Refusal):
    status = 403
