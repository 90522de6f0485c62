//! What a database failure means to the layers above: a [`crate::domain::Error`].

use diesel::result::{DatabaseErrorKind as Kind, Error as DieselError};

use crate::domain::{Code, Error};

impl From<DieselError> for Error {
    fn from(e: DieselError) -> Self {
        match &e {
            DieselError::NotFound => Error::not_found("no such resource"),
            DieselError::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _) => {
                tracing::warn!(error = %e, "database connection lost");
                Error::unavailable("the database connection was lost; retry")
            }
            DieselError::DatabaseError(_, info) if is_unavailable_message(info.message()) => {
                tracing::warn!(error = %e, "database unavailable");
                Error::unavailable("the database is busy or restarting; retry")
            }
            // Only searches run under a statement timeout; see `db::bounded`.
            DieselError::DatabaseError(_, info)
                if info
                    .message()
                    .contains("canceling statement due to statement timeout") =>
            {
                tracing::warn!(error = %e, "search ran past its time bound");
                Error::new(
                    Code::SearchTimeout,
                    "the search took longer than this server allows; rarer words, a phrase \
                     of rarer words or a date range (published_after) make it cheaper",
                )
            }
            DieselError::DatabaseError(Kind::UniqueViolation, _) => unique_violation(),
            // SQLite reports constraint failures without an extended code on some paths.
            DieselError::DatabaseError(_, info)
                if info.message().starts_with("UNIQUE constraint failed") =>
            {
                unique_violation()
            }
            DieselError::DatabaseError(_, info)
                if info.message().starts_with("FOREIGN KEY constraint failed") =>
            {
                still_referenced()
            }
            DieselError::DatabaseError(Kind::ForeignKeyViolation, _) => still_referenced(),
            _ => Error::internal(e),
        }
    }
}

fn unique_violation() -> Error {
    Error::new(
        Code::Conflict,
        "a resource with the same unique value exists",
    )
}

fn still_referenced() -> Error {
    Error::new(
        Code::StillReferenced,
        "the change would break a reference between resources",
    )
}

/// Messages of errors that mean "try again later" rather than "this request is wrong".
fn is_unavailable_message(message: &str) -> bool {
    const MARKERS: &[&str] = &[
        "database is locked",
        "terminating connection",
        "server closed the connection",
        "connection to server",
        "the database system is starting up",
        "the database system is shutting down",
        "no connection to the server",
        "could not receive data from server",
    ];
    MARKERS.iter().any(|m| message.contains(m))
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Self {
        tracing::warn!(error = %e, "no database connection available");
        Error::unavailable("the database is not answering; retry shortly")
    }
}
