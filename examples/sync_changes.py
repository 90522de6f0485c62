"""Keeps a copy of Byline's content in step through the changes feed: reads every event in
commit order, applies it, and stores the cursor after each page, so a restart resumes
where it stopped without missing or repeating anything.

    BYLINE_URL=http://127.0.0.1:8080 BYLINE_TOKEN=byl_... python3 examples/sync_changes.py

With `--once` it stops when it has caught up (for cron jobs and tests).
"""

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ.get("BYLINE_URL", "http://127.0.0.1:8080")
TOKEN = os.environ["BYLINE_TOKEN"]
STATE = os.environ.get("SYNC_STATE", "sync-state.json")


def get(path):
    req = urllib.request.Request(BASE + path, headers={"authorization": "Bearer " + TOKEN})
    with urllib.request.urlopen(req) as res:
        return json.load(res)


def load():
    try:
        with open(STATE) as f:
            return json.load(f)
    except FileNotFoundError:
        return full_copy()


def save(state):
    with open(STATE + ".tmp", "w") as f:
        json.dump(state, f)
    os.replace(STATE + ".tmp", STATE)  # the copy and its cursor move together


FIELDS = ("id,slug,title,subtitle,excerpt,body,body_html,status,published_at,unpublish_at,"
          "author_id,category_id,cover_image_url,word_count,reading_time_minutes,version,"
          "created_at,updated_at")


def full_copy():
    """Every public article from the list, for a first start or after a 410. The feed is
    then read from its oldest kept event: replaying events the copy already has is harmless,
    since each carries the whole resource."""
    state = {"cursor": None, "articles": {}}
    query = {"limit": "100", "fields": FIELDS}
    while True:
        page = get("/api/v1/articles?" + urllib.parse.urlencode(query))
        for article in page["data"]:
            state["articles"][article["id"]] = article
        if not page["meta"]["next_cursor"]:
            return state
        query["cursor"] = page["meta"]["next_cursor"]


def apply(state, event):
    """The public copy: an article is present while the public may see it."""
    resource = event["resource"]
    if resource["type"] != "article":
        return
    if event["data"] is None:
        state["articles"].pop(resource["id"], None)
    else:
        state["articles"][resource["id"]] = event["data"]


def main():
    once = "--once" in sys.argv
    state = load()
    while True:
        query = {"limit": "100", "types": "article.*"}
        if state["cursor"]:
            query["after"] = state["cursor"]
        try:
            page = get("/api/v1/changes?" + urllib.parse.urlencode(query))
        except urllib.error.HTTPError as e:
            if e.code == 410:  # the cursor is older than the feed keeps: copy afresh
                state = full_copy()
                continue
            raise
        for event in page["data"]:
            apply(state, event)
        state["cursor"] = page["meta"]["next_cursor"]
        save(state)
        if len(page["data"]) < 100:
            if once:
                print(json.dumps({"articles": len(state["articles"])}))
                return
            time.sleep(2)


if __name__ == "__main__":
    main()
