//! Thin wrapper around argmin's L-BFGS for our smooth log-likelihoods.
//!
//! argmin asks for the cost and the gradient in separate calls, at the same
//! point; our objectives compute both in one pass over the data, so the
//! wrapper caches the last evaluation and answers the second call for free.

use std::cell::RefCell;

use argmin::core::{CostFunction, Error as ArgminError, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;

use super::ModelError;

/// A smooth objective: the mean negative log-likelihood over log-parameters.
pub(crate) trait Objective {
    /// Returns the objective at `theta` and writes its gradient into `grad`
    /// (same length as `theta`). May return a non-finite value when `theta`
    /// is out of the numerically usable range.
    fn value_and_gradient(&self, theta: &[f64], grad: &mut [f64]) -> f64;
}

/// Result of a minimisation.
pub(crate) struct Minimum {
    pub theta: Vec<f64>,
    pub value: f64,
    pub iterations: u64,
}

/// Stop when the gradient of the *mean* negative log-likelihood is this small.
const TOL_GRAD: f64 = 1e-9;
/// ... or when one iteration improves the mean by less than this.
const TOL_COST: f64 = 1e-14;
/// A result whose gradient norm is above this is reported as not converged.
const ACCEPT_GRAD: f64 = 1e-5;
const MAX_ITERS: u64 = 500;
/// L-BFGS history length.
const MEMORY: usize = 7;
/// Restarts (fresh L-BFGS memory from the best point) after an early stop.
const ATTEMPTS: usize = 3;

/// Log-parameters are clamped to ±LOG_BOUND: beyond it the objective reports
/// +∞, which makes the line search back off instead of overflowing exp().
pub(crate) const LOG_BOUND: f64 = 30.0;

/// The last evaluation: (θ, value, gradient).
type Evaluation = (Vec<f64>, f64, Vec<f64>);

struct Cached<'a, O> {
    objective: &'a O,
    last: RefCell<Option<Evaluation>>,
}

impl<O: Objective> Cached<'_, O> {
    fn eval(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        if let Some((p, v, g)) = self.last.borrow().as_ref() {
            if p.as_slice() == theta {
                return (*v, g.clone());
            }
        }
        let (v, g) = evaluate(self.objective, theta);
        *self.last.borrow_mut() = Some((theta.to_vec(), v, g.clone()));
        (v, g)
    }
}

impl<O: Objective> CostFunction for Cached<'_, O> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, theta: &Vec<f64>) -> Result<f64, ArgminError> {
        Ok(self.eval(theta).0)
    }
}

impl<O: Objective> Gradient for Cached<'_, O> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, theta: &Vec<f64>) -> Result<Vec<f64>, ArgminError> {
        Ok(self.eval(theta).1)
    }
}

/// One evaluation with the out-of-range guard applied.
fn evaluate<O: Objective>(objective: &O, theta: &[f64]) -> (f64, Vec<f64>) {
    let mut grad = vec![0.0; theta.len()];
    if theta.iter().any(|t| !t.is_finite() || t.abs() > LOG_BOUND) {
        return (f64::INFINITY, grad);
    }
    let v = objective.value_and_gradient(theta, &mut grad);
    if !v.is_finite() || grad.iter().any(|g| !g.is_finite()) {
        return (f64::INFINITY, vec![0.0; theta.len()]);
    }
    (v, grad)
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn argmin_err(e: ArgminError) -> ModelError {
    ModelError::Optimisation(e.to_string())
}

/// Minimises `objective` from `init` with L-BFGS + More–Thuente line search.
///
/// The line search can give up near the optimum when f64 round-off hides any
/// further decrease; that is not a failure, so the verdict is taken from the
/// gradient at the best point: restart from there (fresh memory) if it is
/// still large, report [`ModelError::NotConverged`] if it stays large.
pub(crate) fn minimise<O: Objective>(objective: &O, init: Vec<f64>) -> Result<Minimum, ModelError> {
    let (v0, _) = evaluate(objective, &init);
    if !v0.is_finite() {
        return Err(ModelError::Optimisation(
            "log-likelihood is not finite at the starting point".into(),
        ));
    }
    let mut theta = init;
    let mut iterations = 0;
    let mut gradient_norm = f64::INFINITY;
    for _ in 0..ATTEMPTS {
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), MEMORY)
            .with_tolerance_grad(TOL_GRAD)
            .map_err(argmin_err)?
            .with_tolerance_cost(TOL_COST)
            .map_err(argmin_err)?;
        let problem = Cached {
            objective,
            last: RefCell::new(None),
        };
        let start = theta.clone();
        let result = Executor::new(problem, solver)
            .configure(|state| state.param(start).max_iters(MAX_ITERS))
            .run()
            .map_err(argmin_err)?;
        let state = result.state();
        iterations += state.get_iter();
        if let Some(best) = state.get_best_param() {
            theta.clone_from(best);
        }
        let (value, grad) = evaluate(objective, &theta);
        if !value.is_finite() {
            return Err(ModelError::Optimisation(
                "log-likelihood is not finite at the optimum".into(),
            ));
        }
        gradient_norm = norm(&grad);
        if gradient_norm <= ACCEPT_GRAD {
            return Ok(Minimum {
                theta,
                value,
                iterations,
            });
        }
    }
    Err(ModelError::NotConverged {
        iterations,
        gradient_norm,
    })
}
