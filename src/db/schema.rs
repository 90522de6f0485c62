//! The tables, in types both backends share: ids as text (UUIDv7), timestamps as UTC
//! `Timestamp`, enums as text.

diesel::table! {
    /// Sections of the site; they nest through `parent_id`.
    categories (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        parent_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        names -> Text,
        descriptions -> Text,
    }
}

diesel::table! {
    /// Staff accounts.
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        display_name -> Text,
        role -> Text,
        author_id -> Nullable<Text>,
        token_version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Hashes of refresh tokens, grouped in families that rotate.
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Hashes of integrators' API tokens.
    api_tokens (id) {
        id -> Text,
        name -> Text,
        scope -> Text,
        token_hash -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Bylines.
    authors (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        name_key -> Text,
        bio -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        website -> Nullable<Text>,
        email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Stories.
    articles (id) {
        id -> Text,
        slug -> Text,
        title -> Text,
        title_key -> Text,
        subtitle -> Nullable<Text>,
        excerpt -> Nullable<Text>,
        body -> Text,
        body_html -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        published_sort -> Timestamp,
        author_id -> Nullable<Text>,
        category_id -> Nullable<Text>,
        cover_image_url -> Nullable<Text>,
        word_count -> Integer,
        reading_time_minutes -> Integer,
        version -> BigInt,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        unpublish_at -> Nullable<Timestamp>,
        trashed_at -> Nullable<Timestamp>,
        trashed_by -> Nullable<Text>,
        tag_ids -> Text,
        tag_names -> Text,
        cover_media_id -> Nullable<Text>,
        assignee_id -> Nullable<Text>,
        corrections -> Text,
        locale -> Text,
        translation_group -> Nullable<Text>,
    }
}

diesel::table! {
    /// The mark of the media folder the processes on this database share.
    media_store_marks (kind) {
        kind -> Text,
        mark -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Uploaded images; the files are in the media store under their SHA-256.
    media (id) {
        id -> Text,
        filename -> Text,
        content_type -> Text,
        size -> BigInt,
        width -> Integer,
        height -> Integer,
        sha256 -> Text,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        focal_x -> Double,
        focal_y -> Double,
        focal_points -> Text,
    }
}

diesel::table! {
    /// Topics that cut across sections.
    tags (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        name_key -> Text,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        names -> Text,
        descriptions -> Text,
    }
}

diesel::table! {
    /// Which article carries which tag, in the article's order.
    article_tags (article_id, tag_id) {
        article_id -> Text,
        tag_id -> Text,
        position -> Integer,
    }
}

diesel::table! {
    /// Every version of every article: its editable state (JSON, without the body) and its
    /// body (zstd-compressed Markdown).
    article_revisions (article_id, version) {
        article_id -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        actor_type -> Text,
        actor_id -> Nullable<Text>,
        actor_name -> Nullable<Text>,
        action -> Text,
        changed_fields -> Text,
        state -> Text,
        body -> Binary,
    }
}

diesel::table! {
    /// Slugs that articles, authors and categories had before, pointing at their owner.
    old_slugs (kind, slug) {
        kind -> Text,
        slug -> Text,
        target_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Where imported stories used to live, by the guid they had there.
    imported_urls (source, guid) {
        source -> Text,
        guid -> Text,
        path -> Text,
        link -> Text,
        target_type -> Text,
        target_id -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Who did what, when: one entry per authenticated write and per sign-in event.
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_type -> Text,
        actor_id -> Nullable<Text>,
        actor_name -> Nullable<Text>,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        client_ip -> Nullable<Text>,
        details -> Text,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        txid -> BigInt,
        id -> Text,
        #[sql_name = "type"]
        kind -> Text,
        occurred_at -> Timestamp,
        resource_type -> Text,
        resource_id -> Text,
        resource_slug -> Nullable<Text>,
        version -> Nullable<BigInt>,
        actor -> Text,
        data -> Nullable<Text>,
    }
}

diesel::table! {
    event_marks (name) {
        name -> Text,
        txid -> BigInt,
        seq -> BigInt,
    }
}

diesel::table! {
    event_timers (article_id, kind) {
        article_id -> Text,
        kind -> Text,
        due_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        events -> Text,
        active -> Bool,
        description -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (seq) {
        seq -> BigInt,
        id -> Text,
        webhook_id -> Text,
        event_id -> Text,
        event_type -> Text,
        resource_key -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_attempt_at -> Nullable<Timestamp>,
        response_status -> Nullable<Integer>,
        duration_ms -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (caller, key) {
        caller -> Text,
        key -> Text,
        fingerprint -> Text,
        state -> Text,
        status -> Nullable<Integer>,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        content_type -> Nullable<Text>,
        body -> Nullable<Binary>,
        created_at -> Timestamp,
        locked_until -> Timestamp,
    }
}

diesel::table! {
    /// Preview links: hashes of their tokens, the story each shows and until when.
    article_previews (id) {
        id -> Text,
        article_id -> Text,
        token_hash -> Text,
        version -> Nullable<BigInt>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::table! {
    /// Staff's notes on a story.
    article_notes (id) {
        id -> Text,
        article_id -> Text,
        author_type -> Text,
        author_id -> Text,
        author_name -> Nullable<Text>,
        text -> Text,
        mentions -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Edit locks: who is editing a story, until when.
    article_locks (article_id) {
        article_id -> Text,
        user_id -> Text,
        taken_from -> Nullable<Text>,
        acquired_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    /// Public corrections to published stories.
    article_corrections (id) {
        id -> Text,
        article_id -> Text,
        kind -> Text,
        text -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(article_locks -> articles (article_id));
diesel::joinable!(article_locks -> users (user_id));
diesel::joinable!(article_corrections -> articles (article_id));
diesel::joinable!(article_previews -> articles (article_id));
diesel::joinable!(article_notes -> articles (article_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::allow_tables_to_appear_in_same_query!(
    categories,
    users,
    refresh_tokens,
    api_tokens,
    authors,
    articles,
    article_revisions,
    old_slugs,
    imported_urls,
    audit_log,
    events,
    event_marks,
    event_timers,
    webhooks,
    webhook_deliveries,
    idempotency_keys,
    tags,
    article_tags,
    article_previews,
    article_notes,
    article_locks,
    article_corrections,
    media
);
