//! Merge-patch fields (RFC 7396): absent, `null`, or a value.

use serde::{Deserialize, Deserializer};

/// A value in a merge-patch body: absent (leave alone), `null` (clear) or a new value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// The field was not in the body.
    #[default]
    Absent,
    /// The field was `null`.
    Null,
    /// The field had a value.
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(|v| v.map_or(Patch::Null, Patch::Value))
    }
}

impl<T> Patch<T> {
    /// True when the field was given, as a value or as `null`.
    pub fn is_given(&self) -> bool {
        !matches!(self, Patch::Absent)
    }

    /// The same patch over another type: a given value converted, absence and `null` kept.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(v) => Patch::Value(f(v)),
        }
    }
}
