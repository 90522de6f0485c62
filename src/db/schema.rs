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
    }
}
