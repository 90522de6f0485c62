//! The rows a site file carries: every column of each table it holds, under the column's
//! name, so that a row read from one engine is written to the other unchanged.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema;

/// Declares one row type per table: readable, insertable and (de)serializable, with the
/// fields in the table's column order.
macro_rules! rows {
    ($($(#[$doc:meta])* $table:ident => $name:ident {
        $($(#[$field_meta:meta])* $field:ident: $ty:ty,)*
    })*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
        #[diesel(table_name = schema::$table)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: $ty,)*
        }
    )*};
}

rows! {
    /// A staff account, with its password hash.
    users => User {
        id: String,
        email: String,
        password_hash: String,
        display_name: String,
        role: String,
        author_id: Option<String>,
        token_version: i64,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
        last_login_at: Option<NaiveDateTime>,
    }
    /// An integrator's token: its hash only.
    api_tokens => ApiToken {
        id: String,
        name: String,
        scope: String,
        token_hash: String,
        created_by: Option<String>,
        created_at: NaiveDateTime,
        expires_at: Option<NaiveDateTime>,
        last_used_at: Option<NaiveDateTime>,
    }
    /// A byline.
    authors => Author {
        id: String,
        slug: String,
        name: String,
        name_key: String,
        bio: Option<String>,
        avatar_url: Option<String>,
        website: Option<String>,
        email: Option<String>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    }
    /// A section.
    categories => Category {
        id: String,
        slug: String,
        name: String,
        description: Option<String>,
        parent_id: Option<String>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
        #[serde(default = "no_translations")]
        names: String,
        #[serde(default = "no_translations")]
        descriptions: String,
    }
    /// A tag.
    tags => Tag {
        id: String,
        slug: String,
        name: String,
        name_key: String,
        description: Option<String>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
        #[serde(default = "no_translations")]
        names: String,
        #[serde(default = "no_translations")]
        descriptions: String,
    }
    /// A media item (its file travels as its own member).
    media => Media {
        id: String,
        filename: String,
        content_type: String,
        size: i64,
        width: i32,
        height: i32,
        sha256: String,
        alt: Option<String>,
        caption: Option<String>,
        credit: Option<String>,
        created_by: Option<String>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
        #[serde(default = "center")]
        focal_x: f64,
        #[serde(default = "center")]
        focal_y: f64,
        #[serde(default)]
        focal_points: String,
    }
    /// A story, in every state.
    articles => Article {
        id: String,
        slug: String,
        title: String,
        title_key: String,
        subtitle: Option<String>,
        excerpt: Option<String>,
        body: String,
        body_html: String,
        status: String,
        published_at: Option<NaiveDateTime>,
        published_sort: NaiveDateTime,
        author_id: Option<String>,
        category_id: Option<String>,
        cover_image_url: Option<String>,
        word_count: i32,
        reading_time_minutes: i32,
        version: i64,
        created_by: Option<String>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
        unpublish_at: Option<NaiveDateTime>,
        trashed_at: Option<NaiveDateTime>,
        trashed_by: Option<String>,
        tag_ids: String,
        tag_names: String,
        cover_media_id: Option<String>,
        assignee_id: Option<String>,
        #[serde(default = "no_corrections")]
        corrections: String,
        // Stories of a site file written before stories had a language get
        // `BYLINE_DEFAULT_LOCALE` when the server next starts (`db::migrate`).
        #[serde(default)]
        locale: String,
        #[serde(default)]
        translation_group: Option<String>,
    }
    /// A story's tag, in the story's order.
    article_tags => ArticleTag {
        article_id: String,
        tag_id: String,
        position: i32,
    }
    /// One version of a story; its body is zstd-compressed Markdown, in base64.
    article_revisions => Revision {
        article_id: String,
        version: i64,
        created_at: NaiveDateTime,
        actor_type: String,
        actor_id: Option<String>,
        actor_name: Option<String>,
        action: String,
        changed_fields: String,
        state: String,
        #[serde(with = "base64_bytes")]
        body: Vec<u8>,
    }
    /// A slug something had before.
    old_slugs => OldSlug {
        kind: String,
        slug: String,
        target_id: String,
        created_at: NaiveDateTime,
    }
    /// Where an imported story used to live.
    imported_urls => ImportedUrl {
        source: String,
        guid: String,
        path: String,
        link: String,
        target_type: String,
        target_id: String,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    }
    /// An audit entry.
    audit_log => AuditEntry {
        id: String,
        at: NaiveDateTime,
        actor_type: String,
        actor_id: Option<String>,
        actor_name: Option<String>,
        action: String,
        target_type: String,
        target_id: Option<String>,
        request_id: Option<String>,
        client_ip: Option<String>,
        details: String,
    }
    /// A webhook; its secrets are empty unless the export was asked to include them.
    webhooks => Webhook {
        id: String,
        url: String,
        events: String,
        active: bool,
        description: Option<String>,
        secret: String,
        previous_secret: Option<String>,
        previous_secret_until: Option<NaiveDateTime>,
        disabled_reason: Option<String>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    }
}

/// An item's focal point in a site file written before items had one: the center.
fn center() -> f64 {
    0.5
}

/// A story's corrections in a site file written before stories had them: none.
fn no_corrections() -> String {
    "[]".to_owned()
}

/// Localized names of a section or tag in a site file written before they had any: none.
fn no_translations() -> String {
    "{}".to_owned()
}

/// Bytes as standard base64 text.
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}
