//! A failed command: a status in the library's `ISMS_...` form and a reason
//! that never holds the password (the library redacts its own messages; the
//! command's own messages name files and options, never their contents).

use isms::Status;
use serde_json::Value;

use crate::args::Format;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: Status,
    pub message: String,
}

impl Failure {
    /// A setting or argument refused before any network I/O.
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure {
            status: Status::InvalidArgument,
            message: message.into(),
        }
    }

    /// The status name, e.g. `ISMS_ERR_AUTH`.
    pub fn status_name(&self) -> &'static str {
        self.status.name()
    }

    /// `ISMS_ERR_AUTH: gateway replied Failed: Authentication Failed`
    pub fn line(&self) -> String {
        format!("{}: {}", self.status_name(), self.message)
    }

    /// The failure object `{"status","message"}`.
    pub fn json(&self) -> String {
        json_object(&[
            ("status", self.status_name().into()),
            ("message", self.message.as_str().into()),
        ])
    }

    /// Text goes to stderr; JSON to stdout, where a script reads the result.
    pub fn print(&self, format: Format) {
        match format {
            Format::Text => eprintln!("isms: {}", self.line()),
            Format::Json => println!("{}", self.json()),
        }
    }
}

impl From<isms::Error> for Failure {
    fn from(error: isms::Error) -> Failure {
        Failure {
            status: error.status(),
            message: error.message().to_owned(),
        }
    }
}

/// A JSON object with its keys in the order given (the contract's order),
/// on one line.
pub fn json_object(fields: &[(&str, Value)]) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(key, value)| format!("{}:{value}", Value::from(*key)))
        .collect();
    format!("{{{}}}", fields.join(","))
}
