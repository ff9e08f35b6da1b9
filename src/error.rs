//! One error type for the API: every variant maps to a GraphQL `extensions.code`.
use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

/// An error a resolver, service or import can return.
///
/// It deliberately has no `Display`: async-graphql converts any `Display` type into an error
/// without a code, so leaving it out makes every `?` in a resolver go through the conversion
/// below, which sets `extensions.code`.
#[derive(Debug)]
pub enum AppError {
    /// The client sent something we refuse; `field` names the offending input field. A `key`
    /// (with its parameters) names the refusal for a client to translate; `message` says it in
    /// English.
    BadInput {
        field: Option<String>,
        message: String,
        key: Option<&'static str>,
        params: serde_json::Map<String, serde_json::Value>,
    },
    /// Who is calling is unknown or refused; a `key` names the refusal as for bad input.
    Unauthenticated {
        message: String,
        key: Option<&'static str>,
        params: serde_json::Map<String, serde_json::Value>,
    },
    Forbidden(String),
    NotFound(String),
    /// A failure that is ours, not the client's: logged with its cause, shown only as INTERNAL.
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A BAD_USER_INPUT error about one input field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: Some(field.to_owned()),
            message: message.into(),
            key: None,
            params: serde_json::Map::new(),
        }
    }

    /// A BAD_USER_INPUT error about one input field, with the key a client translates it by
    /// (`field` is one of its parameters).
    pub fn keyed(field: &str, key: &'static str, message: impl Into<String>) -> Self {
        Self::field(field, message).with_key(key).with("field", field)
    }

    /// A BAD_USER_INPUT error about the request as a whole.
    pub fn input(message: impl Into<String>) -> Self {
        Self::BadInput {
            field: None,
            message: message.into(),
            key: None,
            params: serde_json::Map::new(),
        }
    }

    /// An UNAUTHENTICATED error: no token, a token refused, a sign-in refused.
    pub fn unauthenticated(message: String) -> Self {
        Self::Unauthenticated {
            message,
            key: None,
            params: serde_json::Map::new(),
        }
    }

    /// With the key a client translates it by (bad input and refused callers only).
    pub fn with_key(mut self, name: &'static str) -> Self {
        if let Self::BadInput { key, .. } | Self::Unauthenticated { key, .. } = &mut self {
            *key = Some(name);
        }
        self
    }

    /// With a parameter of its key's text (bad input and refused callers only).
    pub fn with(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        if let Self::BadInput { params, .. } | Self::Unauthenticated { params, .. } = &mut self {
            params.insert(name.to_owned(), value.into());
        }
        self
    }

    /// What the client is told.
    pub fn message(&self) -> String {
        match self {
            Self::BadInput { message, .. } => message.clone(),
            Self::Unauthenticated { message, .. } => message.clone(),
            Self::Forbidden(m) | Self::NotFound(m) => m.clone(),
            Self::Internal(_) => "internal error: the server logged the details".to_owned(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::Unauthenticated { .. } => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Internal(_) => "INTERNAL",
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        // A unique-constraint violation is a client conflict (e.g. a member number taken by a
        // concurrent request); everything else from the database is ours.
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::input("a record with the same unique key already exists")
            }
            _ => Self::Internal(err.into()),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        Self::Internal(err)
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(cause) = self {
            tracing::error!(error.cause_chain = ?cause, "internal error");
        }
        async_graphql::Error::new(self.message()).extend_with(|_, ext| {
            ext.set("code", self.code());
            if let Self::BadInput { field: Some(field), .. } = self {
                ext.set("field", field.as_str());
            }
            if let Self::BadInput {
                key: Some(key), params, ..
            }
            | Self::Unauthenticated {
                key: Some(key), params, ..
            } = self
            {
                ext.set("key", *key);
                ext.set(
                    "params",
                    async_graphql::Value::from_json(params.clone().into()).unwrap_or_default(),
                );
            }
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.extend()
    }
}

/// For the command line, which reports errors through anyhow.
impl From<AppError> for anyhow::Error {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Internal(cause) => cause,
            other => anyhow::anyhow!("{}", other.message()),
        }
    }
}

/// A refused filter names its place in the tree, and its key.
impl From<jobs::segments::FilterError> for AppError {
    fn from(refused: jobs::segments::FilterError) -> Self {
        Self::BadInput {
            field: Some(refused.path),
            message: refused.message,
            key: Some(refused.key),
            params: refused.params,
        }
    }
}

/// A refused filter names its place in the tree; a database failure is ours.
impl From<jobs::segments::SegmentError> for AppError {
    fn from(err: jobs::segments::SegmentError) -> Self {
        match err {
            jobs::segments::SegmentError::Invalid(e) => e.into(),
            jobs::segments::SegmentError::Db(e) => e.into(),
        }
    }
}
