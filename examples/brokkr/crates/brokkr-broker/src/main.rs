//! The broker: `--version` prints its build; otherwise it reads agents'
//! heartbeats (JSON, one a line) on stdin and answers each with its status.
use brokkr_models::{parse_heartbeat, Build};
use std::io::BufRead;

fn main() {
    let build = Build::new("brokkr-broker", option_env!("VERSION"));
    if std::env::args().nth(1).as_deref() == Some("--version") {
        println!("{}", build.line());
        return;
    }
    eprintln!("{}", build.to_json());
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap_or_default();
        let answer = match parse_heartbeat(&line) {
            Ok(beat) => serde_json::json!({"agent": beat.agent, "accepted": beat.deployments.len()}),
            Err(error) => serde_json::json!({"error": error}),
        };
        println!("{}", answer);
    }
}
