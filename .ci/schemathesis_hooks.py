"""Data generation for the CI schemathesis run.

Date-times are drawn from the whole range the API accepts (years 0001 to 9999) with a heavy
share of its edges, including offsets that carry a time just past either end once it is
read as UTC: the server must answer those with a 4xx, never a 500.
"""

from datetime import datetime, timezone

import schemathesis
from hypothesis import strategies as st

EDGES = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:30:00-01:00",
    "9999-12-30T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2038-01-19T03:14:08Z",
    "2000-02-29T23:59:59+14:00",
]

ANY_TIME = st.datetimes(
    min_value=datetime(1, 1, 1),
    max_value=datetime(9999, 12, 31, 23, 59, 59),
    timezones=st.just(timezone.utc),
).map(lambda d: d.isoformat().replace("+00:00", "Z"))

schemathesis.openapi.format("date-time", st.one_of(st.sampled_from(EDGES), ANY_TIME))


PRINTABLE = set(range(0x20, 0x7F))


@schemathesis.hook
def before_call(context, case, kwargs):
    """Gives every request its own valid `Idempotency-Key`.

    Generated keys repeat across operations ("0", "a"), and the server rightly answers a key
    reused for a different request with 422; a fresh key per call keeps schema-valid
    requests valid. Invalid keys are left as they are, to be refused with 400.
    """
    import uuid

    meta = getattr(case, "meta", None)
    if meta is not None and meta.generation.mode.is_negative:
        # Negative cases stay as generated: an edit here would make schemathesis check the
        # case again and send it as a positive one (with the credentials it meant to leave out).
        return
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() != "idempotency-key":
            continue
        value = headers[name]
        raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else bytes(value)
        if 1 <= len(raw) <= 255 and all(b in PRINTABLE for b in raw):
            headers[name] = uuid.uuid4().hex
    # `fields` answers the documented partial (`ArticleFields`), not the `Article` or
    # `ArticleSummary` the response schema states for every other call: a schema cannot make
    # the answer's shape depend on a query parameter. Schema-valid calls go without it, so
    # their answers are checked against the full shapes; invalid `fields` values are still
    # sent by the negative cases above.
    reads = ("/api/v1/articles", "/api/v1/articles/{id_or_slug}", "/api/v1/preview/{token}")
    if case.method.upper() == "GET" and case.path in reads:
        if case.query and "fields" in case.query:
            del case.query["fields"]
