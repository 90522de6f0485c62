//! The parts of the OpenAPI document that many operations share, declared once: the path
//! and header parameters as `IntoParams` types (`params(IdOrSlugPath, IfMatchHeader)`), and
//! the error responses that follow from what an operation takes, which [`fill_in`] adds
//! wherever the operation's own attribute does not say something more precise.

use utoipa::IntoParams;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{ContentBuilder, Ref};
use utoipa::openapi::{RefOr, Required};

/// The pattern of an `If-Match` value: `*` or a list of entity tags.
const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#;

/// The pattern of a UUID as ids are written.
const UUID_PATTERN: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn parameter(
    name: &str,
    place: ParameterIn,
    description: &str,
    schema: ObjectBuilder,
) -> Parameter {
    example(name, place, description, schema, None)
}

#[allow(deprecated)] // `example` beside `schema`, as the rest of the document writes it
fn example(
    name: &str,
    place: ParameterIn,
    description: &str,
    schema: ObjectBuilder,
    example: Option<&str>,
) -> Parameter {
    let required = if matches!(place, ParameterIn::Path) {
        Required::True
    } else {
        Required::False
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(required)
        .description(Some(description))
        .schema(Some(schema))
        .example(example.map(serde_json::Value::from))
        .build()
}

/// `{id_or_slug}`: an article, author, category or tag by its id or by a slug, current or old.
pub struct IdOrSlugPath;

impl IntoParams for IdOrSlugPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let schema = string()
            .max_length(Some(200))
            .pattern(Some(crate::slug::PATTERN));
        let description = "The id, or the slug (an old slug answers 301)";
        vec![example(
            "id_or_slug",
            ParameterIn::Path,
            description,
            schema,
            Some("market"),
        )]
    }
}

/// `{id}`: a resource by its id, a UUID.
pub struct IdPath;

impl IntoParams for IdPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let schema = string()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
            .pattern(Some(UUID_PATTERN));
        vec![parameter(
            "id",
            ParameterIn::Path,
            "The id (a UUID)",
            schema,
        )]
    }
}

/// `If-Match`: the write happens only if the resource is still the version read.
pub struct IfMatchHeader;

impl IntoParams for IfMatchHeader {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let schema = string().pattern(Some(IF_MATCH_PATTERN));
        let description = "The `ETag` you read; the write happens only if it is still current";
        vec![parameter(
            "If-Match",
            ParameterIn::Header,
            description,
            schema,
        )]
    }
}

/// `If-None-Match`: a 304 when the copy the client holds is current.
pub struct IfNoneMatchHeader;

impl IntoParams for IfNoneMatchHeader {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let description = "The `ETag`s of the copies you hold (`*` for any); if one is \
            current the answer is a 304 with no body. A value that is not a list of entity \
            tags matches nothing.";
        let held = "\"01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23.v3\"";
        vec![example(
            "If-None-Match",
            ParameterIn::Header,
            description,
            string(),
            Some(held),
        )]
    }
}

/// What an operation takes, as far as its shared error responses go.
#[derive(Default)]
struct Takes {
    credentials: bool,
    json_body: bool,
    query: bool,
    cursor: bool,
    id_or_slug: bool,
    id: bool,
    if_match: bool,
    if_none_match: bool,
}

impl Takes {
    fn of(op: &Operation) -> Self {
        let mut takes = Takes {
            credentials: op.security.as_ref().is_some_and(|s| !s.is_empty()),
            json_body: op
                .request_body
                .as_ref()
                .is_some_and(|body| body.content.keys().any(|media| media.ends_with("json"))),
            ..Takes::default()
        };
        for param in op.parameters.iter().flatten() {
            match (&param.parameter_in, param.name.as_str()) {
                (ParameterIn::Query, name) => {
                    takes.query = true;
                    takes.cursor |= name == "cursor";
                }
                (ParameterIn::Path, "id_or_slug") => takes.id_or_slug = true,
                (ParameterIn::Path, "id") => takes.id = true,
                (ParameterIn::Header, "If-Match") => takes.if_match = true,
                (ParameterIn::Header, "If-None-Match") => takes.if_none_match = true,
                _ => {}
            }
        }
        takes
    }

    /// What makes the request a 400, as phrases.
    fn bad_request(&self) -> Vec<&'static str> {
        [
            (self.id, "the id is not a UUID"),
            (
                self.id_or_slug,
                "the path segment is neither an id nor a slug",
            ),
            (
                self.query,
                "a query parameter is unknown, repeated or invalid",
            ),
            (self.json_body, "the body is not valid JSON"),
        ]
        .into_iter()
        .filter_map(|(applies, phrase)| applies.then_some(phrase))
        .collect()
    }
}

/// Adds the responses and headers an operation has because of what it takes, where its
/// attribute does not already describe them: 400 (path, query or body), 401 (credentials),
/// 304 and the validators of a `200` (`If-None-Match`), the `301` of an old slug (a `GET` by
/// id or slug), 412 (`If-Match`), 413 and 415 (a JSON body), and `Link` on a page of a list.
pub fn fill_in(op: &mut Operation) {
    let takes = Takes::of(op);
    read_headers(op, &takes);
    let bad_request = takes.bad_request();
    // A read that answers with an entity tag answers `If-None-Match` with a 304.
    let tagged = op
        .responses
        .responses
        .get("200")
        .is_some_and(|ok| matches!(ok, RefOr::T(ok) if ok.headers.contains_key("ETag")));
    let op_reads = op.request_body.is_none();
    let mut add = |status: &str, description: String| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(description).build()));
    };
    if !bad_request.is_empty() {
        let mut text = bad_request.join(", or ");
        text[..1].make_ascii_uppercase();
        add("400", text);
    }
    if takes.credentials {
        add("401", "No valid credentials".to_owned());
    }
    if takes.if_none_match || (tagged && !takes.if_match && op_reads) {
        add(
            "304",
            "`If-None-Match` matched: the copy you hold is current".to_owned(),
        );
    }
    if takes.if_match {
        add(
            "412",
            "`If-Match` does not match the current version".to_owned(),
        );
    }
    if takes.json_body {
        add("413", "The body is over the size limit".to_owned());
        add("415", "The body is not JSON".to_owned());
    }
}

/// The headers of a successful read: the validators where the client may send
/// `If-None-Match`, `Link` on a page of a list; and the `301` of a `GET` by an old slug.
fn read_headers(op: &mut Operation, takes: &Takes) {
    let string = || HeaderBuilder::new().schema(string());
    if let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") {
        let mut add = |name: &str, description: &str| {
            ok.headers
                .entry(name.to_owned())
                .or_insert_with(|| string().description(Some(description)).build());
        };
        if takes.if_none_match {
            add(
                "ETag",
                "Strong entity tag; changes with every change of the resource",
            );
            add("Last-Modified", "`updated_at` as an HTTP date");
            add(
                "Cache-Control",
                "`public, max-age=…` for anonymous callers, else `private, no-store`",
            );
        }
        if takes.cursor {
            add("Link", "`<…>; rel=\"next\"` when there is a next page");
        }
        if takes.if_match {
            add("ETag", "The new entity tag");
        }
    }
    if let Some(RefOr::T(created)) = op.responses.responses.get_mut("201") {
        created
            .headers
            .entry("Location".to_owned())
            .or_insert_with(|| string().description(Some("The new resource's URL")).build());
    }
    if takes.id_or_slug && takes.if_none_match {
        let moved = ResponseBuilder::new()
            .description("An old slug: `Location` is the URL under the current one (query kept)")
            .header(
                "Location",
                string()
                    .description(Some("The same URL under the current slug"))
                    .build(),
            )
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Moved")))
                    .build(),
            )
            .build();
        op.responses
            .responses
            .entry("301".to_owned())
            .or_insert(RefOr::T(moved));
    }
}
