//! What the broker and the agents say to each other.
use serde::{Deserialize, Serialize};

/// A component's name and the version it was built as (the `VERSION` build
/// argument, read at compile time; `dev` outside a release build).
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Build {
    pub component: String,
    pub version: String,
}

impl Build {
    pub fn new(component: &str, version: Option<&str>) -> Build {
        Build { component: component.to_string(), version: version.unwrap_or("dev").to_string() }
    }

    /// `brokkr-broker v1.2.3`: what `--version` prints.
    pub fn line(&self) -> String {
        format!("{} {}", self.component, self.version)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a Build always serialises")
    }
}

/// An agent's heartbeat to the broker.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Heartbeat {
    pub agent: String,
    pub build: Build,
    pub deployments: Vec<String>,
}

pub fn parse_heartbeat(text: &str) -> Result<Heartbeat, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}
