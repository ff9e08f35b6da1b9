//! Coupons: definitions (what an offer gives, when, where, how many), codes issued to members,
//! redeemed once with an order, and given back when that order is returned in full.
//!
//! Once means once across replicas: redeeming is one conditional `UPDATE … WHERE status =
//! 'issued'`, and an order can carry one coupon (a unique key), so of any number of concurrent
//! redemptions exactly one writes. Stock and the per-member limit are checked after the
//! definition's row is updated, which makes every issue of one definition wait its turn.

pub mod batch;
pub mod definition;
pub mod discount;
pub mod imported;
pub mod issue;
pub mod redeem;
pub mod reward;
pub mod worth;

pub use definition::{define, definitions, CouponDefinitionInput};
pub(crate) use definition::{definition, validity};
pub use issue::{issue, of_members};
pub use redeem::{by_code, check, redeem, restore_for_returns, write, Order};
