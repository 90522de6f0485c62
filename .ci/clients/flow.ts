// An editorial flow through a client generated from openapi/openapi.json by
// openapi-typescript and openapi-fetch. It must compile under `tsc --strict` and run against
// a fresh Byline: any step that answers otherwise than the document promises throws.

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/byline.js";

type Article = components["schemas"]["Article"];
type ArticleSummary = components["schemas"]["ArticleSummary"];
type ArticleFields = components["schemas"]["ArticleFields"];
type Problem = components["schemas"]["Problem"];

const baseUrl = need("BYLINE_URL");
const email = need("BYLINE_ADMIN_EMAIL");
const password = need("BYLINE_ADMIN_PASSWORD");

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`failed: ${what}`);
  console.log(`ok - ${what}`);
}

const anon = createClient<paths>({ baseUrl });

// Sign in.
const login = await anon.POST("/api/v1/auth/login", { body: { email, password } });
if (!login.data) throw new Error(`sign-in failed: ${JSON.stringify(login.error)}`);
const token: string = login.data.access_token;
check(login.data.token_type === "Bearer", "sign in");
const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });

// A section and a byline to file the stories under.
const run = Date.now().toString(36);
const section = await api.POST("/api/v1/categories", {
  body: { name: `Markets ${run}` },
});
if (!section.data) throw new Error(JSON.stringify(section.error));
const author = await api.POST("/api/v1/authors", { body: { name: `Ada Reporter ${run}` } });
if (!author.data) throw new Error(JSON.stringify(author.error));

// Create three drafts. Without `fields`, the answer is a whole `Article`: `title` is a string,
// not `string | undefined`, and `body_html` is there.
const created: Article[] = [];
for (const n of [1, 2, 3]) {
  const res = await api.POST("/api/v1/articles", {
    body: {
      title: `Copper ${run} rally number ${n}`,
      body: `Copper rose for the **${n}th** day as smelters cut output.`,
      author_id: author.data.id,
      category_id: section.data.id,
    },
  });
  if (!res.data) throw new Error(JSON.stringify(res.error));
  const article: Article = res.data;
  const title: string = article.title;
  const html: string = article.body_html;
  check(article.status === "draft" && title.length > 0 && html.includes("<strong>"), `create draft ${n}`);
  created.push(article);
}
const first = created[0];
if (!first) throw new Error("nothing created");

// Publish with no body at all, by slug.
for (const article of created) {
  const res = await api.POST("/api/v1/articles/{id_or_slug}/publish", {
    params: { path: { id_or_slug: article.slug } },
  });
  if (!res.data) throw new Error(JSON.stringify(res.error));
  check(res.data.status === "published" && res.data.published_at !== null, `publish ${article.slug} with no body`);
}

// The public list, with include and q, a page of one at a time, by cursor.
let cursor: string | undefined;
const seen: ArticleSummary[] = [];
for (let page = 0; page < 10; page++) {
  const res = await anon.GET("/api/v1/articles", {
    params: {
      query: {
        q: `copper ${run}`,
        include: "author,category",
        limit: 1,
        ...(cursor === undefined ? {} : { cursor }),
      },
    },
  });
  if (!res.data) throw new Error(JSON.stringify(res.error));
  for (const item of res.data.data) {
    const name: string | undefined = item.author?.name;
    check(name === author.data.name && item.category?.slug === section.data.slug, `list item ${item.slug} embeds its author and section`);
    check((item.search?.rank ?? -1) >= 0 && (item.search?.rank ?? 2) <= 1, `rank of ${item.slug} is between 0 and 1`);
    seen.push(item);
  }
  const next = res.data.meta.next_cursor;
  if (next === null || next === undefined) break;
  cursor = next;
}
check(seen.length === 3 && new Set(seen.map((a) => a.id)).size === 3, "three pages by cursor, each story once");

// A sparse read is typed as the documented partial.
const sparse = await anon.GET("/api/v1/articles/{id_or_slug}", {
  params: { path: { id_or_slug: first.slug }, query: { fields: "title" } },
});
const partial = sparse.data as ArticleFields | undefined;
check(partial?.title === first.title && partial.body === undefined, "fields= gives the partial");

// PATCH with the ETag the last read gave.
const read = await api.GET("/api/v1/articles/{id_or_slug}", { params: { path: { id_or_slug: first.id } } });
if (!read.data) throw new Error(JSON.stringify(read.error));
const etag = read.response.headers.get("etag");
if (!etag) throw new Error("no ETag on a read");
const same = await api.GET("/api/v1/articles/{id_or_slug}", {
  params: { path: { id_or_slug: first.id }, header: { "If-None-Match": etag } },
});
check(same.response.status === 304, "If-None-Match with the read's tag is a 304");
const patched = await api.PATCH("/api/v1/articles/{id_or_slug}", {
  params: { path: { id_or_slug: first.id }, header: { "If-Match": etag } },
  body: { subtitle: "Smelters cut output" },
});
if (!patched.data) throw new Error(JSON.stringify(patched.error));
check(patched.data.version === read.data.version + 1, "PATCH with If-Match");
check(patched.response.headers.get("etag") !== etag, "the PATCH answers with a new tag");

// The old tag now gives a typed 412 and changes nothing.
const stale = await api.PATCH("/api/v1/articles/{id_or_slug}", {
  params: { path: { id_or_slug: first.id }, header: { "If-Match": etag } },
  body: { subtitle: "Lost update" },
});
const conflict: Problem | undefined = stale.error;
check(stale.response.status === 412 && conflict?.code === "precondition_failed", "a stale If-Match is a typed 412");

// A typed 422 that names the field.
const invalid = await api.PATCH("/api/v1/articles/{id_or_slug}", {
  params: { path: { id_or_slug: first.id } },
  body: { title: "" },
});
const problem: Problem | undefined = invalid.error;
const fields = (problem?.errors ?? []).map((e) => e.field);
check(invalid.response.status === 422 && problem?.code === "validation_failed" && fields.includes("title"), "an empty title is a typed 422 naming `title`");

const after = await api.GET("/api/v1/articles/{id_or_slug}", { params: { path: { id_or_slug: first.id } } });
check(after.data?.subtitle === "Smelters cut output" && after.data.version === patched.data.version, "neither refused write changed anything");

// A preview link: made for a draft, opened with no credentials.
const draft = await api.POST("/api/v1/articles", {
  body: { title: `Zinc ${run} outlook`, body: "Zinc *may* rise." },
});
if (!draft.data) throw new Error(JSON.stringify(draft.error));
const link = await api.POST("/api/v1/articles/{id_or_slug}/previews", {
  params: { path: { id_or_slug: draft.data.id } },
  body: { expires_in: 3600 },
});
if (!link.data) throw new Error(JSON.stringify(link.error));
const secret: string = link.data.token ?? "";
check(secret.startsWith("byp_") && link.data.url === `/api/v1/preview/${secret}`, "a preview link for a draft");
const preview = await anon.GET("/api/v1/preview/{token}", { params: { path: { token: secret } } });
check(
  preview.data?.title === draft.data.title &&
    preview.data.status === "published" &&
    preview.response.headers.get("cache-control") === "private, no-store",
  "the link opens with no credentials, as if published",
);
const hidden = await anon.GET("/api/v1/articles/{id_or_slug}", { params: { path: { id_or_slug: draft.data.id } } });
check(hidden.response.status === 404, "the draft stays hidden from the public");

// Review: submit, return with a reason, submit again, publish.
const inReview = await api.POST("/api/v1/articles/{id_or_slug}/submit", {
  params: { path: { id_or_slug: draft.data.id } },
  body: { note: "Ready for the desk." },
});
check(inReview.data?.status === "in_review", "submit a draft for review");
const returned = await api.POST("/api/v1/articles/{id_or_slug}/return", {
  params: { path: { id_or_slug: draft.data.id } },
  body: { note: "Needs a second source." },
});
check(returned.data?.status === "draft", "return it with a note");
const resubmitted = await api.POST("/api/v1/articles/{id_or_slug}/submit", {
  params: { path: { id_or_slug: draft.data.id } },
});
check(resubmitted.data?.status === "in_review", "submit it again with no body");
const live = await api.POST("/api/v1/articles/{id_or_slug}/publish", {
  params: { path: { id_or_slug: draft.data.id } },
});
check(live.data?.status === "published", "publish from review");
const thread = await api.GET("/api/v1/articles/{id_or_slug}/notes", {
  params: { path: { id_or_slug: draft.data.id } },
});
check(
  (thread.data?.data ?? []).map((n) => n.text).join("|") === "Ready for the desk.|Needs a second source.",
  "the review notes are the story's notes",
);

// A translation: a Russian draft linked to the published story, read back with its group.
const translated = await api.POST("/api/v1/articles/{id_or_slug}/translations", {
  params: { path: { id_or_slug: draft.data.id } },
  body: { locale: "ru", title: `Цинк ${run}: прогноз` },
});
if (!translated.data) throw new Error(JSON.stringify(translated.error));
check(
  translated.response.status === 201 &&
    translated.data.locale === "ru" &&
    translated.data.status === "draft" &&
    translated.data.translation_group === draft.data.id &&
    translated.response.headers.get("content-language") === "ru",
  "translate a story into Russian",
);
const again = await api.POST("/api/v1/articles/{id_or_slug}/translations", {
  params: { path: { id_or_slug: draft.data.id } },
  body: { locale: "RU" },
});
check(again.response.status === 409 && again.error?.code === "translation_exists", "a second Russian translation is a typed 409");
const withGroup = await api.GET("/api/v1/articles/{id_or_slug}", {
  params: { path: { id_or_slug: draft.data.id }, query: { include: "translations" } },
});
check(
  (withGroup.data?.translations ?? []).map((t) => `${t.locale}:${t.id}`).join("|") === `ru:${translated.data.id}`,
  "read the story with its translations",
);

console.log("TypeScript client flow passed");
