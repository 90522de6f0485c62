"""Checks Byline's feeds as aggregators read them. RSS and Atom go through feedparser (from
PyPI) and must parse with `bozo` false; JSON Feed, which feedparser 6 does not read, is
checked with jsonschema against tests/data/jsonfeed-1.1.schema.json. In every format: the
public stories of the demo newsroom and no draft, and the 2019 Market wire story with no
byline shown as it is (its link, its date, its section, no empty author).

Usage: feeds_check.py BASE_URL SITE_URL; the server holds the `seed --demo` content."""

import datetime
import json
import pathlib
import sys
import urllib.request

import feedparser
import jsonschema

BASE, SITE = sys.argv[1], sys.argv[2]
WIRE_TITLE = "Oil edges higher as supply cuts bite"
WIRE_SLUG = "oil-edges-higher-as-supply-cuts-bite"
PUBLIC = 4  # the demo's published stories; its draft must not appear


def fetch(path):
    with urllib.request.urlopen(BASE + path) as res:
        return res.headers.get("content-type"), res.read()


def fail(message):
    print("feeds check:", message, file=sys.stderr)
    sys.exit(1)




def entries_of(path, content_type, body):
    """The feed's entries as (title, link, published, has_author, terms, html)."""
    if path.endswith(".json"):
        feed = json.loads(body)
        schema = json.loads(pathlib.Path("tests/data/jsonfeed-1.1.schema.json").read_text())
        jsonschema.validate(feed, schema, format_checker=jsonschema.FormatChecker())
        out = []
        for item in feed["items"]:
            published = datetime.datetime.fromisoformat(item["date_published"].replace("Z", "+00:00"))
            out.append((item["title"], item["url"], published.utctimetuple(),
                        bool(item.get("authors")), item.get("tags", []), item["content_html"]))
        return "json 1.1", out
    parsed = feedparser.parse(body, response_headers={"content-type": content_type})
    if parsed.bozo:
        fail(f"{path}: feedparser found a problem: {parsed.bozo_exception!r}")
    out = []
    for e in parsed.entries:
        has_author = "author" in e or bool(e.get("authors"))
        terms = [t.get("label") or t.get("term") for t in e.get("tags", [])]
        html = (e.get("content") or [{}])[0].get("value", "")
        out.append((e.title, e.link, e.published_parsed, has_author, terms, html))
    return parsed.version, out


for path, media in [
    ("/feeds/articles.rss", "application/rss+xml"),
    ("/feeds/articles.atom", "application/atom+xml"),
    ("/feeds/articles.json", "application/feed+json"),
]:
    content_type, body = fetch(path)
    if not content_type.startswith(media):
        fail(f"{path} is {content_type}, not {media}")
    version, entries = entries_of(path, content_type, body)
    titles = [e[0] for e in entries]
    if len(entries) != PUBLIC or "What to watch next week" in titles:
        fail(f"{path}: expected the {PUBLIC} public demo stories, got {titles}")
    wire = next((e for e in entries if e[0] == WIRE_TITLE), None)
    if wire is None:
        fail(f"{path}: the wire story is missing")
    _, link, published, has_author, terms, html = wire
    if link != f"{SITE}/market/{WIRE_SLUG}":
        fail(f"{path}: the wire story links to {link}")
    if tuple(published[:5]) != (2019, 2, 8, 9, 30):
        fail(f"{path}: the wire story is dated {published}")
    if has_author:
        fail(f"{path}: the wire story has an author")
    if "Market" not in terms:
        fail(f"{path}: the wire story's section is missing: {terms}")
    if "Oil prices edged higher" not in html:
        fail(f"{path}: the wire story's body is missing")
    bylined = [e for e in entries if e[3]]
    if len(bylined) != PUBLIC - 1:
        fail(f"{path}: expected {PUBLIC - 1} bylined stories, got {len(bylined)}")
    print(f"{path}: {version}, {len(entries)} entries, the wire story as it should be")
