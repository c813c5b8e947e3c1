import time

import pytest


def wait_until(condition, *, timeout, what, interval=0.2):
    """Calls condition() until it returns something true, and returns that; fails the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout} s waiting for {what}")
        time.sleep(interval)
