"""The ``webhook`` action: POST the event as JSON, retrying with backoff.

Runs in a worker thread with a synchronous httpx client (one per sink, shared
by its threads). A connection failure, a timeout, a 5xx, 408 or 429 is retried
``retries`` times, waiting ``backoff`` seconds and doubling; any other 4xx is
the receiver refusing the request, and retrying would not change its mind.
Redirects are not followed (a POST to a moved URL is a config to fix).
"""

from __future__ import annotations

import threading

import httpx

from sensortop import __version__
from sensortop.model.actions import ActionSpec
from sensortop.model.alarms import AlarmEvent
from sensortop.sinks.actions.command import ActionFailed
from sensortop.sinks.actions.payload import event_json

RETRY_STATUS = frozenset({408, 429})
USER_AGENT = f"sensortop/{__version__}"


def post_event(client: httpx.Client, action: ActionSpec, event: AlarmEvent,
               stopping: threading.Event) -> int:
    """POST ``event`` to ``action.url``; the number of attempts it took, or ActionFailed.

    ``stopping`` cuts a backoff wait short when the run ends.
    """
    body = event_json(event)
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               **{name.lower(): value for name, value in action.headers.items()}}
    wait = action.backoff
    reason = ""
    for attempt in range(1, action.retries + 2):
        try:
            response = client.post(action.url, content=body, headers=headers,
                                   timeout=action.timeout)
        except httpx.TimeoutException:
            reason = f"no answer within {action.timeout:g} s"
        except httpx.HTTPError as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        else:
            if response.is_success:
                return attempt
            reason = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
            if response.status_code < 500 and response.status_code not in RETRY_STATUS:
                raise ActionFailed(reason)
        if attempt <= action.retries and stopping.wait(wait):
            break
        wait *= 2
    tries = "attempt" if action.retries == 0 else f"{action.retries + 1} attempts"
    raise ActionFailed(f"{reason} (after {tries})")
