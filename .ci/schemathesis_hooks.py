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
