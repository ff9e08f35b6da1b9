//! Purchase models behind the retention scores: pure Rust, no database.
//!
//! * [`bgnbd`]: the BG/NBD model of repeat-purchase counts and dropout
//!   (Fader, Hardie & Lee 2005, "Counting your customers the easy way").
//! * [`gamma_gamma`]: the Gamma-Gamma model of average transaction value
//!   (Fader, Hardie & Lee 2005, "The Gamma-Gamma model of monetary value").
//! * [`clv`]: discounted customer lifetime value built from the two.
//!
//! Both fits are maximum likelihood over log-parameters with argmin's L-BFGS
//! and an analytic gradient, on *grouped* input: customers with identical
//! summaries are evaluated once and weighted by their count.
//!
//! Money is `f64` here because everything is a statistical estimate; callers
//! convert to `rust_decimal` when they store it.

pub mod bgnbd;
pub mod clv;
pub mod gamma_gamma;
mod optim;
mod special;

pub use bgnbd::{group_customers, BgNbdFit, BgNbdParams, RfmGroup};
pub use clv::{discounted_clv, ClvSettings};
pub use gamma_gamma::{group_spend, GammaGammaFit, GammaGammaParams, SpendGroup};

/// Everything that can go wrong when fitting or evaluating a purchase model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// There is nothing to fit (no groups, or only zero weights).
    #[error("no data to fit")]
    EmptyInput,
    /// An input summary is out of range (negative, NaN, t_x > T, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Model parameters are not usable for this computation.
    #[error("invalid model parameters: {0}")]
    InvalidParams(String),
    /// The optimiser itself failed (argmin error, non-finite likelihood).
    #[error("optimisation failed: {0}")]
    Optimisation(String),
    /// The optimiser stopped without reaching a stationary point.
    #[error("optimisation did not converge after {iterations} iterations (gradient norm {gradient_norm:e})")]
    NotConverged {
        /// Total L-BFGS iterations spent.
        iterations: u64,
        /// Norm of the gradient of the mean negative log-likelihood at the end.
        gradient_norm: f64,
    },
    /// The Gauss hypergeometric series did not converge in its term budget.
    #[error("hypergeometric series did not converge (z = {z})")]
    SeriesNotConverged {
        /// The series argument.
        z: f64,
    },
}
