//! Database access, one module per domain; resolvers, the import and the CLI stay thin.
pub mod analytics;
pub mod app_key;
pub mod audit;
pub mod call_list;
pub mod campaign;
pub mod consent;
pub mod feedback;
pub mod lookup;
pub mod member;
pub mod membership;
pub mod outreach;
pub mod points;
pub mod purchase;
pub mod segment;
pub mod sign_in;
pub mod staff;
pub mod store;
