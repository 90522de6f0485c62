"""A Byline webhook receiver: checks every delivery with the `standardwebhooks` package,
handles each event once (deliveries are at-least-once; `webhook-id` tells repeats apart),
and answers 2xx within Byline's 10 seconds.

    pip install standardwebhooks
    BYLINE_WEBHOOK_SECRET=whsec_... python3 examples/webhook_receiver.py 9000

Each event it takes is printed as one JSON line.
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

VERIFIER = Webhook(os.environ["BYLINE_WEBHOOK_SECRET"])
SEEN = set()  # in production: a table with a unique key on webhook-id


def handle(event):
    """What the site does: here, print it. A front-end would rebuild or purge the page of
    `event["resource"]["slug"]`; `event["data"]` is None when the public may no longer
    see the resource (deleted, trashed, unpublished, expired)."""
    print(json.dumps(event), flush=True)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        try:
            event = VERIFIER.verify(body, dict(self.headers))
        except WebhookVerificationError:
            self.send_response(400)  # not from Byline, or too old: ignore it
            self.end_headers()
            return
        if self.headers["webhook-id"] not in SEEN:
            SEEN.add(self.headers["webhook-id"])
            handle(event)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
