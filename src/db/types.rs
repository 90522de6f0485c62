//! How the enumerated values of `crate::domain` are stored: as their TEXT names, on both
//! backends and through the run-time choice between them. A stored name outside the set fails
//! the query instead of being read as some default.

use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use super::multi_connection_impl::MultiBackend;
use crate::domain::change::{AuditAction, Subject, Verb};
use crate::domain::ids::{
    ArticleId, AuthorId, CategoryId, CorrectionId, Identifier, MediaId, NoteId, PreviewId, TagId,
    UserId,
};
use crate::domain::{
    CorrectionKind, DeliveryStatus, EventType, IdempotencyState, Named, Role, Scope, Status,
    TimerKind,
};

/// A stored value, read back as its type.
trait Stored: Sized {
    fn text(&self) -> &str;
    fn read(text: String) -> deserialize::Result<Self>;
}

fn read<T: Named>(name: &str) -> deserialize::Result<T> {
    T::parse(name).ok_or_else(|| format!("unknown {} `{name}` stored", T::WHAT).into())
}

macro_rules! stored_as_text {
    ($($ty:ty),*) => {$(
        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.text(), &mut out.reborrow())
            }
        }

        impl FromSql<Text, Pg> for $ty {
            fn from_sql(bytes: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                Stored::read(<String as FromSql<Text, Pg>>::from_sql(bytes)?)
            }
        }

        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.text());
                Ok(serialize::IsNull::No)
            }
        }

        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                Stored::read(<String as FromSql<Text, Sqlite>>::from_sql(bytes)?)
            }
        }

        impl ToSql<Text, MultiBackend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(serialize::IsNull::No)
            }
        }

        impl FromSql<Text, MultiBackend> for $ty {
            fn from_sql(bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, Text>()
            }
        }
    )*};
}

macro_rules! named_values {
    ($($ty:ty),*) => {$(
        impl Stored for $ty {
            fn text(&self) -> &str {
                self.as_str()
            }

            fn read(text: String) -> deserialize::Result<Self> {
                read(&text)
            }
        }
        stored_as_text!($ty);
    )*};
}

macro_rules! id_values {
    ($($ty:ty),*) => {$(
        impl Stored for $ty {
            fn text(&self) -> &str {
                Identifier::as_str(self)
            }

            fn read(text: String) -> deserialize::Result<Self> {
                Ok(<$ty>::from_string(text))
            }
        }
        stored_as_text!($ty);
    )*};
}

named_values!(
    Subject,
    Verb,
    Status,
    Role,
    Scope,
    DeliveryStatus,
    IdempotencyState,
    TimerKind,
    EventType,
    CorrectionKind
);
id_values!(
    ArticleId,
    AuthorId,
    CategoryId,
    TagId,
    MediaId,
    UserId,
    PreviewId,
    NoteId,
    CorrectionId
);
impl Stored for AuditAction {
    fn text(&self) -> &str {
        self.as_str()
    }

    fn read(text: String) -> deserialize::Result<Self> {
        AuditAction::parse(&text)
            .ok_or_else(|| format!("unknown audit action `{text}` stored").into())
    }
}

stored_as_text!(AuditAction);

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use crate::db::AnyConnection;
    use crate::domain::{Role, Scope, Status};

    fn read<T>(conn: &mut AnyConnection, stored: &str) -> QueryResult<T>
    where
        T: diesel::deserialize::FromSqlRow<Text, crate::db::multi_connection_impl::MultiBackend>
            + 'static,
    {
        diesel::select(stored.into_sql::<Text>()).get_result::<T>(conn)
    }

    #[test]
    fn stored_names_read_back_and_unknown_ones_are_errors() {
        for mut conn in crate::db::test_connections() {
            assert_eq!(
                read::<Status>(&mut conn, "scheduled").ok(),
                Some(Status::Scheduled)
            );
            assert_eq!(read::<Role>(&mut conn, "editor").ok(), Some(Role::Editor));
            assert_eq!(read::<Scope>(&mut conn, "write").ok(), Some(Scope::Write));
            let err = read::<Status>(&mut conn, "Published").expect_err("not a status");
            assert!(
                format!("{err:?}").contains("unknown status `Published`"),
                "{err:?}"
            );
            assert!(read::<Role>(&mut conn, "owner").is_err());
            assert!(read::<Scope>(&mut conn, "").is_err());
            let written: String = diesel::select(Status::Archived.into_sql::<Text>())
                .get_result(&mut conn)
                .expect("a status is written as text");
            assert_eq!(written, "archived");
        }
    }
}
