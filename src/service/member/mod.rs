//! Members: the customer file. Validation, row-level access, listing, and erasure.
mod fields;
mod find;
mod list;
mod paging;
mod writes;

pub use fields::{changed_columns, stamp_consent, validate_fields, with_defaults, Gender, MemberFields, ValidFields};
pub(crate) use find::not_found;
pub use find::{by_ids, find, find_unerased, find_visible};
pub use list::{condition, count, counted, MemberFilter};
pub use paging::{page, Listed, MemberOrder, MemberOrderField, SortDirection};
pub(crate) use writes::ensure_active;
pub use writes::{assign_associate, create, erase, save_changes, set_email_consent, update, Consent};
