"""An editorial flow through a client generated from openapi/openapi.json by
openapi-python-client. Run against a fresh Byline: any step that answers otherwise than the
document promises raises.

Environment: BYLINE_URL, BYLINE_ADMIN_EMAIL, BYLINE_ADMIN_PASSWORD; the generated package
`byline_client` on PYTHONPATH.
"""

import os
import time

from byline_client import AuthenticatedClient, Client
from byline_client.api.articles import (
    create_article,
    get_article,
    list_articles,
    publish_article,
    return_article,
    submit_article,
    unpublish_article,
    update_article,
)
from byline_client.api.notes import list_notes
from byline_client.api.auth import login
from byline_client.api.authors import create_author
from byline_client.api.categories import create_category
from byline_client.api.previews import create_preview, open_preview
from byline_client.api.translations import create_translation, list_translations
from byline_client.models import (
    Article,
    ArticleStatus,
    CreateArticle,
    CreateAuthor,
    CreateCategory,
    CreatePreview,
    CreateTranslation,
    LoginRequest,
    Preview,
    Problem,
    ProblemCode,
    ReturnArticle,
    SubmitArticle,
    UpdateArticle,
)


def check(ok, what):
    if not ok:
        raise SystemExit(f"failed: {what}")
    print(f"ok - {what}")


base_url = os.environ["BYLINE_URL"]
anon = Client(base_url=base_url, raise_on_unexpected_status=True)

pair = login.sync(
    client=anon,
    body=LoginRequest(email=os.environ["BYLINE_ADMIN_EMAIL"], password=os.environ["BYLINE_ADMIN_PASSWORD"]),
)
check(not isinstance(pair, Problem) and pair is not None, "sign in")
api = AuthenticatedClient(base_url=base_url, token=pair.access_token, raise_on_unexpected_status=True)

run = format(int(time.time() * 1000), "x")
section = create_category.sync(client=api, body=CreateCategory(name=f"Metals {run}"))
byline = create_author.sync(client=api, body=CreateAuthor(name=f"Bo Writer {run}"))
check(not isinstance(section, Problem) and not isinstance(byline, Problem), "a section and a byline")

created = []
for n in (1, 2, 3):
    article = create_article.sync(
        client=api,
        body=CreateArticle(
            title=f"Nickel {run} slump number {n}",
            body=f"Nickel fell for the *{n}th* day.",
            author_id=byline.id,
            category_id=section.id,
        ),
    )
    check(isinstance(article, Article) and article.status == ArticleStatus.DRAFT and "<em>" in article.body_html,
          f"create draft {n}")
    created.append(article)

# Publish with no body, by slug; then unpublish and publish again, still with no body.
for article in created:
    published = publish_article.sync(article.slug, client=api)
    check(isinstance(published, Article) and published.status == ArticleStatus.PUBLISHED,
          f"publish {article.slug} with no body")
first = created[0]
back = unpublish_article.sync(first.slug, client=api)
check(isinstance(back, Article) and back.status == ArticleStatus.DRAFT, "unpublish with no body")
again = publish_article.sync(first.id, client=api)
check(isinstance(again, Article) and again.status == ArticleStatus.PUBLISHED, "publish again")

# The public list with include and q, one item a page, by cursor.
seen, cursor = [], None
for _ in range(10):
    kwargs = {"cursor": cursor} if cursor else {}
    page = list_articles.sync(client=anon, q=f"nickel {run}", include="author,category", limit=1, **kwargs)
    check(not isinstance(page, Problem), "a page of the list")
    for item in page.data:
        check(item.author.name == byline.name and item.category.slug == section.slug,
              f"{item.slug} embeds its author and section")
        check(0 <= item.search.rank <= 1, f"rank of {item.slug} is between 0 and 1")
        seen.append(item.id)
    cursor = page.meta.next_cursor
    if not cursor:
        break
check(len(seen) == 3 and len(set(seen)) == 3, "three pages by cursor, each story once")

# PATCH with the read's ETag, then the stale tag again: a typed 412.
read = get_article.sync_detailed(first.id, client=api)
etag = read.headers["etag"]
check(isinstance(read.parsed, Article), "read the whole article")
cached = get_article.sync_detailed(first.id, client=api, if_none_match=etag)
check(cached.status_code == 304, "If-None-Match with the read's tag is a 304")
patched = update_article.sync_detailed(first.id, client=api, body=UpdateArticle(subtitle="Mines idle"), if_match=etag)
check(patched.status_code == 200 and patched.parsed.version == read.parsed.version + 1, "PATCH with If-Match")
stale = update_article.sync_detailed(first.id, client=api, body=UpdateArticle(subtitle="Lost"), if_match=etag)
check(stale.status_code == 412 and isinstance(stale.parsed, Problem)
      and stale.parsed.code == ProblemCode.PRECONDITION_FAILED, "a stale If-Match is a typed 412")

invalid = update_article.sync_detailed(first.id, client=api, body=UpdateArticle(title=""))
fields = [e.field for e in invalid.parsed.errors] if isinstance(invalid.parsed, Problem) else []
check(invalid.status_code == 422 and invalid.parsed.code == ProblemCode.VALIDATION_FAILED and "title" in fields,
      "an empty title is a typed 422 naming `title`")

after = get_article.sync(first.id, client=api)
check(after.subtitle == "Mines idle" and after.version == patched.parsed.version, "neither refused write changed anything")
# A preview link: made for a draft, opened with no credentials.
draft = create_article.sync(client=api, body=CreateArticle(title=f"Zinc {run} outlook", body="Zinc *may* rise."))
link = create_preview.sync(draft.id, client=api, body=CreatePreview(expires_in=3600))
check(isinstance(link, Preview) and link.token.startswith("byp_") and link.url == f"/api/v1/preview/{link.token}",
      "a preview link for a draft")
shown = open_preview.sync_detailed(link.token, client=anon)
check(shown.status_code == 200 and isinstance(shown.parsed, Article) and shown.parsed.title == draft.title
      and shown.parsed.status == ArticleStatus.PUBLISHED and shown.headers["cache-control"] == "private, no-store",
      "the link opens with no credentials, as if published")
hidden = get_article.sync_detailed(draft.id, client=anon)
check(hidden.status_code == 404, "the draft stays hidden from the public")
# Review: submit, return with a reason, submit again, publish.
step = submit_article.sync(draft.id, client=api, body=SubmitArticle(note="Ready for the desk."))
check(isinstance(step, Article) and step.status == ArticleStatus.IN_REVIEW, "submit a draft for review")
step = return_article.sync(draft.id, client=api, body=ReturnArticle(note="Needs a second source."))
check(isinstance(step, Article) and step.status == ArticleStatus.DRAFT, "return it with a note")
step = submit_article.sync(draft.id, client=api)
check(isinstance(step, Article) and step.status == ArticleStatus.IN_REVIEW, "submit it again with no body")
step = publish_article.sync(draft.id, client=api)
check(isinstance(step, Article) and step.status == ArticleStatus.PUBLISHED, "publish from review")
thread = list_notes.sync(draft.id, client=api)
check([n.text for n in thread.data] == ["Ready for the desk.", "Needs a second source."],
      "the review notes are the story's notes")
# A translation: a Russian draft linked to the published story, read back with its group.
made = create_translation.sync_detailed(draft.id, client=api, body=CreateTranslation(locale="ru", title=f"Цинк {run}: прогноз"))
check(made.status_code == 201 and isinstance(made.parsed, Article) and made.parsed.locale == "ru"
      and made.parsed.translation_group == draft.id and made.headers["content-language"] == "ru",
      "translate a story into Russian")
again = create_translation.sync_detailed(draft.id, client=api, body=CreateTranslation(locale="RU"))
check(again.status_code == 409 and isinstance(again.parsed, Problem)
      and again.parsed.code == ProblemCode.TRANSLATION_EXISTS, "a second Russian translation is a typed 409")
group = get_article.sync(draft.id, client=api, include="translations")
check([(t.locale, t.id) for t in group.translations] == [("ru", made.parsed.id)], "read the story with its translations")
listed = list_translations.sync(draft.id, client=anon)
check(listed.data == [], "the public sees no draft translation")
print("Python client flow passed")
